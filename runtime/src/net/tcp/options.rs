//! `TcpStream`'s socket options beyond `TCP_NODELAY`: `SO_LINGER` and `IP_TTL`.

use super::TcpStream;
use socket2::SockRef;
use std::io;
use std::time::Duration;

impl TcpStream {
    /// Sets `SO_LINGER`: with `Some(d)`, dropping (closing) the stream waits up to `d` for
    /// unsent bytes to go out, and `Some(Duration::ZERO)` makes the close reset the
    /// connection (`RST`) at once; `None` (the default) closes in the background.
    ///
    /// A non-zero linger makes the close, which runs on a worker when the stream is
    /// dropped, block that worker for up to `d`: prefer `None` or `Some(ZERO)`.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// use std::time::Duration;
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     s.set_linger(Some(Duration::ZERO)).unwrap();
    ///     assert_eq!(s.linger().unwrap(), Some(Duration::ZERO));
    /// });
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` setting; see [`set_linger`](Self::set_linger).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.linger().unwrap(), None);
    /// });
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `IP_TTL`, the hop limit of the packets this stream sends.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL the system refuses (0, or above 255).
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     s.set_ttl(42).unwrap();
    ///     assert_eq!(s.ttl().unwrap(), 42);
    /// });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` setting; see [`set_ttl`](Self::set_ttl).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let l = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = weft::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert!(s.ttl().unwrap() > 0);
    /// });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}
