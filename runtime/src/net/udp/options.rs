//! `UdpSocket`'s socket options: broadcast, multicast membership and loop/TTL, and the
//! unicast TTL. Each is the `setsockopt(2)`/`getsockopt(2)` of the same name.

use super::UdpSocket;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

impl UdpSocket {
    /// Sets `SO_BROADCAST`: allow sending to a broadcast address.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.set_broadcast(true).unwrap();
    ///     assert!(a.broadcast().unwrap());
    /// });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(!a.broadcast().unwrap());
    /// });
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast this socket sends is delivered
    /// back to sockets of this host that joined the group (on by default).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`: an IPv6 socket may refuse this IPv4 option.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.set_multicast_loop_v4(false).unwrap();
    ///     assert!(!a.multicast_loop_v4().unwrap());
    /// });
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(a.multicast_loop_v4().unwrap());
    /// });
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: how many hops IPv4 multicast this socket sends may travel
    /// (1 by default: the local network only).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`: `InvalidInput` for a TTL above 255.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.set_multicast_ttl_v4(4).unwrap();
    ///     assert_eq!(a.multicast_ttl_v4().unwrap(), 4);
    /// });
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert_eq!(a.multicast_ttl_v4().unwrap(), 1);
    /// });
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP` for an IPv6 socket; see
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(2)`: an IPv4 socket refuses this IPv6 option.
    ///
    /// ```
    /// weft::run(async {
    ///     if let Ok(a) = weft::net::UdpSocket::bind("[::1]:0") { // hosts may lack IPv6
    ///         a.set_multicast_loop_v6(false).unwrap();
    ///         assert!(!a.multicast_loop_v6().unwrap());
    ///     }
    /// });
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`.
    ///
    /// ```
    /// weft::run(async {
    ///     if let Ok(a) = weft::net::UdpSocket::bind("[::1]:0") {
    ///         assert!(a.multicast_loop_v6().unwrap());
    ///     }
    /// });
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: the system's choice).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(IP_ADD_MEMBERSHIP)`: `InvalidInput` if `multiaddr` is
    /// not a multicast address; `AddrNotAvailable` or `ENODEV` if the interface does not
    /// exist or cannot do multicast (a container's loopback often cannot: try another
    /// interface).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    ///     let group = Ipv4Addr::new(239, 255, 0, 1);
    ///     // Hosts without a multicast route refuse; that is the system's answer, not weft's.
    ///     if a.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_ok() {
    ///         a.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
    ///     }
    /// });
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(IP_DROP_MEMBERSHIP)`: `AddrNotAvailable` if the socket
    /// is not a member.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    ///     let group = Ipv4Addr::new(239, 255, 0, 2);
    ///     assert!(a.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_err(), "not a member");
    /// });
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with index `interface`
    /// (0: the system's choice).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(IPV6_ADD_MEMBERSHIP)`: `InvalidInput` if `multiaddr`
    /// is not a multicast address; `ENODEV` for an interface that does not exist; an IPv4
    /// socket refuses it.
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// weft::run(async {
    ///     if let Ok(a) = weft::net::UdpSocket::bind("[::]:0") {
    ///         let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
    ///         if a.join_multicast_v6(&group, 0).is_ok() {
    ///             a.leave_multicast_v6(&group, 0).unwrap();
    ///         }
    ///     }
    /// });
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt(IPV6_DROP_MEMBERSHIP)`: `AddrNotAvailable` if the
    /// socket is not a member.
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// weft::run(async {
    ///     if let Ok(a) = weft::net::UdpSocket::bind("[::]:0") {
    ///         let group: Ipv6Addr = "ff02::1:4".parse().unwrap();
    ///         assert!(a.leave_multicast_v6(&group, 0).is_err(), "not a member");
    ///     }
    /// });
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `IP_TTL`, the hop limit of unicast datagrams this socket sends.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL the system refuses (0, or above 255).
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.set_ttl(33).unwrap();
    ///     assert_eq!(a.ttl().unwrap(), 33);
    /// });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt(2)`; none is expected for an open socket.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = weft::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(a.ttl().unwrap() > 0);
    /// });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}
