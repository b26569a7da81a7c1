//! Address resolution shared by the net types.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr`. Literal addresses resolve without I/O; host names use the system
/// resolver on the calling thread (it blocks briefly; a later issue moves it to the
/// blocking pool).
pub(crate) fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to no socket addresses",
        ));
    }
    Ok(addrs)
}

/// Tries `op` on each address in turn; returns the first success or the last error.
pub(crate) async fn try_each<T, F, Fut>(addrs: Vec<SocketAddr>, mut op: F) -> io::Result<T>
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
    Err(last.expect("resolve() never returns an empty list"))
}
