//! Writes to stream sockets that never raise `SIGPIPE`: the peer's disappearance becomes a
//! `BrokenPipe` error instead of killing the process. std's `TcpStream::write` already
//! sends with `MSG_NOSIGNAL`, but its vectored write (`writev`) and its Unix streams'
//! writes (`write(2)`) do not, hence this file.

use std::io::{self, IoSlice};
use std::os::fd::RawFd;

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
const FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
// Elsewhere (the Apple platforms) SO_NOSIGPIPE is set on the socket at creation.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
const FLAGS: libc::c_int = 0;

/// Prepares a new socket for `send` without `SIGPIPE` where the flag does not exist.
pub(crate) fn prepare(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<()> {
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos"
    ))]
    socket2::SockRef::from(&fd).set_nosigpipe(true)?;
    let _ = fd;
    Ok(())
}

pub(crate) fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes of reads for the duration of the call.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), FLAGS) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

pub(crate) fn send_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // IoSlice is guaranteed ABI-compatible with iovec on Unix.
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(libc::c_int::MAX as usize) as _;
    // SAFETY: `msg` points at `bufs`, valid for reads for the duration of the call.
    let n = unsafe { libc::sendmsg(fd, &msg, FLAGS) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
