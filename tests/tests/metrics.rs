//! `RuntimeMetrics`: the live counters a dashboard reads.

use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use weft_tests::{runtime, wait_until, within, HANG};

#[test]
fn num_alive_tasks_counts_live_tasks_and_returns_to_zero() {
    within(|| {
        let rt = runtime(2);
        let m = rt.metrics();
        assert_eq!(m.num_alive_tasks(), 0);
        let go = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let go = go.clone();
                rt.spawn(async move {
                    while !go.load(SeqCst) {
                        weft::task::yield_now().await;
                    }
                })
            })
            .collect();
        let idle = rt.spawn(pending::<()>());
        assert_eq!(m.num_alive_tasks(), 101);
        go.store(true, SeqCst);
        for h in handles {
            rt.block_on(h).unwrap();
        }
        idle.abort();
        assert!(rt.block_on(idle).unwrap_err().is_cancelled());
        assert!(
            wait_until(HANG, || m.num_alive_tasks() == 0),
            "{} tasks still counted alive",
            m.num_alive_tasks()
        );
    });
}

/// A join waker that takes a while, as a waker into another runtime or a thread can.
struct SlowWaker;

impl Wake for SlowWaker {
    fn wake(self: Arc<Self>) {
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn num_alive_tasks_does_not_count_a_task_whose_handle_returned() {
    within(|| {
        let rt = runtime(2);
        let m = rt.metrics();
        let waker = Waker::from(Arc::new(SlowWaker));
        let mut cx = Context::from_waker(&waker);
        let mut still_alive = Vec::new();
        for i in 0..20 {
            let go = Arc::new(AtomicBool::new(false));
            let g = go.clone();
            let mut h = rt.spawn(async move {
                while !g.load(SeqCst) {
                    weft::task::yield_now().await;
                }
                i
            });
            assert!(Pin::new(&mut h).poll(&mut cx).is_pending());
            go.store(true, SeqCst);
            let out = loop {
                if let Poll::Ready(out) = Pin::new(&mut h).poll(&mut cx) {
                    break out;
                }
                std::hint::spin_loop();
            };
            assert_eq!(out.unwrap(), i);
            // "Tasks spawned and not yet finished": this one has finished and been joined.
            let alive = m.num_alive_tasks();
            if alive != 0 {
                still_alive.push((i, alive));
            }
        }
        assert!(
            still_alive.is_empty(),
            "joined tasks still counted alive, as (round, num_alive_tasks): {still_alive:?}"
        );
    });
}

#[test]
fn num_alive_tasks_is_zero_after_block_on_joins_each_task() {
    within(|| {
        let rt = runtime(2);
        let m = rt.metrics();
        let mut still_alive = 0;
        for i in 0..2_000 {
            let h = rt.spawn(async move { i });
            assert_eq!(rt.block_on(h).unwrap(), i);
            if m.num_alive_tasks() != 0 {
                still_alive += 1;
            }
        }
        assert_eq!(
            still_alive, 0,
            "rounds where a joined task still counted alive"
        );
    });
}

#[test]
fn num_workers_is_the_configured_count() {
    let rt = runtime(3);
    assert_eq!(rt.metrics().num_workers(), 3);
    assert_eq!(rt.handle().metrics().num_workers(), 3);
    assert!(rt.metrics().num_active_workers() <= 3);
}
