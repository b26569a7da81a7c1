//! An idle runtime sleeps: its parked workers make no periodic wakeups. Counted with the
//! context switches of the worker threads (from /proc), so other tests running at the
//! same time do not disturb it.

#![cfg(target_os = "linux")]

use std::time::Duration;
use weft_tests::within;

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
