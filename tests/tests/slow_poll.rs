//! Debug mode (`Builder::slow_poll_threshold`): polls that block a worker are reported,
//! naming the task; fast polls are not; the mode is off by default.

use std::time::Duration;
use weft_tests::{wait_until, within};

fn debug_runtime(threshold: Duration) -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(1)
        .slow_poll_threshold(threshold)
        .build()
        .unwrap()
}

#[test]
fn a_poll_that_blocks_past_the_threshold_is_counted() {
    within(|| {
        let rt = debug_runtime(Duration::from_millis(20));
        rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) }))
            .unwrap();
        // Counted when the poll returns, which may be just after the join completed.
        wait_until(Duration::from_secs(10), || {
            rt.metrics().num_slow_polls() > 0
        });
        assert_eq!(rt.metrics().num_slow_polls(), 1);
    });
}

#[test]
fn fast_polls_are_not_reported() {
    within(|| {
        // Generous: only polls that really block (hundreds of ms) would count.
        let rt = debug_runtime(Duration::from_millis(500));
        rt.block_on(async {
            for _ in 0..1_000 {
                weft::spawn(async { weft::task::yield_now().await })
                    .await
                    .unwrap();
            }
        });
        assert_eq!(rt.metrics().num_slow_polls(), 0);
    });
}

#[test]
fn the_mode_is_off_by_default() {
    within(|| {
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(30)) }))
            .unwrap();
        assert_eq!(rt.metrics().num_slow_polls(), 0);
    });
}

/// The warning goes to stderr: run the slow task in a child process and read it there.
#[test]
fn the_warning_names_the_task_and_its_spawn_site() {
    if std::env::var_os("WEFT_SLOW_POLL_CHILD").is_some() {
        let rt = debug_runtime(Duration::from_millis(10));
        let h = weft::task::Builder::new()
            .name("slow-one")
            .spawn_on(
                async { std::thread::sleep(Duration::from_millis(40)) },
                rt.handle(),
            )
            .unwrap();
        rt.block_on(h).unwrap();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "the_warning_names_the_task_and_its_spawn_site",
            "--nocapture",
        ])
        .env("WEFT_SLOW_POLL_CHILD", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("slow poll"), "{stderr}");
    assert!(stderr.contains("\"slow-one\""), "{stderr}");
    assert!(
        stderr.contains("slow_poll.rs"),
        "the spawn site is named: {stderr}"
    );
    assert!(
        stderr.contains("spawn_blocking"),
        "the warning says what to do: {stderr}"
    );
}
