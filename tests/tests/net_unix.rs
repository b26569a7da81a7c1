//! Unix-domain sockets: stream listener/connect/pair with every byte checked, half-close,
//! the incoming stream, datagrams over a pair and between bound paths, and the errors of
//! paths that are taken, missing or stale. Paths live in a per-test temp dir that is
//! removed afterwards.

use futures_core::Stream;
use socket2::{Domain, SockAddr, Socket, Type};
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{UnixDatagram, UnixListener, UnixStream};
use weft_tests::{park_on, runtime, within, TempDir};

/// The next item of a stream.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Byte `i` of client `c`'s stream.
fn byte(c: usize, i: usize) -> u8 {
    (i * 31 + c) as u8
}

#[test]
fn listener_echoes_every_byte_for_many_clients() {
    within(|| {
        const CLIENTS: usize = 16;
        const CHUNK: usize = 16 * 1024;
        const CHUNKS: usize = 16;
        let dir = TempDir::new("unix-echo");
        let path = dir.join("sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            let server = weft::spawn(async move {
                let mut echoes = Vec::new();
                for _ in 0..CLIENTS {
                    let (mut s, _) = listener.accept().await.unwrap();
                    echoes.push(weft::spawn(async move {
                        let mut buf = vec![0u8; 8 * 1024];
                        let mut total = 0;
                        loop {
                            let n = s.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return total;
                            }
                            s.write_all(&buf[..n]).await.unwrap();
                            total += n;
                        }
                    }));
                }
                let mut total = 0;
                for e in echoes {
                    total += e.await.unwrap();
                }
                total
            });
            let clients: Vec<_> = (0..CLIENTS)
                .map(|c| {
                    let path = path.clone();
                    weft::spawn(async move {
                        let mut s = UnixStream::connect(&path).await.unwrap();
                        assert_eq!(s.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
                        let mut back = vec![0u8; CHUNK];
                        // A chunk out, its echo back: the echo never waits on a full buffer.
                        for k in 0..CHUNKS {
                            let out: Vec<u8> =
                                (k * CHUNK..(k + 1) * CHUNK).map(|i| byte(c, i)).collect();
                            s.write_all(&out).await.unwrap();
                            s.read_exact(&mut back).await.unwrap();
                            assert!(back == out, "client {c}: chunk {k} differs");
                        }
                        s.close().await.unwrap();
                        let mut rest = Vec::new();
                        s.read_to_end(&mut rest).await.unwrap();
                        assert!(rest.is_empty());
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            assert_eq!(server.await.unwrap(), CLIENTS * CHUNKS * CHUNK);
        });
    });
}

#[test]
fn pair_moves_a_mebibyte_each_way_between_two_tasks() {
    within(|| {
        const LEN: usize = 1 << 20;
        runtime(2).block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            for (from, to) in [(0, 1), (1, 0)] {
                let (mut w, mut r) = if from == 0 { (a, b) } else { (b, a) };
                let writer = weft::spawn(async move {
                    let data: Vec<u8> = (0..LEN).map(|i| byte(from, i)).collect();
                    w.write_all(&data).await.unwrap();
                    w
                });
                let mut got = vec![0u8; LEN];
                r.read_exact(&mut got).await.unwrap();
                if let Some(i) = (0..LEN).find(|&i| got[i] != byte(from, i)) {
                    panic!("{from} -> {to}: byte {i} differs");
                }
                let w = writer.await.unwrap();
                (a, b) = if from == 0 { (w, r) } else { (r, w) };
            }
            drop(a);
            let mut rest = Vec::new();
            b.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        });
    });
}

#[test]
fn half_closed_stream_still_carries_the_reply_then_eof() {
    within(|| {
        let dir = TempDir::new("unix-half");
        let path = dir.join("sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let mut client = UnixStream::connect(&path).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let server = weft::spawn(async move {
                let mut request = Vec::new();
                server.read_to_end(&mut request).await.unwrap();
                assert_eq!(request, b"question");
                server.write_all(b"answer").await.unwrap();
                server.shutdown(Shutdown::Write).unwrap();
                server
            });
            client.write_all(b"question").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"answer");
            let mut buf = [0u8; 4];
            assert_eq!(client.read(&mut buf).await.unwrap(), 0);
            drop(server.await.unwrap());
        });
    });
}

#[test]
fn incoming_yields_every_connection() {
    within(|| {
        const CLIENTS: u8 = 10;
        let dir = TempDir::new("unix-inc");
        let path = dir.join("sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let server = weft::spawn(async move {
                let mut incoming = listener.incoming();
                let mut ids = Vec::new();
                for _ in 0..CLIENTS {
                    let mut s = next(&mut incoming).await.expect("never ends").unwrap();
                    let mut id = [0u8; 1];
                    s.read_exact(&mut id).await.unwrap();
                    ids.push(id[0]);
                }
                ids.sort_unstable();
                ids
            });
            for id in 0..CLIENTS {
                let mut c = UnixStream::connect(&path).await.unwrap();
                c.write_all(&[id]).await.unwrap();
            }
            assert_eq!(server.await.unwrap(), (0..CLIENTS).collect::<Vec<_>>());
        });
    });
}

#[test]
fn taken_missing_and_stale_paths_give_the_right_errors() {
    within(|| {
        let dir = TempDir::new("unix-err");
        let path = dir.join("sock");
        runtime(1).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let err = UnixListener::bind(&path).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
            let err = UnixStream::connect(dir.join("missing")).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
            // The socket file outlives its listener: connecting to it is refused.
            drop(listener);
            assert!(path.exists());
            let err = UnixStream::connect(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        });
        let err = UnixStream::pair().unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
        let err = park_on(UnixStream::connect(&path)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        let err = UnixDatagram::unbound().unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
    });
}

#[test]
fn datagram_pair_round_trips_hundreds_of_datagrams() {
    within(|| {
        const ROUNDS: usize = 500;
        runtime(2).block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let echo = weft::spawn(async move {
                let mut buf = vec![0u8; 4096];
                for _ in 0..ROUNDS {
                    let n = b.recv(&mut buf).await.unwrap();
                    assert_eq!(b.send(&buf[..n]).await.unwrap(), n);
                }
            });
            let mut buf = vec![0u8; 4096];
            for i in 0..ROUNDS {
                let d: Vec<u8> = (0..1 + i * 5).map(|k| byte(i, k)).collect();
                assert_eq!(a.send(&d).await.unwrap(), d.len());
                let n = a.recv(&mut buf).await.unwrap();
                assert!(buf[..n] == d[..], "datagram {i} differs");
            }
            echo.await.unwrap();
        });
    });
}

#[test]
fn bound_datagram_sockets_reply_to_the_sender_path() {
    within(|| {
        const ROUNDS: usize = 300;
        let dir = TempDir::new("unix-dg");
        let server_path = dir.join("server");
        let client_path = dir.join("client");
        runtime(2).block_on(async {
            let server = UnixDatagram::bind(&server_path).unwrap();
            let echo = weft::spawn(async move {
                let mut buf = vec![0u8; 2048];
                for _ in 0..ROUNDS {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    let from = from.as_pathname().expect("a bound sender").to_owned();
                    server.send_to(&buf[..n], &from).await.unwrap();
                }
                server
            });
            let client = UnixDatagram::bind(&client_path).unwrap();
            let mut buf = vec![0u8; 2048];
            for i in 0..ROUNDS {
                let d: Vec<u8> = (0..1 + i).map(|k| byte(i, k)).collect();
                client.send_to(&d, &server_path).await.unwrap();
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(from.as_pathname(), Some(server_path.as_path()));
                assert!(buf[..n] == d[..], "datagram {i} differs");
            }
            let server = echo.await.unwrap();

            // An unbound sender is anonymous; a connected one uses send/recv.
            let anon = UnixDatagram::unbound().unwrap();
            anon.send_to(b"who", &server_path).await.unwrap();
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"who");
            assert!(from.is_unnamed());
            anon.connect(&server_path).unwrap();
            assert_eq!(
                anon.peer_addr().unwrap().as_pathname(),
                Some(server_path.as_path())
            );
            anon.send(b"again").await.unwrap();
            assert_eq!(server.recv(&mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"again");
        });
    });
}

#[test]
fn shutting_down_a_stream_whose_peer_closed_is_ok() {
    within(|| {
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            drop(b);
            a.shutdown(Shutdown::Write).unwrap();
            a.shutdown(Shutdown::Both).unwrap();
            let (mut a, b) = UnixStream::pair().unwrap();
            drop(b);
            a.close().await.unwrap();
        });
    });
}

#[test]
fn connecting_to_a_full_backlog_is_an_error_that_leaves_the_worker_free() {
    within(|| {
        let dir = TempDir::new("unix-full");
        let path = dir.join("sock");
        runtime(1).block_on(async {
            // Backlog 0: the kernel queues one unaccepted connection, then refuses more.
            let socket = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
            socket.bind(&SockAddr::unix(&path).unwrap()).unwrap();
            socket.listen(0).unwrap();
            let listener = UnixListener::from_std(socket.into()).unwrap();
            let mut queued = Vec::new();
            loop {
                let s = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
                s.set_nonblocking(true).unwrap();
                match s.connect(&SockAddr::unix(&path).unwrap()) {
                    Ok(()) => queued.push(s),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("filling the backlog: {e}"),
                }
                assert!(queued.len() < 1024, "the backlog never filled");
            }
            // On the only worker: a blocking connect would park it until someone accepts,
            // and the task it spawned could never run.
            let path2 = path.clone();
            let (res, neighbour) = weft::spawn(async move {
                let neighbour = weft::spawn(async { "ran" });
                let res = UnixStream::connect(&path2).await;
                (res, neighbour.await.unwrap())
            })
            .await
            .unwrap();
            assert_eq!(neighbour, "ran");
            let err = res.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
            // Once a queued connection is accepted there is room again.
            let _accepted = listener.accept().await.unwrap();
            let c = UnixStream::connect(&path).await.unwrap();
            assert_eq!(c.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
        });
    });
}
