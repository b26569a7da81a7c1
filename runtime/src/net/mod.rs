//! TCP, UDP and Unix-domain sockets on the runtime's reactor (asyncio's
//! `open_connection`, `start_server`, datagram endpoints).
//!
//! Every type wraps the std socket in [`Async`](crate::io::Async): operations wait for
//! readiness, try, and on `WouldBlock` wait for the next edge. Socket options go through
//! `socket2` ([`TcpSocket`]). Writes never raise `SIGPIPE`: a peer that went away gives
//! `BrokenPipe` (or `ConnectionReset`). Host names in the async paths
//! ([`TcpStream::connect`], [`UdpSocket::send_to`]) are resolved on the blocking pool
//! ([`lookup_host`]); the synchronous `bind`s resolve on the calling thread, as std's do.
//!
//! | asyncio | weft |
//! |---|---|
//! | `await asyncio.open_connection(host, port)` | [`TcpStream::connect`] |
//! | `await asyncio.start_server(cb, host, port)` | [`TcpListener::bind`] + [`TcpListener::accept`] |
//! | `await loop.create_datagram_endpoint(...)` | [`UdpSocket::bind`] |
//! | `await asyncio.open_unix_connection(path)` | [`UnixStream::connect`] |
//! | `await loop.getaddrinfo(host, port)` | [`lookup_host`] |

/// `AsFd` and `AsRawFd` for socket types whose `io` field is (or derefs to) an `Async`.
macro_rules! fd_impls {
    ($($t:ty),*) => {$(
        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.io)
            }
        }
        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.io)
            }
        }
    )*};
}

mod addr;
mod connect;
mod lookup;
mod nosignal;
mod shutdown;
mod tcp;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp;
mod unix;

pub use lookup::{lookup_host, ToSocketAddrs};
pub use tcp::{
    Incoming, OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpListener, TcpSocket, TcpStream, WriteHalf,
};
pub use udp::UdpSocket;
pub use unix::{UCred, UnixDatagram, UnixIncoming, UnixListener, UnixStream};
