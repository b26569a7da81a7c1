//! A build that fails because a thread cannot start stops the threads it did start. Alone
//! in its own test binary so no other test's threads come and go while it counts.

#![cfg(target_os = "linux")]

use std::time::Duration;
use weft_tests::{wait_until, within};

#[test]
fn failed_builds_leave_no_threads_behind() {
    within(|| {
        let before = weft_tests::thread_count();
        for _ in 0..50 {
            // The OS refuses a 1 PiB stack for the workers, after the io thread started.
            let built = weft::Builder::new()
                .worker_threads(4)
                .thread_stack_size(1 << 50)
                .build();
            assert!(built.is_err());
        }
        // An exiting thread may linger a moment in the count after join.
        let settled = wait_until(Duration::from_secs(3), || {
            weft_tests::thread_count() <= before
        });
        let after = weft_tests::thread_count();
        assert!(
            settled,
            "{before} threads before 50 failed builds, {after} after"
        );
    });
}
