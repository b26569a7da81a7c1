//! The state of one [`File`](super::File): at most one blocking operation in flight, the
//! read-ahead buffer, and the queue of accepted writes.
//!
//! # Protocol
//!
//! - `op` is the one blocking job of this file (a read, a seek, a run of the writer, or a
//!   `sync_all`/`set_len`): jobs never overlap, so they hit the descriptor in the order the
//!   file's user asked for them. Only the owner of the `File` (through `&mut` or the
//!   file's async mutex) touches `op`, `rbuf` and `rpos`.
//! - `rbuf[rpos..]` are bytes a read job fetched ahead that the user has not taken yet.
//!   The descriptor's offset is that many bytes past the user's position, so a write or
//!   `set_len` first seeks back by that many, and a relative seek subtracts them.
//! - [`Writes`] is shared with the writer job under a std mutex (held for a copy, never
//!   across I/O). `poll_write` appends to `buf` and returns at once; while the writer is
//!   `running` it takes the whole of `buf` as one batch and writes it with one
//!   `write_all`, so any number of small writes that arrive while one batch is written
//!   become the next single blocking call. The writer clears `running` (under the lock)
//!   only when it finds `buf` empty, and then does no more I/O: a `poll_write` that sees
//!   `running` set may append and leave; one that sees it clear waits for that job to
//!   end and starts the next. A write error stops the writer, drops the queued bytes, and
//!   is reported by the next write or flush (tokio reports it the same way).

use crate::loom::Mutex;
use crate::task::JoinHandle;
#[cfg(loom)]
use loom::sync::MutexGuard;
use std::fs::File as StdFile;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(not(loom))]
use std::sync::MutexGuard;
use std::sync::PoisonError;
use std::task::{ready, Context, Poll, Waker};

/// At most this many bytes are read in one job, and queued writes stop accepting bytes
/// past it until the writer takes a batch: 2 MiB, as tokio's file buffer, bounds the
/// memory of one file while keeping each blocking call large.
pub(super) const MAX_BUF: usize = 2 * 1024 * 1024;

/// A read job asks for at least this much, so small reads are served from memory: 64 KiB,
/// the size of a typical readahead window, where larger reads stop saving syscalls.
pub(super) const READ_AHEAD: usize = 64 * 1024;

/// What kind of job is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Read,
    /// A seek the user asked for, to this position (as asked, before read-ahead
    /// adjustment), so a repeated `poll_seek` finds its own job.
    Seek(SeekFrom),
    Write,
    Other,
}

/// A finished job's result, as the job returned it.
pub(super) enum Done {
    Read {
        buf: Vec<u8>,
        res: io::Result<usize>,
    },
    Seek(io::Result<u64>),
    Write,
    Other(io::Result<()>),
}

/// What [`Inner::poll_op`] reports once the job in flight has finished (read data is
/// already in the read-ahead buffer).
pub(super) enum Finished {
    Read(io::Result<usize>),
    Seek(io::Result<u64>),
    Write,
    Other(io::Result<()>),
}

/// The queue of accepted writes, shared with the writer job.
#[derive(Debug)]
pub(super) struct Writes {
    state: Mutex<WriteState>,
}

impl Default for Writes {
    fn default() -> Writes {
        Writes {
            state: Mutex::new(WriteState::default()),
        }
    }
}

#[derive(Debug, Default)]
struct WriteState {
    /// Accepted bytes not yet taken by the writer.
    buf: Vec<u8>,
    /// Bytes the writer must seek back before its first batch (discarded read-ahead).
    seek_back: usize,
    /// Set by `poll_write` when it starts a writer; cleared by the writer when it finds
    /// `buf` empty (then it does no more I/O), or when it stops on an error.
    running: bool,
    /// The writer's error, for the next write or flush.
    err: Option<io::Error>,
    /// A `poll_write` waiting for room in `buf`; woken when the writer takes a batch.
    waker: Option<Waker>,
}

/// What [`Writes::append`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Appended {
    /// This many bytes were queued for the running writer.
    Queued(usize),
    /// The queue is full; the waker is registered for when the writer takes a batch.
    Full,
    /// No writer runs: start one with [`Writes::start`] (after the previous job ended).
    Idle,
}

impl Writes {
    fn lock(&self) -> MutexGuard<'_, WriteState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues as much of `src` as fits, if a writer is running to take it.
    ///
    /// # Errors
    ///
    /// The error of an earlier batch, not yet reported.
    pub(super) fn append(&self, src: &[u8], waker: &Waker) -> io::Result<Appended> {
        let mut st = self.lock();
        if let Some(e) = st.err.take() {
            return Err(e);
        }
        if !st.running {
            return Ok(Appended::Idle);
        }
        if st.buf.len() >= MAX_BUF {
            st.waker = Some(waker.clone());
            return Ok(Appended::Full);
        }
        let n = src.len().min(MAX_BUF - st.buf.len());
        st.buf.extend_from_slice(&src[..n]);
        Ok(Appended::Queued(n))
    }

    /// Queues the first bytes for a new writer (none runs) and marks it running; the
    /// caller then starts [`drain`] as the file's job (or calls [`Writes::abort`]).
    ///
    /// # Errors
    ///
    /// The error of an earlier batch, not yet reported (nothing is queued then).
    pub(super) fn start(&self, src: &[u8], seek_back: usize) -> io::Result<usize> {
        let mut st = self.lock();
        if let Some(e) = st.err.take() {
            return Err(e);
        }
        debug_assert!(!st.running && st.buf.is_empty());
        let n = src.len().min(MAX_BUF);
        st.seek_back = seek_back;
        st.buf.extend_from_slice(&src[..n]);
        st.running = true;
        Ok(n)
    }

    /// Undoes [`Writes::start`] when the writer could not be started.
    pub(super) fn abort(&self) {
        let mut st = self.lock();
        st.buf.clear();
        st.seek_back = 0;
        st.running = false;
    }

    /// The error of an earlier batch, not yet reported.
    pub(super) fn take_err(&self) -> Option<io::Error> {
        self.lock().err.take()
    }

    fn fail(&self, e: io::Error) {
        let mut st = self.lock();
        st.buf.clear();
        st.seek_back = 0;
        st.running = false;
        st.err = Some(e);
        if let Some(w) = st.waker.take() {
            w.wake();
        }
    }
}

/// The writer job: takes the whole queue as one batch and hands it to `write` (with the
/// bytes to seek back first), until it finds the queue empty.
pub(super) fn drain(
    writes: &Writes,
    mut write: impl FnMut(usize, &[u8]) -> io::Result<()>,
) -> Done {
    let mut batch = Vec::new();
    loop {
        let seek_back;
        {
            let mut st = writes.lock();
            if st.buf.is_empty() {
                st.running = false;
                return Done::Write;
            }
            // Swap rather than take: the emptied batch's allocation becomes the next queue.
            batch.clear();
            mem::swap(&mut st.buf, &mut batch);
            seek_back = mem::take(&mut st.seek_back);
            if let Some(w) = st.waker.take() {
                w.wake();
            }
        }
        if let Err(e) = write(seek_back, &batch) {
            writes.fail(e);
            return Done::Write;
        }
    }
}

/// [`drain`] into a file.
fn write_queued(file: &StdFile, writes: &Writes) -> Done {
    drain(writes, |seek_back, batch| {
        seek_back_by(file, seek_back)?;
        (&mut &*file).write_all(batch)
    })
}

/// The writer job, which runs even if the blocking pool drops it unrun (the runtime shut
/// down with the job still queued): then the queue is written on the thread that drops
/// it. A write that returned `Ok` is never lost to a shutdown (tokio's file writes are
/// "mandatory" blocking jobs for the same reason).
pub(super) struct WriterJob(Option<(Arc<StdFile>, Arc<Writes>)>);

impl WriterJob {
    pub(super) fn new(file: Arc<StdFile>, writes: Arc<Writes>) -> WriterJob {
        WriterJob(Some((file, writes)))
    }

    pub(super) fn run(mut self) -> Done {
        let (file, writes) = self.0.take().expect("a writer job runs once");
        write_queued(&file, &writes)
    }
}

impl Drop for WriterJob {
    fn drop(&mut self) {
        if let Some((file, writes)) = self.0.take() {
            write_queued(&file, &writes);
        }
    }
}

/// Moves the offset back over `n` bytes of discarded read-ahead.
pub(super) fn seek_back_by(file: &StdFile, n: usize) -> io::Result<()> {
    if n > 0 {
        let n = i64::try_from(n).map_err(io::Error::other)?;
        (&mut &*file).seek(SeekFrom::Current(-n))?;
    }
    Ok(())
}

/// The read job.
pub(super) fn read_into(file: &StdFile, mut buf: Vec<u8>) -> Done {
    let res = loop {
        match (&mut &*file).read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => break res,
        }
    };
    Done::Read { buf, res }
}

/// The runtime whose blocking pool runs the file's jobs.
///
/// # Errors
///
/// Outside a runtime.
pub(super) fn runtime() -> io::Result<crate::Handle> {
    crate::Handle::try_current()
        .map_err(|e| io::Error::other(format!("weft::fs::File needs a weft runtime: {e}")))
}

/// Everything but the `std::fs::File` itself.
#[derive(Debug)]
pub(super) struct Inner {
    op: Option<(Kind, JoinHandle<Done>)>,
    /// Read-ahead: `rbuf[rpos..]` is not yet returned to the user.
    rbuf: Vec<u8>,
    rpos: usize,
    pub(super) writes: Arc<Writes>,
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            op: None,
            rbuf: Vec::new(),
            rpos: 0,
            writes: Arc::default(),
        }
    }

    /// The kind of job in flight, if any.
    pub(super) fn op_kind(&self) -> Option<Kind> {
        self.op.as_ref().map(|(kind, _)| *kind)
    }

    /// Starts `job` on the blocking pool as this file's job.
    ///
    /// # Errors
    ///
    /// Outside a runtime (the job is not started then).
    pub(super) fn start(
        &mut self,
        kind: Kind,
        job: impl FnOnce() -> Done + Send + 'static,
    ) -> io::Result<()> {
        debug_assert!(self.op.is_none(), "one job per file at a time");
        let handle = runtime()?;
        self.op = Some((kind, handle.spawn_blocking(job)));
        Ok(())
    }

    /// Waits for the job in flight to finish; `None` if there was none. Read data goes to
    /// the read-ahead buffer.
    pub(super) fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Option<Finished>> {
        let Some((kind, handle)) = &mut self.op else {
            return Poll::Ready(None);
        };
        let kind = *kind;
        let res = ready!(Pin::new(handle).poll(cx));
        self.op = None;
        // A job the runtime dropped unrun (it shut down) reports its JoinError as the
        // operation's error.
        let done = match res {
            Ok(done) => done,
            Err(e) => {
                let e = io::Error::from(e);
                match kind {
                    Kind::Read => Done::Read {
                        buf: Vec::new(),
                        res: Err(e),
                    },
                    Kind::Seek(_) => Done::Seek(Err(e)),
                    Kind::Write => {
                        self.writes.fail(e);
                        Done::Write
                    }
                    Kind::Other => Done::Other(Err(e)),
                }
            }
        };
        Poll::Ready(Some(match (kind, done) {
            (_, Done::Read { mut buf, res }) => {
                let n = *res.as_ref().unwrap_or(&0);
                buf.truncate(n);
                self.rbuf = buf;
                self.rpos = 0;
                Finished::Read(res)
            }
            (_, Done::Seek(res)) => Finished::Seek(res),
            (_, Done::Write) => Finished::Write,
            (_, Done::Other(res)) => Finished::Other(res),
        }))
    }

    /// Waits until no job is in flight (finishing any, writes included).
    pub(super) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while ready!(self.poll_op(cx)).is_some() {}
        Poll::Ready(())
    }

    /// Bytes of read-ahead not yet returned.
    pub(super) fn unread(&self) -> usize {
        self.rbuf.len() - self.rpos
    }

    /// Copies read-ahead into `dst`; returns how much.
    pub(super) fn take_read_ahead(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.rbuf[self.rpos..self.rpos + n]);
        self.rpos += n;
        n
    }

    /// Forgets the read-ahead; returns how many bytes the offset is ahead of the user.
    pub(super) fn discard_read_ahead(&mut self) -> usize {
        let n = self.unread();
        self.rbuf.clear();
        self.rpos = 0;
        n
    }

    /// A buffer of `len` bytes for the next read job, reusing the read-ahead's allocation.
    pub(super) fn read_buf(&mut self, len: usize) -> Vec<u8> {
        let mut buf = mem::take(&mut self.rbuf);
        self.rpos = 0;
        buf.clear();
        buf.resize(len, 0);
        buf
    }
}
