//! [`AsyncSeekExt`]: `seek().await` for any [`AsyncSeek`].

use futures_io::AsyncSeek;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

/// `seek`, `rewind` and `stream_position` as futures, for every [`AsyncSeek`] (tokio's
/// `AsyncSeekExt`).
///
/// # Examples
///
/// ```
/// use std::io::SeekFrom;
/// use weft::fs::{AsyncSeekExt, File};
/// use weft::io::AsyncReadExt;
///
/// weft::run(async {
///     let mut file = File::open("/proc/self/cmdline").await.unwrap();
///     let mut first = [0u8; 1];
///     file.read_exact(&mut first).await.unwrap();
///     assert_eq!(file.stream_position().await.unwrap(), 1);
///     file.rewind().await.unwrap();
///     assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 0);
/// });
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves the position to `pos`; resolves to the new position from the start.
    ///
    /// # Errors
    ///
    /// The seek's error (`InvalidInput` for a position before the start).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a seek dropped half way may or may not have moved the position.
    ///
    /// ```
    /// use std::io::SeekFrom;
    /// use weft::fs::AsyncSeekExt;
    /// weft::run(async {
    ///     let mut file = weft::fs::File::open("/proc/self/cmdline").await.unwrap();
    ///     assert_eq!(file.seek(SeekFrom::Start(1)).await.unwrap(), 1);
    /// });
    /// ```
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek { io: self, pos }
    }

    /// Moves the position to the start.
    ///
    /// # Errors
    ///
    /// As [`seek`](Self::seek).
    ///
    /// # Cancel safety
    ///
    /// As [`seek`](Self::seek).
    ///
    /// ```
    /// use weft::fs::AsyncSeekExt;
    /// weft::run(async {
    ///     let mut file = weft::fs::File::open("/proc/self/cmdline").await.unwrap();
    ///     file.rewind().await.unwrap();
    /// });
    /// ```
    fn rewind(&mut self) -> Rewind<'_, Self>
    where
        Self: Unpin,
    {
        Rewind(self.seek(SeekFrom::Start(0)))
    }

    /// The current position from the start.
    ///
    /// # Errors
    ///
    /// As [`seek`](Self::seek).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it does not move the position.
    ///
    /// ```
    /// use weft::fs::AsyncSeekExt;
    /// weft::run(async {
    ///     let mut file = weft::fs::File::open("/proc/self/cmdline").await.unwrap();
    ///     assert_eq!(file.stream_position().await.unwrap(), 0);
    /// });
    /// ```
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// The future of [`AsyncSeekExt::seek`] and [`AsyncSeekExt::stream_position`]; resolves
/// to the new position.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Seek<'a, S: ?Sized> {
    io: &'a mut S,
    pos: SeekFrom,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let pos = self.pos;
        Pin::new(&mut *self.io).poll_seek(cx, pos)
    }
}

/// The future of [`AsyncSeekExt::rewind`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Rewind<'a, S: ?Sized>(Seek<'a, S>);

impl<S: AsyncSeek + Unpin + ?Sized> Future for Rewind<'_, S> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map(drop))
    }
}
