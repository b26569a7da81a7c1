//! `TcpSocket`: set socket options before binding or connecting.

use super::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, Socket, Type};
use std::fmt;
use std::io;
use std::net::SocketAddr;

/// A TCP socket not yet listening or connected, for options that must be set first:
/// `SO_REUSEADDR`, `SO_REUSEPORT` (several processes or listeners sharing a port, so a
/// server can scale out), buffer sizes and the listen backlog.
///
/// # Examples
///
/// ```
/// use weft::net::TcpSocket;
/// weft::run(async {
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.set_reuseaddr(true).unwrap();
///     socket.set_reuseport(true).unwrap();
///     socket.set_recv_buffer_size(1 << 20).unwrap();
///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let listener = socket.listen(4096).unwrap();
///     assert!(listener.local_addr().is_ok());
/// });
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket(2)`: `EMFILE`/`ENFILE` when the process or the system is out
    /// of descriptors (close some, or raise `RLIMIT_NOFILE`).
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// # drop(s);
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// As [`new_v4`](Self::new_v4); also `EAFNOSUPPORT` on a host without IPv6 (fall back
    /// to `new_v4`).
    ///
    /// ```
    /// if let Ok(s) = weft::net::TcpSocket::new_v6() { drop(s); } // hosts may lack IPv6
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        Self::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR`: bind a port still in `TIME_WAIT` from a previous run.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.set_reuseaddr(true).unwrap();
    /// assert!(s.reuseaddr().unwrap());
    /// ```
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuse)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// let _ = s.reuseaddr().unwrap();
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets (in this or other processes) may bind the same
    /// address, and the kernel spreads incoming connections over them.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`: `ENOPROTOOPT` on a kernel without `SO_REUSEPORT`
    /// (Linux before 3.9; bind one listener and share it between tasks instead).
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.set_reuseport(true).unwrap();
    /// assert!(s.reuseport().unwrap());
    /// ```
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuse)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`, as for [`set_reuseport`](Self::set_reuseport).
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// let _ = s.reuseport().unwrap();
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF` (the kernel may round or double it).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket (a size above
    /// the system's limit, `net.core.wmem_max` on Linux, is capped rather than refused).
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.set_send_buffer_size(64 * 1024).unwrap();
    /// assert!(s.send_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// `SO_SNDBUF` as the kernel reports it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// assert!(s.send_buffer_size().unwrap() > 0);
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(|n| n as u32)
    }

    /// Sets `SO_RCVBUF` (the kernel may round or double it).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket (a size above
    /// the system's limit, `net.core.rmem_max` on Linux, is capped rather than refused).
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.set_recv_buffer_size(64 * 1024).unwrap();
    /// assert!(s.recv_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// `SO_RCVBUF` as the kernel reports it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// assert!(s.recv_buffer_size().unwrap() > 0);
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(|n| n as u32)
    }

    /// Sets `TCP_NODELAY` before connecting.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.set_nodelay(true).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_nodelay(nodelay)
    }

    /// Binds to `addr`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if another socket holds the address (set
    /// [`set_reuseaddr`](Self::set_reuseaddr) or [`set_reuseport`](Self::set_reuseport)
    /// first where sharing it is intended); `AddrNotAvailable` for an IP address this host
    /// does not have; `PermissionDenied` for a port below 1024 without the privilege;
    /// `InvalidInput` if the socket is already bound; `InvalidInput` or `EAFNOSUPPORT` for
    /// an address of the other IP family than the socket's.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert_ne!(s.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; `InvalidInput` if the OS reports an address that
    /// is not an IP address.
    ///
    /// ```
    /// let s = weft::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert!(s.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the socket is not bound to an IP address",
            )
        })
    }

    /// Starts listening with the given backlog (pending connections the kernel queues;
    /// capped by `net.core.somaxconn`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a backlog above `i32::MAX`; the OS error from `listen`; an error
    /// outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = weft::net::TcpSocket::new_v4().unwrap();
    ///     s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ///     let l = s.listen(128).unwrap();
    ///     assert!(l.local_addr().is_ok());
    /// });
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = i32::try_from(backlog).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "listen backlog must fit in an i32",
            )
        })?;
        self.inner.listen(backlog)?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr`.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` if nothing listens at `addr`; `TimedOut`, `HostUnreachable` or
    /// `NetworkUnreachable` from the network (retry later, or try another address);
    /// `AddrNotAvailable` when the local ports are used up; an error of kind `Other`
    /// outside a runtime (connect from a task, or inside `block_on`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future closes the socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpSocket::new_v4().unwrap();
    ///     let c = s.connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert!(c.peer_addr().is_ok());
    /// });
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_socket(self.inner, addr).await
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
