//! `UdpSocket`: binding, connecting, and the awaited sends and receives. Readiness and
//! the non-blocking `try_*` calls are in `readiness.rs`, socket options in `options.rs`.

mod options;
mod readiness;

use crate::io::Async;
use crate::net::{addr, lookup_host};
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// A UDP socket (asyncio's datagram endpoint).
///
/// Datagrams are sent and received whole; a receive buffer shorter than the datagram
/// truncates it (the rest is discarded, as with std).
///
/// # Examples
///
/// ```
/// use weft::net::UdpSocket;
/// weft::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     assert_eq!(from, a.local_addr().unwrap());
/// });
/// ```
pub struct UdpSocket {
    io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (the first resolved address that binds).
    ///
    /// # Errors
    ///
    /// `AddrInUse` and the like; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert_ne!(s.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        addr::try_each_resolved(addr, |addr| {
            UdpSocket::from_std(std::net::UdpSocket::bind(addr)?)
        })
    }

    /// Wraps a std socket (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::UdpSocket::from_std(s).unwrap();
    ///     assert!(s.local_addr().is_ok());
    /// });
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Deregisters the socket from the runtime and returns the std socket, still in
    /// non-blocking mode (call `set_nonblocking(false)` for blocking use).
    ///
    /// # Errors
    ///
    /// The OS error if the selector refuses to forget the descriptor; the socket is closed
    /// then.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let addr = s.local_addr().unwrap();
    ///     assert_eq!(s.into_std().unwrap().local_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner()
    }

    /// Sets the default peer for [`send`](Self::send) and filters [`recv`](Self::recv) to it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a string that is not `host:port`; the resolver's error for a host
    /// name it cannot resolve (resolved on the calling thread, as std's `connect` does);
    /// otherwise the OS error of `connect(2)` for the last address tried, such as
    /// `NetworkUnreachable`, or `InvalidInput` or `EAFNOSUPPORT` for an address of the other
    /// IP family than the socket's.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(b.local_addr().unwrap()).unwrap();
    ///     assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// });
    /// ```
    pub fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        addr::try_each_resolved(addr, |addr| self.io.get_ref().connect(addr))
    }

    /// Sends a datagram to `target` (the first address it resolves to); returns the bytes
    /// sent. A host name is resolved on the blocking pool ([`lookup_host`]).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a target that is not `host:port` or resolves to no address; the
    /// resolver's error for a host name it cannot resolve; the OS error of `sendto(2)`:
    /// `EMSGSIZE` for a datagram larger than the path allows (send less),
    /// `NetworkUnreachable`, `PermissionDenied` for a broadcast address without
    /// [`set_broadcast`](Self::set_broadcast); an error of kind `Other` once the runtime
    /// that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, nothing was sent.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let n = a.send_to(b"x", a.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub async fn send_to(
        &self,
        buf: &[u8],
        target: impl crate::net::ToSocketAddrs,
    ) -> io::Result<usize> {
        let target = addr::first(lookup_host(target).await?)?;
        self.io.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives a datagram; returns its length and sender.
    ///
    /// # Errors
    ///
    /// The OS error of `recvfrom(2)`: on a connected socket, `ConnectionRefused` after an
    /// earlier datagram to the peer drew an ICMP port-unreachable (nothing listens there);
    /// an error of kind `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no datagram was consumed.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"self", a.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, _) = a.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"self");
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `EDESTADDRREQ` if the socket is not connected ([`connect`](Self::connect) first, or
    /// use [`send_to`](Self::send_to)); `ConnectionRefused` after an earlier datagram to
    /// the peer drew an ICMP port-unreachable (nothing listens there); `EMSGSIZE` for a
    /// datagram larger than the path allows; an error of kind `Other` once the runtime that
    /// owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(a.local_addr().unwrap()).unwrap();
    ///     a.send(b"me").await.unwrap();
    ///     let mut buf = [0; 2];
    ///     assert_eq!(a.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` after an earlier datagram to the peer drew an ICMP
    /// port-unreachable (nothing listens there); an error of kind `Other` once the runtime
    /// that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.connect(a.local_addr().unwrap()).unwrap();
    ///     a.send(b"!").await.unwrap();
    ///     let mut buf = [0; 1];
    ///     a.recv(&mut buf).await.unwrap();
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(a.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if [`connect`](Self::connect) has not been called.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(a.peer_addr().is_err(), "not connected");
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

fd_impls!(UdpSocket);

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
