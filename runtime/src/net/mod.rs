//! TCP, UDP and Unix-domain sockets on the runtime's reactor (asyncio's
//! `open_connection`, `start_server`, datagram endpoints).
//!
//! Every type wraps the std socket in [`Async`](crate::io::Async): operations wait for
//! readiness, try, and on `WouldBlock` wait for the next edge. Socket options go through
//! `socket2` ([`TcpSocket`]). Writes never raise `SIGPIPE`: a peer that went away gives
//! `BrokenPipe` (or `ConnectionReset`).
//!
//! | asyncio | weft |
//! |---|---|
//! | `await asyncio.open_connection(host, port)` | [`TcpStream::connect`] |
//! | `await asyncio.start_server(cb, host, port)` | [`TcpListener::bind`] + [`TcpListener::accept`] |
//! | `await loop.create_datagram_endpoint(...)` | [`UdpSocket::bind`] |
//! | `await asyncio.open_unix_connection(path)` | [`UnixStream::connect`] |

mod addr;
mod nosignal;
mod shutdown;
mod tcp;
mod udp;
mod unix;

pub use tcp::{
    Incoming, OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpListener, TcpSocket, TcpStream, WriteHalf,
};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixIncoming, UnixListener, UnixStream};
