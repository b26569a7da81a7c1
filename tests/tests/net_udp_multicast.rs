//! UDP multicast on loopback: a socket that joined a group receives what another socket
//! sends to it, and stops after leaving. Kernels (and containers) that do not route
//! multicast over loopback refuse the join or never deliver: the test then says why it
//! skipped, since that is the system's choice and not weft's.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use weft::net::UdpSocket;
use weft_tests::{runtime, within};

/// An administratively scoped group (RFC 2365), unlikely to carry anyone else's traffic.
const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 42, 99);

#[test]
fn a_member_of_a_multicast_group_receives_datagrams_sent_to_it_on_loopback() {
    within(|| {
        runtime(1).block_on(async {
            let receiver = UdpSocket::bind("0.0.0.0:0").unwrap();
            let port = receiver.local_addr().unwrap().port();
            if let Err(e) = receiver.join_multicast_v4(GROUP, Ipv4Addr::LOCALHOST) {
                eprintln!("skipped: this kernel refuses a multicast join on loopback ({e})");
                return;
            }
            let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
            sender.set_multicast_loop_v4(true).unwrap();
            sender.set_multicast_ttl_v4(1).unwrap();
            let target = SocketAddr::from((GROUP, port));
            if let Err(e) = sender.send_to(b"to the group", target).await {
                eprintln!("skipped: this host has no route for multicast on loopback ({e})");
                return;
            }
            let mut buf = [0u8; 32];
            let got =
                weft::time::timeout(Duration::from_secs(2), receiver.recv_from(&mut buf)).await;
            let Ok(got) = got else {
                eprintln!(
                    "skipped: the kernel accepted the join but delivered nothing on loopback"
                );
                return;
            };
            let (n, from) = got.unwrap();
            assert_eq!(&buf[..n], b"to the group");
            assert_eq!(from, sender.local_addr().unwrap());

            receiver
                .leave_multicast_v4(GROUP, Ipv4Addr::LOCALHOST)
                .unwrap();
            let err = receiver
                .leave_multicast_v4(GROUP, Ipv4Addr::LOCALHOST)
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable, "{err}");
        });
    });
}

#[test]
fn joining_a_unicast_address_is_an_error() {
    within(|| {
        runtime(1).block_on(async {
            let s = UdpSocket::bind("0.0.0.0:0").unwrap();
            assert!(s
                .join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED)
                .is_err());
        });
    });
}
