//! `duplex`: an in-memory, bidirectional byte stream with a bounded buffer each way, for
//! tests and for joining two pieces of code that each expect a socket.
//!
//! # Protocol
//!
//! Each direction is one [`Pipe`] behind a `std::sync::Mutex`, shared by the two ends. A
//! poll locks, moves bytes, stores its waker if it cannot proceed, and takes the other
//! side's waker; the waker is woken after the lock is released. A reader waits only while
//! the pipe is empty and open; a writer only while it is full and the reader is alive.
//! Either end closing (`close`, or drop) marks the pipe it writes as closed (its peer reads
//! the rest, then end of stream); dropping an end also marks the pipe it reads as closed,
//! so its peer's writes fail with `BrokenPipe` instead of waiting forever.

use bytes::{Buf, BytesMut};
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};
use weft_io::coop;

/// Creates a connected pair of in-memory streams; each direction buffers at most
/// `max_buf_size` bytes, and a writer waits (back-pressure) while its direction is full.
///
/// Bytes written to one end are read from the other. Closing an end's write side
/// ([`close`](super::AsyncWriteExt::close)) gives its peer end of stream after the
/// buffered bytes; dropping an end does that too, and makes the peer's writes fail with
/// `BrokenPipe`.
///
/// # Panics
///
/// If `max_buf_size` is 0 (no byte could ever move).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut client, mut server) = weft::io::duplex(64);
///     client.write_all(b"ping").await.unwrap();
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await.unwrap();
///     server.write_all(b"pong").await.unwrap();
///     client.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"pong");
/// });
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(max_buf_size > 0, "duplex: max_buf_size must be at least 1");
    let a_to_b = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let b_to_a = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: b_to_a.clone(),
            write: a_to_b.clone(),
        },
        DuplexStream {
            read: a_to_b,
            write: b_to_a,
        },
    )
}

/// One end of a [`duplex`] pair; implements [`AsyncRead`] and [`AsyncWrite`].
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

/// One direction of a duplex pair.
struct Pipe {
    buf: BytesMut,
    max: usize,
    /// No more bytes will be written: set by the writer's `close` or drop. Readers drain
    /// `buf`, then see end of stream.
    write_closed: bool,
    /// Nobody will read: set when the reading end drops. Writes fail with `BrokenPipe`.
    read_closed: bool,
    /// The reader waiting for bytes (or for the close).
    read_waker: Option<Waker>,
    /// The writer waiting for room (or for the reader to go).
    write_waker: Option<Waker>,
}

impl Pipe {
    fn new(max: usize) -> Pipe {
        Pipe {
            buf: BytesMut::new(),
            max,
            write_closed: false,
            read_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, dst: &mut [u8]) -> (Poll<usize>, Option<Waker>) {
        if dst.is_empty() {
            return (Poll::Ready(0), None);
        }
        if self.buf.is_empty() {
            if self.write_closed {
                return (Poll::Ready(0), None);
            }
            self.read_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let n = dst.len().min(self.buf.len());
        dst[..n].copy_from_slice(&self.buf[..n]);
        self.buf.advance(n);
        // Room was made: the writer may go on.
        (Poll::Ready(n), self.write_waker.take())
    }

    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> (Poll<io::Result<usize>>, Option<Waker>) {
        if self.read_closed || self.write_closed {
            return (Poll::Ready(Err(broken_pipe(self.read_closed))), None);
        }
        if src.is_empty() {
            return (Poll::Ready(Ok(0)), None);
        }
        let room = self.max - self.buf.len();
        if room == 0 {
            self.write_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let n = room.min(src.len());
        self.buf.extend_from_slice(&src[..n]);
        (Poll::Ready(Ok(n)), self.read_waker.take())
    }

    fn close_write(&mut self) -> Option<Waker> {
        self.write_closed = true;
        self.read_waker.take()
    }

    fn close_read(&mut self) -> Option<Waker> {
        self.read_closed = true;
        self.write_waker.take()
    }
}

fn broken_pipe(peer_gone: bool) -> io::Error {
    let msg = if peer_gone {
        "the other end of the duplex stream was dropped"
    } else {
        "this end of the duplex stream was closed for writing"
    };
    io::Error::new(io::ErrorKind::BrokenPipe, msg)
}

/// Runs `f` on the pipe under its lock, then wakes the waker it returned, unlocked.
fn with_pipe<T>(pipe: &Mutex<Pipe>, f: impl FnOnce(&mut Pipe) -> (T, Option<Waker>)) -> T {
    // A panic while the lock is held leaves the pipe consistent (each method mutates in
    // one step), so a poisoned lock is still usable.
    let (out, waker) = f(&mut pipe.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(waker) = waker {
        waker.wake();
    }
    out
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(coop::poll_proceed(cx));
        let n = ready!(with_pipe(&self.read, |p| p.poll_read(cx, buf)));
        coop.made_progress();
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(coop::poll_proceed(cx));
        let res = ready!(with_pipe(&self.write, |p| p.poll_write(cx, buf)));
        coop.made_progress();
        Poll::Ready(res)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_pipe(&self.write, |p| ((), p.close_write()));
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        with_pipe(&self.write, |p| ((), p.close_write()));
        with_pipe(&self.read, |p| ((), p.close_read()));
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplexStream").finish_non_exhaustive()
    }
}
