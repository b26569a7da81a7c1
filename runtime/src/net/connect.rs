//! Finishing a non-blocking `connect(2)`, for every stream socket type.
//!
//! A non-blocking connect that answers `EINPROGRESS` goes on in the kernel; the socket
//! turns writable when it is done either way, and the outcome is then in `SO_ERROR`.

use crate::io::Async;
use socket2::SockRef;
use std::io;
use std::os::fd::AsFd;

/// Waits for the connect in progress on `socket` to finish and returns its outcome.
pub(crate) async fn finish<T: AsFd>(socket: &Async<T>) -> io::Result<()> {
    socket.writable().await?;
    match SockRef::from(socket.get_ref()).take_error()? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
