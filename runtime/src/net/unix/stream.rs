//! `UnixStream`, a Unix-domain stream connection.

use super::ucred::{self, UCred};
use crate::io::{Async, Interest, Ready};
use crate::net::{connect, nosignal, shutdown};
use futures_io::{AsyncRead, AsyncWrite};
use socket2::{Domain, SockAddr, Socket, Type};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
mod uninit;

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

    /// The credentials of the peer process, as the kernel recorded them at connect time
    /// (`SO_PEERCRED` on Linux, `getpeereid` elsewhere).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`/`getpeereid(3)`: `NotConnected` for a stream whose
    /// peer is gone on some systems.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     // SAFETY: getgid has no preconditions and cannot fail.
    ///     assert_eq!(a.peer_cred().unwrap().gid(), unsafe { libc::getgid() });
    /// });
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        ucred::peer_cred(self.io.get_ref().as_fd())
    }

    /// Waits until the stream is ready for any direction of `interest`; returns which
    /// directions are ready (an event the reactor reported, as tokio's `ready`).
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     assert!(a.ready(Interest::WRITABLE).await.unwrap().is_writable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the stream is readable.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let (mut a, b) = weft::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"x").await.unwrap();
    ///     b.readable().await.unwrap();
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the stream is writable.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime that owns the stream has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     a.writable().await.unwrap();
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Reads what is there into `buf` without waiting; `Ok(0)` means end of stream (or an
    /// empty `buf`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no bytes are there (wait with [`readable`](Self::readable), then try
    /// again); the OS error of `read(2)`; an error of kind `Other` once the runtime that
    /// owns the stream has shut down.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair().unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     a.try_write(b"now").unwrap();
    ///     let n = loop {
    ///         b.readable().await.unwrap();
    ///         if let Ok(n) = b.try_read(&mut buf) {
    ///             break n;
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"now");
    /// });
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut s| s.read(buf))
    }

    /// Writes what fits of `buf` without waiting; returns how many bytes were written.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the socket buffer is full (wait with [`writable`](Self::writable),
    /// then try again); `BrokenPipe` once the peer has gone (never `SIGPIPE`); an error of
    /// kind `Other` once the runtime that owns the stream has shut down.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     assert_eq!(a.try_write(b"room").unwrap(), 4);
    /// });
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| nosignal::send(s.as_raw_fd(), buf))
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

fd_impls!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
