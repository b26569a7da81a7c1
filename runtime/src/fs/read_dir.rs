//! [`read_dir`]: a directory's entries as a [`Stream`], fetched in batches on the
//! blocking pool.

use super::asyncify;
use crate::task::JoinHandle;
use futures_core::Stream;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries fetched per trip to the blocking pool: 32, as tokio's `ReadDir`, so a listing
/// of 10 000 entries costs about 300 blocking calls rather than 10 000, and a caller that
/// stops early wastes little.
const BATCH: usize = 32;

/// Opens a directory for listing (std's `read_dir`; tokio's `tokio::fs::read_dir`).
///
/// The entries come in no particular order and do not include `.` and `..`.
///
/// # Errors
///
/// `NotFound`, `PermissionDenied`, or not a directory (`NotADirectory`); an error outside
/// a runtime.
///
/// # Cancel safety
///
/// Cancel safe: a directory opened after the future was dropped is closed again.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let mut entries = weft::fs::read_dir("/").await.unwrap();
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next_entry().await.unwrap() {
///         names.push(entry.file_name());
///     }
///     assert!(names.iter().any(|n| n == "proc"));
/// });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        entries: VecDeque::new(),
        state: State::Idle(Some(std)),
    })
}

/// The entries of a directory, from [`read_dir`]: a [`Stream`] of
/// `io::Result<DirEntry>`, or [`next_entry`](Self::next_entry) in a loop.
///
/// # Examples
///
/// ```
/// use futures_core::Stream;
/// use std::pin::Pin;
///
/// weft::run(async {
///     let mut entries = weft::fs::read_dir("/").await.unwrap();
///     let mut count = 0;
///     while let Some(entry) = std::future::poll_fn(|cx| Pin::new(&mut entries).poll_next(cx)).await {
///         entry.unwrap();
///         count += 1;
///     }
///     assert!(count > 0);
/// });
/// ```
pub struct ReadDir {
    /// Fetched, not yet returned.
    entries: VecDeque<io::Result<DirEntry>>,
    state: State,
}

type Batch = (std::fs::ReadDir, VecDeque<io::Result<DirEntry>>, bool);

enum State {
    /// `None` only while a fetch is being started.
    Idle(Option<std::fs::ReadDir>),
    /// A fetch of the next batch; `true` in its output once the directory is exhausted.
    Fetching(JoinHandle<Batch>),
    Done,
}

impl ReadDir {
    /// The next entry, or `None` at the end.
    ///
    /// # Errors
    ///
    /// An error reading the directory (the listing may go on after it); an error outside
    /// a runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a batch fetched for a dropped call is kept for the next one.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut entries = weft::fs::read_dir("/").await.unwrap();
    ///     assert!(entries.next_entry().await.unwrap().is_some());
    /// });
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The poll form of [`next_entry`](Self::next_entry).
    ///
    /// # Errors
    ///
    /// As [`next_entry`](Self::next_entry).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut entries = weft::fs::read_dir("/").await.unwrap();
    ///     let first = std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await;
    ///     assert!(first.unwrap().is_some());
    /// });
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            if let Some(entry) = self.entries.pop_front() {
                return Poll::Ready(entry.map(Some));
            }
            match &mut self.state {
                State::Done => return Poll::Ready(Ok(None)),
                State::Idle(std) => {
                    let mut std = std.take().expect("an idle ReadDir holds its directory");
                    let handle = match crate::Handle::try_current() {
                        Ok(handle) => handle,
                        Err(e) => {
                            self.state = State::Idle(Some(std));
                            return Poll::Ready(Err(io::Error::other(format!(
                                "weft::fs::ReadDir needs a weft runtime: {e}"
                            ))));
                        }
                    };
                    self.state = State::Fetching(handle.spawn_blocking(move || {
                        let mut batch = VecDeque::with_capacity(BATCH);
                        for _ in 0..BATCH {
                            match std.next() {
                                Some(entry) => batch.push_back(entry.map(DirEntry::from_std)),
                                None => return (std, batch, true),
                            }
                        }
                        (std, batch, false)
                    }));
                }
                State::Fetching(handle) => {
                    let fetched = ready!(Pin::new(handle).poll(cx));
                    match fetched {
                        Ok((std, batch, done)) => {
                            self.entries = batch;
                            self.state = if done {
                                State::Done
                            } else {
                                State::Idle(Some(std))
                            };
                        }
                        Err(e) => {
                            self.state = State::Done;
                            return Poll::Ready(Err(e.into()));
                        }
                    }
                }
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir")
            .field("buffered", &self.entries.len())
            .finish()
    }
}

/// One entry of a directory listing (std's `DirEntry`, with the calls that may touch the
/// disk made async).
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let mut entries = weft::fs::read_dir("/").await.unwrap();
///     while let Some(entry) = entries.next_entry().await.unwrap() {
///         if entry.file_name() == "proc" {
///             assert!(entry.file_type().await.unwrap().is_dir());
///             assert_eq!(entry.path(), std::path::Path::new("/proc"));
///         }
///     }
/// });
/// ```
#[derive(Clone)]
pub struct DirEntry(Arc<std::fs::DirEntry>);

impl DirEntry {
    fn from_std(std: std::fs::DirEntry) -> DirEntry {
        DirEntry(Arc::new(std))
    }

    /// The full path: the directory given to [`read_dir`] joined with the file name.
    ///
    /// ```
    /// weft::run(async {
    ///     let entry = weft::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(entry.path().starts_with("/"));
    /// });
    /// ```
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The entry's name, without its directory.
    ///
    /// ```
    /// weft::run(async {
    ///     let entry = weft::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(!entry.file_name().is_empty());
    /// });
    /// ```
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The inode number, as the directory listing reported it.
    ///
    /// ```
    /// weft::run(async {
    ///     let entry = weft::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(entry.ino() > 0);
    /// });
    /// ```
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.0)
    }

    /// The entry's metadata, without following a symlink (`lstat`).
    ///
    /// # Errors
    ///
    /// The error of `lstat` (`NotFound` if the entry was removed since the listing).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let entry = weft::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     entry.metadata().await.unwrap();
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.0.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's type, without following a symlink (usually known from the listing
    /// itself, without a `stat`).
    ///
    /// # Errors
    ///
    /// As [`metadata`](Self::metadata), when the listing did not say.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let entry = weft::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     entry.file_type().await.unwrap();
    /// });
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        let std = self.0.clone();
        asyncify(move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.0.path()).finish()
    }
}
