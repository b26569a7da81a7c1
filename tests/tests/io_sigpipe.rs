//! Writing to a peer that has gone away fails with `BrokenPipe` (or `ConnectionReset`)
//! and never raises `SIGPIPE`, for TCP and Unix streams, plain and vectored writes.
//!
//! Rust programs ignore `SIGPIPE` from their first line, which would hide the signal; a
//! library cannot count on that (a C host, or `-Zon-broken-pipe=kill`, restores the
//! default, which kills the process). So each test re-runs itself in a child process with
//! `SIGPIPE` set back to its default action, and checks that the child exits normally: a
//! raised `SIGPIPE` shows up as the child killed by signal 13.

use std::io::{self, IoSlice};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use weft::io::AsyncWriteExt;
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft_tests::{runtime, within};

/// Set in the child to the name of the test it should run for real.
const CHILD: &str = "WEFT_TEST_SIGPIPE_CHILD";

/// Writes per test before giving up: the first write to a closed peer may still succeed
/// (it is what makes the peer answer with a reset); a later one must fail.
const MAX_WRITES: usize = 10_000;

/// Runs `body` in a child process (this test binary, filtered to the test `name`) whose
/// `SIGPIPE` disposition is the default, and fails if the child fails or is killed.
fn in_child_with_default_sigpipe(name: &str, body: fn()) {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        // SAFETY: setting a signal's disposition to SIG_DFL installs no handler code.
        let prev = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        assert_ne!(prev, libc::SIG_ERR);
        body();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .expect("run the test binary as a child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{name}: the write raised SIGPIPE and killed the process\n{stderr}"
    );
    assert!(
        out.status.success(),
        "{name}: child failed ({:?})\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("1 passed"),
        "{name}: child ran no test\n{stdout}"
    );
}

/// Keeps writing until the write fails; returns the error.
async fn write_until_error<W: weft::io::AsyncWrite + Unpin>(
    w: &mut W,
    vectored: bool,
) -> io::Error {
    let chunk = [0x5au8; 1024];
    for _ in 0..MAX_WRITES {
        let res = if vectored {
            w.write_vectored(&[IoSlice::new(&chunk), IoSlice::new(&chunk)])
                .await
        } else {
            w.write(&chunk).await
        };
        if let Err(e) = res {
            return e;
        }
        weft::task::yield_now().await;
    }
    panic!("{MAX_WRITES} writes to a closed peer all succeeded");
}

fn assert_peer_gone(e: &io::Error) {
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        ),
        "{e:?}"
    );
}

fn tcp_write_to_closed_peer(vectored: bool) {
    within(move || {
        runtime(1).block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            drop(server);
            assert_peer_gone(&write_until_error(&mut client, vectored).await);
        });
    });
}

fn unix_write_to_closed_peer(vectored: bool) {
    within(move || {
        runtime(1).block_on(async move {
            let (mut a, b) = UnixStream::pair().unwrap();
            drop(b);
            assert_peer_gone(&write_until_error(&mut a, vectored).await);
        });
    });
}

fn tcp_owned_write_half_to_closed_peer() {
    within(|| {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            drop(server);
            let (_r, mut w) = client.into_split();
            assert_peer_gone(&write_until_error(&mut w, false).await);
        });
    });
}

#[test]
fn tcp_write_to_a_closed_peer_is_an_error_not_sigpipe() {
    in_child_with_default_sigpipe("tcp_write_to_a_closed_peer_is_an_error_not_sigpipe", || {
        tcp_write_to_closed_peer(false)
    });
}

#[test]
fn tcp_vectored_write_to_a_closed_peer_is_an_error_not_sigpipe() {
    in_child_with_default_sigpipe(
        "tcp_vectored_write_to_a_closed_peer_is_an_error_not_sigpipe",
        || tcp_write_to_closed_peer(true),
    );
}

#[test]
fn tcp_owned_write_half_to_a_closed_peer_is_an_error_not_sigpipe() {
    in_child_with_default_sigpipe(
        "tcp_owned_write_half_to_a_closed_peer_is_an_error_not_sigpipe",
        tcp_owned_write_half_to_closed_peer,
    );
}

#[test]
fn unix_write_to_a_closed_peer_is_an_error_not_sigpipe() {
    in_child_with_default_sigpipe(
        "unix_write_to_a_closed_peer_is_an_error_not_sigpipe",
        || unix_write_to_closed_peer(false),
    );
}

#[test]
fn unix_vectored_write_to_a_closed_peer_is_an_error_not_sigpipe() {
    in_child_with_default_sigpipe(
        "unix_vectored_write_to_a_closed_peer_is_an_error_not_sigpipe",
        || unix_write_to_closed_peer(true),
    );
}
