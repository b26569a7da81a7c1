//! `weft::sync::Semaphore`: bounded concurrency (asyncio's `Semaphore`), permits returned
//! on drop, waiters that leave give their place back, close fails the waiters.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::Semaphore;
use weft_tests::{runtime, within};

#[test]
fn semaphore_of_10_across_1000_tasks_caps_concurrency_at_exactly_10() {
    within(|| {
        const PERMITS: usize = 10;
        const TASKS: usize = 1_000;
        let rt = runtime(2);
        let sem = Arc::new(Semaphore::new(PERMITS));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let entered = Arc::new(AtomicUsize::new(0));
        let finished = rt.block_on(async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (sem, inside, peak, entered) =
                        (sem.clone(), inside.clone(), peak.clone(), entered.clone());
                    weft::spawn(async move {
                        let _permit = sem.acquire().await.unwrap();
                        let now = inside.fetch_add(1, SeqCst) + 1;
                        peak.fetch_max(now, SeqCst);
                        // The first ten hold on until all ten are in, so the peak is
                        // reached for sure; everyone else holds across a few yields.
                        entered.fetch_add(1, SeqCst);
                        while entered.load(SeqCst) < PERMITS {
                            weft::task::yield_now().await;
                        }
                        for _ in 0..3 {
                            weft::task::yield_now().await;
                        }
                        inside.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            let mut finished = 0;
            for t in tasks {
                t.await.unwrap();
                finished += 1;
            }
            finished
        });
        assert_eq!(finished, TASKS, "every task finished");
        assert_eq!(peak.load(SeqCst), PERMITS, "observed maximum concurrency");
        assert_eq!(sem.available_permits(), PERMITS, "every permit came back");
    });
}

#[test]
fn owned_permits_travel_into_spawned_tasks() {
    within(|| {
        let rt = runtime(2);
        let sem = Arc::new(Semaphore::new(2));
        rt.block_on(async {
            let mut handles = Vec::new();
            for _ in 0..6 {
                let permit = sem.clone().acquire_owned().await.unwrap();
                handles.push(weft::spawn(async move {
                    weft::task::yield_now().await;
                    drop(permit);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn an_aborted_waiter_gives_its_place_back() {
    within(|| {
        let rt = runtime(2);
        let sem = Arc::new(Semaphore::new(1));
        rt.block_on(async {
            let held = sem.clone().acquire_owned().await.unwrap();
            let first = weft::spawn({
                let sem = sem.clone();
                async move { drop(sem.acquire().await.unwrap()) }
            });
            let second = weft::spawn({
                let sem = sem.clone();
                async move { drop(sem.acquire().await.unwrap()) }
            });
            // Let both queue up, then cancel the first one while it waits.
            for _ in 0..10 {
                weft::task::yield_now().await;
            }
            first.abort();
            let _ = first.await;
            drop(held);
            second.await.unwrap();
        });
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn acquire_many_waits_for_enough_permits() {
    within(|| {
        let rt = runtime(2);
        let sem = Arc::new(Semaphore::new(1));
        rt.block_on(async {
            let big = weft::spawn({
                let sem = sem.clone();
                async move { sem.acquire_many(3).await.unwrap().num_permits() }
            });
            for _ in 0..5 {
                weft::task::yield_now().await;
            }
            assert!(!big.is_finished());
            sem.add_permits(2);
            assert_eq!(big.await.unwrap(), 3);
        });
    });
}

#[test]
fn close_fails_waiters_and_later_acquires() {
    within(|| {
        let rt = runtime(2);
        let sem = Arc::new(Semaphore::new(0));
        rt.block_on(async {
            let waiter = weft::spawn({
                let sem = sem.clone();
                async move { sem.acquire().await.map(drop) }
            });
            for _ in 0..5 {
                weft::task::yield_now().await;
            }
            sem.close();
            let err = waiter.await.unwrap().unwrap_err();
            assert!(err.to_string().contains("closed"));
            assert!(sem.acquire().await.is_err());
        });
    });
}
