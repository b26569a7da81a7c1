//! Armed-then-dropped timers leave the wheel empty and memory where it was. In its own test
//! binary: it reads the process's RSS, which tests running beside it would disturb.

use std::time::Duration;
use weft::time::sleep;
use weft_tests::{poll_once, within};

/// This process's resident set in KiB (Linux), for leak checks.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn armed_then_dropped_sleeps_leave_the_wheel_empty() {
    within(|| {
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        rt.block_on(async {
            // A million arm-and-cancel cycles, one at a time...
            for _ in 0..1_000_000 {
                drop(poll_once(sleep(Duration::from_secs(60))).await);
            }
            assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);
            // ...and 100 000 armed together, four times: storage is reused, not grown, so
            // memory returns to the same level after every round. (Compared from the second
            // round on: after the first, glibc raises its mmap threshold and keeps later
            // large buffers on the heap, a one-time step that is not a leak.)
            let mut rss_after = Vec::new();
            for _ in 0..4 {
                let mut all = Vec::with_capacity(100_000);
                for i in 0..100_000u64 {
                    all.push(poll_once(sleep(Duration::from_millis(1_000 + i))).await);
                }
                assert_eq!(
                    weft::Handle::current().metrics().num_armed_timers(),
                    100_000
                );
                drop(all);
                assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);
                rss_after.extend(rss_kib());
            }
            if let [_, second, .., last] = rss_after[..] {
                // 100 000 timers hold several MiB; a leak per round would show as much.
                assert!(
                    last <= second + 1_024,
                    "RSS grew from {second} KiB to {last} KiB"
                );
            }
        });
    });
}
