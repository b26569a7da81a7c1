//! `AsyncReadExt` / `AsyncWriteExt`: the helpers every caller of `AsyncRead`/`AsyncWrite`
//! needs. Each returns a named future type, so a generic caller's future is `Send` exactly
//! when the stream is.

use futures_io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

macro_rules! future_doc {
    ($name:literal) => {
        concat!(
            "The future returned by [`",
            $name,
            "`]; resolves to the operation's result."
        )
    };
}

/// Reading helpers for every [`AsyncRead`].
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::UnixStream;
/// weft::run(async {
///     let (mut a, mut b) = UnixStream::pair().unwrap();
///     a.write_all(b"hello").await.unwrap();
///     let mut buf = [0; 5];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
/// });
/// ```
pub trait AsyncReadExt: AsyncRead + Unpin {
    /// Reads some bytes into `buf`; `Ok(0)` means end of stream (or an empty `buf`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no data was read.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"x").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.read(&mut buf).await.unwrap(), 1);
    /// });
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self> {
        Read { reader: self, buf }
    }

    /// Fills `buf` completely, or fails with `UnexpectedEof` if the stream ends first.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before the future is dropped are lost.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"ab").await.unwrap();
    ///     drop(a);
    ///     let mut buf = [0; 3];
    ///     let err = b.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self> {
        ReadExact { reader: self, buf }
    }

    /// Reads until end of stream, appending to `buf`; returns the number of bytes read.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe in the sense that bytes already appended stay in `buf`.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"all of it").await.unwrap();
    ///     drop(a);
    ///     let mut out = Vec::new();
    ///     b.read_to_end(&mut out).await.unwrap();
    ///     assert_eq!(out, b"all of it");
    /// });
    /// ```
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self> {
        let start = buf.len();
        ReadToEnd {
            reader: self,
            buf,
            start,
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> AsyncReadExt for R {}

#[doc = future_doc!("AsyncReadExt::read")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.reader).poll_read(cx, this.buf)
    }
}

#[doc = future_doc!("AsyncReadExt::read_exact")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            let n = ready!(Pin::new(&mut *this.reader).poll_read(cx, this.buf))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the stream ended before the buffer was filled",
                )));
            }
            let buf = std::mem::take(&mut this.buf);
            this.buf = &mut buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

#[doc = future_doc!("AsyncReadExt::read_to_end")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    start: usize,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut chunk = [0u8; 8192];
        loop {
            match ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut chunk))? {
                0 => return Poll::Ready(Ok(this.buf.len() - this.start)),
                n => this.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// Writing helpers for every [`AsyncWrite`].
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
///     a.write_all(b"hi").await.unwrap();
///     a.close().await.unwrap();
///     let mut s = Vec::new();
///     b.read_to_end(&mut s).await.unwrap();
///     assert_eq!(s, b"hi");
/// });
/// ```
pub trait AsyncWriteExt: AsyncWrite + Unpin {
    /// Writes some bytes of `buf`; returns how many.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, nothing was written.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let (mut a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     assert_eq!(a.write(b"abc").await.unwrap(), 3);
    /// });
    /// ```
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self> {
        Write { writer: self, buf }
    }

    /// Writes the buffers with one vectored write where the stream supports it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, nothing was written.
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let (mut a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let n = a.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).await.unwrap();
    ///     assert_eq!(n, 4);
    /// });
    /// ```
    fn write_vectored<'a>(&'a mut self, bufs: &'a [IoSlice<'a>]) -> WriteVectored<'a, Self> {
        WriteVectored { writer: self, bufs }
    }

    /// Writes all of `buf`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a prefix of `buf` may have been written when the future is dropped.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let (mut a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(&[7; 100]).await.unwrap();
    /// });
    /// ```
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self> {
        WriteAll { writer: self, buf }
    }

    /// Flushes buffered data (sockets have none: this returns at once).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: flushing again finishes what a dropped flush began.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let (mut a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     a.flush().await.unwrap();
    /// });
    /// ```
    fn flush(&mut self) -> Flush<'_, Self> {
        Flush { writer: self }
    }

    /// Closes the write side (for sockets: `shutdown(Write)`, so the peer reads end of
    /// stream).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a socket's close completes in its first poll; for other writers,
    /// closing again finishes what a dropped close began.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.close().await.unwrap();
    ///     let mut buf = [0; 1];
    ///     assert_eq!(b.read(&mut buf).await.unwrap(), 0);
    /// });
    /// ```
    fn close(&mut self) -> Close<'_, Self> {
        Close { writer: self }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWriteExt for W {}

#[doc = future_doc!("AsyncWriteExt::write")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write(cx, this.buf)
    }
}

#[doc = future_doc!("AsyncWriteExt::write_vectored")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct WriteVectored<'a, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'a>],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, W> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write_vectored(cx, this.bufs)
    }
}

#[doc = future_doc!("AsyncWriteExt::write_all")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            let n = ready!(Pin::new(&mut *this.writer).poll_write(cx, this.buf))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the stream accepted no more bytes",
                )));
            }
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

#[doc = future_doc!("AsyncWriteExt::flush")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Flush<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_flush(cx)
    }
}

#[doc = future_doc!("AsyncWriteExt::close")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Close<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Close<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_close(cx)
    }
}

/// Copies everything from `reader` to `writer` until end of stream; returns the bytes
/// copied. The writer is not closed.
///
/// # Errors
///
/// The first error a read from `reader` or a write to `writer` returns, as that stream
/// reports it (for sockets `ConnectionReset`, `BrokenPipe`, ...); `WriteZero` if `writer`
/// stops accepting bytes. The count copied before the error is not reported: where it
/// matters, copy with your own `read`/`write_all` loop.
///
/// # Cancel safety
///
/// Not cancel safe: bytes already read from `reader` but not yet written to `writer` are
/// lost when the future is dropped, and so is the count copied so far.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
///     let (mut c, mut d) = weft::net::UnixStream::pair().unwrap();
///     a.write_all(b"copied").await.unwrap();
///     a.close().await.unwrap();
///     assert_eq!(weft::io::copy(&mut b, &mut c).await.unwrap(), 6);
///     c.close().await.unwrap();
///     let mut out = Vec::new();
///     d.read_to_end(&mut out).await.unwrap();
///     assert_eq!(out, b"copied");
/// });
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        writer.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}
