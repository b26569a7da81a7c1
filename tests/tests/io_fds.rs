//! Nothing leaks descriptors: dropping a runtime whose tasks are waiting on sockets, pipes
//! and listeners closes every one of them (their peers read end of stream) and the
//! runtime's own poller, so the process is back to the descriptors it had before. In its
//! own test binary because it counts the whole process's descriptors (Linux:
//! `/proc/self/fd`), which other tests running beside it would change.

use std::future::pending;
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::io::{Async, AsyncReadExt};
use weft::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use weft_tests::{open_fds, runtime, wait_until, within, OnDrop, HANG};

/// Sockets of each kind per round.
const EACH: usize = 10;

/// Builds a runtime, parks tasks on every kind of source, drops the runtime, and checks
/// the std peers outside it see their connections closed.
fn one_round() {
    let rt = runtime(2);
    let waiting = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut tasks = 0;
    // Waits on `fut` (the source inside it) until the runtime goes away.
    let mut park = |fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>| {
        let w = waiting.clone();
        tasks += 1;
        rt.spawn(OnDrop::new(
            async move {
                w.fetch_add(1, SeqCst);
                fut.await;
                pending::<()>().await
            },
            dropped.clone(),
        ));
    };

    let (listener, addr) = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        (l, addr)
    });
    let mut std_peers = Vec::new();
    for _ in 0..EACH {
        // A connection whose far end is a std socket outside the runtime...
        std_peers.push(std::net::TcpStream::connect(addr).unwrap());
        let (mut s, _) = rt.block_on(listener.accept()).unwrap();
        park(Box::pin(async move {
            let _ = s.read(&mut [0u8; 1]).await;
        }));
        // ...and one with both ends in the runtime.
        let (mut c, mut s) = rt.block_on(async {
            let c = TcpStream::connect(addr).await.unwrap();
            let (s, _) = listener.accept().await.unwrap();
            (c, s)
        });
        park(Box::pin(async move {
            let _ = c.read(&mut [0u8; 1]).await;
        }));
        park(Box::pin(async move {
            let _ = s.read(&mut [0u8; 1]).await;
        }));
        let u = rt.block_on(async { UdpSocket::bind("127.0.0.1:0").unwrap() });
        park(Box::pin(async move {
            let _ = u.recv_from(&mut [0u8; 1]).await;
        }));
        let (mut a, mut b) = rt.block_on(async { UnixStream::pair().unwrap() });
        park(Box::pin(async move {
            let _ = a.read(&mut [0u8; 1]).await;
        }));
        park(Box::pin(async move {
            let _ = b.read(&mut [0u8; 1]).await;
        }));
        let (r, w) = io::pipe().unwrap();
        let r = rt.block_on(async { Async::new(r).unwrap() });
        park(Box::pin(async move {
            let _w = w; // keeps the pipe open, so the read really waits
            let _ = r.read_with(|p| (&*p).read(&mut [0u8; 1])).await;
        }));
    }
    park(Box::pin(async move {
        let _ = listener.accept().await;
    }));
    assert!(wait_until(HANG, || waiting.load(SeqCst) == tasks));

    drop(rt);
    assert_eq!(dropped.load(SeqCst), tasks, "every task's future dropped");
    for peer in &std_peers {
        peer.set_read_timeout(Some(HANG)).unwrap();
        match (&*peer).read(&mut [0u8; 1]) {
            Ok(n) => assert_eq!(n, 0, "end of stream"),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
    let err = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(
        err.kind(),
        io::ErrorKind::ConnectionRefused,
        "listener closed"
    );
}

#[test]
fn dropping_a_runtime_with_tasks_awaiting_sources_closes_every_descriptor() {
    within(|| {
        let Some(baseline) = open_fds() else {
            eprintln!("skipped: /proc/self/fd cannot be read here");
            return;
        };
        for round in 0..3 {
            one_round();
            assert_eq!(
                open_fds(),
                Some(baseline),
                "round {round}: descriptors left open after the runtime was dropped"
            );
        }
    });
}
