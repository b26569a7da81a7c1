//! UDP over loopback: datagrams round-trip whole and in order through `send_to`/`recv_from`
//! and through connected `send`/`recv`, a receiver waits for a datagram that has not been
//! sent yet, and the usual errors come back as `io::Error`s.

use std::io;
use weft::net::UdpSocket;
use weft_tests::{runtime, within};

/// Datagrams per test: several hundred, sent in lock step so none is dropped by a full
/// receive buffer.
const ROUNDS: usize = 500;

/// The payload of datagram `i`: its index, then a length that varies with `i`.
fn datagram(i: usize) -> Vec<u8> {
    let mut d = (i as u32).to_be_bytes().to_vec();
    d.extend((0..i % 700).map(|k| (k * 7 + i) as u8));
    d
}

#[test]
fn send_to_and_recv_from_round_trip_hundreds_of_datagrams() {
    within(|| {
        runtime(2).block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").unwrap();
            let server_addr = server.local_addr().unwrap();
            let echo = weft::spawn(async move {
                let mut buf = vec![0u8; 2048];
                for _ in 0..ROUNDS {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    assert_eq!(server.send_to(&buf[..n], from).await.unwrap(), n);
                }
            });
            let client = UdpSocket::bind("127.0.0.1:0").unwrap();
            let mut buf = vec![0u8; 2048];
            for i in 0..ROUNDS {
                let d = datagram(i);
                assert_eq!(client.send_to(&d, server_addr).await.unwrap(), d.len());
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, server_addr);
                assert_eq!(&buf[..n], &d[..], "datagram {i}");
            }
            echo.await.unwrap();
        });
    });
}

#[test]
fn connected_send_and_recv_round_trip_hundreds_of_datagrams() {
    within(|| {
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            a.connect(b.local_addr().unwrap()).unwrap();
            b.connect(a.local_addr().unwrap()).unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
            let echo = weft::spawn(async move {
                let mut buf = vec![0u8; 2048];
                for _ in 0..ROUNDS {
                    let n = b.recv(&mut buf).await.unwrap();
                    b.send(&buf[..n]).await.unwrap();
                }
            });
            let mut buf = vec![0u8; 2048];
            for i in 0..ROUNDS {
                let d = datagram(i);
                assert_eq!(a.send(&d).await.unwrap(), d.len());
                let n = a.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &d[..], "datagram {i}");
            }
            echo.await.unwrap();
        });
    });
}

#[test]
fn a_burst_arrives_whole_and_in_order() {
    within(|| {
        const BURST: usize = 64;
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let to = b.local_addr().unwrap();
            // Small enough together to sit in the default receive buffer.
            for i in 0..BURST {
                a.send_to(&datagram(i)[..4 + i], to).await.unwrap();
            }
            let mut buf = vec![0u8; 2048];
            for i in 0..BURST {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, a.local_addr().unwrap());
                assert_eq!(&buf[..n], &datagram(i)[..4 + i], "datagram {i}");
            }
        });
    });
}

#[test]
fn a_short_receive_buffer_truncates_the_datagram_and_drops_the_rest() {
    within(|| {
        runtime(1).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            a.connect(a.local_addr().unwrap()).unwrap();
            a.send(b"0123456789").await.unwrap();
            a.send(b"next").await.unwrap();
            let mut small = [0u8; 4];
            assert_eq!(a.recv(&mut small).await.unwrap(), 4);
            assert_eq!(&small, b"0123");
            let mut buf = [0u8; 16];
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"next", "the tail of the first datagram is gone");
        });
    });
}

#[test]
fn a_receiver_waits_for_a_datagram_sent_later_from_another_task() {
    within(|| {
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let to = a.local_addr().unwrap();
            let receiver = weft::spawn(async move {
                let mut buf = [0u8; 8];
                let (n, _) = a.recv_from(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            // Give the receiver the chance to park on readiness first.
            for _ in 0..100 {
                weft::task::yield_now().await;
            }
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            b.send_to(b"late", to).await.unwrap();
            assert_eq!(receiver.await.unwrap(), b"late");
        });
    });
}

#[test]
fn binding_a_bound_port_is_addr_in_use_and_no_runtime_is_an_error() {
    within(|| {
        runtime(1).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let err = UdpSocket::bind(a.local_addr().unwrap()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
        });
        let err = UdpSocket::bind("127.0.0.1:0").unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
    });
}
