//! A panic inside a task is caught: its handle yields `JoinError::Panic` with the payload,
//! and the worker thread keeps running other tasks. The same holds for panics in a task's
//! `Drop` and in dropping its output.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use weft_tests::{panic_message, runtime, wait_until, within, HANG};

/// Spawns `n` small tasks and checks they all complete: the runtime is still healthy.
fn assert_runtime_still_runs_tasks(rt: &weft::Runtime, n: u32) {
    let handles: Vec<_> = (0..n).map(|i| rt.spawn(async move { i })).collect();
    let sum: u32 = rt.block_on(async {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (n - 1) * n / 2);
}

#[test]
fn panicking_task_yields_join_error_with_the_payload() {
    within(|| {
        let rt = runtime(2);
        let err = rt
            .block_on(rt.spawn(async { panic!("boom {}", std::hint::black_box(7)) }))
            .unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 7");

        let err = rt
            .block_on(rt.spawn(async { panic!("static boom") }))
            .unwrap_err();
        assert_eq!(
            *err.into_panic().downcast::<&'static str>().unwrap(),
            "static boom"
        );
    });
}

#[test]
fn join_error_display_says_the_task_panicked() {
    within(|| {
        let rt = runtime(1);
        let err = rt
            .block_on(rt.spawn(async { panic!("kaput") }))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("panicked"), "{text}");
        assert!(text.contains("kaput"), "{text}");
        assert!(format!("{err:?}").contains("Panic"), "{err:?}");
    });
}

#[test]
fn worker_survives_a_panicking_task() {
    within(|| {
        let rt = runtime(1);
        let panicked_on = Arc::new(Mutex::new(None));
        let slot = panicked_on.clone();
        let err = rt
            .block_on(rt.spawn(async move {
                *slot.lock().unwrap() = Some(std::thread::current().id());
                panic!("task failure");
            }))
            .unwrap_err();
        assert!(err.is_panic());
        assert_runtime_still_runs_tasks(&rt, 100);
        // The only worker is still the same thread: it caught the panic and went on.
        let after = rt
            .block_on(rt.spawn(async { std::thread::current().id() }))
            .unwrap();
        assert_eq!(*panicked_on.lock().unwrap(), Some(after));
    });
}

#[test]
fn many_panicking_tasks_do_not_stop_the_runtime() {
    within(|| {
        let rt = runtime(2);
        let handles: Vec<_> = (0..200u32)
            .map(|i| {
                rt.spawn(async move {
                    if i % 2 == 0 {
                        panic!("even {i}");
                    }
                    i
                })
            })
            .collect();
        let (mut ok, mut panicked) = (0, 0);
        for h in handles {
            match rt.block_on(h) {
                Ok(v) => {
                    assert_eq!(v % 2, 1);
                    ok += 1;
                }
                Err(e) => {
                    assert!(e.is_panic());
                    panicked += 1;
                }
            }
        }
        assert_eq!((ok, panicked), (100, 100));
        assert_runtime_still_runs_tasks(&rt, 100);
    });
}

/// Pending forever; panics when dropped.
struct PanicOnDrop {
    polled: Arc<AtomicBool>,
}

impl Future for PanicOnDrop {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.polled.store(true, SeqCst);
        Poll::Pending
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("panic in a future's drop");
    }
}

#[test]
fn panic_in_an_aborted_futures_drop_does_not_kill_the_worker() {
    within(|| {
        let rt = runtime(1);
        let polled = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(PanicOnDrop {
            polled: polled.clone(),
        });
        assert!(wait_until(HANG, || polled.load(SeqCst)));
        h.abort();
        let err = rt.block_on(h).unwrap_err();
        // The drop's panic is reported rather than lost (as tokio does).
        assert!(err.is_panic(), "{err:?}");
        assert_eq!(
            panic_message(&*err.into_panic()),
            "panic in a future's drop"
        );
        assert_runtime_still_runs_tasks(&rt, 100);
    });
}

#[test]
fn panic_in_a_futures_drop_at_shutdown_does_not_escape_runtime_drop() {
    within(|| {
        let rt = runtime(1);
        let polled = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..10)
            .map(|_| {
                rt.spawn(PanicOnDrop {
                    polled: polled.clone(),
                })
            })
            .collect();
        assert!(wait_until(HANG, || polled.load(SeqCst)));
        drop(rt);
        for h in handles {
            assert!(h.is_finished());
            assert!(weft_tests::park_on(h).is_err());
        }
    });
}

/// A task output whose drop panics.
struct PanicOnDropOutput;

impl Drop for PanicOnDropOutput {
    fn drop(&mut self) {
        panic!("panic dropping a task's output");
    }
}

#[test]
fn panic_dropping_a_detached_tasks_output_does_not_kill_the_worker() {
    within(|| {
        let rt = runtime(1);
        let go = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let (go2, finished2) = (go.clone(), finished.clone());
        let h = rt.spawn(async move {
            while !go2.load(SeqCst) {
                weft::task::yield_now().await;
            }
            finished2.store(true, SeqCst);
            PanicOnDropOutput
        });
        // Detach before the task finishes: the worker drops the output.
        let abort = h.abort_handle();
        drop(h);
        go.store(true, SeqCst);
        assert!(wait_until(HANG, || abort.is_finished()));
        assert!(finished.load(SeqCst));
        assert_runtime_still_runs_tasks(&rt, 100);
    });
}

#[test]
fn dropping_the_handle_of_a_finished_task_whose_output_panics_on_drop_does_not_panic() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(async { PanicOnDropOutput });
        assert!(wait_until(HANG, || h.is_finished()));
        drop(h);
        assert_runtime_still_runs_tasks(&rt, 10);
    });
}

#[test]
fn a_task_can_catch_and_resume_a_panic_of_a_task_it_awaits() {
    within(|| {
        let rt = runtime(2);
        let outer = rt.block_on(rt.spawn(async {
            let err = weft::spawn(async { panic!("inner") }).await.unwrap_err();
            std::panic::resume_unwind(err.into_panic());
        }));
        let payload = outer.unwrap_err().into_panic();
        assert_eq!(panic_message(&*payload), "inner");
    });
}

/// Panics in `poll`; its `Drop` records whether it ran while that panic unwound, and
/// panics itself too if `panic_in_drop`.
struct PanicsInPoll {
    dropped_while_panicking: Arc<Mutex<Option<bool>>>,
    panic_in_drop: bool,
}

impl Future for PanicsInPoll {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        panic!("poll failed")
    }
}

impl Drop for PanicsInPoll {
    fn drop(&mut self) {
        *self.dropped_while_panicking.lock().unwrap() = Some(std::thread::panicking());
        if self.panic_in_drop {
            panic!("drop failed too");
        }
    }
}

#[test]
fn future_panicking_in_poll_is_dropped_while_the_panic_unwinds() {
    within(|| {
        let rt = runtime(1);
        let seen = Arc::new(Mutex::new(None));
        let err = rt
            .block_on(rt.spawn(PanicsInPoll {
                dropped_while_panicking: seen.clone(),
                panic_in_drop: false,
            }))
            .unwrap_err();
        assert_eq!(panic_message(&*err.into_panic()), "poll failed");
        assert_eq!(
            *seen.lock().unwrap(),
            Some(true),
            "the future's Drop runs during the unwind, as in a plain call stack"
        );
        assert_runtime_still_runs_tasks(&rt, 10);
    });
}

#[test]
fn panic_in_drop_of_a_future_that_panicked_in_poll_is_caught() {
    within(|| {
        let rt = runtime(1);
        let seen = Arc::new(Mutex::new(None));
        let err = rt
            .block_on(rt.spawn(PanicsInPoll {
                dropped_while_panicking: seen.clone(),
                panic_in_drop: true,
            }))
            .unwrap_err();
        // The first panic is the task's failure; the one from its Drop is discarded.
        assert_eq!(panic_message(&*err.into_panic()), "poll failed");
        assert_eq!(*seen.lock().unwrap(), Some(true));
        assert_runtime_still_runs_tasks(&rt, 10);
    });
}
