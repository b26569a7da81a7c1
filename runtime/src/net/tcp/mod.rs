//! TCP: listener, stream (and its halves), and the `TcpSocket` builder.

mod listener;
mod options;
mod readiness;
mod socket;
mod split;
mod stream;

pub use listener::{Incoming, TcpListener};
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
pub use stream::TcpStream;
