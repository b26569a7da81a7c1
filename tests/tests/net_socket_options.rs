//! Socket options and conversions to and from std: `SO_LINGER` (zero linger resets the
//! connection), `IP_TTL`, `TCP_NODELAY`, and `into_std`/`from_std` round trips that keep
//! the connection (and its unread bytes) intact.

use std::io::{self, Read, Write};
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UdpSocket};
use weft_tests::{runtime, within};

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn zero_linger_makes_the_close_a_reset_the_peer_sees() {
    within(|| {
        runtime(1).block_on(async {
            let (client, mut server) = tcp_pair().await;
            assert_eq!(client.linger().unwrap(), None);
            client.set_linger(Some(Duration::ZERO)).unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
            drop(client);
            let mut buf = [0u8; 8];
            let err = server.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        });
    });
}

#[test]
fn ttl_and_nodelay_round_trip_on_tcp_and_udp() {
    within(|| {
        runtime(1).block_on(async {
            let (client, _server) = tcp_pair().await;
            client.set_ttl(17).unwrap();
            assert_eq!(client.ttl().unwrap(), 17);
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            assert!(client.set_ttl(0).is_err(), "a TTL of 0 is refused");

            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            udp.set_ttl(23).unwrap();
            assert_eq!(udp.ttl().unwrap(), 23);
            udp.set_broadcast(true).unwrap();
            assert!(udp.broadcast().unwrap());
            udp.set_multicast_ttl_v4(3).unwrap();
            assert_eq!(udp.multicast_ttl_v4().unwrap(), 3);
            udp.set_multicast_loop_v4(false).unwrap();
            assert!(!udp.multicast_loop_v4().unwrap());
        });
    });
}

#[test]
fn into_std_and_from_std_keep_the_connection_and_its_unread_bytes() {
    within(|| {
        runtime(1).block_on(async {
            let (mut client, server) = tcp_pair().await;
            client.write_all(b"before").await.unwrap();
            // Out of the runtime: a blocking std stream that reads what was already sent.
            let mut std_server = server.into_std().unwrap();
            std_server.set_nonblocking(false).unwrap();
            let mut buf = [0u8; 6];
            std_server.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"before");
            std_server.write_all(b"from std").unwrap();
            // And back in: the same connection, readable from a task again.
            let mut server = TcpStream::from_std(std_server).unwrap();
            let mut reply = [0u8; 8];
            client.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"from std");
            client.write_all(b"after").await.unwrap();
            let mut after = [0u8; 5];
            server.read_exact(&mut after).await.unwrap();
            assert_eq!(&after, b"after");

            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let std_listener = listener.into_std().unwrap();
            let listener = TcpListener::from_std(std_listener).unwrap();
            assert_eq!(listener.local_addr().unwrap(), addr);
            let _c = TcpStream::connect(addr).await.unwrap();
            listener.accept().await.unwrap();
        });
    });
}
