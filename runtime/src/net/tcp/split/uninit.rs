//! TCP's streams and read halves read straight into uninitialised memory (see
//! `io/uninit.rs`). Beside the halves because their sockets are private to `split`.

use super::{OwnedReadHalf, ReadHalf};
use crate::io::uninit::{poll_recv_uninit, Recv, RecvUninit};
use crate::net::TcpStream;
use std::io;
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

impl RecvUninit for TcpStream {
    fn poll_recv_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
        how: Recv,
    ) -> Poll<io::Result<usize>> {
        poll_recv_uninit(&self.io, cx, buf, how)
    }
}

impl RecvUninit for ReadHalf<'_> {
    fn poll_recv_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
        how: Recv,
    ) -> Poll<io::Result<usize>> {
        poll_recv_uninit(&self.0.io, cx, buf, how)
    }
}

impl RecvUninit for OwnedReadHalf {
    fn poll_recv_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
        how: Recv,
    ) -> Poll<io::Result<usize>> {
        poll_recv_uninit(&self.io, cx, buf, how)
    }
}
