//! `UnixListener` and `UnixStream`.

use crate::io::Async;
use crate::net::{connect, nosignal, shutdown};
use futures_core::Stream;
use futures_io::{AsyncRead, AsyncWrite};
use socket2::{Domain, SockAddr, Socket, Type};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
mod uninit;

/// A Unix-domain stream server socket.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{UnixListener, UnixStream};
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path).unwrap();
///     let mut client = UnixStream::connect(&path).await.unwrap();
///     let (mut server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_dir_all(&dir).unwrap();
/// });
/// ```
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the path exists (remove a stale socket file first); an error outside a
    /// runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-bind-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = weft::net::UnixListener::bind(&path).unwrap();
    ///     assert!(l.local_addr().is_ok());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Wraps a std listener (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-fs-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
    ///     let l = weft::net::UnixListener::from_std(l).unwrap();
    ///     # drop(l);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Accepts one connection.
    ///
    /// # Errors
    ///
    /// The OS error of `accept(2)`: `EMFILE`/`ENFILE` when the process or the system is out
    /// of descriptors (the listener stays usable and the connection stays queued: close
    /// descriptors or raise `RLIMIT_NOFILE`, pause, then accept again); an error of kind
    /// `Other` once the runtime that owns the listener has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-acc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = weft::net::UnixListener::bind(&path).unwrap();
    ///     let _c = std::os::unix::net::UnixStream::connect(&path).unwrap();
    ///     let (_s, _addr) = l.accept().await.unwrap();
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for one incoming connection.
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-pacc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = weft::net::UnixListener::bind(&path).unwrap();
    ///     let _c = std::os::unix::net::UnixStream::connect(&path).unwrap();
    ///     std::future::poll_fn(|cx| l.poll_accept(cx)).await.unwrap();
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_std(stream).map(|s| (s, addr)))
    }

    /// A stream of incoming connections.
    ///
    /// ```
    /// use futures_core::Stream;
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-inc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = weft::net::UnixListener::bind(&path).unwrap();
    ///     let _c = std::os::unix::net::UnixStream::connect(&path).unwrap();
    ///     let mut inc = l.incoming();
    ///     let s = std::future::poll_fn(|cx| std::pin::Pin::new(&mut inc).poll_next(cx)).await;
    ///     assert!(s.unwrap().is_ok());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-la-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let l = weft::net::UnixListener::bind(&path).unwrap();
    ///     assert_eq!(l.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// Incoming connections of a [`UnixListener`]; never ends.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let res = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(res.map(|(s, _)| s)))
    }
}

/// A Unix-domain stream connection; implements [`AsyncRead`] and [`AsyncWrite`].
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
///     a.write_all(b"ok").await.unwrap();
///     let mut buf = [0; 2];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ok");
/// });
/// ```
pub struct UnixStream {
    io: Async<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`, without blocking the worker.
    ///
    /// The connect is non-blocking. A Unix-domain connect completes at once where a
    /// listener has room in its backlog; where the system reports it in progress
    /// (`EINPROGRESS`), the future waits until the socket turns writable and then reads the
    /// outcome from `SO_ERROR`. Linux never waits here: when the listener's backlog is full
    /// it answers `EAGAIN` at once, with no readiness to wait for, and that is returned as an
    /// error of kind `WouldBlock` (tokio does the same).
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing exists at `path`; `ConnectionRefused` if no listener is bound
    /// there (a stale socket file); `WouldBlock` if the listener's backlog is full (accept
    /// some connections or raise the backlog, then retry); `InvalidInput` if the path is
    /// too long for a socket address; an error outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes closes the socket, so no
    /// connection is left half made (the listener may accept one that is already closed).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-conn-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _l = weft::net::UnixListener::bind(&path).unwrap();
    ///     let c = weft::net::UnixStream::connect(&path).await.unwrap();
    ///     assert!(c.peer_addr().is_ok());
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        // Connect before registering: the common errors (no such path, refused) then come
        // straight from the kernel, with or without a runtime.
        let in_progress = match socket.connect(&SockAddr::unix(path)?) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "connecting to {}: the listener's backlog is full ({e}); retry once \
                         it accepts, or give it a larger backlog",
                        path.display()
                    ),
                ));
            }
            Err(e) => return Err(e),
        };
        let stream = UnixStream::from_std(socket.into())?;
        if in_progress {
            connect::finish(&stream.io).await?;
        }
        Ok(stream)
    }

    /// A connected pair (like `socketpair(2)`).
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when the process or the system is out of descriptors; an error of
    /// kind `Other` outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair().unwrap();
    ///     # drop((a, b));
    /// });
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the descriptor cannot be registered.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::net::UnixStream::from_std(a).unwrap();
    ///     # drop(a);
    /// });
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        nosignal::prepare(stream.as_fd())?;
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The OS error of `getpeername(2)`: none on Linux; some systems answer `NotConnected`
    /// once the peer has closed.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     assert!(a.peer_addr().is_ok());
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
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     assert!(a.local_addr().is_ok());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Shuts down the read, write, or both halves.
    ///
    /// A peer that already went leaves nothing to shut down: that is `Ok(())`, not
    /// `NotConnected` (which some systems, unlike Linux, report for a Unix socket whose peer
    /// closed), as with tokio's `poll_shutdown`.
    ///
    /// # Errors
    ///
    /// The OS error from `shutdown(2)` other than `ENOTCONN` (for example `EBADF`).
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// weft::run(async {
    ///     let (a, mut b) = weft::net::UnixStream::pair().unwrap();
    ///     a.shutdown(std::net::Shutdown::Write).unwrap();
    ///     let mut buf = [0; 1];
    ///     assert_eq!(b.read(&mut buf).await.unwrap(), 0);
    /// });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        shutdown::peer_gone_is_ok(self.io.get_ref().shutdown(how))
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read_vectored(bufs))
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_with(cx, |s| nosignal::send(s.as_raw_fd(), buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_with(cx, |s| nosignal::send_vectored(s.as_raw_fd(), bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

fd_impls!(UnixListener, UnixStream);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
