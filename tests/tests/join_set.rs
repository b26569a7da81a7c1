//! `weft::task::JoinSet`: asyncio's `TaskGroup` and `as_completed`: results in completion
//! order, `abort_all`, `shutdown`, and tasks aborted when the set is dropped.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::oneshot;
use weft::task::JoinSet;
use weft_tests::{runtime, within, OnDrop};

#[test]
fn join_next_returns_results_in_completion_order() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut gates = Vec::new();
            for i in 0..5u32 {
                let (tx, rx) = oneshot::channel::<()>();
                gates.push(tx);
                set.spawn(async move {
                    rx.await.unwrap();
                    i
                });
            }
            // Finish them in the order 3, 1, 4, 0, 2: join_next follows.
            let mut gates: Vec<_> = gates.into_iter().map(Some).collect();
            for i in [3usize, 1, 4, 0, 2] {
                gates[i].take().unwrap().send(()).unwrap();
                assert_eq!(set.join_next().await.unwrap().unwrap(), i as u32);
            }
            assert!(set.join_next().await.is_none());
            assert!(set.is_empty());
        });
    });
}

#[test]
fn join_next_with_id_names_the_task() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let a = set.spawn(async { "a" }).id();
            let b = set.spawn(async { "b" }).id();
            let mut seen = Vec::new();
            while let Some(res) = set.join_next_with_id().await {
                let (id, v) = res.unwrap();
                assert_eq!(id, if v == "a" { a } else { b });
                seen.push(v);
            }
            seen.sort();
            assert_eq!(seen, ["a", "b"]);
        });
    });
}

#[test]
fn abort_all_cancels_and_join_next_reports_it() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                set.spawn(std::future::pending::<()>());
            }
            assert_eq!(set.len(), 10);
            set.abort_all();
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10);
        });
    });
}

#[test]
fn shutdown_aborts_and_waits_for_every_task() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..20 {
                set.spawn(OnDrop::new(std::future::pending::<()>(), dropped.clone()));
            }
            set.shutdown().await;
            assert!(set.is_empty());
        });
        assert_eq!(
            dropped.load(SeqCst),
            20,
            "every future was dropped by the time shutdown returned"
        );
    });
}

#[test]
fn dropping_the_set_aborts_its_tasks() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let handles = rt.block_on(async {
            let mut set = JoinSet::new();
            let mut aborts = Vec::new();
            for _ in 0..5 {
                aborts.push(set.spawn(OnDrop::new(std::future::pending::<()>(), dropped.clone())));
            }
            drop(set);
            aborts
        });
        assert!(weft_tests::wait_until(
            std::time::Duration::from_secs(10),
            || { handles.iter().all(|h| h.is_finished()) }
        ));
        assert_eq!(dropped.load(SeqCst), 5);
    });
}

#[test]
fn a_set_mixes_async_and_blocking_members() {
    within(|| {
        let rt = runtime(2);
        let mut all = rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { 1 });
            set.spawn_blocking(|| 2);
            set.spawn(async { panic!("member failed") });
            let mut out = Vec::new();
            let mut panics = 0;
            while let Some(res) = set.join_next().await {
                match res {
                    Ok(v) => out.push(v),
                    Err(e) => {
                        assert!(e.is_panic());
                        panics += 1;
                    }
                }
            }
            assert_eq!(panics, 1);
            out
        });
        all.sort();
        assert_eq!(all, [1, 2]);
    });
}

#[test]
fn a_large_set_joins_every_member() {
    within(|| {
        let rt = runtime(2);
        let sum = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10_000u64 {
                set.spawn(async move {
                    if i % 3 == 0 {
                        weft::task::yield_now().await;
                    }
                    i
                });
            }
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            sum
        });
        assert_eq!(sum, 9_999 * 10_000 / 2);
    });
}

/// A waker that shuts a runtime down when its last clone is dropped.
struct DropsRuntime(std::sync::Mutex<Option<weft::Runtime>>);

impl std::task::Wake for DropsRuntime {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropsRuntime {
    fn drop(&mut self) {
        drop(self.0.lock().unwrap().take());
    }
}

/// `join_next` replaces the parent waker when it is polled with a new one. The old one is
/// dropped after the set's lock is released: here its `Drop` drops the member's runtime,
/// which cancels the member, whose completion wakes the set (taking that lock).
#[test]
fn replaced_parent_waker_may_complete_a_member_when_dropped() {
    within(|| {
        let member_rt = runtime(1);
        let mut set = JoinSet::new();
        set.spawn_on(std::future::pending::<()>(), member_rt.handle());
        let first = std::task::Waker::from(Arc::new(DropsRuntime(std::sync::Mutex::new(Some(
            member_rt,
        )))));
        let mut cx = std::task::Context::from_waker(&first);
        assert!(set.poll_join_next(&mut cx).is_pending());
        drop(first); // the set holds the last clone now
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        // Replaces (and so drops) `first`: the member is cancelled by its runtime's drop.
        let res = match set.poll_join_next(&mut cx) {
            std::task::Poll::Ready(res) => res.map(|r| r.map(|(_id, v)| v)),
            std::task::Poll::Pending => weft_tests::park_on(set.join_next()),
        };
        let res = res.expect("the member is still in the set");
        assert!(res.unwrap_err().is_cancelled());
    });
}
