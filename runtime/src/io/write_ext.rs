//! `AsyncWriteExt`: the helpers every caller of `AsyncWrite` needs. Each returns a named
//! future type, so a generic caller's future is `Send` exactly when the stream is.

use super::num::WriteNum;
use bytes::Buf;
use futures_io::AsyncWrite;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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

    /// Writes all of `buf` (a `Bytes`, a `BytesMut`, a `Cursor`, a chain: any [`Buf`]),
    /// advancing it past each byte written.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the stream stops accepting bytes; any error of the writer. `buf` has
    /// been advanced past what was written before the error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that matters for retrying: if the future is dropped, a
    /// prefix of `buf` may have been written, and `buf` has been advanced past exactly that
    /// prefix, so calling `write_all_buf` again with the same `buf` sends the rest.
    ///
    /// ```
    /// use bytes::{Buf, Bytes};
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let mut out = Vec::new();
    ///     let mut buf = Bytes::from_static(b"head").chain(Bytes::from_static(b" tail"));
    ///     out.write_all_buf(&mut buf).await.unwrap();
    ///     assert_eq!(out, b"head tail");
    ///     assert!(!buf.has_remaining());
    /// });
    /// ```
    fn write_all_buf<'a, B: Buf + ?Sized>(
        &'a mut self,
        buf: &'a mut B,
    ) -> WriteAllBuf<'a, Self, B> {
        WriteAllBuf { writer: self, buf }
    }

    super::num::write_num_methods! {
        write_u8, u8, false;
        write_i8, i8, false;
        write_u16, u16, false;
        write_i16, i16, false;
        write_u32, u32, false;
        write_i32, i32, false;
        write_u64, u64, false;
        write_i64, i64, false;
        write_u128, u128, false;
        write_i128, i128, false;
        write_f32, f32, false;
        write_f64, f64, false;
        write_u16_le, u16, true;
        write_i16_le, i16, true;
        write_u32_le, u32, true;
        write_i32_le, i32, true;
        write_u64_le, u64, true;
        write_i64_le, i64, true;
        write_u128_le, u128, true;
        write_i128_le, i128, true;
        write_f32_le, f32, true;
        write_f64_le, f64, true;
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

#[doc = future_doc!("AsyncWriteExt::write_all_buf")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.buf.has_remaining() {
            let n = ready!(Pin::new(&mut *this.writer).poll_write(cx, this.buf.chunk()))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the stream accepted no more bytes",
                )));
            }
            // Advance at once, in the same poll as the write: a dropped future leaves `buf`
            // saying exactly what was sent.
            this.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}
