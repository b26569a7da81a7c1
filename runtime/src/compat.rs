//! tokio's io traits (feature `tokio-io`, off by default): [`Compat`] turns any
//! futures-io stream into a tokio one and any tokio stream into a futures-io one.
//!
//! weft's own [`TcpStream`](crate::net::TcpStream) (and its halves) and
//! [`UnixStream`](crate::net::UnixStream) implement tokio's `AsyncRead` and `AsyncWrite`
//! directly under this feature, so `tokio_util::codec::Framed::new(stream, codec)` and
//! `hyper_util::rt::TokioIo::new(stream)` take them as they are; `Compat` is for everything
//! else (weft's [`Async`](crate::io::Async) around a descriptor, a futures-io TLS stream,
//! or, the other way, a tokio `DuplexStream` read with weft's
//! [`AsyncReadExt`](crate::io::AsyncReadExt)).
//!
//! Only the traits cross over: a crate that calls `tokio::spawn`, `tokio::time` or
//! `tokio::net` inside still needs tokio's runtime, and panics with "there is no reactor
//! running, must be called from the context of a Tokio 1.x runtime" on a weft worker. The
//! README says how to tell which crates do.
//!
//! | tokio-util | weft |
//! |---|---|
//! | `tokio_util::compat::FuturesAsyncReadCompatExt::compat` | [`CompatExt::compat`] |
//! | `tokio_util::compat::TokioAsyncReadCompatExt::compat` | [`CompatExt::compat`] |
//! | `tokio_util::compat::Compat<T>` | [`Compat<T>`], both ways |

use crate::io::uninit::with_scratch;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::ReadBuf;

pin_project_lite::pin_project! {
    /// A stream seen through the other family of io traits: futures-io's
    /// `AsyncRead`/`AsyncWrite`/`AsyncBufRead` (weft's) as tokio's, and tokio's as
    /// futures-io's. Which way depends on what `T` implements; a `T` that implements both
    /// gets both.
    ///
    /// # Reads into tokio's buffer
    ///
    /// tokio's `ReadBuf` may be uninitialised, and futures-io's `poll_read` needs an
    /// initialised `&mut [u8]`. `Compat` never zeroes tokio's buffer: it reads into the
    /// part of it that is already initialised, and when none is (a fresh `BytesMut`, as
    /// `Framed` passes), into a buffer of the thread's that was zeroed once, copying out
    /// the bytes read.
    ///
    /// # Examples
    ///
    /// A futures-io stream (weft's [`Async`](crate::io::Async)) read with tokio's
    /// `AsyncReadExt`:
    ///
    /// ```
    /// use std::io::Write;
    /// use tokio::io::AsyncReadExt;
    /// use weft::compat::CompatExt;
    ///
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let mut a = weft::io::Async::new(a).unwrap().compat();
    ///     b.write_all(b"tokio").unwrap();
    ///     let mut buf = [0; 5];
    ///     a.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"tokio");
    /// });
    /// ```
    ///
    /// And a tokio stream read with weft's:
    ///
    /// ```
    /// use weft::compat::CompatExt;
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// weft::run(async {
    ///     let (a, b) = tokio::io::duplex(64);
    ///     let (mut a, mut b) = (a.compat(), b.compat());
    ///     a.write_all(b"futures").await.unwrap();
    ///     let mut buf = [0; 7];
    ///     b.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"futures");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct Compat<T> {
        #[pin]
        inner: T,
    }
}

impl<T> Compat<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// let c = weft::compat::Compat::new(tokio::io::empty());
    /// # drop(c);
    /// ```
    pub fn new(inner: T) -> Compat<T> {
        Compat { inner }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// let c = weft::compat::Compat::new(vec![1u8]);
    /// assert_eq!(c.get_ref(), &[1]);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    ///
    /// ```
    /// let mut c = weft::compat::Compat::new(vec![1u8]);
    /// c.get_mut().push(2);
    /// assert_eq!(c.get_ref(), &[1, 2]);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The wrapped stream, pinned.
    ///
    /// ```
    /// let mut c = std::pin::pin!(weft::compat::Compat::new(vec![1u8]));
    /// assert_eq!(c.as_mut().get_pin_mut().len(), 1);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// let c = weft::compat::Compat::new(vec![1u8]);
    /// assert_eq!(c.into_inner(), vec![1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// `.compat()` on any value: wraps it in a [`Compat`].
///
/// ```
/// use weft::compat::CompatExt;
/// let c = tokio::io::empty().compat();
/// # drop(c);
/// ```
pub trait CompatExt: Sized {
    /// Wraps `self` in a [`Compat`], to use it through the other family of io traits.
    ///
    /// ```
    /// use weft::compat::CompatExt;
    /// let c = vec![0u8; 4].compat();
    /// assert_eq!(c.get_ref().len(), 4);
    /// ```
    fn compat(self) -> Compat<Self> {
        Compat::new(self)
    }
}

impl<T> CompatExt for T {}

impl<T: futures_io::AsyncRead> tokio::io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = self.project().inner;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let initialised = buf.initialized().len() - buf.filled().len();
        if initialised > 0 {
            // Already initialised: `initialize_unfilled_to` zeroes nothing here.
            let n = ready!(inner.poll_read(cx, buf.initialize_unfilled_to(initialised)))?;
            buf.advance(n.min(initialised));
            return Poll::Ready(Ok(()));
        }
        with_scratch(buf.remaining(), |scratch| {
            let n = ready!(inner.poll_read(cx, scratch))?;
            // A reader that claims more than it was given is broken; keep what fits.
            buf.put_slice(&scratch[..n.min(scratch.len())]);
            Poll::Ready(Ok(()))
        })
    }
}

impl<T: tokio::io::AsyncRead> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut rb = ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, &mut rb))?;
        Poll::Ready(Ok(rb.filled().len()))
    }
}

impl<T: futures_io::AsyncWrite> tokio::io::AsyncWrite for Compat<T> {
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

    // `is_write_vectored` stays false: futures-io cannot say whether a stream's vectored
    // write sends every buffer or only the first (its default).

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

impl<T: tokio::io::AsyncWrite> futures_io::AsyncWrite for Compat<T> {
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
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: futures_io::AsyncBufRead> tokio::io::AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: tokio::io::AsyncBufRead> futures_io::AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}
