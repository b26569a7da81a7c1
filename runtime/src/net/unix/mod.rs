//! Unix-domain sockets: stream (listener and connection) and datagram.

mod datagram;
mod stream;

pub use datagram::UnixDatagram;
pub use stream::{UnixIncoming, UnixListener, UnixStream};
