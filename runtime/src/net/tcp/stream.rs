//! `TcpStream`.

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::io::Async;
use crate::net::{addr, connect, lookup_host, nosignal, shutdown, ToSocketAddrs};
use futures_io::{AsyncRead, AsyncWrite};
use socket2::{Domain, Protocol, Socket, Type};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A TCP connection (asyncio's `open_connection` reader and writer in one object).
///
/// Implements [`AsyncRead`] and [`AsyncWrite`] (with vectored writes); use
/// [`AsyncReadExt`](crate::io::AsyncReadExt) / [`AsyncWriteExt`](crate::io::AsyncWriteExt)
/// for `read`, `write_all` and friends. [`close`](crate::io::AsyncWriteExt::close) shuts
/// down the write side so the peer reads end of stream.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// weft::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = weft::spawn(async move {
///         let (mut s, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 4];
///         s.read_exact(&mut buf).await.unwrap();
///         s.write_all(&buf).await.unwrap();
///     });
///     let mut c = TcpStream::connect(addr).await.unwrap();
///     c.write_all(b"echo").await.unwrap();
///     let mut buf = [0; 4];
///     c.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"echo");
///     server.await.unwrap();
/// });
/// ```
pub struct TcpStream {
    pub(super) io: Arc<Async<std::net::TcpStream>>,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn.
    ///
    /// A host name is resolved on the blocking pool ([`lookup_host`]), never on the worker;
    /// a literal address needs no resolving.
    ///
    /// # Errors
    ///
    /// The resolver's error for a host name it cannot resolve; the connect error of the
    /// last address tried (`ConnectionRefused`, ...); an error outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future closes the half-open socket (and abandons a lookup
    /// in progress).
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    ///     let port = l.local_addr().unwrap().port();
    ///     let s = weft::net::TcpStream::connect(("localhost", port)).await.unwrap();
    ///     assert!(s.peer_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let addrs = lookup_host(addr).await?;
        addr::try_each(addrs, Self::connect_addr).await
    }

    /// Connects to `addr`, giving up after `timeout` with an error of kind `TimedOut`.
    /// The timeout covers resolving a host name (on the blocking pool) too.
    ///
    /// # Errors
    ///
    /// `TimedOut` if `timeout` passes before the connection is made (the attempt is dropped
    /// and its socket closed); otherwise the errors of [`connect`](Self::connect).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::net::{TcpListener, TcpStream};
    /// weft::run(async {
    ///     let l = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = TcpStream::connect_timeout(l.local_addr().unwrap(), Duration::from_secs(5))
    ///         .await
    ///         .unwrap();
    ///     assert!(s.peer_addr().is_ok());
    /// });
    /// ```
    pub async fn connect_timeout(
        addr: impl ToSocketAddrs,
        timeout: std::time::Duration,
    ) -> io::Result<TcpStream> {
        crate::time::timeout(timeout, Self::connect(addr))
            .await
            .map_err(io::Error::from)?
    }

    pub(crate) async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        Self::connect_socket(socket, addr).await
    }

    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = Async::new(std::net::TcpStream::from(socket))?;
        connect::finish(&stream).await?;
        stream.get_ref().peer_addr()?;
        Ok(TcpStream {
            io: Arc::new(stream),
        })
    }

    /// Wraps a connected std stream (it is switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     let s = weft::net::TcpStream::from_std(s).unwrap();
    ///     assert!(s.peer_addr().is_ok());
    /// });
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Arc::new(Async::new(stream)?),
        })
    }

    /// Deregisters the stream from the runtime and returns the std stream, still in
    /// non-blocking mode (call `set_nonblocking(false)` for blocking use).
    ///
    /// # Errors
    ///
    /// The OS error if the selector refuses to forget the descriptor; the stream is closed
    /// then.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     let mut c = c.into_std().unwrap();
    ///     c.set_nonblocking(false).unwrap();
    ///     let mut s = s.into_std().unwrap();
    ///     s.set_nonblocking(false).unwrap();
    ///     c.write_all(b"sync").unwrap();
    ///     let mut buf = [0; 4];
    ///     s.read_exact(&mut buf).unwrap();
    ///     assert_eq!(&buf, b"sync");
    /// });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        match Arc::try_unwrap(self.io) {
            Ok(io) => io.into_inner(),
            // A `TcpStream` is the only owner: its halves are made by consuming it.
            Err(_) => unreachable!("a TcpStream shares its socket with no one"),
        }
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection has been reset: the peer's address is gone with
    /// it.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert!(s.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`: none on Linux; some systems answer `InvalidInput`
    /// once the connection has been reset.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     s.set_nodelay(true).unwrap();
    ///     assert!(s.nodelay().unwrap());
    /// });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let _ = s.nodelay().unwrap();
    /// });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down the read, write, or both halves (asyncio's `write_eof` for `Write`).
    ///
    /// A peer that already went (it reset the connection) leaves nothing to shut down:
    /// that is `Ok(())`, not `NotConnected`, as with tokio's `poll_shutdown`.
    ///
    /// # Errors
    ///
    /// The OS error from `shutdown(2)` other than `ENOTCONN` (for example `EBADF`).
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (mut s, _) = l.accept().await.unwrap();
    ///     c.shutdown(std::net::Shutdown::Write).unwrap();
    ///     let mut buf = [0; 1];
    ///     assert_eq!(s.read(&mut buf).await.unwrap(), 0);
    /// });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        shutdown::peer_gone_is_ok(self.io.get_ref().shutdown(how))
    }

    /// Waits until the stream is readable.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down, which
    /// leaves no reactor to report readiness.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     c.write_all(b"x").await.unwrap();
    ///     s.readable().await.unwrap();
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the stream is writable.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down, which
    /// leaves no reactor to report readiness.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     c.writable().await.unwrap();
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Splits into halves that borrow the stream, for reading and writing concurrently in
    /// one task (for example with a `select`).
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (mut s, _) = l.accept().await.unwrap();
    ///     let (mut r, mut w) = s.split();
    ///     c.write_all(b"hi").await.unwrap();
    ///     let mut buf = [0; 2];
    ///     r.read_exact(&mut buf).await.unwrap();
    ///     w.write_all(&buf).await.unwrap();
    /// });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits into owned halves that can move to different tasks. Dropping the write half
    /// shuts down the write direction.
    ///
    /// ```
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let c = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (mut s, _) = l.accept().await.unwrap();
    ///     let (mut r, mut w) = c.into_split();
    ///     let writer = weft::spawn(async move { w.write_all(b"from a task").await });
    ///     writer.await.unwrap().unwrap();
    ///     let mut buf = [0; 11];
    ///     s.read_exact(&mut buf).await.unwrap();
    ///     s.write_all(b"back").await.unwrap();
    ///     let mut back = [0; 4];
    ///     r.read_exact(&mut back).await.unwrap();
    /// });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }

    pub(super) fn poll_read_priv(
        io: &Async<std::net::TcpStream>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        io.poll_read_with(cx, |mut s| s.read(buf))
    }

    pub(super) fn poll_write_priv(
        io: &Async<std::net::TcpStream>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // std's TcpStream::write sends with MSG_NOSIGNAL on Linux: no SIGPIPE.
        io.poll_write_with(cx, |mut s| s.write(buf))
    }

    pub(super) fn poll_write_vectored_priv(
        io: &Async<std::net::TcpStream>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Not std's write_vectored: writev(2) would raise SIGPIPE on a closed peer.
        io.poll_write_with(cx, |s| nosignal::send_vectored(s.as_raw_fd(), bufs))
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Self::poll_read_priv(&self.io, cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read_vectored(bufs))
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Self::poll_write_priv(&self.io, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Self::poll_write_vectored_priv(&self.io, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

fd_impls!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
