//! Runtimes leave no threads behind: building, using and dropping one many times ends with
//! the thread count the process started with. Alone in its own test binary so no other
//! test's threads come and go while it counts.

#![cfg(target_os = "linux")]

use std::time::Duration;
use weft_tests::{wait_until, within};

#[test]
fn build_spawn_drop_cycles_leave_no_threads_behind() {
    // `within` runs the body on a thread of its own; count from inside it so that thread
    // is part of both counts.
    within(|| {
        let before = weft_tests::thread_count();
        for i in 0..1_000u32 {
            let rt = weft::Builder::new().worker_threads(2).build().unwrap();
            let h = rt.spawn(async move { weft::spawn(async move { i }).await.unwrap() });
            rt.spawn(std::future::pending::<()>());
            assert_eq!(rt.block_on(h).unwrap(), i);
            drop(rt);
        }
        // An exiting thread may linger a moment in the count after join.
        let settled = wait_until(Duration::from_secs(3), || {
            weft_tests::thread_count() <= before
        });
        let after = weft_tests::thread_count();
        assert!(
            settled,
            "{before} threads before 1 000 runtimes, {after} after"
        );
    });
}
