//! [`File`]: a file whose reads, writes and seeks run on the blocking pool, buffered so
//! small operations cost one blocking call per batch.

mod inner;
#[cfg(all(test, loom))]
mod loom_tests;

use self::inner::{
    read_into, runtime, seek_back_by, Appended, Done, Finished, Inner, Kind, WriterJob,
};
use self::inner::{MAX_BUF, READ_AHEAD};
use super::{asyncify, OpenOptions};
use crate::io::{AsyncRead, AsyncWrite};
use futures_io::AsyncSeek;
use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::future::poll_fn;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use weft_io::coop;

/// An open file (tokio's `tokio::fs::File`; asyncio's `run_in_executor` around a file).
///
/// Files cannot be waited on by the io-driver (the OS always calls them ready), so each
/// operation runs on the runtime's blocking pool, one at a time per file, in the order
/// they were asked for. `File` buffers so that small operations do not each pay for a
/// trip to the pool:
///
/// - a read fetches at least 64 KiB (at most 2 MiB) and serves the following reads from
///   memory;
/// - a write is copied into a queue and returns at once; one blocking job writes the
///   queue with one `write_all` per batch, and whatever is written while a batch is in
///   flight becomes the next batch (up to 2 MiB queued; past that a write waits).
///
/// So a write that returned `Ok` has not necessarily reached the file yet: its error, if
/// any, is reported by the next write or by [`flush`](crate::io::AsyncWriteExt::flush),
/// which waits until every queued byte is written (not synced: see
/// [`sync_all`](Self::sync_all)). A file dropped with queued writes still writes them,
/// on the pool; only an error would go unreported. Flush before dropping to see it.
///
/// Reads, writes and seeks take `&mut self` ([`AsyncRead`], [`AsyncWrite`],
/// [`AsyncSeek`]); the other methods take `&self` and wait for the operation in flight.
///
/// # Examples
///
/// ```
/// use weft::fs::{AsyncSeekExt, File};
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-file-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await.unwrap();
///     let path = dir.join("hello.txt");
///
///     let mut file = File::create(&path).await.unwrap();
///     file.write_all(b"hello, world").await.unwrap();
///     file.flush().await.unwrap();
///
///     let mut file = File::open(&path).await.unwrap();
///     file.seek(SeekFrom::Start(7)).await.unwrap();
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await.unwrap();
///     assert_eq!(rest, "world");
///     # weft::fs::remove_dir_all(&dir).await.unwrap();
/// });
/// ```
pub struct File {
    std: Arc<StdFile>,
    inner: crate::sync::Mutex<Inner>,
}

impl File {
    /// Opens a file for reading (std's `File::open`).
    ///
    /// # Errors
    ///
    /// `NotFound` if it does not exist, `PermissionDenied`, and the other errors of
    /// `open(2)`; an error outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a file opened after the future was dropped is closed again.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::File::open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        asyncify(move || StdFile::open(path))
            .await
            .map(File::from_std)
    }

    /// Opens a file for writing, creating it or truncating it (std's `File::create`).
    ///
    /// # Errors
    ///
    /// As `open(2)` (`NotFound` when the directory does not exist); an error outside a
    /// runtime.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped after the job started, the file may
    /// have been created (and truncated) anyway.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-create-{}", std::process::id()));
    ///     let file = weft::fs::File::create(&path).await.unwrap();
    ///     assert_eq!(file.metadata().await.unwrap().len(), 0);
    ///     # weft::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        asyncify(move || StdFile::create(path))
            .await
            .map(File::from_std)
    }

    /// Options to open a file with ([`OpenOptions::new`]).
    ///
    /// ```
    /// let mut opts = weft::fs::File::options();
    /// opts.read(true).write(true);
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a std file (its offset is where reads and writes start).
    ///
    /// ```
    /// weft::run(async {
    ///     let std = std::fs::File::open("/dev/null").unwrap();
    ///     let _file = weft::fs::File::from_std(std);
    /// });
    /// ```
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: crate::sync::Mutex::new(Inner::new()),
        }
    }

    /// Waits for the operation in flight and every queued write, then returns the std
    /// file (its offset moved back over any read-ahead).
    ///
    /// # Errors
    ///
    /// A write error not yet reported, or the error of moving the offset back.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the `File` is consumed; dropping the future drops it.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-into-std-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"abc").await.unwrap();
    ///     let std = file.into_std().await.unwrap();
    ///     assert_eq!(std.metadata().unwrap().len(), 3, "queued writes are done");
    ///     # std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn into_std(mut self) -> io::Result<StdFile> {
        let inner = self.inner.get_mut();
        poll_fn(|cx| inner.poll_idle(cx)).await;
        if let Some(e) = inner.writes.take_err() {
            return Err(e);
        }
        let unread = inner.discard_read_ahead();
        // Every job of this file has returned (and dropped its clone) before its handle
        // completed; only a `metadata` job whose future was dropped may still hold one,
        // and then a duplicate descriptor (same offset) does as well.
        let std = match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            Err(shared) => shared.try_clone()?,
        };
        seek_back_by(&std, unread)?;
        Ok(std)
    }

    /// Waits for queued writes, then flushes the file's data and metadata to the device
    /// (`fsync`).
    ///
    /// # Errors
    ///
    /// A write error not yet reported; the error of `fsync`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that the file stays consistent: a sync already started runs to its
    /// end on the pool, and the next operation on the file waits for it.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-sync-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"durable").await.unwrap();
    ///     file.sync_all().await.unwrap();
    ///     # weft::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let std = self.std.clone();
        self.run_other(false, move || std.sync_all()).await
    }

    /// As [`sync_all`](Self::sync_all), but may skip metadata not needed to read the data
    /// back (`fdatasync`).
    ///
    /// # Errors
    ///
    /// As [`sync_all`](Self::sync_all).
    ///
    /// # Cancel safety
    ///
    /// As [`sync_all`](Self::sync_all).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-sync-data-{}", std::process::id()));
    ///     let file = weft::fs::File::create(&path).await.unwrap();
    ///     file.sync_data().await.unwrap();
    ///     # weft::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let std = self.std.clone();
        self.run_other(false, move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes, after queued writes (the offset does
    /// not move; read-ahead is discarded).
    ///
    /// # Errors
    ///
    /// A write error not yet reported; the error of `ftruncate` (the file is not open for
    /// writing: `InvalidInput` or `PermissionDenied`).
    ///
    /// # Cancel safety
    ///
    /// As [`sync_all`](Self::sync_all): a resize already started still happens.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-set-len-{}", std::process::id()));
    ///     let file = weft::fs::File::create(&path).await.unwrap();
    ///     file.set_len(4096).await.unwrap();
    ///     assert_eq!(file.metadata().await.unwrap().len(), 4096);
    ///     # weft::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let std = self.std.clone();
        self.run_other(true, move || std.set_len(size)).await
    }

    /// The file's metadata (`fstat`), without waiting for queued writes.
    ///
    /// # Errors
    ///
    /// The error of `fstat`; an error outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let file = weft::fs::File::open("/dev/null").await.unwrap();
    ///     assert!(!file.metadata().await.unwrap().is_dir());
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Changes the file's permissions, after queued writes.
    ///
    /// # Errors
    ///
    /// A write error not yet reported; the error of `fchmod`.
    ///
    /// # Cancel safety
    ///
    /// As [`sync_all`](Self::sync_all).
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-perm-{}", std::process::id()));
    ///     let file = weft::fs::File::create(&path).await.unwrap();
    ///     file.set_permissions(std::fs::Permissions::from_mode(0o600)).await.unwrap();
    ///     let mode = file.metadata().await.unwrap().permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o600);
    ///     # weft::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        self.run_other(false, move || std.set_permissions(perm))
            .await
    }

    /// Waits for the file to be idle, then runs `job` as its operation; `rewind` first
    /// moves the offset back over the read-ahead (which is discarded).
    async fn run_other(
        &self,
        rewind: bool,
        job: impl FnOnce() -> io::Result<()> + Send + 'static,
    ) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_idle(cx)).await;
        if let Some(e) = inner.writes.take_err() {
            return Err(e);
        }
        let unread = if rewind {
            inner.discard_read_ahead()
        } else {
            0
        };
        let std = self.std.clone();
        inner.start(Kind::Other, move || {
            Done::Other(seek_back_by(&std, unread).and_then(|()| job()))
        })?;
        match poll_fn(|cx| inner.poll_op(cx)).await {
            Some(Finished::Other(res)) => res,
            _ => unreachable!("the job just started is the one in flight"),
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let coop = ready!(coop::poll_proceed(cx));
        loop {
            if inner.unread() > 0 {
                coop.made_progress();
                return Poll::Ready(Ok(inner.take_read_ahead(dst)));
            }
            match ready!(inner.poll_op(cx)) {
                // A read finished: its bytes (if any) are the read-ahead now.
                Some(Finished::Read(Ok(n))) if n > 0 => continue,
                Some(Finished::Read(res)) => {
                    coop.made_progress();
                    return Poll::Ready(res);
                }
                // Another job (a write run, a seek) finished: now read.
                Some(_) => continue,
                None => {}
            }
            let buf = inner.read_buf(dst.len().clamp(READ_AHEAD, MAX_BUF));
            let std = me.std.clone();
            if let Err(e) = inner.start(Kind::Read, move || read_into(&std, buf)) {
                return Poll::Ready(Err(e));
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let coop = ready!(coop::poll_proceed(cx));
        loop {
            match inner.op_kind() {
                Some(Kind::Write) => match inner.writes.append(src, cx.waker()) {
                    Ok(Appended::Queued(n)) => {
                        coop.made_progress();
                        return Poll::Ready(Ok(n));
                    }
                    Ok(Appended::Full) => return Poll::Pending,
                    // The writer found the queue empty and is returning: let it finish,
                    // so only one job ever touches the file, then start the next.
                    Ok(Appended::Idle) => {
                        ready!(inner.poll_op(cx));
                    }
                    Err(e) => {
                        coop.made_progress();
                        return Poll::Ready(Err(e));
                    }
                },
                // A read or seek first (read data is kept, then discarded below).
                Some(_) => {
                    ready!(inner.poll_op(cx));
                }
                None => {
                    coop.made_progress();
                    // Checked before queueing: a writer job that is dropped unrun writes
                    // the queue itself, which must not happen for one never started.
                    if let Err(e) = runtime() {
                        return Poll::Ready(Err(e));
                    }
                    let unread = inner.discard_read_ahead();
                    let n = match inner.writes.start(src, unread) {
                        Ok(n) => n,
                        Err(e) => return Poll::Ready(Err(e)),
                    };
                    let job = WriterJob::new(me.std.clone(), inner.writes.clone());
                    if let Err(e) = inner.start(Kind::Write, move || job.run()) {
                        inner.writes.abort();
                        return Poll::Ready(Err(e));
                    }
                    return Poll::Ready(Ok(n));
                }
            }
        }
    }

    /// Waits until every queued write is written (not synced), and reports a write error
    /// not yet reported.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let inner = self.get_mut().inner.get_mut();
        ready!(inner.poll_idle(cx));
        Poll::Ready(match inner.writes.take_err() {
            Some(e) => Err(e),
            None => Ok(()),
        })
    }

    /// As `poll_flush`; the file is closed when dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    /// Waits for queued writes, then seeks. A `SeekFrom::Current` offset counts from the
    /// position the user has read to, not from the read-ahead.
    ///
    /// A seek left in flight by a dropped future is finished before the next operation;
    /// polling a seek to the same position again returns that seek's result.
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        loop {
            match inner.op_kind() {
                Some(Kind::Seek(asked)) if asked == pos => {
                    if let Some(Finished::Seek(res)) = ready!(inner.poll_op(cx)) {
                        return Poll::Ready(res);
                    }
                }
                Some(_) => {
                    ready!(inner.poll_op(cx));
                }
                None => {
                    let unread = inner.discard_read_ahead();
                    let target = match pos {
                        SeekFrom::Current(n) => {
                            let unread = i64::try_from(unread).map_err(io::Error::other);
                            match unread.map(|u| n.checked_sub(u)) {
                                Ok(Some(n)) => SeekFrom::Current(n),
                                _ => {
                                    return Poll::Ready(Err(io::Error::new(
                                        io::ErrorKind::InvalidInput,
                                        "seek offset overflows",
                                    )))
                                }
                            }
                        }
                        other => other,
                    };
                    let std = me.std.clone();
                    inner.start(Kind::Seek(pos), move || {
                        Done::Seek((&mut &*std).seek(target))
                    })?;
                }
            }
        }
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("std", &self.std).finish()
    }
}
