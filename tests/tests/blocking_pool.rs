//! `weft::blocking::Pool`: an explicit fixed-size executor (asyncio's
//! `run_in_executor(executor, f)`), usable from any task, that never runs more than its
//! size at once and refuses work beyond its queue bound instead of blocking.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};
use weft::blocking::Pool;
use weft_tests::{park_on, runtime, wait_until, within};

/// Occupies one pool thread until the returned sender is used (or dropped).
fn occupy(pool: &Pool) -> (mpsc::Sender<()>, weft::task::JoinHandle<()>) {
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel();
    let h = pool
        .spawn(move || {
            started_tx.send(()).unwrap();
            let _ = gate.recv();
        })
        .unwrap();
    started.recv().unwrap();
    (release, h)
}

#[test]
fn run_in_executor_from_many_tasks_never_exceeds_the_pool_size() {
    within(|| {
        let pool = Pool::new(3);
        let rt = runtime(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let total = rt.block_on(async {
            let tasks: Vec<_> = (0..200u64)
                .map(|i| {
                    let (pool, running, peak) = (pool.clone(), running.clone(), peak.clone());
                    weft::spawn(async move {
                        pool.spawn(move || {
                            let now = running.fetch_add(1, SeqCst) + 1;
                            peak.fetch_max(now, SeqCst);
                            thread::yield_now();
                            running.fetch_sub(1, SeqCst);
                            i
                        })
                        .expect("no queue bound")
                        .await
                        .unwrap()
                    })
                })
                .collect();
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        });
        assert_eq!(total, 199 * 200 / 2);
        assert!(peak.load(SeqCst) <= 3, "peak concurrency {peak:?}");
        assert!(pool.metrics().num_threads() <= 3);
    });
}

#[test]
fn a_pool_works_without_any_runtime() {
    within(|| {
        let pool = Pool::new(1);
        let h = pool.spawn(|| "no runtime needed").unwrap();
        assert_eq!(park_on(h).unwrap(), "no runtime needed");
    });
}

#[test]
fn a_full_bounded_queue_refuses_instead_of_blocking() {
    within(|| {
        let pool = Pool::builder().threads(2).queue_bound(3).build().unwrap();
        let (r1, b1) = occupy(&pool);
        let (r2, b2) = occupy(&pool);
        let queued: Vec<_> = (0..3).map(|i| pool.spawn(move || i).unwrap()).collect();
        let started = Instant::now();
        let err = pool.spawn(|| 99).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "spawn blocked");
        assert_eq!(err.bound(), 3);
        assert!(err.to_string().contains("queue_bound"), "{err}");
        assert_eq!((err.into_inner())(), 99, "the refused job is handed back");
        assert_eq!(pool.metrics().queue_depth(), 3);
        r1.send(()).unwrap();
        r2.send(()).unwrap();
        park_on(b1).unwrap();
        park_on(b2).unwrap();
        let outs: Vec<_> = queued.into_iter().map(|h| park_on(h).unwrap()).collect();
        assert_eq!(outs, [0, 1, 2]);
        // With the queue drained, it accepts again.
        assert_eq!(park_on(pool.spawn(|| 4).unwrap()).unwrap(), 4);
    });
}

#[test]
fn a_zero_bound_accepts_only_what_a_thread_takes_at_once() {
    within(|| {
        let pool = Pool::builder().threads(1).queue_bound(0).build().unwrap();
        let (release, busy) = occupy(&pool);
        assert!(pool.spawn(|| ()).is_err());
        release.send(()).unwrap();
        park_on(busy).unwrap();
        let m = pool.clone();
        assert!(wait_until(Duration::from_secs(10), || {
            m.metrics().num_idle_threads() == 1
        }));
        assert!(pool.spawn(|| ()).is_ok());
    });
}

#[test]
fn threads_are_named_after_the_pool() {
    within(|| {
        let pool = Pool::builder().threads(1).name("db").build().unwrap();
        let name = park_on(
            pool.spawn(|| thread::current().name().map(String::from))
                .unwrap(),
        );
        assert_eq!(name.unwrap().as_deref(), Some("db-0"));
    });
}

#[test]
fn shutdown_timeout_cancels_queued_jobs_and_waits_for_running_ones() {
    within(|| {
        let pool = Pool::new(1);
        let (release, running) = occupy(&pool);
        let ran = Arc::new(AtomicBool::new(false));
        let queued = pool
            .spawn({
                let ran = ran.clone();
                move || ran.store(true, SeqCst)
            })
            .unwrap();
        let other = pool.clone();
        let releaser = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            release.send(()).unwrap();
        });
        pool.shutdown_timeout(Duration::from_secs(20));
        // The running job was waited for, the queued one cancelled.
        assert!(running.is_finished());
        park_on(running).unwrap();
        let err = park_on(queued).unwrap_err();
        assert!(err.is_cancelled() && err.is_shutdown());
        assert!(!ran.load(SeqCst));
        // Every clone sees the shutdown.
        let late = park_on(other.spawn(|| 1).unwrap()).unwrap_err();
        assert!(late.is_shutdown());
        releaser.join().unwrap();
    });
}

#[test]
fn dropping_the_last_clone_does_not_block_on_running_jobs() {
    within(|| {
        let pool = Pool::new(1);
        let (release, running) = occupy(&pool);
        let queued = pool.spawn(|| ()).unwrap();
        // The job still blocks; the drop must return anyway.
        drop(pool);
        assert!(!running.is_finished());
        assert!(park_on(queued).unwrap_err().is_shutdown());
        release.send(()).unwrap();
        park_on(running).unwrap();
    });
}

#[test]
fn a_panicking_job_leaves_the_pool_usable() {
    within(|| {
        let pool = Pool::new(1);
        let err = park_on(pool.spawn(|| -> () { panic!("bad row") }).unwrap()).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(park_on(pool.spawn(|| 2).unwrap()).unwrap(), 2);
    });
}

#[test]
fn zero_threads_is_rejected() {
    let err = Pool::builder().threads(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let payload = std::panic::catch_unwind(|| Pool::new(0)).unwrap_err();
    assert!(weft_tests::panic_message(&*payload).contains("threads(0)"));
}
