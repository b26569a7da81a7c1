//! Copying between streams: [`copy`] one way, [`copy_bidirectional`] both ways with
//! half-close.

use super::{AsyncReadExt, AsyncWriteExt};
use futures_io::{AsyncRead, AsyncWrite};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Copies everything from `reader` to `writer` until end of stream; returns the bytes
/// copied. The writer is not closed.
///
/// # Errors
///
/// The first error a read from `reader` or a write to `writer` returns, as that stream
/// reports it (for sockets `ConnectionReset`, `BrokenPipe`, ...); `WriteZero` if `writer`
/// stops accepting bytes. The count copied before the error is not reported: where it
/// matters, copy with your own `read`/`write_all` loop.
///
/// # Cancel safety
///
/// Not cancel safe: bytes already read from `reader` but not yet written to `writer` are
/// lost when the future is dropped, and so is the count copied so far.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
///     let (mut c, mut d) = weft::net::UnixStream::pair().unwrap();
///     a.write_all(b"copied").await.unwrap();
///     a.close().await.unwrap();
///     assert_eq!(weft::io::copy(&mut b, &mut c).await.unwrap(), 6);
///     c.close().await.unwrap();
///     let mut out = Vec::new();
///     d.read_to_end(&mut out).await.unwrap();
///     assert_eq!(out, b"copied");
/// });
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        writer.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// 8 KiB per direction, as `BufReader`'s default: enough to keep a socket busy, small
/// enough for a proxy holding thousands of connections.
const COPY_BUF: usize = 8 * 1024;

/// One direction of [`copy_bidirectional`]: read into `buf`, write it out, and at end of
/// stream close (half-close) the writer.
#[derive(Debug)]
struct Transfer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` is read and not yet written.
    pos: usize,
    cap: usize,
    /// The reader reported end of stream.
    eof: bool,
    total: u64,
    done: bool,
}

impl Transfer {
    fn new() -> Transfer {
        Transfer {
            buf: vec![0; COPY_BUF].into_boxed_slice(),
            pos: 0,
            cap: 0,
            eof: false,
            total: 0,
            done: false,
        }
    }

    /// Makes what progress it can; `Ready(Ok(total))` once the writer has been closed.
    fn poll_transfer<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        if self.done {
            return Poll::Ready(Ok(self.total));
        }
        loop {
            if self.pos == self.cap && !self.eof {
                match reader.as_mut().poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.eof = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    // Nothing to read: push out what the writer buffered meanwhile, so
                    // bytes never sit in a `BufWriter` while the other side waits.
                    Poll::Pending => {
                        ready!(writer.as_mut().poll_flush(cx))?;
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "copy_bidirectional: the writer accepted no more bytes",
                    )));
                }
                self.pos += n;
                self.total += n as u64;
            }
            if self.eof {
                // The reader ended: pass the end on (for a socket, shutdown(Write)), so the
                // far side sees end of stream while the other direction goes on.
                ready!(writer.as_mut().poll_close(cx))?;
                self.done = true;
                return Poll::Ready(Ok(self.total));
            }
        }
    }
}

/// Copies both ways between `a` and `b` until both directions have ended; returns the
/// bytes copied from `a` to `b` and from `b` to `a`.
///
/// When one side's reader ends, the other side is closed for writing (for sockets,
/// `shutdown(Write)`: a half-close) and the opposite direction keeps going until it ends
/// too, so a request/response protocol that half-closes to mark the end of a request
/// works through it. This is the core of a TCP proxy; see `examples/proxy.rs`.
///
/// # Errors
///
/// The first error of a read or write on either side (for sockets `ConnectionReset`,
/// `BrokenPipe`, ...), or `WriteZero` if a writer stops accepting bytes. The other
/// direction is abandoned then, and the counts are not reported.
///
/// # Cancel safety
///
/// Not cancel safe: bytes read from one side and not yet written to the other are lost if
/// the future is dropped, and so are the counts.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut client, mut proxy_a) = weft::io::duplex(64);
///     let (mut proxy_b, mut server) = weft::io::duplex(64);
///     let proxy = weft::spawn(async move {
///         weft::io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await
///     });
///     client.write_all(b"request").await.unwrap();
///     client.close().await.unwrap(); // half-close: the request is complete
///     let mut request = Vec::new();
///     server.read_to_end(&mut request).await.unwrap();
///     server.write_all(b"response").await.unwrap();
///     drop(server);
///     let mut response = Vec::new();
///     client.read_to_end(&mut response).await.unwrap();
///     assert_eq!((&request[..], &response[..]), (&b"request"[..], &b"response"[..]));
///     assert_eq!(proxy.await.unwrap().unwrap(), (7, 8));
/// });
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::new();
    let mut b_to_a = Transfer::new();
    std::future::poll_fn(|cx| {
        // Poll both directions every time: each makes progress on its own wakeups.
        let forward = a_to_b.poll_transfer(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let backward = b_to_a.poll_transfer(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
        match (forward, backward) {
            (Poll::Ready(x), Poll::Ready(y)) => Poll::Ready(Ok((x, y))),
            _ => Poll::Pending,
        }
    })
    .await
}
