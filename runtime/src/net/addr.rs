//! Address resolution of the synchronous constructors (`bind`, `UdpSocket::connect`), and
//! trying each resolved address in turn. The async paths resolve with
//! [`lookup_host`](super::lookup_host) instead.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` on the calling thread and tries `op` on each address in turn; returns
/// the first success, the last error, or `InvalidInput` if there were no addresses.
///
/// Literal addresses resolve without I/O; host names use the system resolver, which may
/// block: only the synchronous constructors use this, as std's do.
pub(crate) fn try_each_resolved<T>(
    addr: impl ToSocketAddrs,
    mut op: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match op(addr) {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_addresses))
}

fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to no socket addresses",
    )
}

/// Tries `op` on each address in turn; returns the first success, the last error, or
/// `InvalidInput` if there were no addresses.
pub(crate) async fn try_each<T, F, Fut>(
    addrs: impl IntoIterator<Item = SocketAddr>,
    mut op: F,
) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match op(addr).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_addresses))
}

/// The first of `addrs`, or `InvalidInput` if there are none.
pub(crate) fn first(mut addrs: impl Iterator<Item = SocketAddr>) -> io::Result<SocketAddr> {
    addrs.next().ok_or_else(no_addresses)
}
