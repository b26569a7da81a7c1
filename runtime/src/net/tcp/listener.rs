//! `TcpListener` and its stream of incoming connections.

use super::TcpStream;
use crate::io::Async;
use crate::net::addr;
use futures_core::Stream;
use socket2::{Domain, Protocol, Socket, Type};
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Backlog of a listener made by [`TcpListener::bind`]: 1024, the common default (the
/// kernel caps it at `net.core.somaxconn`). Use [`TcpSocket::listen`](super::TcpSocket::listen)
/// to choose another.
pub(crate) const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP server socket (asyncio's `start_server`, without the callback).
///
/// # Examples
///
/// ```
/// use weft::net::{TcpListener, TcpStream};
/// weft::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = weft::spawn(async move { TcpStream::connect(addr).await.unwrap() });
///     let (_stream, peer) = listener.accept().await.unwrap();
///     assert_eq!(peer, client.await.unwrap().local_addr().unwrap());
/// });
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (with `SO_REUSEADDR`, as servers expect) and starts listening.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable`, permission errors, or an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert_ne!(l.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        addr::try_each_resolved(addr, Self::bind_addr)
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(DEFAULT_BACKLOG)?;
        TcpListener::from_std(socket.into())
    }

    /// Wraps a listening std socket (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let l = weft::net::TcpListener::from_std(l).unwrap();
    ///     assert!(l.local_addr().is_ok());
    /// });
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Deregisters the listener from the runtime and returns the std listener, still in
    /// non-blocking mode (call `set_nonblocking(false)` for blocking use).
    ///
    /// # Errors
    ///
    /// The OS error if the selector refuses to forget the descriptor; the listener is
    /// closed then.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = l.local_addr().unwrap();
    ///     let l = l.into_std().unwrap();
    ///     l.set_nonblocking(false).unwrap();
    ///     let _c = std::net::TcpStream::connect(addr).unwrap();
    ///     let (_s, _) = l.accept().unwrap();
    /// });
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// Accepts one connection.
    ///
    /// # Errors
    ///
    /// The OS error of `accept(2)`: `EMFILE`/`ENFILE` when the process or the system is out
    /// of descriptors (the listener stays usable and the connection stays queued: close
    /// descriptors or raise `RLIMIT_NOFILE`, pause, then accept again); `ConnectionAborted`
    /// for a connection the peer reset before it was accepted (accept again); an error of
    /// kind `Other` once the runtime that owns the listener has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is only taken off the backlog when the future completes.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = l.local_addr().unwrap();
    ///     let _c = std::net::TcpStream::connect(addr).unwrap();
    ///     let (s, _peer) = l.accept().await.unwrap();
    ///     assert_eq!(s.local_addr().unwrap(), addr);
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for one incoming connection; see [`accept`](Self::accept).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let _c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     let (_s, _) = std::future::poll_fn(|cx| l.poll_accept(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_std(stream).map(|s| (s, addr)))
    }

    /// A stream of incoming connections (`futures_core::Stream`).
    ///
    /// ```
    /// use futures_core::Stream;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let _c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     let mut incoming = l.incoming();
    ///     let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut incoming).poll_next(cx));
    ///     assert!(next.await.unwrap().is_ok());
    /// });
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert!(l.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// Incoming connections of a [`TcpListener`]; never ends.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let res = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(res.map(|(s, _)| s)))
    }
}

fd_impls!(TcpListener);

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
