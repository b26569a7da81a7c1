//! `copy_bidirectional` as the core of a TCP proxy: through two proxies in a row, a
//! request ended by a half-close reaches the server whole, the server's reply comes back
//! whole after that, and each hop reports the bytes it moved each way.

use std::net::SocketAddr;
use weft::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft_tests::{runtime, within};

const CONNECTIONS: usize = 8;
const REQUEST: usize = 256 * 1024;
const RESPONSE: usize = 300 * 1024 + 7;

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed) % 253) as u8).collect()
}

/// A proxy that serves `CONNECTIONS` connections to `upstream`; each accepted
/// connection's `copy_bidirectional` counts come back through the join handle.
fn spawn_proxy(upstream: SocketAddr) -> (SocketAddr, weft::task::JoinHandle<Vec<(u64, u64)>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = weft::spawn(async move {
        let mut hops = Vec::new();
        for _ in 0..CONNECTIONS {
            let (mut inbound, _) = listener.accept().await.unwrap();
            hops.push(weft::spawn(async move {
                let mut outbound = TcpStream::connect(upstream).await.unwrap();
                copy_bidirectional(&mut inbound, &mut outbound)
                    .await
                    .unwrap()
            }));
        }
        let mut counts = Vec::new();
        for hop in hops {
            counts.push(hop.await.unwrap());
        }
        counts
    });
    (addr, handle)
}

#[test]
fn a_request_and_reply_cross_two_proxies_with_half_close() {
    within(|| {
        runtime(2).block_on(async {
            let server = TcpListener::bind("127.0.0.1:0").unwrap();
            let server_addr = server.local_addr().unwrap();
            let server_task = weft::spawn(async move {
                let mut conns = Vec::new();
                for _ in 0..CONNECTIONS {
                    let (mut s, _) = server.accept().await.unwrap();
                    conns.push(weft::spawn(async move {
                        // The request ends with the client's half-close, passed on by
                        // both proxies: only then does read_to_end return.
                        let mut request = Vec::new();
                        s.read_to_end(&mut request).await.unwrap();
                        let seed = request[0] as usize;
                        assert_eq!(request, pattern(REQUEST, seed));
                        s.write_all(&pattern(RESPONSE, seed + 1)).await.unwrap();
                        s.close().await.unwrap();
                    }));
                }
                for c in conns {
                    c.await.unwrap();
                }
            });
            let (hop2, hop2_task) = spawn_proxy(server_addr);
            let (hop1, hop1_task) = spawn_proxy(hop2);

            let mut clients = Vec::new();
            for seed in 0..CONNECTIONS {
                clients.push(weft::spawn(async move {
                    let mut c = TcpStream::connect(hop1).await.unwrap();
                    c.write_all(&pattern(REQUEST, seed)).await.unwrap();
                    c.close().await.unwrap(); // half-close: "that is the whole request"
                    let mut response = Vec::new();
                    c.read_to_end(&mut response).await.unwrap();
                    assert_eq!(response, pattern(RESPONSE, seed + 1), "connection {seed}");
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
            server_task.await.unwrap();
            for hop in [hop1_task, hop2_task] {
                let counts = hop.await.unwrap();
                assert_eq!(counts.len(), CONNECTIONS);
                for (up, down) in counts {
                    assert_eq!((up, down), (REQUEST as u64, RESPONSE as u64));
                }
            }
        });
    });
}

#[test]
fn copy_bidirectional_returns_when_both_sides_have_ended() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, mut a_far) = weft::io::duplex(16);
            let (mut b, mut b_far) = weft::io::duplex(16);
            let proxy = weft::spawn(async move { copy_bidirectional(&mut a, &mut b).await });
            // One direction ends; the other still carries bytes after that.
            a_far.close().await.unwrap();
            let mut eof = [0u8; 1];
            assert_eq!(
                b_far.read(&mut eof).await.unwrap(),
                0,
                "the end was passed on"
            );
            b_far.write_all(b"still flowing").await.unwrap();
            let mut got = [0u8; 13];
            a_far.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"still flowing");
            assert!(!proxy.is_finished());
            b_far.close().await.unwrap();
            assert_eq!(proxy.await.unwrap().unwrap(), (0, 13));
        });
    });
}

#[test]
fn copy_bidirectional_reports_a_reset_upstream_as_connection_reset() {
    within(|| {
        runtime(1).block_on(async {
            let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
            let front = TcpListener::bind("127.0.0.1:0").unwrap();
            let (up_addr, front_addr) =
                (upstream.local_addr().unwrap(), front.local_addr().unwrap());
            let (connected_tx, connected) = weft::sync::oneshot::channel();
            let proxy = weft::spawn(async move {
                let (mut inbound, _) = front.accept().await.unwrap();
                let mut outbound = TcpStream::connect(up_addr).await.unwrap();
                connected_tx.send(()).unwrap();
                copy_bidirectional(&mut inbound, &mut outbound).await
            });
            let _client = TcpStream::connect(front_addr).await.unwrap();
            let (server, _) = upstream.accept().await.unwrap();
            // Reset only once the proxy's connect has completed: a reset before that is the
            // connect's own error, not the copy's.
            connected.await.unwrap();
            server.set_linger(Some(std::time::Duration::ZERO)).unwrap();
            drop(server); // linger 0: the close is a reset
            let err = proxy.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
        });
    });
}
