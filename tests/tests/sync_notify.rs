//! `weft::sync::Notify`, `Event` and `Barrier`: wakeups that are never lost, asyncio's
//! `Event` semantics, and rounds of `Barrier`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::{Barrier, Event, Notify};
use weft_tests::{runtime, within};

#[test]
fn notify_one_hands_a_stream_of_items_to_a_consumer() {
    within(|| {
        let rt = runtime(2);
        let notify = Arc::new(Notify::new());
        let items = Arc::new(std::sync::Mutex::new(Vec::new()));
        rt.block_on(async {
            let consumer = weft::spawn({
                let (notify, items) = (notify.clone(), items.clone());
                async move {
                    let mut got = 0;
                    while got < 100 {
                        let batch = std::mem::take(&mut *items.lock().unwrap());
                        got += batch.len();
                        if batch.is_empty() {
                            notify.notified().await;
                        }
                    }
                    got
                }
            });
            for i in 0..100 {
                items.lock().unwrap().push(i);
                notify.notify_one();
                if i % 7 == 0 {
                    weft::task::yield_now().await;
                }
            }
            assert_eq!(consumer.await.unwrap(), 100);
        });
    });
}

#[test]
fn notify_waiters_wakes_everyone_waiting() {
    within(|| {
        let rt = runtime(2);
        let notify = Arc::new(Notify::new());
        rt.block_on(async {
            let waiters: Vec<_> = (0..10)
                .map(|_| weft::spawn(notify.clone().notified_owned()))
                .collect();
            notify.notify_waiters();
            for w in waiters {
                w.await.unwrap();
            }
        });
    });
}

#[test]
fn event_releases_waiters_set_before_or_after_they_wait() {
    within(|| {
        let rt = runtime(2);
        let event = Arc::new(Event::new());
        rt.block_on(async {
            let early: Vec<_> = (0..5)
                .map(|_| {
                    let e = event.clone();
                    weft::spawn(async move { e.wait().await })
                })
                .collect();
            event.set();
            for w in early {
                w.await.unwrap();
            }
            // Set: waits return at once.
            event.wait().await;
            event.clear();
            assert!(!event.is_set());
            let late = weft::spawn({
                let e = event.clone();
                async move { e.wait().await }
            });
            for _ in 0..5 {
                weft::task::yield_now().await;
            }
            assert!(!late.is_finished());
            event.set();
            late.await.unwrap();
        });
    });
}

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
