//! loom models of the task group's cancel-on-failure protocol (`state.rs`), driven with a
//! stand-in for `AbortHandle`: a flag plus a waker, so a "child" thread can wait to be
//! cancelled. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.
//!
//! Waits use `loom::model::block_on`, which parks: a cancellation that never reaches a
//! child, or a joiner never woken, is a deadlock that loom reports.

use super::error::Failure;
use super::state::{Cancel, Outcome, Shared};
use crate::loom::model::block_on;
use crate::loom::{thread, Arc, Mutex};
use std::future::poll_fn;
use std::task::{Poll, Waker};

/// A child's cancel handle: `cancel` sets the flag and wakes the child waiting on it.
#[derive(Clone)]
struct FakeAbort(Arc<Mutex<(bool, Option<Waker>)>>);

impl FakeAbort {
    fn new() -> FakeAbort {
        FakeAbort(Arc::new(Mutex::new((false, None))))
    }

    /// Waits until cancelled (a child parked at an `.await`).
    fn cancelled(&self) {
        block_on(poll_fn(|cx| {
            let mut s = self.0.lock().unwrap();
            if s.0 {
                return Poll::Ready(());
            }
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }));
    }
}

impl Cancel for FakeAbort {
    fn cancel(&self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

type Group = Shared<u32, &'static str, FakeAbort>;

/// The first failure races the spawning of a sibling (reserved, then registered): the
/// sibling is cancelled either way (by the failure, which sees its handle, or by its
/// registration, which sees the failure), and the joiner gets the failure and one
/// cancelled child, never hangs.
#[test]
fn task_group_cancel_on_failure_reaches_a_child_being_spawned() {
    loom::model(|| {
        let group = Arc::new(Group::new());
        let failing = group.reserve();
        group.register(failing, FakeAbort::new());
        let sibling = group.reserve();
        let fail = thread::spawn({
            let group = group.clone();
            move || group.finish(failing, Outcome::Failed(Failure::Error("boom")))
        });
        let spawn = thread::spawn({
            let group = group.clone();
            move || {
                let abort = FakeAbort::new();
                group.register(sibling, abort.clone());
                // The sibling runs until cancelled, then reports so.
                abort.cancelled();
                group.finish(sibling, Outcome::Cancelled);
            }
        });
        let joined = block_on(poll_fn(|cx| group.poll_join(cx)));
        fail.join().unwrap();
        spawn.join().unwrap();
        let err = joined.unwrap_err();
        assert!(matches!(err.first(), Failure::Error("boom")));
        assert_eq!(err.cancelled(), 1);
    });
}

/// Two children fail at once: exactly one is first (it sets the cancellation), both are
/// reported, and a third, running, child is cancelled once.
#[test]
fn task_group_two_failures_race_one_cancels() {
    loom::model(|| {
        let group = Arc::new(Group::new());
        let a = group.reserve();
        group.register(a, FakeAbort::new());
        let b = group.reserve();
        group.register(b, FakeAbort::new());
        let c = group.reserve();
        let c_abort = FakeAbort::new();
        group.register(c, c_abort.clone());
        let fails: Vec<_> = [(a, "a"), (b, "b")]
            .into_iter()
            .map(|(i, e)| {
                let group = group.clone();
                thread::spawn(move || group.finish(i, Outcome::Failed(Failure::Error(e))))
            })
            .collect();
        c_abort.cancelled();
        group.finish(c, Outcome::Cancelled);
        for f in fails {
            f.join().unwrap();
        }
        let err = block_on(poll_fn(|cx| group.poll_join(cx))).unwrap_err();
        assert_eq!(err.failures().len(), 2);
        assert_eq!(err.cancelled(), 1);
        assert!(group.is_cancelling());
    });
}
