//! `BufReader`: an in-memory buffer in front of an `AsyncRead`, so small reads and line
//! scans do not cost a syscall each.

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// 8 KiB, as std's and tokio's `BufReader` and `BufWriter` use: a few packets' worth,
/// small enough to keep one per connection.
pub(super) const DEFAULT_CAPACITY: usize = 8 * 1024;

pin_project! {
    /// Adds a buffer to a reader (asyncio's `StreamReader`): many small reads, and the
    /// line and delimiter scans of [`AsyncBufReadExt`](super::AsyncBufReadExt), are served
    /// from memory, with one large read of the inner reader per refill.
    ///
    /// Implements [`AsyncBufRead`] and [`AsyncRead`]; a read at least as large as the
    /// buffer, with the buffer empty, goes straight to the inner reader. When the inner
    /// type is also a writer, writes pass through unbuffered.
    ///
    /// Bytes still in the buffer are lost if the `BufReader` is dropped or
    /// [`into_inner`](Self::into_inner)ed: take them with [`buffer`](Self::buffer) first.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    /// weft::run(async {
    ///     let (mut a, b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"one\ntwo\n").await.unwrap();
    ///     a.close().await.unwrap();
    ///     let mut lines = BufReader::new(b).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: Box<[u8]>,
        // `buf[pos..filled]` holds the bytes read from `inner` and not yet consumed.
        pos: usize,
        filled: usize,
    }
}

impl<R> BufReader<R> {
    /// Wraps `inner` with a buffer of 8 KiB.
    ///
    /// ```
    /// let r = weft::io::BufReader::new(&b"data"[..]);
    /// assert_eq!(r.capacity(), 8 * 1024);
    /// ```
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes (at least 1).
    ///
    /// ```
    /// let r = weft::io::BufReader::with_capacity(64, &b"data"[..]);
    /// assert_eq!(r.capacity(), 64);
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        BufReader {
            inner,
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            pos: 0,
            filled: 0,
        }
    }

    /// The inner reader.
    ///
    /// ```
    /// let r = weft::io::BufReader::new(&b"data"[..]);
    /// assert_eq!(*r.get_ref(), b"data");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly skips the bytes in the buffer.
    ///
    /// ```
    /// let mut r = weft::io::BufReader::new(&b"data"[..]);
    /// *r.get_mut() = &b"other"[..];
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, pinned.
    ///
    /// ```
    /// let mut r = Box::pin(weft::io::BufReader::new(&b"data"[..]));
    /// assert_eq!(r.as_mut().get_pin_mut().len(), 4);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader; bytes still in the buffer are dropped.
    ///
    /// ```
    /// let r = weft::io::BufReader::new(&b"data"[..]);
    /// assert_eq!(r.into_inner(), b"data");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The bytes read from the inner reader and not yet consumed.
    ///
    /// ```
    /// use weft::io::{AsyncBufReadExt, BufReader};
    /// weft::run(async {
    ///     let mut r = BufReader::new(&b"data"[..]);
    ///     assert!(r.buffer().is_empty());
    ///     r.fill_buf().await.unwrap();
    ///     assert_eq!(r.buffer(), b"data");
    ///     r.consume(2);
    ///     assert_eq!(r.buffer(), b"ta");
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// The size of the buffer.
    ///
    /// ```
    /// assert_eq!(weft::io::BufReader::with_capacity(16, &b""[..]).capacity(), 16);
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Nothing buffered and a large read: skip the copy through our buffer.
        if self.pos == self.filled && buf.len() >= self.buf.len() {
            return self.project().inner.poll_read(cx, buf);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }

    fn poll_read_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if self.pos == self.filled && total >= self.buf.len() {
            return self.project().inner.poll_read_vectored(cx, bufs);
        }
        let mut available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let mut n = 0;
        for buf in bufs.iter_mut() {
            let take = available.len().min(buf.len());
            buf[..take].copy_from_slice(&available[..take]);
            available = &available[take..];
            n += take;
            if available.is_empty() {
                break;
            }
        }
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        // Refill only when everything buffered was consumed, so the returned slice never
        // loses bytes and `consume` indexes stay valid.
        if *this.pos >= *this.filled {
            let n = ready!(this.inner.poll_read(cx, this.buf))?;
            assert!(
                n <= this.buf.len(),
                "AsyncRead::poll_read reported {n} bytes read into a buffer of {}",
                this.buf.len()
            );
            *this.pos = 0;
            *this.filled = n;
        }
        Poll::Ready(Ok(&this.buf[*this.pos..*this.filled]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        *this.pos = (*this.pos + amt).min(*this.filled);
    }
}

impl<R: AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("inner", &self.inner)
            .field("buffered", &(self.filled - self.pos))
            .field("capacity", &self.buf.len())
            .finish()
    }
}
