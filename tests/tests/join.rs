//! Awaiting a `JoinHandle`: from tasks, from other runtimes and plain threads, and again
//! after an `.await` of it was dropped half way (its cancel safety).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft_tests::{park_on, runtime, wait_until, within, HANG};

/// Occupies a task until `go` is set, yielding in between, then returns `value`.
async fn gated<T>(go: Arc<AtomicBool>, value: T) -> T {
    while !go.load(SeqCst) {
        weft::task::yield_now().await;
    }
    value
}

struct CountingWaker(AtomicBool);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn a_task_awaits_another_tasks_handle() {
    within(|| {
        let rt = runtime(2);
        let go = Arc::new(AtomicBool::new(false));
        let producer = rt.spawn(gated(go.clone(), "made"));
        let consumer = rt.spawn(async move { format!("{} and used", producer.await.unwrap()) });
        go.store(true, SeqCst);
        assert_eq!(rt.block_on(consumer).unwrap(), "made and used");
    });
}

#[test]
fn a_handle_can_be_awaited_on_another_runtime() {
    within(|| {
        let a = runtime(1);
        let b = runtime(1);
        let go = Arc::new(AtomicBool::new(false));
        let on_a = a.spawn(gated(go.clone(), 5));
        let on_b = b.spawn(async move { on_a.await.unwrap() + 1 });
        go.store(true, SeqCst);
        assert_eq!(b.block_on(on_b).unwrap(), 6);
    });
}

#[test]
fn a_handle_can_be_awaited_without_any_runtime_on_the_thread() {
    within(|| {
        let rt = runtime(1);
        let go = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(gated(go.clone(), 9));
        let waiter = std::thread::spawn(move || park_on(h));
        go.store(true, SeqCst);
        assert_eq!(waiter.join().unwrap().unwrap(), 9);
    });
}

#[test]
fn a_dropped_await_loses_nothing_and_the_last_waker_is_woken() {
    within(|| {
        let rt = runtime(2);
        let go = Arc::new(AtomicBool::new(false));
        let mut h = rt.spawn(gated(go.clone(), String::from("kept")));

        // Poll once with a first waker, then again with a second: the latest is woken.
        let first = Arc::new(CountingWaker(AtomicBool::new(false)));
        let second = Arc::new(CountingWaker(AtomicBool::new(false)));
        let w1 = Waker::from(first.clone());
        let w2 = Waker::from(second.clone());
        assert!(Pin::new(&mut h)
            .poll(&mut Context::from_waker(&w1))
            .is_pending());
        assert!(Pin::new(&mut h)
            .poll(&mut Context::from_waker(&w2))
            .is_pending());
        go.store(true, SeqCst);
        assert!(
            wait_until(HANG, || second.0.load(SeqCst)),
            "latest waker never woken"
        );
        assert!(h.is_finished());

        // The output is still there for the next await.
        assert_eq!(rt.block_on(h).unwrap(), "kept");
    });
}

#[test]
fn joining_a_task_that_finished_long_ago_returns_its_output_at_once() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(async { vec![1u8, 2, 3] });
        assert!(wait_until(HANG, || h.is_finished()));
        let w = Waker::from(Arc::new(CountingWaker(AtomicBool::new(false))));
        let mut h = h;
        match Pin::new(&mut h).poll(&mut Context::from_waker(&w)) {
            Poll::Ready(out) => assert_eq!(out.unwrap(), vec![1, 2, 3]),
            Poll::Pending => panic!("a finished task's handle was not ready"),
        }
    });
}

#[test]
fn many_tasks_each_awaiting_the_previous_one_form_a_chain() {
    let out = within(|| {
        let rt = runtime(2);
        let go = Arc::new(AtomicBool::new(false));
        let mut prev = rt.spawn(gated(go.clone(), 0u64));
        for _ in 0..1_000 {
            prev = rt.spawn(async move { prev.await.unwrap() + 1 });
        }
        go.store(true, SeqCst);
        rt.block_on(prev).unwrap()
    });
    assert_eq!(out, 1_000);
}
