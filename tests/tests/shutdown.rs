//! Shutting a runtime down: every live task is cancelled and its future dropped, spawns
//! after shutdown are cancelled, and `shutdown_timeout` is bounded even when a task blocks
//! its worker.

use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::{Duration, Instant};
use weft_tests::{panic_message, park_on, runtime, wait_until, within, OnDrop, HANG};

#[test]
fn dropping_the_runtime_drops_every_pending_tasks_future() {
    within(|| {
        const TASKS: usize = 10_000;
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicUsize::new(0));
        let mut kept = Vec::new();
        for i in 0..TASKS {
            let polled = polled.clone();
            let fut = OnDrop::new(
                async move {
                    polled.fetch_add(1, SeqCst);
                    pending::<()>().await
                },
                dropped.clone(),
            );
            let h = rt.spawn(fut);
            // Half detached, half still held.
            if i % 2 == 0 {
                kept.push(h);
            }
        }
        // Let most of them reach their await point; unpolled ones must be dropped too.
        wait_until(Duration::from_secs(5), || polled.load(SeqCst) == TASKS);
        assert_eq!(dropped.load(SeqCst), 0);
        drop(rt);
        assert_eq!(dropped.load(SeqCst), TASKS);
        for h in kept {
            assert!(h.is_finished());
            let err = park_on(h).unwrap_err();
            assert!(err.is_cancelled() && err.is_shutdown(), "{err:?}");
        }
    });
}

#[test]
fn shutdown_cancellation_says_why() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(pending::<()>());
        drop(rt);
        let err = park_on(h).unwrap_err();
        assert!(err.is_shutdown());
        let text = err.to_string();
        assert!(text.contains("shut down"), "{text}");
    });
}

#[test]
fn spawn_through_a_handle_after_the_runtime_is_dropped_is_cancelled() {
    within(|| {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        assert!(!handle.is_shutdown());
        drop(rt);
        assert!(handle.is_shutdown());
        let ran = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let h = handle.spawn(OnDrop::new(
            async move { r.store(true, SeqCst) },
            dropped.clone(),
        ));
        assert!(h.is_finished());
        let err = park_on(h).unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert!(err.is_shutdown(), "{err:?}");
        assert!(!ran.load(SeqCst));
        assert_eq!(dropped.load(SeqCst), 1);
        assert_eq!(handle.metrics().num_alive_tasks(), 0);
    });
}

#[test]
fn shutdown_timeout_returns_although_a_task_blocks_its_worker() {
    within(|| {
        let rt = runtime(2);
        let started = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let s = started.clone();
        rt.spawn(OnDrop::new(
            async move {
                s.store(true, SeqCst);
                // Blocks this worker thread far longer than the shutdown timeout (until
                // released, or for 5 s).
                let _ = release_rx.recv_timeout(Duration::from_secs(5));
                pending::<()>().await;
            },
            dropped.clone(),
        ));
        let idle_dropped = Arc::new(AtomicUsize::new(0));
        rt.spawn(OnDrop::new(pending::<()>(), idle_dropped.clone()));
        assert!(wait_until(HANG, || started.load(SeqCst)));
        let handle = rt.handle().clone();

        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(3),
            "shutdown_timeout took {took:?}"
        );
        assert!(handle.is_shutdown());
        // The idle task was cancelled; the blocked one is cancelled when its poll returns.
        assert_eq!(idle_dropped.load(SeqCst), 1);
        release_tx.send(()).unwrap();
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
        assert!(wait_until(HANG, || handle.metrics().num_alive_tasks() == 0));
    });
}

#[test]
fn shutdown_timeout_on_an_idle_runtime_cancels_everything() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..100)
            .map(|_| rt.spawn(OnDrop::new(pending::<()>(), dropped.clone())))
            .collect();
        rt.shutdown_timeout(Duration::from_secs(10));
        assert_eq!(dropped.load(SeqCst), 100);
        for h in handles {
            assert!(park_on(h).unwrap_err().is_shutdown());
        }
    });
}

#[test]
fn tasks_woken_during_shutdown_are_not_leaked() {
    within(|| {
        for _ in 0..50 {
            let rt = runtime(2);
            let dropped = Arc::new(AtomicUsize::new(0));
            // Tasks that wake themselves constantly, so shutdown finds them queued.
            for _ in 0..100 {
                rt.spawn(OnDrop::new(
                    poll_fn(|cx| {
                        cx.waker().wake_by_ref();
                        Poll::<()>::Pending
                    }),
                    dropped.clone(),
                ));
            }
            drop(rt);
            assert_eq!(dropped.load(SeqCst), 100);
        }
    });
}

#[test]
// The future hands out a JoinHandle on purpose: it is awaited after `run` returns.
#[allow(clippy::async_yields_async)]
fn run_cancels_tasks_still_running_when_its_future_finishes() {
    within(|| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        let h = weft::run(async move {
            let h = weft::spawn(OnDrop::new(pending::<()>(), d));
            weft::task::yield_now().await;
            h
        });
        assert_eq!(dropped.load(SeqCst), 1);
        assert!(park_on(h).unwrap_err().is_shutdown());
    });
}

#[test]
fn dropping_the_runtime_inside_one_of_its_own_tasks_panics_and_still_shuts_it_down() {
    within(|| {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        let slot = Arc::new(std::sync::Mutex::new(Some(rt)));
        let dropped = Arc::new(AtomicUsize::new(0));
        let other = handle.spawn(OnDrop::new(pending::<()>(), dropped.clone()));
        let s = slot.clone();
        let h = handle.spawn(async move {
            let rt = s.lock().unwrap().take().unwrap();
            drop(rt);
            7
        });
        // As on tokio: the drop would wait for the runtime's threads, so it panics (after
        // starting the shutdown, so nothing is left running).
        let err = park_on(h).unwrap_err();
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains("shutdown_background"), "{msg}");
        assert!(wait_until(HANG, || handle.is_shutdown()));
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
        assert!(park_on(other).unwrap_err().is_shutdown());
    });
}

#[test]
fn shutdown_background_inside_one_of_its_own_tasks_does_not_hang() {
    within(|| {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        let slot = Arc::new(std::sync::Mutex::new(Some(rt)));
        let dropped = Arc::new(AtomicUsize::new(0));
        let other = handle.spawn(OnDrop::new(pending::<()>(), dropped.clone()));
        let s = slot.clone();
        let h = handle.spawn(async move {
            s.lock().unwrap().take().unwrap().shutdown_background();
            7
        });
        assert!(wait_until(HANG, || handle.is_shutdown()));
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
        assert!(park_on(other).unwrap_err().is_shutdown());
        // The task itself finished its poll: it completed or was cancelled.
        match park_on(h) {
            Ok(v) => assert_eq!(v, 7),
            Err(e) => assert!(e.is_shutdown(), "{e:?}"),
        }
    });
}

#[test]
fn spawns_racing_shutdown_are_all_resolved_and_dropped() {
    within(|| {
        for _ in 0..20 {
            let rt = runtime(2);
            let dropped = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let spawners: Vec<_> = (0..3)
                .map(|_| {
                    let (handle, dropped, stop) =
                        (rt.handle().clone(), dropped.clone(), stop.clone());
                    std::thread::spawn(move || {
                        let mut handles = Vec::new();
                        // Until well past the shutdown, within bounds.
                        while (!stop.load(SeqCst) || handles.len() < 100) && handles.len() < 5_000 {
                            handles.push(handle.spawn(OnDrop::new(
                                async { weft::task::yield_now().await },
                                dropped.clone(),
                            )));
                        }
                        handles
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_millis(2));
            drop(rt);
            stop.store(true, SeqCst);
            let mut total = 0;
            for s in spawners {
                for h in s.join().unwrap() {
                    total += 1;
                    if let Err(e) = park_on(h) {
                        assert!(e.is_shutdown(), "{e:?}");
                    }
                }
            }
            assert_eq!(dropped.load(SeqCst), total);
        }
    });
}

#[test]
fn a_future_that_spawns_from_its_drop_during_shutdown_does_not_hang_or_leak() {
    within(|| {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        let dropped = Arc::new(AtomicUsize::new(0));
        /// On drop, spawns another task onto the (shutting down) runtime.
        struct SpawnOnDrop(weft::Handle, Arc<AtomicUsize>);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                let h = self.0.spawn(OnDrop::new(pending::<()>(), self.1.clone()));
                drop(h);
            }
        }
        for _ in 0..100 {
            let guard = SpawnOnDrop(handle.clone(), dropped.clone());
            rt.spawn(async move {
                let _guard = guard;
                pending::<()>().await
            });
        }
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 100);
        assert_eq!(handle.metrics().num_alive_tasks(), 0);
    });
}
