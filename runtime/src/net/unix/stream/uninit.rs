//! `UnixStream` reads straight into uninitialised memory (see `io/uninit.rs`). A child of
//! `stream` because the socket is private to it.

use super::UnixStream;
use crate::io::uninit::{poll_recv_uninit, Recv, RecvUninit};
use std::io;
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

impl RecvUninit for UnixStream {
    fn poll_recv_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
        how: Recv,
    ) -> Poll<io::Result<usize>> {
        poll_recv_uninit(&self.io, cx, buf, how)
    }
}
