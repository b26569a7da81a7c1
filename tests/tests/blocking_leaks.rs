//! The blocking pool leaves nothing behind: runtimes and `Pool`s that ran, queued and
//! cancelled blocking jobs and sync primitives free every heap block and join every
//! thread when dropped. Alone in its own test binary, with a counting global allocator and
//! process-wide thread counts, so that no other test's threads or allocations count.

#![cfg(target_os = "linux")]

use std::sync::{mpsc, Arc};
use std::time::Duration;
use weft::blocking::Pool;
use weft::sync::{oneshot, Semaphore};
use weft_tests::{park_on, wait_until, within};

#[global_allocator]
static ALLOCATOR: weft_tests::CountingAllocator = weft_tests::CountingAllocator;

/// One runtime and one pool that run, queue and cancel blocking jobs, and use channels
/// and a semaphore between tasks.
fn a_life_of_blocking_work() {
    let rt = weft::Builder::new()
        .worker_threads(2)
        .max_blocking_threads(4)
        .build()
        .unwrap();
    let pool = Pool::builder().threads(2).queue_bound(8).build().unwrap();
    let sem = Arc::new(Semaphore::new(2));
    let sum = rt.block_on(async {
        let mut set = weft::task::JoinSet::new();
        for i in 0..200u64 {
            let sem = sem.clone();
            set.spawn(async move {
                let _permit = sem.acquire().await.unwrap();
                let (tx, rx) = oneshot::channel();
                weft::spawn_blocking(move || tx.send(vec![i; 8]).unwrap());
                rx.await.unwrap().len() as u64
            });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.unwrap();
        }
        sum
    });
    assert_eq!(sum, 200 * 8);
    // Jobs still queued when the runtime and the pool go are cancelled, not leaked.
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(std::sync::Mutex::new(gate));
    let mut queued = Vec::new();
    for _ in 0..4 {
        let gate = gate.clone();
        queued.push(rt.spawn_blocking(move || {
            let _ = gate.lock().unwrap().recv_timeout(Duration::from_millis(50));
        }));
    }
    for i in 0..10u64 {
        queued.push(rt.spawn_blocking(move || drop(vec![i; 8])));
    }
    let pool_jobs: Vec<_> = (0..6u64)
        .filter_map(|i| pool.spawn(move || vec![i; 8].len()).ok())
        .collect();
    drop(pool);
    drop(rt);
    drop(release);
    for h in queued {
        let _ = park_on(h);
    }
    for h in pool_jobs {
        let _ = park_on(h);
    }
}

#[test]
fn blocking_work_leaves_no_threads_or_heap_blocks_behind() {
    within(|| {
        let threads_before = weft_tests::thread_count();
        // Once first, so one-time allocations (thread-locals, std's lazies) are made.
        a_life_of_blocking_work();
        // Pool threads detach on drop: let the last ones finish exiting.
        wait_until(Duration::from_secs(5), || {
            weft_tests::thread_count() <= threads_before
        });
        let blocks_before = weft_tests::live_heap_blocks();
        for _ in 0..5 {
            a_life_of_blocking_work();
        }
        assert!(
            wait_until(Duration::from_secs(5), || weft_tests::thread_count()
                <= threads_before),
            "{threads_before} threads before, {} after",
            weft_tests::thread_count()
        );
        // Detached pool threads free their stacks and thread-locals as they exit.
        let settled = wait_until(Duration::from_secs(5), || {
            weft_tests::live_heap_blocks() - blocks_before < 50
        });
        assert!(
            settled,
            "{} heap blocks more after 5 rounds than before",
            weft_tests::live_heap_blocks() - blocks_before
        );
    });
}
