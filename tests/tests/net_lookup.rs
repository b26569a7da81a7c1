//! Name resolution off the worker: `lookup_host` and the async connect paths send host
//! names to the blocking pool (observed through its thread count) and resolve literal
//! addresses on the spot, with or without a runtime.

use std::io;
use std::net::{Ipv6Addr, SocketAddr};
use weft::net::{lookup_host, TcpListener, TcpStream, UdpSocket};
use weft_tests::{park_on, runtime, within};

/// Threads the runtime's blocking pool has started (and not yet retired: idle ones stay
/// for seconds, far longer than these tests look).
fn pool_threads(rt: &weft::Runtime) -> usize {
    rt.metrics().blocking_pool().num_threads()
}

#[test]
fn lookup_host_resolves_a_host_name_on_the_blocking_pool() {
    within(|| {
        let rt = runtime(1);
        assert_eq!(pool_threads(&rt), 0);
        let addrs: Vec<SocketAddr> = rt
            .block_on(async { lookup_host("localhost:80").await })
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
        for addr in &addrs {
            assert!(addr.ip().is_loopback(), "{addr}");
            assert_eq!(addr.port(), 80);
        }
        assert!(pool_threads(&rt) >= 1, "the lookup did not use the pool");
    });
}

#[test]
fn lookup_host_resolves_localhost_port_zero_to_loopback_addresses() {
    within(|| {
        let rt = runtime(1);
        let addrs: Vec<SocketAddr> = rt
            .block_on(async { lookup_host("localhost:0").await })
            .unwrap()
            .collect();
        assert!(!addrs.is_empty(), "localhost resolved to nothing");
        for addr in &addrs {
            assert!(addr.ip().is_loopback(), "{addr}");
            assert_eq!(addr.port(), 0);
        }
        // What a server does with the answer: bind it.
        rt.block_on(async {
            let listener = TcpListener::bind(addrs[0]).unwrap();
            assert_ne!(listener.local_addr().unwrap().port(), 0);
        });
    });
}

#[test]
fn lookup_host_resolves_literals_without_the_blocking_pool() {
    within(|| {
        let rt = runtime(1);
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 443));
        rt.block_on(async {
            let got: Vec<_> = lookup_host("127.0.0.1:80").await.unwrap().collect();
            assert_eq!(got, [v4]);
            let got: Vec<_> = lookup_host(("::1", 443)).await.unwrap().collect();
            assert_eq!(got, [v6]);
            let got: Vec<_> = lookup_host(v4).await.unwrap().collect();
            assert_eq!(got, [v4]);
        });
        assert_eq!(pool_threads(&rt), 0, "a literal went to the blocking pool");
        // Literals need no runtime at all; a host name needs one for its pool.
        let got: Vec<_> = park_on(lookup_host("[::1]:443")).unwrap().collect();
        assert_eq!(got, [v6]);
        let err = park_on(lookup_host("localhost:80")).err().unwrap();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
    });
}

#[test]
fn malformed_addresses_are_invalid_input() {
    within(|| {
        runtime(1).block_on(async {
            for bad in ["localhost", "localhost:http", "127.0.0.1:99999"] {
                let err = lookup_host(bad).await.err().unwrap();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err}");
            }
        });
    });
}

#[test]
fn connecting_to_a_host_name_resolves_it_on_the_blocking_pool() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let literal = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            assert_eq!(literal.peer_addr().unwrap(), listener.local_addr().unwrap());
        });
        assert_eq!(pool_threads(&rt), 0, "a literal went to the blocking pool");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            // localhost may resolve to ::1 first, where nothing listens: connect tries on.
            let c = TcpStream::connect(format!("localhost:{port}"))
                .await
                .unwrap();
            assert_eq!(c.peer_addr().unwrap(), listener.local_addr().unwrap());
            let (_s, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, c.local_addr().unwrap());
        });
        assert!(
            pool_threads(&rt) >= 1,
            "the name was resolved on the worker"
        );
    });
}

#[test]
fn sending_to_a_host_name_resolves_it_on_the_blocking_pool() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = b.local_addr().unwrap().port();
            a.send_to(b"by address", ("127.0.0.1", port)).await.unwrap();
            let mut buf = [0u8; 16];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&b"by address"[..], a.local_addr().unwrap())
            );
        });
        assert_eq!(pool_threads(&rt), 0, "a literal went to the blocking pool");
        // The address send_to will pick: the first that "localhost" resolves to (found here,
        // on the test thread, so the pool stays untouched).
        let first = std::net::ToSocketAddrs::to_socket_addrs("localhost:0")
            .unwrap()
            .next()
            .unwrap();
        rt.block_on(async {
            let a = UdpSocket::bind((first.ip(), 0)).unwrap();
            let b = UdpSocket::bind((first.ip(), 0)).unwrap();
            let port = b.local_addr().unwrap().port();
            a.send_to(b"by name", format!("localhost:{port}"))
                .await
                .unwrap();
            let mut buf = [0u8; 16];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&b"by name"[..], a.local_addr().unwrap())
            );
        });
        assert!(
            pool_threads(&rt) >= 1,
            "the name was resolved on the worker"
        );
    });
}
