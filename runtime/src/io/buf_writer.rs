//! `BufWriter`: an in-memory buffer in front of an `AsyncWrite`, so many small writes
//! become one syscall.

use super::buf_reader::DEFAULT_CAPACITY;
use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Adds a buffer to a writer (asyncio's `StreamWriter`, whose `drain()` is
    /// [`flush`](super::AsyncWriteExt::flush)): small writes collect in memory and reach
    /// the inner writer in one write when the buffer fills, on
    /// [`flush`](super::AsyncWriteExt::flush), and on [`close`](super::AsyncWriteExt::close)
    /// (which flushes, then closes the inner writer). A write at least as large as the
    /// buffer goes straight to the inner writer once the buffer is flushed.
    ///
    /// Dropping a `BufWriter` does **not** flush (a destructor cannot wait): bytes still
    /// buffered are lost. Call `flush` or `close` before dropping it. When the inner type
    /// is also a reader, reads pass through unbuffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
    /// weft::run(async {
    ///     let (a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     let mut w = BufWriter::new(a);
    ///     for i in 0..100u8 {
    ///         w.write_u8(i).await.unwrap(); // into memory, no syscall
    ///     }
    ///     assert_eq!(w.buffer().len(), 100);
    ///     w.close().await.unwrap(); // one write, then shutdown
    ///     let mut got = Vec::new();
    ///     b.read_to_end(&mut got).await.unwrap();
    ///     assert_eq!(got, (0..100).collect::<Vec<u8>>());
    /// });
    /// ```
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        buf: Vec<u8>,
        // `buf[written..]` is still to go to `inner`.
        written: usize,
        capacity: usize,
    }
}

impl<W> BufWriter<W> {
    /// Wraps `inner` with a buffer of 8 KiB.
    ///
    /// ```
    /// let w = weft::io::BufWriter::new(Vec::<u8>::new());
    /// assert_eq!(w.capacity(), 8 * 1024);
    /// ```
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes (at least 1).
    ///
    /// ```
    /// let w = weft::io::BufWriter::with_capacity(64, Vec::<u8>::new());
    /// assert_eq!(w.capacity(), 64);
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        let capacity = capacity.max(1);
        BufWriter {
            inner,
            buf: Vec::with_capacity(capacity),
            written: 0,
            capacity,
        }
    }

    /// The inner writer.
    ///
    /// ```
    /// let w = weft::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(w.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably. Writing to it directly puts those bytes ahead of the
    /// ones still buffered.
    ///
    /// ```
    /// let mut w = weft::io::BufWriter::new(Vec::<u8>::new());
    /// w.get_mut().push(1);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, pinned.
    ///
    /// ```
    /// let mut w = Box::pin(weft::io::BufWriter::new(Vec::<u8>::new()));
    /// assert!(w.as_mut().get_pin_mut().is_empty());
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// Returns the inner writer; bytes still buffered are dropped (flush first).
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let mut w = weft::io::BufWriter::new(Vec::new());
    ///     w.write_all(b"kept").await.unwrap();
    ///     w.flush().await.unwrap();
    ///     assert_eq!(w.into_inner(), b"kept");
    /// });
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The bytes written to the `BufWriter` and not yet to the inner writer.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let mut w = weft::io::BufWriter::new(Vec::new());
    ///     w.write_all(b"pending").await.unwrap();
    ///     assert_eq!(w.buffer(), b"pending");
    ///     assert!(w.get_ref().is_empty());
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.written..]
    }

    /// The size of the buffer.
    ///
    /// ```
    /// assert_eq!(weft::io::BufWriter::with_capacity(3, Vec::<u8>::new()).capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Writes the buffer out to the inner writer (without flushing the inner writer).
    fn poll_flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        while *this.written < this.buf.len() {
            match ready!(this
                .inner
                .as_mut()
                .poll_write(cx, &this.buf[*this.written..]))
            {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the inner writer accepted no more of the buffered bytes",
                    )))
                }
                Ok(n) => *this.written += n,
                // Keep what was not written: a later flush retries it.
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        this.buf.clear();
        *this.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.len() + buf.len() > self.capacity {
            ready!(self.as_mut().poll_flush_buf(cx))?;
        }
        let this = self.project();
        if buf.len() >= *this.capacity {
            // The buffer is empty here: a large write needs no copy.
            this.inner.poll_write(cx, buf)
        } else {
            this.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if self.buf.len() + total > self.capacity {
            ready!(self.as_mut().poll_flush_buf(cx))?;
        }
        let this = self.project();
        if total >= *this.capacity {
            this.inner.poll_write_vectored(cx, bufs)
        } else {
            for buf in bufs {
                this.buf.extend_from_slice(buf);
            }
            Poll::Ready(Ok(total))
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.project().inner.poll_close(cx)
    }
}

impl<W: AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_read_vectored(cx, bufs)
    }
}

/// So `BufWriter<BufReader<S>>` (or the reverse) buffers both directions of one stream.
impl<W: AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("inner", &self.inner)
            .field("buffered", &self.buffer().len())
            .field("capacity", &self.capacity)
            .finish()
    }
}
