//! `WeftIo`: futures-io streams as hyper's `Read`/`Write`, and hyper's as futures-io's.

use crate::io::uninit::{as_recv_uninit, with_scratch, Recv};
use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project_lite::pin_project! {
    /// Adapts an I/O stream between futures-io (weft's traits) and hyper's.
    ///
    /// - Wrapping any futures-io stream (`T: AsyncRead + AsyncWrite`, such as
    ///   [`TcpStream`](crate::net::TcpStream)), it implements [`hyper::rt::Read`] and
    ///   [`hyper::rt::Write`]: hand it to hyper's connection builders and client
    ///   handshakes.
    /// - Wrapping one of hyper's (`T: hyper::rt::Read + hyper::rt::Write`, such as
    ///   `hyper::upgrade::Upgraded`), it implements futures-io's [`AsyncRead`] and
    ///   [`AsyncWrite`], for weft's [`AsyncReadExt`](crate::io::AsyncReadExt) and
    ///   [`AsyncWriteExt`](crate::io::AsyncWriteExt) (a WebSocket after an upgrade, say).
    ///
    /// # Reads
    ///
    /// hyper reads into uninitialised memory, and futures-io's `poll_read` takes an
    /// initialised `&mut [u8]`. For weft's own [`TcpStream`](crate::net::TcpStream) and
    /// [`UnixStream`](crate::net::UnixStream), `WeftIo` skips futures-io and reads from the
    /// socket straight into hyper's buffer. Any other stream reads into a buffer of the
    /// worker thread's that was zeroed once, and the bytes read are copied into hyper's:
    /// never the whole buffer zeroed on every read. (The fast path is chosen by type,
    /// which is why `Read` needs `T: 'static`.)
    ///
    /// # Writes
    ///
    /// Vectored writes go to the stream's `poll_write_vectored`. `is_write_vectored` is
    /// true for weft's own sockets, which send all buffers in one `sendmsg(2)`, so hyper
    /// queues a response's head and body without copying them together; it is false for
    /// other streams, whose futures-io `poll_write_vectored` may write one buffer at a time.
    ///
    /// # Examples
    ///
    /// A hyper HTTP/1 client over a weft `TcpStream`, against a server of its own:
    ///
    /// ```
    /// use http_body_util::{BodyExt, Empty};
    /// use hyper::body::Bytes;
    /// use hyper::service::service_fn;
    /// use weft::hyper::WeftIo;
    /// use weft::net::{TcpListener, TcpStream};
    ///
    /// weft::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     weft::spawn(async move {
    ///         let (stream, _) = listener.accept().await.unwrap();
    ///         let hello = service_fn(|_req| async {
    ///             Ok::<_, std::convert::Infallible>(hyper::Response::new("hello".to_string()))
    ///         });
    ///         hyper::server::conn::http1::Builder::new()
    ///             .serve_connection(WeftIo::new(stream), hello)
    ///             .await
    ///             .unwrap();
    ///     });
    ///
    ///     let stream = TcpStream::connect(addr).await.unwrap();
    ///     let (mut sender, conn) = hyper::client::conn::http1::handshake(WeftIo::new(stream))
    ///         .await
    ///         .unwrap();
    ///     weft::spawn(conn);
    ///     let req = hyper::Request::get("/").body(Empty::<Bytes>::new()).unwrap();
    ///     let res = sender.send_request(req).await.unwrap();
    ///     let body = res.into_body().collect().await.unwrap().to_bytes();
    ///     assert_eq!(body, "hello");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct WeftIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> WeftIo<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let io = weft::hyper::WeftIo::new(a);
    ///     assert!(io.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn new(inner: T) -> WeftIo<T> {
        WeftIo { inner }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let io = weft::hyper::WeftIo::new(a);
    ///     assert!(io.get_ref().local_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let mut io = weft::hyper::WeftIo::new(a);
    ///     let _: &mut weft::net::UnixStream = io.get_mut();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The wrapped stream, pinned.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let mut io = std::pin::pin!(weft::hyper::WeftIo::new(a));
    ///     let _: std::pin::Pin<&mut weft::net::UnixStream> = io.as_mut().get_pin_mut();
    /// });
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let a = weft::hyper::WeftIo::new(a).into_inner();
    ///     assert!(a.peer_addr().is_ok());
    /// });
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + 'static> Read for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(direct) = as_recv_uninit(self.as_ref().project_ref().inner.get_ref()) {
            // SAFETY: `poll_recv_uninit` only writes into the slice and never
            // de-initialises bytes (`as_mut`'s contract); on `Ok(n)` the first `n` bytes
            // were written by `recv(2)`, so advancing by `n` marks only initialised bytes.
            unsafe {
                let n = ready!(direct.poll_recv_uninit(cx, buf.as_mut(), Recv::Take))?;
                buf.advance(n);
            }
            return Poll::Ready(Ok(()));
        }
        let inner = self.project().inner;
        ready!(with_scratch(buf.remaining(), |scratch| {
            match inner.poll_read(cx, scratch) {
                Poll::Ready(Ok(n)) => {
                    // A reader that claims more than it was given is broken; trust only
                    // what fits rather than panic in `put_slice`.
                    let n = n.min(scratch.len());
                    buf.put_slice(&scratch[..n]);
                    Poll::Ready(Ok(n))
                }
                other => other,
            }
        }))?;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + 'static> Write for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        // weft's sockets, and only they, are known to send every buffer in one call.
        as_recv_uninit(&self.inner).is_some()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

impl<T: Read> AsyncRead for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut rb = ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, rb.unfilled()))?;
        Poll::Ready(Ok(rb.filled().len()))
    }
}

impl<T: Write> AsyncWrite for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Write::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Write::poll_flush(self.project().inner, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Write::poll_shutdown(self.project().inner, cx)
    }
}
