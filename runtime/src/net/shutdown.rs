//! `shutdown(2)` for stream sockets, where a peer that already went is not an error.
//!
//! Once the peer has reset the connection (or both sides have closed), the kernel holds the
//! socket in its closed state and `shutdown(2)` answers `ENOTCONN`. The caller asked for the
//! direction to be shut, and it is: reporting an error there only makes servers log a
//! failure for every client that hangs up first (hyper logs `Shutdown(NotConnected)` for
//! nearly every connection a load generator closes). tokio's `poll_shutdown` ignores
//! `ENOTCONN` for the same reason; weft does the same in `shutdown`, `close` and the halves.

use std::io;

/// The result of a `shutdown(2)`, with `ENOTCONN` (the peer is already gone) taken as
/// success.
pub(crate) fn peer_gone_is_ok(res: io::Result<()>) -> io::Result<()> {
    match res {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        res => res,
    }
}
