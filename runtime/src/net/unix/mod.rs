//! Unix-domain sockets: stream (listener and connection) and datagram.

mod datagram;
mod listener;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::{UnixIncoming, UnixListener};
pub use stream::UnixStream;
pub use ucred::UCred;
