//! An idle runtime sleeps: its parked workers and its `weft-io` thread make no periodic
//! wakeups. Counted with the voluntary context switches of those threads (from /proc), so
//! other tests running at the same time do not disturb it.

#![cfg(target_os = "linux")]

use std::sync::Mutex;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft_tests::within;

/// Held by each test for the life of its runtime: every runtime's I/O thread is named
/// `weft-io`, so one runtime at a time keeps the thread this file counts unambiguous.
static ONE_RUNTIME: Mutex<()> = Mutex::new(());

/// Voluntary context switches of each thread of this process whose name starts with
/// `prefix`.
fn switches_of_threads_named(prefix: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task").unwrap() {
        let dir = entry.unwrap().path();
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue; // the thread exited meanwhile
        };
        let comm = comm.trim().to_owned();
        if !comm.starts_with(prefix) {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(dir.join("status")) else {
            continue;
        };
        let n = status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        out.push((comm, n));
    }
    out.sort();
    out
}

#[test]
fn idle_workers_do_not_wake_up_periodically() {
    within(|| {
        let _one = ONE_RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
        let rt = weft::Builder::new()
            .worker_threads(2)
            .thread_name("idle-probe")
            .build()
            .unwrap();
        // Some work first, so the workers have run and parked again.
        let hs: Vec<_> = (0..100).map(|i| rt.spawn(async move { i })).collect();
        for h in hs {
            rt.block_on(h).unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
        let before = switches_of_threads_named("idle-probe");
        assert_eq!(before.len(), 2, "{before:?}");
        std::thread::sleep(Duration::from_secs(1));
        let after = switches_of_threads_named("idle-probe");
        for ((name, b), (_, a)) in before.iter().zip(&after) {
            // A timed park (even every 100 ms) would show 10 here; allow a stray wakeup.
            assert!(a - b <= 2, "{name} woke {} times in 1 s of idleness", a - b);
        }
        drop(rt);
    });
}

#[test]
fn idle_io_thread_does_not_wake_up_periodically() {
    within(|| {
        let _one = ONE_RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        // Give the driver thread everything it serves first: a socket registration with
        // traffic, and timers that fire and one that is cancelled. Then all of it goes.
        rt.block_on(async {
            let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            weft::time::sleep(Duration::from_millis(1)).await;
            // Arms a 60 s timer that is cancelled when the sleep wins.
            let cancelled = weft::time::timeout(
                Duration::from_secs(60),
                weft::time::sleep(Duration::from_millis(1)),
            )
            .await;
            assert!(cancelled.is_ok());
            let slept =
                weft::time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
            assert!(slept.is_err());
        });
        std::thread::sleep(Duration::from_millis(200));
        let before = switches_of_threads_named("weft-io");
        assert_eq!(
            before.len(),
            1,
            "one weft-io thread per runtime: {before:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
        let after = switches_of_threads_named("weft-io");
        assert_eq!(after.len(), 1, "{after:?}");
        let woke = after[0].1 - before[0].1;
        // A selector wait with a timeout (even 100 ms) or a timer tick would show 10 or
        // more here; allow a stray wakeup.
        assert!(
            woke <= 2,
            "the weft-io thread of an idle runtime woke {woke} times in 1 s: it should \
             block in the selector until an event or the earliest armed timer"
        );
        drop(rt);
    });
}
