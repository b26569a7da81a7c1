//! loom models of the blocking pool's races, one per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::spawner::{Config, Spawner};
use crate::loom::model::block_on;
use crate::loom::{thread, Arc, AtomicBool, Condvar, Mutex};
use std::panic::Location;
use std::sync::atomic::Ordering::SeqCst;

fn pool(max_threads: usize) -> Spawner {
    Spawner::new(Config {
        thread_name: "loom-blocking".into(),
        stack_size: None,
        max_threads,
        keep_alive: None,
        queue_bound: None,
    })
}

/// A job handed to a thread that is just going idle must still run: the wakeup travels
/// through `num_idle`/`num_notify` under the lock, so it cannot fall between the thread's
/// last look at the queue and its wait. A lost job would leave `block_on` parked forever,
/// which loom reports as a deadlock.
#[test]
fn dispatch_vs_thread_going_idle() {
    loom::model(|| {
        let pool = pool(1);
        let first = pool.spawn(|| 1, None, Location::caller()).ok().unwrap();
        let p = pool.clone();
        // The second job races the thread finishing the first one and going idle.
        let spawner = thread::spawn(move || p.spawn(|| 2, None, Location::caller()).ok().unwrap());
        assert_eq!(block_on(first).unwrap(), 1);
        let second = spawner.join().unwrap();
        assert_eq!(block_on(second).unwrap(), 2);
        pool.shutdown(None);
        assert_eq!(pool.metrics().num_threads, 0);
    });
}

/// Shutdown racing a spawn: the job either runs (before or during shutdown, which then
/// waits for it) or is cancelled; its handle resolves either way and every thread exits.
#[test]
fn shutdown_vs_concurrent_spawn() {
    loom::model(|| {
        let pool = pool(1);
        let ran = Arc::new(AtomicBool::new(false));
        let (p, r) = (pool.clone(), ran.clone());
        let spawner = thread::spawn(move || {
            p.spawn(move || r.store(true, SeqCst), None, Location::caller())
                .ok()
                .unwrap()
        });
        pool.shutdown(None);
        let job = spawner.join().unwrap();
        match block_on(job) {
            Ok(()) => assert!(ran.load(SeqCst)),
            Err(e) => {
                assert!(e.is_cancelled() && e.is_shutdown());
                assert!(!ran.load(SeqCst));
            }
        }
        // A thread started by a spawn that lost the race exits on its own; wait for it.
        pool.shutdown(None);
        assert_eq!(pool.metrics().num_threads, 0);
    });
}

/// Threads are sent one at a time, in a chain: a thread that takes a job while more wait
/// sends the next before it runs its own. So a job that blocks until the job queued after
/// it has run cannot strand that job, whether both were queued before any thread started
/// or not. A stranded job would leave the first blocked forever (a loom deadlock).
#[test]
fn a_blocked_job_does_not_strand_the_next() {
    loom::model(|| {
        let pool = pool(2);
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let g = gate.clone();
        let first = pool
            .spawn(
                move || {
                    let (open, cv) = &*g;
                    let mut open = open.lock().unwrap();
                    while !*open {
                        open = cv.wait(open).unwrap();
                    }
                },
                None,
                Location::caller(),
            )
            .ok()
            .unwrap();
        let second = pool
            .spawn(
                move || {
                    let (open, cv) = &*gate;
                    *open.lock().unwrap() = true;
                    cv.notify_all();
                },
                None,
                Location::caller(),
            )
            .ok()
            .unwrap();
        block_on(second).unwrap();
        block_on(first).unwrap();
        pool.shutdown(None);
    });
}
