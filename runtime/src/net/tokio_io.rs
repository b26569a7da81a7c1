//! tokio's `AsyncRead` and `AsyncWrite` on weft's stream sockets (feature `tokio-io`), so
//! crates written against tokio's traits (tokio-util's codecs, hyper-util's `TokioIo`,
//! tower-based servers) take them without a wrapper.
//!
//! Reads go from the socket straight into tokio's `ReadBuf`, initialised or not
//! (`io/uninit.rs`): nothing is zeroed. Writes are the futures-io impls' (vectored writes
//! in one `sendmsg(2)`, so `is_write_vectored` is true); `poll_shutdown` shuts down the
//! write direction, as futures-io's `poll_close` does.
//!
//! A type with both families of traits makes calls ambiguous where both extension traits
//! are imported (`weft::io::AsyncReadExt` and `tokio::io::AsyncReadExt`): import the one
//! you use, or call through the trait (`tokio::io::AsyncReadExt::read(&mut s, buf)`).

use super::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, UnixStream, WriteHalf};
use crate::io::uninit::{Recv, RecvUninit};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::ReadBuf;

/// Receives into the unfilled part of `buf`, without initialising it first.
fn poll_read_buf(
    io: &dyn RecvUninit,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    if buf.remaining() == 0 {
        return Poll::Ready(Ok(()));
    }
    // SAFETY: `poll_recv_uninit` only writes into the slice (never de-initialises a byte,
    // as `unfilled_mut` requires); on `Ok(n)` its first `n` bytes were written by
    // `recv(2)`, so they are initialised when `assume_init` says so.
    unsafe {
        let n = ready!(io.poll_recv_uninit(cx, buf.unfilled_mut(), Recv::Take))?;
        buf.assume_init(n);
        buf.advance(n);
    }
    Poll::Ready(Ok(()))
}

macro_rules! tokio_read {
    ($($t:ty),*) => {$(
        impl tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_buf(&*self, cx, buf)
            }
        }
    )*};
}

macro_rules! tokio_write {
    ($($t:ty),*) => {$(
        impl tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    )*};
}

tokio_read!(TcpStream, ReadHalf<'_>, OwnedReadHalf, UnixStream);
tokio_write!(TcpStream, WriteHalf<'_>, OwnedWriteHalf, UnixStream);
