//! `weft::sync::Barrier`: asyncio's `Barrier`, rounds of `n` tasks that wait for each
//! other, with one leader per round.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::Barrier;
use weft_tests::{runtime, within};

#[test]
fn barrier_runs_rounds_with_one_leader_each() {
    within(|| {
        let rt = runtime(2);
        let barrier = Arc::new(Barrier::new(4));
        let leaders = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let (b, leaders) = (barrier.clone(), leaders.clone());
                    weft::spawn(async move {
                        for _ in 0..3 {
                            if b.wait().await.is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(leaders.load(SeqCst), 3, "one leader per round");
    });
}

#[test]
fn a_barrier_of_zero_lets_every_wait_through_as_its_own_leader() {
    let barrier = Barrier::new(0);
    for _ in 0..3 {
        assert!(weft_tests::park_on(barrier.wait()).is_leader());
    }
}

#[test]
fn a_task_that_arrives_for_the_next_round_waits_for_that_round() {
    within(|| {
        let rt = runtime(2);
        let barrier = Arc::new(Barrier::new(2));
        rt.block_on(async {
            let first = weft::spawn({
                let b = barrier.clone();
                async move { b.wait().await }
            });
            // This arrival completes round one with `first`.
            let mine = barrier.wait().await;
            assert!(mine.is_leader() != first.await.unwrap().is_leader());
            // Round two: a lone arrival waits until its partner comes.
            let early = weft::spawn({
                let b = barrier.clone();
                async move { b.wait().await }
            });
            for _ in 0..10 {
                weft::task::yield_now().await;
            }
            assert!(!early.is_finished());
            barrier.wait().await;
            early.await.unwrap();
        });
    });
}
