//! asyncio's scheduled callbacks: `Handle::call_soon`, `call_soon_threadsafe`,
//! `call_later`, `call_at` and the free functions. Callbacks run on a worker, in FIFO order
//! (timed ones in deadline order), can be cancelled until they run, survive a panicking
//! neighbour, and are dropped without running at shutdown.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use weft_tests::{runtime, wait_until, within, HANG};

/// Counts its drops: a callback's closure captures one to show it was dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Blocks the runtime's callback queue: the first callback it schedules waits until the
/// returned sender sends (or is dropped), so callbacks scheduled after it stay pending.
fn block_the_queue(handle: &weft::Handle) -> mpsc::Sender<()> {
    let (release, released) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel();
    handle.call_soon(move || {
        started_tx.send(()).unwrap();
        let _ = released.recv();
    });
    started
        .recv_timeout(HANG)
        .expect("the blocking callback started");
    release
}

#[test]
fn call_soon_from_one_task_runs_ten_thousand_callbacks_in_fifo_order() {
    within(|| {
        let rt = runtime(4);
        let seen = Arc::new(Mutex::new(Vec::with_capacity(10_000)));
        let (done_tx, done) = mpsc::channel();
        rt.block_on({
            let seen = seen.clone();
            async move {
                let task = weft::spawn(async move {
                    for i in 0..10_000u32 {
                        let seen = seen.clone();
                        let done_tx = done_tx.clone();
                        weft::call_soon(move || {
                            seen.lock().unwrap().push(i);
                            if i == 9_999 {
                                done_tx.send(()).unwrap();
                            }
                        });
                        if i % 64 == 0 {
                            // Let the task move between workers (and callbacks run) while
                            // it schedules: the order must hold across workers.
                            weft::task::yield_now().await;
                        }
                    }
                });
                task.await.unwrap();
            }
        });
        done.recv_timeout(HANG).expect("the last callback ran");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 10_000);
        assert!(
            seen.iter().enumerate().all(|(i, &v)| i as u32 == v),
            "callbacks ran out of order"
        );
    });
}

#[test]
fn call_soon_threadsafe_from_a_plain_thread_runs_in_order_on_a_worker() {
    within(|| {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let producer = thread::spawn(move || {
            assert!(weft::Handle::try_current().is_err(), "a plain thread");
            for i in 0..1_000u32 {
                let tx = tx.clone();
                handle.call_soon_threadsafe(move || {
                    let name = thread::current().name().unwrap_or_default().to_owned();
                    tx.send((i, name)).unwrap();
                });
            }
        });
        producer.join().unwrap();
        for expected in 0..1_000u32 {
            let (i, name) = rx.recv_timeout(HANG).expect("every callback runs");
            assert_eq!(i, expected, "FIFO order");
            assert!(name.starts_with("weft-worker"), "ran on {name:?}");
        }
    });
}

#[test]
fn a_callback_cancelled_before_it_runs_never_runs() {
    within(|| {
        let rt = runtime(2);
        let ran = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let release = block_the_queue(rt.handle());
        let soon = {
            let (ran, guard) = (ran.clone(), DropCount(dropped.clone()));
            rt.handle().call_soon(move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst);
            })
        };
        let later = {
            let (ran, guard) = (ran.clone(), DropCount(dropped.clone()));
            rt.handle().call_later(Duration::from_millis(1), move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst);
            })
        };
        assert!(!soon.cancelled());
        assert!(soon.cancel(), "cancelled while pending");
        assert!(later.cancel(), "cancelled while pending");
        assert!(soon.cancelled() && later.cancelled());
        assert!(!soon.cancel(), "a second cancel does nothing");
        assert_eq!(dropped.load(SeqCst), 2, "cancel drops the closure at once");
        // A marker queued after them: once it runs, their turn has passed.
        let (marker_tx, marker) = mpsc::channel();
        rt.handle().call_later(Duration::from_millis(20), move || {
            marker_tx.send(()).unwrap();
        });
        release.send(()).unwrap();
        marker.recv_timeout(HANG).expect("the marker ran");
        assert_eq!(ran.load(SeqCst), 0, "a cancelled callback ran");
        assert_eq!(
            rt.metrics().num_armed_timers(),
            0,
            "cancel took the timer out of the wheel"
        );
    });
}

#[test]
fn cancel_after_the_callback_ran_is_a_no_op() {
    within(|| {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        let soon = rt.handle().call_soon({
            let tx = tx.clone();
            move || tx.send(()).unwrap()
        });
        let later = rt
            .handle()
            .call_later(Duration::from_millis(2), move || tx.send(()).unwrap());
        rx.recv_timeout(HANG).unwrap();
        rx.recv_timeout(HANG).unwrap();
        for h in [&soon, &later] {
            assert!(!h.cancel(), "nothing left to cancel");
            assert!(!h.cancelled(), "it ran: it was not cancelled");
        }
    });
}

#[test]
fn call_later_runs_callbacks_in_deadline_order_and_never_early() {
    within(|| {
        let rt = runtime(2);
        let order = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        // Scheduled out of order; 10 ms apart, so distinct ticks of the 1 ms wheel.
        let delays_ms = [70u64, 10, 50, 0, 30, 90, 20, 80, 60, 40];
        let start = Instant::now();
        let handles: Vec<_> = delays_ms
            .iter()
            .map(|&ms| {
                let (order, tx) = (order.clone(), tx.clone());
                let when = start + Duration::from_millis(ms);
                rt.handle().call_at(when, move || {
                    assert!(Instant::now() >= when, "ran before its deadline");
                    order.lock().unwrap().push(ms);
                    tx.send(()).unwrap();
                })
            })
            .collect();
        for (h, &ms) in handles.iter().zip(&delays_ms) {
            assert_eq!(h.when(), start + Duration::from_millis(ms));
        }
        for _ in &delays_ms {
            rx.recv_timeout(HANG).expect("every callback runs");
        }
        let order = order.lock().unwrap();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(*order, sorted, "deadline order");
    });
}

#[test]
fn timed_callbacks_with_the_same_deadline_run_in_scheduling_order() {
    within(|| {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        let at = Instant::now() + Duration::from_millis(10);
        for i in 0..100u32 {
            let tx = tx.clone();
            rt.handle().call_at(at, move || tx.send(i).unwrap());
        }
        let got: Vec<u32> = (0..100).map(|_| rx.recv_timeout(HANG).unwrap()).collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn timed_callbacks_run_on_a_worker_never_on_the_io_thread() {
    within(|| {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        for ms in [0, 1, 5, 20] {
            let tx = tx.clone();
            rt.handle().call_later(Duration::from_millis(ms), move || {
                tx.send(thread::current().name().map(String::from)).unwrap();
            });
        }
        for _ in 0..4 {
            let name = rx.recv_timeout(HANG).unwrap().unwrap_or_default();
            assert!(name.starts_with("weft-worker"), "ran on {name:?}");
        }
    });
}

#[test]
fn pending_timed_callbacks_hold_a_wheel_entry_and_no_task() {
    within(|| {
        let rt = runtime(2);
        let tasks_before = rt.metrics().num_alive_tasks();
        let handles: Vec<_> = (0..1_000u64)
            .map(|i| {
                rt.handle()
                    .call_later(Duration::from_secs(3_600 + i), || unreachable!("cancelled"))
            })
            .collect();
        assert_eq!(rt.metrics().num_armed_timers(), 1_000);
        assert_eq!(
            rt.metrics().num_alive_tasks(),
            tasks_before,
            "no task per callback"
        );
        for h in &handles {
            assert!(h.cancel());
        }
        assert_eq!(rt.metrics().num_armed_timers(), 0);
    });
}

#[test]
fn call_at_in_the_past_runs_soon() {
    within(|| {
        let rt = runtime(1);
        let (tx, rx) = mpsc::channel();
        let past = Instant::now() - Duration::from_millis(100);
        let h = rt.handle().call_at(past, move || tx.send(()).unwrap());
        assert_eq!(h.when(), past);
        rx.recv_timeout(HANG).expect("ran");
    });
}

#[test]
fn a_panicking_callback_is_reported_and_the_later_ones_still_run_in_order() {
    within(|| {
        let rt = runtime(1);
        let (tx, rx) = mpsc::channel();
        let release = block_the_queue(rt.handle());
        for i in 0..5u32 {
            let tx = tx.clone();
            rt.handle().call_soon(move || {
                if i == 2 {
                    panic!("callback {i} fails");
                }
                tx.send(i).unwrap();
            });
        }
        release.send(()).unwrap();
        let got: Vec<u32> = (0..4).map(|_| rx.recv_timeout(HANG).unwrap()).collect();
        assert_eq!(got, [0, 1, 3, 4]);
        // The worker survived: it still runs tasks and callbacks.
        assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
        rt.handle().call_soon(move || tx.send(99).unwrap());
        assert_eq!(rx.recv_timeout(HANG).unwrap(), 99);
    });
}

#[test]
fn callbacks_pending_at_shutdown_are_dropped_without_running() {
    within(|| {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let ran = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let release = block_the_queue(&handle);
        let schedule = |later: Option<Duration>| {
            let (ran, guard) = (ran.clone(), DropCount(dropped.clone()));
            let f = move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst);
            };
            match later {
                None => handle.call_soon(f),
                Some(d) => handle.call_later(d, f),
            }
        };
        let pending = [
            schedule(None),
            schedule(None),
            schedule(Some(Duration::from_secs(3_600))),
        ];
        let shutdown = thread::spawn(move || rt.shutdown_timeout(HANG));
        assert!(wait_until(HANG, || handle.is_shutdown()));
        // The blocked callback returns into a runtime that is shutting down.
        release.send(()).unwrap();
        shutdown.join().unwrap();
        assert_eq!(ran.load(SeqCst), 0, "a callback ran after shutdown began");
        assert_eq!(dropped.load(SeqCst), 3, "every pending closure was dropped");
        // Scheduled after shutdown: dropped at once.
        let late = [schedule(None), schedule(Some(Duration::from_millis(1)))];
        assert_eq!(dropped.load(SeqCst), 5);
        assert_eq!(ran.load(SeqCst), 0);
        for h in pending.iter().chain(&late) {
            assert!(!h.cancelled(), "dropped, not cancelled");
            assert!(!h.cancel(), "nothing left to cancel");
        }
    });
}

#[test]
fn free_functions_schedule_on_the_current_runtime() {
    within(|| {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        rt.block_on(async {
            let tx2 = tx.clone();
            let tx3 = tx.clone();
            weft::call_soon(move || tx.send("soon").unwrap());
            weft::call_later(Duration::from_millis(2), move || tx2.send("later").unwrap());
            weft::call_at(Instant::now() + Duration::from_millis(20), move || {
                tx3.send("at").unwrap()
            });
        });
        let got: Vec<_> = (0..3).map(|_| rx.recv_timeout(HANG).unwrap()).collect();
        assert_eq!(got, ["soon", "later", "at"]);
    });
}

#[test]
#[should_panic(expected = "outside a weft runtime")]
fn call_soon_outside_a_runtime_panics_with_a_clear_message() {
    weft::call_soon(|| {});
}
