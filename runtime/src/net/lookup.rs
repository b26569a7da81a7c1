//! [`lookup_host`] and the [`ToSocketAddrs`] trait of the async connect paths: literal
//! addresses resolve on the spot, host names on the blocking pool.
//!
//! std's `ToSocketAddrs` gives no way to tell a literal from a host name without calling
//! it, and calling it for a host name runs the system resolver (`getaddrinfo`, which may
//! wait on DNS for seconds) on whatever thread asks: in a task, that is a worker, and every
//! task queued behind it waits too. So the async paths take weft's own, sealed trait, which
//! turns each address form into either addresses known without I/O or an owned
//! `(host, port)` pair that [`lookup_host`] resolves with `spawn_blocking`. The synchronous
//! constructors (`TcpListener::bind`, `UdpSocket::bind`, `UdpSocket::connect`) keep std's
//! trait, as std and async-io do.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// An address the async connect paths ([`TcpStream::connect`], [`UdpSocket::send_to`],
/// [`lookup_host`]) can resolve without blocking a worker: implemented for the same types
/// as std's `ToSocketAddrs`.
///
/// Literal forms (a `SocketAddr`, an `(IpAddr, u16)`, a string such as `"127.0.0.1:80"`
/// or `"[::1]:80"`) resolve at once, without I/O. A host name (`"example.com:80"`,
/// `("localhost", 8080)`) is looked up with the system resolver on the runtime's blocking
/// pool. The trait is sealed: its resolving method is private to weft.
///
/// [`TcpStream::connect`]: crate::net::TcpStream::connect
/// [`UdpSocket::send_to`]: crate::net::UdpSocket::send_to
///
/// # Examples
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddr};
/// use weft::net::ToSocketAddrs;
///
/// async fn resolve(addr: impl ToSocketAddrs) -> Vec<SocketAddr> {
///     weft::net::lookup_host(addr).await.unwrap().collect()
/// }
///
/// weft::run(async {
///     let want: SocketAddr = "127.0.0.1:80".parse().unwrap();
///     assert_eq!(resolve("127.0.0.1:80").await, [want]);
///     assert_eq!(resolve((Ipv4Addr::LOCALHOST, 80)).await, [want]);
///     assert_eq!(resolve(want).await, [want]);
///     assert_eq!(resolve(&[want][..]).await, [want]);
/// });
/// ```
pub trait ToSocketAddrs: sealed::Resolve {}

pub(crate) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// How an address resolves: now, or by a lookup off the worker.
    #[derive(Debug)]
    pub enum Resolution {
        /// Known without I/O: the addresses of a literal, or why the input is not one.
        Ready(io::Result<Vec<SocketAddr>>),
        /// A host name and port, for the system resolver on the blocking pool.
        Lookup(String, u16),
    }

    /// The private half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Resolve {
        /// Classifies the address; never does I/O.
        fn resolution(&self) -> Resolution;
    }
}

use sealed::{Resolution, Resolve};

/// Resolves `host` to its socket addresses, off the worker thread (tokio's
/// `lookup_host`; asyncio's `loop.getaddrinfo`).
///
/// A literal address resolves at once, without the blocking pool. A host name runs the
/// system resolver (`getaddrinfo`, which may wait on DNS) with
/// [`spawn_blocking`](crate::spawn_blocking), so the worker keeps running other tasks.
///
/// # Errors
///
/// `InvalidInput` for a string that is not `host:port` (or has a bad port); the resolver's
/// error for a host name it cannot resolve; an error outside a runtime when a host name
/// needs the blocking pool (literals resolve anywhere).
///
/// # Cancel safety
///
/// Cancel safe: dropping the future abandons the lookup; a host-name lookup already on
/// the blocking pool runs to its end there and its result is discarded.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     for addr in weft::net::lookup_host("localhost:8080").await.unwrap() {
///         assert!(addr.ip().is_loopback());
///         assert_eq!(addr.port(), 8080);
///     }
///     let literal: Vec<_> = weft::net::lookup_host("10.0.0.1:53").await.unwrap().collect();
///     assert_eq!(literal, ["10.0.0.1:53".parse().unwrap()]);
/// });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    let addrs = match host.resolution() {
        Resolution::Ready(res) => res?,
        Resolution::Lookup(name, port) => {
            let handle = crate::Handle::try_current().map_err(io::Error::other)?;
            handle
                .spawn_blocking(move || {
                    std::net::ToSocketAddrs::to_socket_addrs(&(name.as_str(), port))
                        .map(Iterator::collect::<Vec<_>>)
                })
                .await??
        }
    };
    Ok(addrs.into_iter())
}

fn ready(addr: impl Into<SocketAddr>) -> Resolution {
    Resolution::Ready(Ok(vec![addr.into()]))
}

/// A host and port, resolved at once when the host is an IP literal.
fn host_port(host: &str, port: u16) -> Resolution {
    match host.parse::<IpAddr>() {
        Ok(ip) => ready((ip, port)),
        Err(_) => Resolution::Lookup(host.to_owned(), port),
    }
}

macro_rules! literal {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl Resolve for $t {
            fn resolution(&self) -> Resolution {
                ready(*self)
            }
        }
    )*};
}
literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolution(&self) -> Resolution {
        host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolution(&self) -> Resolution {
        host_port(&self.0, self.1)
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolution(&self) -> Resolution {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return ready(addr);
        }
        // Split and check the port here, as std does, so a malformed string fails at once
        // instead of after a trip to the blocking pool.
        let Some((host, port)) = self.rsplit_once(':') else {
            return Resolution::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{self:?} is not a socket address: expected \"host:port\""),
            )));
        };
        match port.parse::<u16>() {
            Ok(port) => host_port(host, port),
            Err(_) => Resolution::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{self:?} has an invalid port: expected a number from 0 to 65535"),
            ))),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolution(&self) -> Resolution {
        self.as_str().resolution()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn resolution(&self) -> Resolution {
        Resolution::Ready(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> Resolve for &T {
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn addrs(r: Resolution) -> Vec<SocketAddr> {
        match r {
            Resolution::Ready(Ok(a)) => a,
            other => panic!("not resolved at once: {other:?}"),
        }
    }

    #[test]
    fn literals_resolve_without_a_lookup() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:443".parse().unwrap();
        assert_eq!(addrs("127.0.0.1:80".resolution()), [v4]);
        assert_eq!(addrs(String::from("[::1]:443").resolution()), [v6]);
        assert_eq!(addrs(("127.0.0.1", 80).resolution()), [v4]);
        assert_eq!(addrs(("::1".to_owned(), 443).resolution()), [v6]);
        assert_eq!(addrs((Ipv4Addr::LOCALHOST, 80).resolution()), [v4]);
        assert_eq!(addrs((&&v6).resolution()), [v6]);
        assert_eq!(addrs([v4, v6][..].resolution()), [v4, v6]);
    }

    #[test]
    fn host_names_go_to_the_resolver_with_their_port() {
        for r in [
            "localhost:80".resolution(),
            ("localhost", 80).resolution(),
            ("localhost".to_owned(), 80).resolution(),
        ] {
            match r {
                Resolution::Lookup(host, 80) => assert_eq!(host, "localhost"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn malformed_strings_fail_without_a_lookup() {
        for s in ["localhost", "localhost:http", "localhost:65536"] {
            match s.resolution() {
                Resolution::Ready(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::InvalidInput),
                other => panic!("{s}: {other:?}"),
            }
        }
    }
}
