//! A stream fresh from `accept` (or `from_std`) tries the syscall before it has heard
//! from the io thread: its first `poll_read` returns bytes the peer already sent, and its
//! first `poll_write` writes, every time, with no round trip through the reactor. Each
//! test polls by hand with a no-op waker, so a `Pending` cannot hide behind a later wake.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use weft::io::{AsyncRead, AsyncWrite};
use weft::net::{TcpListener, UnixListener};
use weft_tests::{runtime, within, TempDir, HANG};

/// Rounds per test: each is a fresh connection whose first poll must be ready.
const ROUNDS: usize = 100;

/// Blocks until `fd` has bytes to read (a hang guard of [`HANG`]). `poll(2)` neither
/// reads nor touches the reactor's registration, so the stream stays as fresh as it was.
fn wait_until_bytes_arrived(fd: &impl AsRawFd) {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut pfd, 1, HANG.as_millis() as libc::c_int) };
    assert_eq!(n, 1, "the peer's bytes never arrived");
}

/// Polls `io` once for a read with a waker that does nothing.
fn first_poll_read(
    io: &mut (impl AsyncRead + Unpin),
    buf: &mut [u8],
) -> Poll<std::io::Result<usize>> {
    Pin::new(io).poll_read(&mut Context::from_waker(Waker::noop()), buf)
}

#[test]
fn a_fresh_tcp_stream_reads_bytes_already_sent_on_its_first_poll() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            for round in 0..ROUNDS {
                // A fresh cooperative budget for each round's polls.
                weft::task::yield_now().await;
                let mut client = std::net::TcpStream::connect(addr).unwrap();
                client.write_all(b"hello").unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                wait_until_bytes_arrived(&server);
                let mut buf = [0u8; 8];
                match first_poll_read(&mut server, &mut buf) {
                    Poll::Ready(Ok(n)) => assert_eq!(&buf[..n], b"hello", "round {round}"),
                    other => panic!("round {round}: the first poll_read gave {other:?}"),
                }
            }
        });
    });
}

#[test]
fn a_fresh_unix_stream_reads_bytes_already_sent_on_its_first_poll() {
    within(|| {
        let dir = TempDir::new("first-poll");
        let path = dir.join("sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            for round in 0..ROUNDS {
                weft::task::yield_now().await;
                let mut client = std::os::unix::net::UnixStream::connect(&path).unwrap();
                client.write_all(b"hello").unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                wait_until_bytes_arrived(&server);
                let mut buf = [0u8; 8];
                match first_poll_read(&mut server, &mut buf) {
                    Poll::Ready(Ok(n)) => assert_eq!(&buf[..n], b"hello", "round {round}"),
                    other => panic!("round {round}: the first poll_read gave {other:?}"),
                }
            }
        });
    });
}

#[test]
fn a_fresh_tcp_stream_writes_on_its_first_poll() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            for round in 0..ROUNDS {
                weft::task::yield_now().await;
                let _client = std::net::TcpStream::connect(addr).unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                let mut cx = Context::from_waker(Waker::noop());
                match Pin::new(&mut server).poll_write(&mut cx, b"hello") {
                    Poll::Ready(Ok(5)) => {}
                    other => panic!("round {round}: the first poll_write gave {other:?}"),
                }
            }
        });
    });
}
