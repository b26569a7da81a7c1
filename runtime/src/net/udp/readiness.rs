//! `UdpSocket`'s readiness and non-blocking operations: `ready`, `readable`, `writable`,
//! the `try_*` sends and receives, `try_io`, and `peek_from`.
//!
//! The `try_*` calls never wait: they run the syscall when the direction is ready or its
//! readiness is not known yet (a new socket), return `WouldBlock` without a syscall when
//! it is known not ready, and clear the readiness when the syscall says `WouldBlock`.

use super::UdpSocket;
use crate::io::{Interest, Ready};
use std::io;
use std::net::SocketAddr;

impl UdpSocket {
    /// Waits until the socket is ready for any direction of `interest`; returns which
    /// directions are ready (an event the reactor reported, as tokio's `ready`).
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let ready = a.ready(Interest::WRITABLE).await.unwrap();
    ///     assert!(ready.is_writable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until a datagram can be received.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"x", a.local_addr().unwrap()).await.unwrap();
    ///     a.readable().await.unwrap();
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.writable().await.unwrap();
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Sends a datagram to the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (wait with [`writable`](Self::writable));
    /// otherwise as [`send`](Self::send).
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(a.local_addr().unwrap()).unwrap();
    ///     assert_eq!(a.try_send(b"now").unwrap(), 3);
    /// });
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    /// Sends a datagram to `target` without waiting. The target is a resolved address:
    /// resolving a host name may block, so do that first with
    /// [`lookup_host`](crate::net::lookup_host).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (wait with [`writable`](Self::writable));
    /// otherwise the OS errors of [`send_to`](Self::send_to).
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert_eq!(a.try_send_to(b"now", a.local_addr().unwrap()).unwrap(), 3);
    /// });
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives a datagram from the connected peer without waiting; a `buf` shorter than
    /// the datagram truncates it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is queued (wait with [`readable`](Self::readable));
    /// otherwise as [`recv`](Self::recv).
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(a.local_addr().unwrap()).unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(a.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    /// Receives a datagram and its sender without waiting; a `buf` shorter than the
    /// datagram truncates it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is queued (wait with [`readable`](Self::readable));
    /// otherwise as [`recv_from`](Self::recv_from).
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"hi", a.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = loop {
    ///         a.readable().await.unwrap();
    ///         if let Ok(got) = a.try_recv_from(&mut buf) {
    ///             break got;
    ///         }
    ///     };
    ///     assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr().unwrap()));
    /// });
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Runs `f` once if the socket may be ready for `interest`, and clears that readiness
    /// if `f` returns `WouldBlock` (tokio's `try_io`), for syscalls weft has no method for
    /// (`recvmsg` with ancillary data, `sendmmsg`, ...), done on the descriptor inside `f`.
    ///
    /// # Errors
    ///
    /// `WouldBlock` without calling `f` when no direction of `interest` may be ready; any
    /// error of `f`; an error of kind `Other` once the runtime that owns the socket has
    /// shut down.
    ///
    /// ```
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let n = a.try_io(Interest::WRITABLE, || Ok(0)).unwrap();
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

    /// Waits for a datagram and copies it into `buf` (truncated if `buf` is shorter)
    /// without taking it off the queue: the next receive returns it again. Returns its
    /// length (as copied) and its sender.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: peeking takes nothing off the queue.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"twice", a.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, _) = a.peek_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"twice");
    ///     let (n, _) = a.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"twice");
    /// });
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.peek_from(buf)).await
    }
}
