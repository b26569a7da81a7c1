//! TCP over loopback: echo at scale (a thousand connections, a mebibyte each, every byte
//! checked), half-close, the incoming stream, owned halves in two tasks, the `TcpSocket`
//! builder's options, and the errors a server author meets (refused, address in use, no
//! runtime).

use futures_core::Stream;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Instant;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpSocket, TcpStream};
use weft_tests::{park_on, raise_nofile_limit, runtime, within};

/// The echo test's connections, all open at once, and the bytes each sends (and gets back).
const CONNECTIONS: usize = 1000;
const LEN: usize = 1 << 20;

/// The inverse of 31 modulo 256 (31 * 223 = 6913 = 27 * 256 + 1).
const INV_31: usize = 223;

/// `(j * 31) as u8` for every `j` in `0..LEN + 256`. Connection `c` sends byte
/// `(i * 31 + c) as u8` at position `i`, which is `pattern()[offset(c) + i]`: every
/// connection's stream is a window of this one buffer, so no per-connection copy is needed.
fn pattern() -> Vec<u8> {
    (0..LEN + 256).map(|j| (j * 31) as u8).collect()
}

/// Where connection `c`'s window starts in `pattern()`: `offset(c) * 31 == c (mod 256)`.
fn offset(connection: usize) -> usize {
    (connection * INV_31) % 256
}

/// Position of the first differing byte, if any.
fn first_mismatch(got: &[u8], want: &[u8]) -> Option<usize> {
    if got == want {
        return None;
    }
    got.iter().zip(want).position(|(a, b)| a != b)
}

/// Echoes one connection back to its client until the client's end of stream.
async fn echo(mut stream: TcpStream) -> io::Result<u64> {
    let (mut r, mut w) = stream.split();
    let n = weft::io::copy(&mut r, &mut w).await?;
    w.close().await?;
    Ok(n)
}

/// Sends connection `c`'s mebibyte from one task while reading the echo in another, then
/// checks every byte.
async fn client(addr: SocketAddr, c: usize, data: Arc<Vec<u8>>) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let (mut r, mut w) = stream.into_split();
    let start = offset(c);
    let sent = data.clone();
    // Reads and writes must overlap: with one task doing both in turn, both sides' buffers
    // fill and the echo deadlocks.
    let writer = weft::spawn(async move {
        w.write_all(&sent[start..start + LEN]).await?;
        w.close().await
    });
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        assert!(got + n <= LEN, "connection {c}: echoed more than was sent");
        let want = &data[start + got..start + got + n];
        if let Some(i) = first_mismatch(&buf[..n], want) {
            panic!(
                "connection {c}: byte {} is {:#04x}, want {:#04x}",
                got + i,
                buf[i],
                want[i]
            );
        }
        got += n;
    }
    assert_eq!(got, LEN, "connection {c}: echo ended early");
    writer.await.expect("writer task")?;
    Ok(())
}

#[test]
fn a_thousand_concurrent_connections_echo_a_mebibyte_each_byte_for_byte() {
    // Each connection is two descriptors here (client and server side), plus the runtime's.
    if !raise_nofile_limit(4096).expect("read RLIMIT_NOFILE") {
        eprintln!("skipped: the hard RLIMIT_NOFILE is below 4096, too few for 1000 connections");
        return;
    }
    let data = Arc::new(pattern());
    for c in [0, 1, 7, 255, 256, 999] {
        let i = 12_345;
        assert_eq!(data[offset(c) + i], (i * 31 + c) as u8, "pattern of {c}");
    }
    let took = within(move || {
        let start = Instant::now();
        let rt = runtime(2);
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let mut echoes = Vec::with_capacity(CONNECTIONS);
                for _ in 0..CONNECTIONS {
                    let (stream, _) = listener.accept().await.expect("accept");
                    echoes.push(weft::spawn(echo(stream)));
                }
                let mut total = 0;
                for e in echoes {
                    total += e.await.expect("echo task").expect("echo");
                }
                total
            });
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|c| weft::spawn(client(addr, c, data.clone())))
                .collect();
            for (c, h) in clients.into_iter().enumerate() {
                h.await
                    .expect("client task")
                    .unwrap_or_else(|e| panic!("connection {c}: {e}"));
            }
            assert_eq!(server.await.unwrap(), (CONNECTIONS * LEN) as u64);
        });
        drop(rt);
        start.elapsed()
    });
    eprintln!("{CONNECTIONS} x {LEN} B echoed in {took:?}");
}

/// The next item of a stream.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// A connected (client, server) pair over loopback.
async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // A loopback connect completes through the backlog before anyone accepts.
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    (client, server)
}

#[test]
fn half_closed_connection_still_carries_the_reply_then_eof() {
    within(|| {
        runtime(2).block_on(async {
            let (mut client, mut server) = connected_pair().await;
            let server = weft::spawn(async move {
                let mut request = Vec::new();
                // Ends only because the client shut down its write side.
                server.read_to_end(&mut request).await.unwrap();
                assert_eq!(request, b"request");
                server.write_all(b"reply after your EOF").await.unwrap();
                server.close().await.unwrap();
                server
            });
            client.write_all(b"request").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"reply after your EOF");
            // End of stream is sticky.
            let mut buf = [0u8; 8];
            assert_eq!(client.read(&mut buf).await.unwrap(), 0);
            drop(server.await.unwrap());
        });
    });
}

#[test]
fn close_on_the_client_is_a_half_close_the_server_can_answer() {
    within(|| {
        runtime(2).block_on(async {
            let (mut client, mut server) = connected_pair().await;
            client.write_all(b"ping").await.unwrap();
            client.close().await.unwrap();
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"ping");
            server.write_all(b"pong").await.unwrap();
            drop(server);
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"pong");
        });
    });
}

#[test]
fn incoming_yields_every_connection() {
    within(|| {
        const CLIENTS: u8 = 20;
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let mut incoming = listener.incoming();
                let mut ids = Vec::new();
                for _ in 0..CLIENTS {
                    let mut s = next(&mut incoming).await.expect("never ends").unwrap();
                    let mut id = [0u8; 1];
                    s.read_exact(&mut id).await.unwrap();
                    s.write_all(&[id[0], id[0]]).await.unwrap();
                    ids.push(id[0]);
                }
                ids.sort_unstable();
                ids
            });
            let clients: Vec<_> = (0..CLIENTS)
                .map(|id| {
                    weft::spawn(async move {
                        let mut c = TcpStream::connect(addr).await.unwrap();
                        c.write_all(&[id]).await.unwrap();
                        let mut back = [0u8; 2];
                        c.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, [id, id]);
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            assert_eq!(server.await.unwrap(), (0..CLIENTS).collect::<Vec<_>>());
        });
    });
}

#[test]
fn owned_halves_read_and_write_at_once_from_two_tasks() {
    within(|| {
        // More than the socket buffers of both directions hold: the writer can only finish
        // because the reader drains the echo at the same time.
        const LEN: usize = 8 << 20;
        runtime(2).block_on(async {
            let (client, mut server) = connected_pair().await;
            let echo = weft::spawn(async move {
                let (mut r, mut w) = server.split();
                weft::io::copy(&mut r, &mut w).await.unwrap()
            });
            let (mut r, mut w) = client.into_split();
            assert_eq!(r.peer_addr().unwrap(), w.peer_addr().unwrap());
            let writer = weft::spawn(async move {
                let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
                for _ in 0..LEN / chunk.len() {
                    w.write_all(&chunk).await.unwrap();
                }
                w
            });
            let reader = weft::spawn(async move {
                let mut buf = vec![0u8; 32 * 1024];
                let mut got = 0;
                while got < LEN {
                    let n = r.read(&mut buf).await.unwrap();
                    assert_ne!(n, 0, "echo ended after {got} bytes");
                    for (k, &b) in buf[..n].iter().enumerate() {
                        assert_eq!(b, ((got + k) % (64 * 1024) % 251) as u8, "byte {}", got + k);
                    }
                    got += n;
                }
                r
            });
            let w = writer.await.unwrap();
            let r = reader.await.unwrap();
            let mut stream = r.reunite(w).expect("halves of one stream");
            stream.close().await.unwrap();
            assert_eq!(echo.await.unwrap(), LEN as u64);
        });
    });
}

#[test]
fn dropping_the_owned_write_half_sends_eof_while_the_read_half_still_reads() {
    within(|| {
        runtime(2).block_on(async {
            let (client, mut server) = connected_pair().await;
            let (mut r, mut w) = client.into_split();
            w.write_all(b"last words").await.unwrap();
            drop(w);
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"last words");
            server.write_all(b"still heard").await.unwrap();
            drop(server);
            let mut reply = Vec::new();
            r.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"still heard");
        });
    });
}

#[test]
fn halves_of_different_streams_do_not_reunite() {
    within(|| {
        runtime(1).block_on(async {
            let (one, _s1) = connected_pair().await;
            let (two, _s2) = connected_pair().await;
            let (r1, w1) = one.into_split();
            let (r2, w2) = two.into_split();
            let (r1, w2) = r1.reunite(w2).expect_err("different streams");
            let one = r1.reunite(w1).expect("the same stream");
            let two = r2.reunite(w2).expect("the same stream");
            assert_ne!(one.local_addr().unwrap(), two.local_addr().unwrap());
        });
    });
}

#[test]
fn vectored_writes_deliver_every_buffer_in_order() {
    within(|| {
        runtime(2).block_on(async {
            let (mut client, mut server) = connected_pair().await;
            let parts: [&[u8]; 3] = [b"one ", b"two ", b"three"];
            // A vectored write may be partial; finish with a plain one.
            let sent = client
                .write_vectored(&parts.map(IoSlice::new))
                .await
                .unwrap();
            assert!(sent > 0);
            client.write_all(&parts.concat()[sent..]).await.unwrap();
            client.close().await.unwrap();
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"one two three");
        });
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    within(|| {
        runtime(1).block_on(async {
            // A port that was just free: bind, note it, close.
            let addr = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
            let err = TcpSocket::new_v4()
                .unwrap()
                .connect(addr)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        });
    });
}

#[test]
fn binding_an_address_in_use_is_addr_in_use() {
    within(|| {
        runtime(1).block_on(async {
            let first = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = first.local_addr().unwrap();
            let err = TcpListener::bind(addr).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
            // Without SO_REUSEPORT the builder is refused too.
            let s = TcpSocket::new_v4().unwrap();
            s.set_reuseaddr(true).unwrap();
            let err = s.bind(addr).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
            // The first listener is unharmed.
            let _c = TcpStream::connect(addr).await.unwrap();
            first.accept().await.unwrap();
        });
    });
}

#[cfg(target_os = "linux")]
#[test]
fn reuseport_lets_two_listeners_share_a_port_and_both_accept() {
    within(|| {
        const CLIENTS: usize = 32;
        runtime(2).block_on(async {
            let a = TcpSocket::new_v4().unwrap();
            a.set_reuseport(true).unwrap();
            assert!(a.reuseport().unwrap());
            a.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = a.local_addr().unwrap();
            let b = TcpSocket::new_v4().unwrap();
            b.set_reuseport(true).unwrap();
            b.bind(addr).unwrap();
            let listeners = [a.listen(64).unwrap(), b.listen(64).unwrap()];
            assert_eq!(listeners[1].local_addr().unwrap(), addr);
            let accepted = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
            let acceptors: Vec<_> = listeners
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let accepted = accepted.clone();
                    weft::spawn(async move {
                        loop {
                            let (mut s, _) = l.accept().await.unwrap();
                            accepted[i].fetch_add(1, SeqCst);
                            s.write_all(&[i as u8]).await.unwrap();
                        }
                    })
                })
                .collect();
            for _ in 0..CLIENTS {
                let mut c = TcpStream::connect(addr).await.unwrap();
                let mut who = [0u8; 1];
                c.read_exact(&mut who).await.unwrap();
                assert!(who[0] < 2);
            }
            let (x, y) = (accepted[0].load(SeqCst), accepted[1].load(SeqCst));
            assert_eq!(x + y, CLIENTS, "every connection accepted exactly once");
            for h in acceptors {
                h.abort();
                assert!(h.await.unwrap_err().is_cancelled());
            }
        });
    });
}

#[test]
fn listen_takes_the_backlog_and_rejects_one_that_does_not_fit() {
    within(|| {
        runtime(1).block_on(async {
            let s = TcpSocket::new_v4().unwrap();
            s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let l = s.listen(1).unwrap();
            let addr = l.local_addr().unwrap();
            let mut c = TcpStream::connect(addr).await.unwrap();
            let (mut srv, _) = l.accept().await.unwrap();
            c.write_all(b"b").await.unwrap();
            let mut one = [0u8; 1];
            srv.read_exact(&mut one).await.unwrap();
            assert_eq!(&one, b"b");

            let s = TcpSocket::new_v4().unwrap();
            s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let err = s.listen(u32::MAX).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        });
    });
}

#[test]
fn socket_options_round_trip_through_the_builder() {
    within(|| {
        runtime(1).block_on(async {
            let s = TcpSocket::new_v4().unwrap();
            s.set_reuseaddr(true).unwrap();
            assert!(s.reuseaddr().unwrap());
            s.set_reuseaddr(false).unwrap();
            assert!(!s.reuseaddr().unwrap());
            s.set_reuseport(false).unwrap();
            assert!(!s.reuseport().unwrap());
            // The kernel may round up or double, never give less.
            s.set_send_buffer_size(96 * 1024).unwrap();
            assert!(s.send_buffer_size().unwrap() >= 96 * 1024);
            s.set_recv_buffer_size(80 * 1024).unwrap();
            assert!(s.recv_buffer_size().unwrap() >= 80 * 1024);

            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let s = TcpSocket::new_v4().unwrap();
            s.set_nodelay(true).unwrap();
            let c = s.connect(listener.local_addr().unwrap()).await.unwrap();
            assert!(
                c.nodelay().unwrap(),
                "TCP_NODELAY set before connect stays set"
            );
            c.set_nodelay(false).unwrap();
            assert!(!c.nodelay().unwrap());
            let (srv, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, c.local_addr().unwrap());
            assert_eq!(srv.local_addr().unwrap(), c.peer_addr().unwrap());
        });
    });
}

#[test]
fn net_types_outside_a_runtime_give_an_error_that_says_so() {
    within(|| {
        let err = TcpListener::bind("127.0.0.1:0").unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = std_listener.local_addr().unwrap();
        let err = TcpListener::from_std(std_listener).unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
        // connect is async: drive it with no runtime at all.
        let err = park_on(TcpStream::connect(addr)).unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
        let s = TcpSocket::new_v4().unwrap();
        s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let err = s.listen(8).unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
    });
}

/// A server stream whose client reset the connection, with the reset already read: the
/// socket is closed in the kernel (`shutdown(2)` would say `ENOTCONN`).
async fn server_of_a_reset_client(listener: &TcpListener) -> TcpStream {
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    // Linger 0: close sends RST instead of FIN.
    socket2::SockRef::from(&client)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
    drop(client);
    let mut buf = [0u8; 8];
    let err = server.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    server
}

#[test]
fn shutting_down_a_stream_whose_peer_reset_is_ok_for_the_stream_and_its_halves() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let s = server_of_a_reset_client(&listener).await;
            s.shutdown(Shutdown::Write).unwrap();
            s.shutdown(Shutdown::Both).unwrap();

            let mut s = server_of_a_reset_client(&listener).await;
            s.close().await.unwrap();

            let mut s = server_of_a_reset_client(&listener).await;
            let (_r, mut w) = s.split();
            w.close().await.unwrap();

            let s = server_of_a_reset_client(&listener).await;
            let (_r, mut w) = s.into_split();
            w.close().await.unwrap();
        });
    });
}
