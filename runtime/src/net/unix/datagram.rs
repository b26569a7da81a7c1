//! `UnixDatagram`.

use crate::io::Async;
use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

/// A Unix-domain datagram socket.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let (a, b) = weft::net::UnixDatagram::pair().unwrap();
///     a.send(b"dgram").await.unwrap();
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"dgram");
/// });
/// ```
pub struct UnixDatagram {
    io: Async<std::os::unix::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if something already exists at `path` (remove a stale socket file
    /// first); `NotFound` or `PermissionDenied` for a directory that is missing or not
    /// writable; `InvalidInput` for a path too long for a socket address (about 100 bytes:
    /// use a shorter directory); an error of kind `Other` outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-dg-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let s = weft::net::UnixDatagram::bind(&path).unwrap();
    ///     assert!(s.local_addr().is_ok());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can send, and receive replies once connected).
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when the process or the system is out of descriptors; an error of
    /// kind `Other` outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = weft::net::UnixDatagram::unbound().unwrap();
    ///     # drop(s);
    /// });
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A connected pair.
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when the process or the system is out of descriptors; an error of
    /// kind `Other` outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixDatagram::pair().unwrap();
    ///     # drop((a, b));
    /// });
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a std socket (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let s = std::os::unix::net::UnixDatagram::unbound().unwrap();
    ///     let s = weft::net::UnixDatagram::from_std(s).unwrap();
    ///     # drop(s);
    /// });
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing exists at `path`; `ConnectionRefused` if no socket is bound
    /// there (a stale socket file); `InvalidInput` for a path too long for a socket
    /// address.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-dgc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = weft::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = weft::net::UnixDatagram::unbound().unwrap();
    ///     client.connect(&path).unwrap();
    ///     client.send(b"hello").await.unwrap();
    ///     let mut buf = [0; 5];
    ///     server.recv(&mut buf).await.unwrap();
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends a datagram to `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing exists at `path`; `ConnectionRefused` if no socket is bound
    /// there; `EMSGSIZE` for a datagram larger than the socket's send buffer; an error of
    /// kind `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-dgs-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = weft::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = weft::net::UnixDatagram::unbound().unwrap();
    ///     client.send_to(b"x", &path).await.unwrap();
    ///     let mut buf = [0; 1];
    ///     let (n, _) = server.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(n, 1);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|s| s.send_to(buf, path)).await
    }

    /// Receives a datagram and its sender's address.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the socket has shut down;
    /// otherwise the OS error of `recvfrom(2)`, none of which is expected for an open
    /// socket.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixDatagram::pair().unwrap();
    ///     a.send(b"y").await.unwrap();
    ///     let mut buf = [0; 1];
    ///     let (n, _from) = b.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket has no peer ([`connect`](Self::connect) first, or use
    /// [`send_to`](Self::send_to)); `ConnectionRefused` once the peer's socket is closed;
    /// `EMSGSIZE` for a datagram larger than the socket's send buffer; an error of kind
    /// `Other` once the runtime that owns the socket has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixDatagram::pair().unwrap();
    ///     assert_eq!(a.send(b"abc").await.unwrap(), 3);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the socket has shut down;
    /// otherwise the OS error of `recv(2)`, none of which is expected for an open socket.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixDatagram::pair().unwrap();
    ///     a.send(b"z").await.unwrap();
    ///     let mut buf = [0; 1];
    ///     assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
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
    ///     let s = weft::net::UnixDatagram::unbound().unwrap();
    ///     assert!(s.local_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket has no peer.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixDatagram::pair().unwrap();
    ///     assert!(a.peer_addr().is_ok());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

fd_impls!(UnixDatagram);

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
