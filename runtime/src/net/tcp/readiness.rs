//! `TcpStream`'s readiness and non-blocking operations: `ready`, `try_read`, `try_write`
//! (and their vectored forms), `try_io`, and `peek`.
//!
//! The `try_*` calls never wait. They run the syscall when the direction is ready or its
//! readiness is not known yet (a new stream), return `WouldBlock` without a syscall when
//! it is known not ready, and clear the readiness when the syscall says `WouldBlock`; the
//! caller then waits with [`TcpStream::ready`] (or `readable`/`writable`) and tries again.

use super::TcpStream;
use crate::io::{Interest, Ready};
use crate::net::nosignal;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsRawFd;

impl TcpStream {
    /// Waits until the stream is ready for any direction of `interest`; returns which
    /// directions are ready.
    ///
    /// This waits for readiness the reactor reported (on a new stream, its first event,
    /// which the kernel reports as soon as the stream is registered if it already has bytes
    /// or room), as tokio's `ready` does. Readiness can be spurious: a following
    /// [`try_read`](Self::try_read) may still say `WouldBlock`, and then the loop waits
    /// again.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```
    /// use weft::io::{AsyncWriteExt, Interest};
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     c.write_all(b"hi").await.unwrap();
    ///     let ready = s.ready(Interest::READABLE).await.unwrap();
    ///     assert!(ready.is_readable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Reads what is there into `buf` without waiting; `Ok(0)` means end of stream (or an
    /// empty `buf`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no bytes are there (wait with [`readable`](Self::readable) or
    /// [`ready`](Self::ready), then try again); the OS error of `recv(2)`
    /// (`ConnectionReset`, ...); an error of kind `Other` once the runtime that owns the
    /// stream has shut down.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     let mut buf = [0; 16];
    ///     assert_eq!(s.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     c.write_all(b"hello").await.unwrap();
    ///     let n = loop {
    ///         s.readable().await.unwrap();
    ///         match s.try_read(&mut buf) {
    ///             Ok(n) => break n,
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             Err(e) => panic!("{e}"),
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"hello");
    /// });
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut s| s.read(buf))
    }

    /// Reads what is there into `bufs`, in order, without waiting; see
    /// [`try_read`](Self::try_read).
    ///
    /// # Errors
    ///
    /// As [`try_read`](Self::try_read).
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     c.write_all(b"abcd").await.unwrap();
    ///     let (mut a, mut b) = ([0; 2], [0; 2]);
    ///     let n = loop {
    ///         s.readable().await.unwrap();
    ///         let mut bufs = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
    ///         if let Ok(n) = s.try_read_vectored(&mut bufs) {
    ///             break n;
    ///         }
    ///     };
    ///     assert_eq!(&[a, b].concat()[..n], &b"abcd"[..n]);
    /// });
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut s| s.read_vectored(bufs))
    }

    /// Writes what fits of `buf` without waiting; returns how many bytes were written.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (wait with [`writable`](Self::writable) or
    /// [`ready`](Self::ready), then try again); `BrokenPipe` or `ConnectionReset` once the
    /// peer has gone (never `SIGPIPE`); an error of kind `Other` once the runtime that owns
    /// the stream has shut down.
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (mut s, _) = l.accept().await.unwrap();
    ///     let n = c.try_write(b"hi").unwrap(); // a new socket has room
    ///     assert_eq!(n, 2);
    ///     let mut buf = [0; 2];
    ///     s.read_exact(&mut buf).await.unwrap();
    /// });
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        // std's TcpStream::write sends with MSG_NOSIGNAL on Linux: no SIGPIPE.
        self.io.try_io(Interest::WRITABLE, |mut s| s.write(buf))
    }

    /// Writes what fits of `bufs`, in order, with one `sendmsg(2)` and without waiting;
    /// see [`try_write`](Self::try_write).
    ///
    /// # Errors
    ///
    /// As [`try_write`](Self::try_write).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let n = c.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).unwrap();
    ///     assert_eq!(n, 4);
    /// });
    /// ```
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // Not std's write_vectored: writev(2) would raise SIGPIPE on a closed peer.
        self.io.try_io(Interest::WRITABLE, |s| {
            nosignal::send_vectored(s.as_raw_fd(), bufs)
        })
    }

    /// Runs `f` once if the stream may be ready for `interest`, and clears that readiness
    /// if `f` returns `WouldBlock` (tokio's `try_io`): for syscalls weft has no method for
    /// (`recvmsg` with ancillary data, `MSG_ZEROCOPY`, ...), done on the descriptor
    /// (`AsRawFd`) inside `f`.
    ///
    /// # Errors
    ///
    /// `WouldBlock` without calling `f` when no direction of `interest` may be ready; any
    /// error of `f`; an error of kind `Other` once the runtime that owns the stream has
    /// shut down.
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let fd = c.as_raw_fd();
    ///     // A zero-length send: a syscall of our own, through weft's readiness.
    ///     let n = c
    ///         .try_io(Interest::WRITABLE, || {
    ///             // SAFETY: `fd` is open for the duration of the call; the buffer is empty.
    ///             let n = unsafe { libc::send(fd, std::ptr::null(), 0, 0) };
    ///             if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    ///         })
    ///         .unwrap();
    ///     assert_eq!(n, 0);
    /// });
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, |_| f())
    }

    /// Waits for bytes and copies them into `buf` without taking them off the stream: the
    /// next read returns them again. `Ok(0)` means end of stream (or an empty `buf`).
    ///
    /// # Errors
    ///
    /// The OS error of `recv(2)` (`ConnectionReset`, ...); an error of kind `Other` once
    /// the runtime that owns the stream has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: peeking takes nothing off the stream.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (mut s, _) = l.accept().await.unwrap();
    ///     c.write_all(b"GET").await.unwrap();
    ///     let mut peeked = [0; 3];
    ///     let n = s.peek(&mut peeked).await.unwrap();
    ///     let mut read = vec![0; n];
    ///     s.read_exact(&mut read).await.unwrap();
    ///     assert_eq!(&peeked[..n], &read[..]);
    /// });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.peek(buf)).await
    }
}
