//! `AsyncReadExt`: the helpers every caller of `AsyncRead` needs. Each returns a named
//! future type, so a generic caller's future is `Send` exactly when the stream is.

use super::num::ReadNum;
use bytes::BufMut;
use futures_io::AsyncRead;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The most spare capacity one `read_buf` hands to a read: 64 KiB. `AsyncRead` wants an
/// initialized slice, so the spare capacity is zeroed before each read; a caller who
/// reserved megabytes would otherwise pay a megabyte of zeroing per (possibly short) read.
/// 64 KiB is more than a socket usually has queued, so the cap rarely shortens a read.
const READ_BUF_MAX: usize = 64 * 1024;

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

    /// Reads until end of stream and appends the text to `buf`; returns the number of
    /// bytes read.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the bytes are not UTF-8 (then `buf` is left as it was); any error
    /// of the reader.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the bytes read so far are kept inside the future until the end of
    /// stream, and are lost (`buf` unchanged) if it is dropped.
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// weft::run(async {
    ///     let mut reader: &[u8] = "grüß".as_bytes();
    ///     let mut s = String::from("> ");
    ///     assert_eq!(reader.read_to_string(&mut s).await.unwrap(), 6);
    ///     assert_eq!(s, "> grüß");
    /// });
    /// ```
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self> {
        ReadToString {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// Reads some bytes into the spare capacity of `buf` (a `BytesMut`, a `Vec<u8>`, any
    /// [`BufMut`]) and advances it past them; returns how many (`Ok(0)`: end of stream, or
    /// no room left in `buf`).
    ///
    /// A `Vec` or `BytesMut` grows when it is full, so reserve what you expect (a read fills
    /// at most 64 KiB of spare capacity at a time).
    ///
    /// # Errors
    ///
    /// Any error of the reader; `buf` is unchanged then.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes are in `buf` before the future returns `Ready`, and a future
    /// dropped before that read nothing. So `read_buf` in a `select!` loop never loses
    /// bytes, unlike reading into a temporary buffer and copying after an `.await`.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"hello").await.unwrap();
    ///     let mut buf = BytesMut::with_capacity(1024);
    ///     while buf.len() < 5 {
    ///         b.read_buf(&mut buf).await.unwrap();
    ///     }
    ///     assert_eq!(&buf[..], b"hello");
    /// });
    /// ```
    fn read_buf<'a, B: BufMut + ?Sized>(&'a mut self, buf: &'a mut B) -> ReadBuf<'a, Self, B> {
        ReadBuf { reader: self, buf }
    }

    super::num::read_num_methods! {
        read_u8, u8, false;
        read_i8, i8, false;
        read_u16, u16, false;
        read_i16, i16, false;
        read_u32, u32, false;
        read_i32, i32, false;
        read_u64, u64, false;
        read_i64, i64, false;
        read_u128, u128, false;
        read_i128, i128, false;
        read_f32, f32, false;
        read_f64, f64, false;
        read_u16_le, u16, true;
        read_i16_le, i16, true;
        read_u32_le, u32, true;
        read_i32_le, i32, true;
        read_u64_le, u64, true;
        read_i64_le, i64, true;
        read_u128_le, u128, true;
        read_i128_le, i128, true;
        read_f32_le, f32, true;
        read_f64_le, f64, true;
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

#[doc = future_doc!("AsyncReadExt::read_to_string")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// What has been read so far: appended to `buf` only once it is whole and checked.
    bytes: Vec<u8>,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut chunk = [0u8; 8192];
        loop {
            match ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut chunk))? {
                0 => break,
                n => this.bytes.extend_from_slice(&chunk[..n]),
            }
        }
        let bytes = std::mem::take(&mut this.bytes);
        let n = bytes.len();
        match String::from_utf8(bytes) {
            Ok(text) => {
                this.buf.push_str(&text);
                Poll::Ready(Ok(n))
            }
            Err(e) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "read_to_string: the stream is not UTF-8 ({})",
                    e.utf8_error()
                ),
            ))),
        }
    }
}

#[doc = future_doc!("AsyncReadExt::read_buf")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadBuf<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

impl<R: AsyncRead + Unpin + ?Sized, B: BufMut + ?Sized> Future for ReadBuf<'_, R, B> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let chunk = this.buf.chunk_mut();
        let len = chunk.len().min(READ_BUF_MAX);
        let ptr = chunk.as_mut_ptr();
        // SAFETY: `chunk_mut` hands out `chunk.len() >= len` bytes writable through `ptr`,
        // possibly uninitialized. They are zeroed first, so the slice made over them is
        // initialized memory, as `&mut [u8]` requires; nothing else touches `buf` while the
        // slice lives (we hold `&mut B`).
        let dst = unsafe {
            std::ptr::write_bytes(ptr, 0, len);
            std::slice::from_raw_parts_mut(ptr, len)
        };
        // The one await point. Bytes move from the reader into `buf` within this poll:
        // `Pending` means nothing was read, and `Ready(n)` is returned only after `buf`
        // owns the n bytes. That is what makes dropping the future lose nothing.
        let n = ready!(Pin::new(&mut *this.reader).poll_read(cx, dst))?;
        assert!(
            n <= len,
            "AsyncRead::poll_read reported {n} bytes read into a buffer of {len}"
        );
        // SAFETY: the first `n <= len` bytes of the chunk are initialized (zeroed above,
        // then written by the reader), which is what `advance_mut` requires.
        unsafe { this.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}
