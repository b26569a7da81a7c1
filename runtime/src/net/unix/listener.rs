//! `UnixListener`, a Unix-domain stream server socket, and its stream of connections.

use super::UnixStream;
use crate::io::Async;
use futures_core::Stream;
use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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

fd_impls!(UnixListener);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
