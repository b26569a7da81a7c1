//! `spawn_blocking`: blocking work runs off the workers, on an elastic pool capped at
//! `max_blocking_threads`, whose idle threads exit after `thread_keep_alive`; work beyond
//! the cap queues in FIFO order; shutdown drops queued jobs and waits (up to the timeout)
//! for running ones.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;
use weft_tests::{panic_message, park_on, wait_until, within};

fn runtime_with_pool(workers: usize, max_blocking: usize) -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(workers)
        .max_blocking_threads(max_blocking)
        .build()
        .expect("build a runtime")
}

/// Counts its drops, to see that a closure was dropped without running.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_job_blocking_200ms_does_not_delay_async_tasks() {
    within(|| {
        // One worker: if the blocking job ran on it, the ticker could not tick at all.
        let rt = runtime_with_pool(1, 4);
        let ticks = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = rt.spawn({
            let (ticks, stop) = (ticks.clone(), stop.clone());
            async move {
                while !stop.load(SeqCst) {
                    ticks.fetch_add(1, SeqCst);
                    weft::task::yield_now().await;
                }
            }
        });
        let (before, after) = rt.block_on(async {
            let ticks = ticks.clone();
            weft::spawn_blocking(move || {
                let before = ticks.load(SeqCst);
                thread::sleep(Duration::from_millis(200));
                (before, ticks.load(SeqCst))
            })
            .await
            .unwrap()
        });
        stop.store(true, SeqCst);
        rt.block_on(ticker).unwrap();
        assert!(
            after > before,
            "the ticker did not tick while a job blocked for 200 ms ({before} -> {after})"
        );
    });
}

#[test]
fn ten_thousand_jobs_complete_with_threads_never_above_the_cap() {
    within(|| {
        const CAP: usize = 8;
        const JOBS: usize = 10_000;
        let rt = runtime_with_pool(2, CAP);
        let running = Arc::new(AtomicUsize::new(0));
        let max_running = Arc::new(AtomicUsize::new(0));
        let max_threads = Arc::new(AtomicUsize::new(0));
        let names = Arc::new(Mutex::new(HashSet::new()));
        let sum = rt.block_on(async {
            let handles: Vec<_> = (0..JOBS)
                .map(|i| {
                    let (running, max_running) = (running.clone(), max_running.clone());
                    let (max_threads, names) = (max_threads.clone(), names.clone());
                    weft::spawn_blocking(move || {
                        let now = running.fetch_add(1, SeqCst) + 1;
                        max_running.fetch_max(now, SeqCst);
                        let threads = weft::Handle::current()
                            .metrics()
                            .blocking_pool()
                            .num_threads();
                        max_threads.fetch_max(threads, SeqCst);
                        let name = thread::current().name().map(String::from);
                        names.lock().unwrap().insert(name);
                        thread::yield_now();
                        running.fetch_sub(1, SeqCst);
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, JOBS * (JOBS - 1) / 2, "every job ran once");
        assert!(max_running.load(SeqCst) <= CAP);
        assert!(max_threads.load(SeqCst) <= CAP, "{max_threads:?} threads");
        let names = names.lock().unwrap();
        assert!(
            names.len() <= CAP,
            "{} distinct threads ran jobs",
            names.len()
        );
        assert!(rt.metrics().blocking_pool().num_threads() <= CAP);
    });
}

#[test]
fn idle_threads_exit_after_the_keep_alive() {
    within(|| {
        let rt = weft::Builder::new()
            .worker_threads(1)
            .thread_keep_alive(Duration::from_millis(100))
            .build()
            .unwrap();
        // Four jobs that wait for each other need four threads at once.
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                rt.spawn_blocking(move || {
                    barrier.wait();
                })
            })
            .collect();
        for h in handles {
            rt.block_on(h).unwrap();
        }
        assert!(rt.metrics().blocking_pool().num_threads() >= 4);
        let m = rt.metrics();
        assert!(
            wait_until(Duration::from_secs(10), || m.blocking_pool().num_threads()
                == 0),
            "idle threads still alive: {:?}",
            m.blocking_pool()
        );
        // And the pool starts threads again on demand.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
    });
}

#[test]
fn an_idle_thread_is_reused_instead_of_starting_another() {
    within(|| {
        let rt = runtime_with_pool(1, 16);
        for i in 0..50 {
            assert_eq!(rt.block_on(rt.spawn_blocking(move || i)).unwrap(), i);
            // Wait until the thread is idle again, so the next job can find it.
            let m = rt.metrics();
            assert!(wait_until(Duration::from_secs(10), || {
                m.blocking_pool().num_idle_threads() == 1
            }));
        }
        assert_eq!(rt.metrics().blocking_pool().num_threads(), 1);
    });
}

#[test]
fn work_beyond_the_cap_starts_in_fifo_order() {
    within(|| {
        let rt = runtime_with_pool(1, 1);
        let (release, gate) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel();
        let blocker = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
        });
        started.recv().unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let order = order.clone();
                rt.spawn_blocking(move || order.lock().unwrap().push(i))
            })
            .collect();
        let pool = rt.metrics().blocking_pool();
        assert_eq!(pool.queue_depth(), 20);
        assert_eq!(pool.num_threads(), 1);
        assert_eq!(pool.num_busy_threads(), 1);
        release.send(()).unwrap();
        rt.block_on(blocker).unwrap();
        for h in handles {
            rt.block_on(h).unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
    });
}

#[test]
fn a_panic_in_a_job_is_a_join_error_and_the_thread_survives() {
    within(|| {
        let rt = runtime_with_pool(1, 1);
        let err = rt
            .block_on(rt.spawn_blocking(|| -> u8 { panic!("disk on fire") }))
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "disk on fire");
        // The only thread caught the panic and runs the next job.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
        assert_eq!(rt.metrics().blocking_pool().num_threads(), 1);
    });
}

#[test]
fn jobs_run_inside_the_runtime_context() {
    within(|| {
        let rt = runtime_with_pool(1, 2);
        let out = rt.block_on(async {
            weft::spawn_blocking(|| {
                // The job can reach its runtime: spawn a task and block on it.
                let handle = weft::Handle::current();
                let task = weft::spawn(async { 4 });
                handle.block_on(task).unwrap() + 6
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 10);
        let name = rt
            .block_on(rt.spawn_blocking(|| thread::current().name().map(String::from)))
            .unwrap()
            .unwrap();
        assert!(name.starts_with("weft-blocking-"), "{name}");
    });
}

#[test]
fn spawn_blocking_outside_a_runtime_panics_with_advice() {
    let payload = std::panic::catch_unwind(|| weft::spawn_blocking(|| ())).unwrap_err();
    let msg = panic_message(&*payload);
    assert!(msg.contains("outside a weft runtime"), "{msg}");
    assert!(msg.contains("Handle::spawn_blocking"), "{msg}");
}

#[test]
fn abort_cancels_a_job_that_has_not_started() {
    within(|| {
        let rt = runtime_with_pool(1, 1);
        let (release, gate) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel();
        let blocker = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
        });
        started.recv().unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let queued = rt.spawn_blocking({
            let ran = ran.clone();
            move || ran.store(true, SeqCst)
        });
        queued.abort();
        release.send(()).unwrap();
        rt.block_on(blocker).unwrap();
        let err = rt.block_on(queued).unwrap_err();
        assert!(err.is_cancelled() && !err.is_shutdown());
        assert!(!ran.load(SeqCst));
    });
}

#[test]
fn shutdown_drops_queued_jobs_and_waits_for_running_ones() {
    within(|| {
        let rt = runtime_with_pool(1, 1);
        let (started_tx, started) = mpsc::channel();
        let finished = Arc::new(AtomicBool::new(false));
        let running = rt.spawn_blocking({
            let finished = finished.clone();
            move || {
                started_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(200));
                finished.store(true, SeqCst);
                "done"
            }
        });
        started.recv().unwrap();
        let dropped = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicBool::new(false));
        let queued = rt.spawn_blocking({
            let guard = DropCount(dropped.clone());
            let ran = ran.clone();
            move || {
                let _guard = guard;
                ran.store(true, SeqCst);
            }
        });
        drop(rt);
        assert!(
            finished.load(SeqCst),
            "drop returned before the running job did"
        );
        assert_eq!(park_on(running).unwrap(), "done");
        let err = park_on(queued).unwrap_err();
        assert!(err.is_cancelled() && err.is_shutdown(), "{err:?}");
        assert!(!ran.load(SeqCst));
        assert_eq!(dropped.load(SeqCst), 1, "the queued closure was dropped");
    });
}

#[test]
fn shutdown_timeout_detaches_a_job_that_does_not_return() {
    within(|| {
        let rt = runtime_with_pool(1, 2);
        let (release, gate) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel();
        let stuck = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
            7
        });
        started.recv().unwrap();
        rt.shutdown_timeout(Duration::from_millis(100));
        // Shutdown returned while the job still runs; it finishes once released.
        assert!(!stuck.is_finished());
        release.send(()).unwrap();
        assert_eq!(park_on(stuck).unwrap(), 7);
    });
}

#[test]
fn dropping_the_runtime_releases_a_job_blocked_on_its_io() {
    within(|| {
        let rt = runtime_with_pool(1, 2);
        let (started_tx, started) = mpsc::channel();
        let job = rt.spawn_blocking(move || {
            use weft::io::AsyncReadExt;
            // Waits on the runtime's io-driver for bytes that never come.
            let (mut a, _b) = weft::net::UnixStream::pair().unwrap();
            started_tx.send(()).unwrap();
            let mut buf = [0u8; 1];
            weft::Handle::current().block_on(a.read(&mut buf))
        });
        started.recv().unwrap();
        // The drop stops the io-driver before it waits for running jobs, so the read
        // fails and the job returns instead of holding the drop forever.
        drop(rt);
        assert!(park_on(job).unwrap().is_err());
    });
}

#[test]
fn spawn_blocking_after_shutdown_is_cancelled() {
    within(|| {
        let rt = runtime_with_pool(1, 1);
        let handle = rt.handle().clone();
        drop(rt);
        let err = park_on(handle.spawn_blocking(|| 1)).unwrap_err();
        assert!(err.is_cancelled() && err.is_shutdown());
    });
}

#[test]
fn zero_blocking_threads_is_rejected() {
    let err = weft::Builder::new()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("max_blocking_threads(0)"));
}

#[test]
fn a_blocking_job_driving_weft_futures_with_another_executor_never_runs_out_of_budget() {
    within(|| {
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        let done = rt.block_on(rt.spawn_blocking(|| {
            // Far more than one poll's budget (128) of budget-spending operations, driven
            // by a plain executor inside the job: each must complete without yielding.
            weft_tests::park_on(async {
                for _ in 0..10_000 {
                    weft::task::coop::consume_budget().await;
                }
            });
            true
        }));
        assert!(done.unwrap());
    });
}
