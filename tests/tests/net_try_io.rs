//! The non-blocking socket calls tokio's socket tests lean on: `try_read` answers
//! `WouldBlock` while nothing is there and the data once `ready` says so, `try_write`
//! fills the send buffer and then waits, `peek` leaves the bytes in place, and the same
//! for Unix streams and UDP sockets.

use std::io::{self, IoSlice, IoSliceMut};
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use weft_tests::{runtime, within};

fn would_block<T: std::fmt::Debug>(res: io::Result<T>) -> bool {
    matches!(res, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn try_read_is_would_block_then_returns_the_data_after_ready() {
    within(|| {
        runtime(2).block_on(async {
            let (mut client, server) = tcp_pair().await;
            let mut buf = [0u8; 32];
            assert!(would_block(server.try_read(&mut buf)));
            assert!(
                would_block(server.try_read(&mut buf)),
                "still nothing there"
            );
            client.write_all(b"hello").await.unwrap();
            let mut got = Vec::new();
            while got.len() < 5 {
                let ready = server.ready(Interest::READABLE).await.unwrap();
                assert!(ready.is_readable());
                match server.try_read(&mut buf) {
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(got, b"hello");
            assert!(
                would_block(server.try_read(&mut buf)),
                "all of it was taken"
            );
            client.close().await.unwrap();
            server.readable().await.unwrap();
            assert_eq!(server.try_read(&mut buf).unwrap(), 0, "end of stream");
        });
    });
}

#[test]
fn try_write_fills_the_send_buffer_then_is_writable_once_the_peer_reads() {
    within(|| {
        runtime(2).block_on(async {
            let (client, mut server) = tcp_pair().await;
            let chunk = vec![7u8; 64 * 1024];
            let mut sent = 0usize;
            loop {
                match client.try_write(&chunk) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
                assert!(sent < 1 << 30, "the send buffer never filled");
            }
            assert!(sent > 0);
            let reader = weft::spawn(async move {
                let mut buf = vec![0u8; sent];
                server.read_exact(&mut buf).await.unwrap();
                assert!(buf.iter().all(|&b| b == 7));
                server
            });
            let ready = client.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
            let _server = reader.await.unwrap();
            let n = loop {
                match client.try_write(b"more") {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        client.writable().await.unwrap()
                    }
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(n, 4);
        });
    });
}

#[test]
fn vectored_try_calls_move_every_buffer_in_order() {
    within(|| {
        runtime(1).block_on(async {
            let (client, server) = tcp_pair().await;
            let n = client
                .try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cde")])
                .unwrap();
            assert_eq!(n, 5);
            let (mut x, mut y) = ([0u8; 3], [0u8; 3]);
            let mut got = 0usize;
            while got < 5 {
                server.readable().await.unwrap();
                let (hx, hy) = (got.min(3), got.saturating_sub(3));
                let mut bufs = [IoSliceMut::new(&mut x[hx..]), IoSliceMut::new(&mut y[hy..])];
                match server.try_read_vectored(&mut bufs) {
                    Ok(n) => got += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!((&x, &y[..2]), (b"abc", &b"de"[..]));
        });
    });
}

#[test]
fn peek_leaves_the_bytes_for_the_next_read() {
    within(|| {
        runtime(1).block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            client.write_all(b"hello world").await.unwrap();
            client.close().await.unwrap();
            let mut all = Vec::new();
            // Peek until every byte is in (they may arrive in parts), twice: the same bytes.
            let mut peeked = [0u8; 32];
            let mut n = 0;
            while n < 11 {
                n = server.peek(&mut peeked).await.unwrap();
            }
            let mut again = [0u8; 32];
            assert_eq!(server.peek(&mut again).await.unwrap(), 11);
            assert_eq!(&peeked[..11], &again[..11]);
            server.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, b"hello world");
            assert_eq!(&peeked[..11], &all[..]);
        });
    });
}

#[test]
fn unix_stream_try_calls_and_peer_credentials() {
    within(|| {
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let mut buf = [0u8; 8];
            assert!(would_block(b.try_read(&mut buf)));
            assert_eq!(a.try_write(b"unix").unwrap(), 4);
            let n = loop {
                assert!(b.ready(Interest::READABLE).await.unwrap().is_readable());
                match b.try_read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(&buf[..n], b"unix");
            let cred = a.peer_cred().unwrap();
            // SAFETY: getuid and getgid have no preconditions and cannot fail.
            let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
            assert_eq!((cred.uid(), cred.gid()), (uid, gid));
            if cfg!(any(target_os = "linux", target_os = "android")) {
                assert_eq!(cred.pid(), Some(std::process::id() as i32));
            }
            drop(a);
            assert!(matches!(
                b.try_write(b"x"),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe
            ));
        });
    });
}

#[test]
fn udp_try_calls_are_would_block_until_a_datagram_is_there_and_peek_keeps_it() {
    within(|| {
        runtime(1).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            let mut buf = [0u8; 32];
            assert!(would_block(b.try_recv_from(&mut buf)));
            assert_eq!(a.try_send_to(b"first", b_addr).unwrap(), 5);
            let (n, from) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"first"[..], a_addr));
            let (n, from) = loop {
                assert!(b.ready(Interest::READABLE).await.unwrap().is_readable());
                match b.try_recv_from(&mut buf) {
                    Ok(got) => break got,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(
                (&buf[..n], from),
                (&b"first"[..], a_addr),
                "peek left it queued"
            );
            assert!(would_block(b.try_recv_from(&mut buf)));

            // Connected: try_send / try_recv.
            a.connect(b_addr).unwrap();
            b.connect(a_addr).unwrap();
            a.writable().await.unwrap();
            assert_eq!(a.try_send(b"second").unwrap(), 6);
            let n = loop {
                b.readable().await.unwrap();
                match b.try_recv(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(&buf[..n], b"second");
            assert!(would_block(b.try_recv(&mut buf)));
        });
    });
}
