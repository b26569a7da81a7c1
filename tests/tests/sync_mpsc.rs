//! `weft::sync::mpsc` as asyncio's `Queue`: bounded backpressure, FIFO per sender, the end
//! of the stream when senders go, close, and reserve/permits. (The `Stream` impl is
//! tested in the crate's unit tests, which can name the trait.)

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::mpsc;
use weft_tests::{runtime, within};

#[test]
fn a_bounded_channel_holds_a_fast_producer_to_the_consumers_pace() {
    within(|| {
        let rt = runtime(2);
        let sent = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let producer = weft::spawn({
                let sent = sent.clone();
                async move {
                    for i in 0..100 {
                        tx.send(i).await.unwrap();
                        sent.fetch_add(1, SeqCst);
                    }
                }
            });
            for _ in 0..20 {
                weft::task::yield_now().await;
            }
            // Nothing received yet: the producer is stuck at the capacity.
            assert!(sent.load(SeqCst) <= 4, "{} sent", sent.load(SeqCst));
            for i in 0..100 {
                assert_eq!(rx.recv().await, Some(i));
            }
            producer.await.unwrap();
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn many_producers_deliver_everything_in_per_sender_order() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            for p in 0..8u32 {
                let tx = tx.clone();
                weft::spawn(async move {
                    for i in 0..500u32 {
                        tx.send((p, i)).await.unwrap();
                    }
                });
            }
            drop(tx);
            let mut next = [0u32; 8];
            let mut total = 0;
            while let Some((p, i)) = rx.recv().await {
                assert_eq!(next[p as usize], i, "FIFO per sender");
                next[p as usize] += 1;
                total += 1;
            }
            assert_eq!(total, 8 * 500);
        });
    });
}

#[test]
fn unbounded_send_never_waits_and_the_stream_ends_with_the_senders() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..10_000 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.len(), 10_000);
            drop(tx);
            let mut sum = 0u64;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            assert_eq!(sum, 9_999 * 10_000 / 2);
        });
    });
}

#[test]
fn closing_the_receiver_fails_waiting_and_later_senders() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send(1).await.unwrap();
            let blocked = weft::spawn({
                let tx = tx.clone();
                async move { tx.send(2).await }
            });
            for _ in 0..5 {
                weft::task::yield_now().await;
            }
            rx.close();
            assert_eq!(blocked.await.unwrap().unwrap_err().0, 2);
            assert!(tx.send(3).await.is_err());
            assert!(tx.is_closed());
            tx.closed().await;
            // What was sent before the close is still delivered.
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn reserve_holds_a_slot_without_committing_a_message() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<String>(1);
            let permit = tx.reserve().await.unwrap();
            assert!(tx.try_send("no room".into()).is_err());
            permit.send("reserved".into());
            assert_eq!(rx.recv().await.as_deref(), Some("reserved"));
            let owned = tx.clone().reserve_owned().await.unwrap();
            drop(owned); // unused: the slot comes back
            assert_eq!(tx.capacity(), 1);
        });
    });
}

#[test]
fn a_receiver_with_a_backlog_still_lets_other_tasks_run() {
    within(|| {
        // One worker: the other task can only run if the receiving loop yields.
        let rt = runtime(1);
        let other_ran_first = rt.block_on(rt.spawn(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..10_000u32 {
                tx.send(i).unwrap();
            }
            drop(tx);
            let ran = Arc::new(AtomicUsize::new(0));
            weft::spawn({
                let ran = ran.clone();
                async move {
                    ran.store(1, SeqCst);
                }
            });
            // Every recv is ready at once; the cooperative budget makes the loop yield.
            let mut last_seen_before_other = None;
            while let Some(i) = rx.recv().await {
                if ran.load(SeqCst) == 0 {
                    last_seen_before_other = Some(i);
                }
            }
            last_seen_before_other.is_none_or(|i| i < 9_999)
        }));
        assert!(
            other_ran_first.unwrap(),
            "the other task ran before the backlog was drained"
        );
    });
}
