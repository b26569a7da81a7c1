//! `weft::sync::mpsc` as asyncio's `Queue`: bounded backpressure, FIFO per sender, the end
//! of the stream when senders go, close, and reserve/permits. (The `Stream` impl is
//! tested in the crate's unit tests, which can name the trait.)

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
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

/// Polls `future` once with `waker`.
fn poll_with<F: std::future::Future>(
    future: std::pin::Pin<&mut F>,
    waker: &std::task::Waker,
) -> std::task::Poll<F::Output> {
    future.poll(&mut std::task::Context::from_waker(waker))
}

/// A waker that counts its wakes.
#[derive(Default)]
struct WakeCount(AtomicUsize);

impl std::task::Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn wake_counter() -> (Arc<WakeCount>, std::task::Waker) {
    let count = Arc::new(WakeCount::default());
    (count.clone(), std::task::Waker::from(count))
}

#[test]
fn permit_sent_after_close_is_delivered() {
    within(|| {
        use mpsc::error::TryRecvError;
        let (tx, mut rx) = mpsc::channel(2);
        tx.try_send(1).unwrap();
        let permit = tx.try_reserve().unwrap();
        rx.close();
        // Closed: new sends fail, but the permit was granted before the close.
        assert!(tx.try_send(9).is_err());
        permit.send(2);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        let rt = runtime(1);
        assert_eq!(rt.block_on(rx.recv()), None);
    });
}

#[test]
fn owned_permit_sent_after_close_is_delivered() {
    within(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        rx.close();
        let tx2 = permit.send("kept");
        assert!(tx2.same_channel(&tx));
        let rt = runtime(1);
        rt.block_on(async {
            assert_eq!(rx.recv().await, Some("kept"));
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn recv_after_close_waits_for_an_outstanding_permit() {
    within(|| {
        use mpsc::error::TryRecvError;
        let (tx, mut rx) = mpsc::channel(1);
        let permit = tx.try_reserve().unwrap();
        rx.close();
        // The permit may still send: the channel has not ended yet.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let (woken, waker) = wake_counter();
        {
            let mut recv = std::pin::pin!(rx.recv());
            assert!(poll_with(recv.as_mut(), &waker).is_pending());
            permit.send(5);
            assert_eq!(woken.0.load(SeqCst), 1, "the send wakes the receiver");
            assert_eq!(
                poll_with(recv.as_mut(), &waker),
                std::task::Poll::Ready(Some(5))
            );
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn unused_permit_dropped_after_close_ends_the_stream() {
    within(|| {
        use mpsc::error::TryRecvError;
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let permit = tx.try_reserve().unwrap();
        let owned = tx.clone().try_reserve_owned();
        assert!(
            owned.is_err(),
            "capacity 1: the second reservation finds it full"
        );
        rx.close();
        let (woken, waker) = wake_counter();
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(recv.as_mut(), &waker).is_pending());
        drop(permit);
        assert_eq!(
            woken.0.load(SeqCst),
            1,
            "the last permit's drop wakes the receiver"
        );
        assert_eq!(
            poll_with(recv.as_mut(), &waker),
            std::task::Poll::Ready(None)
        );
        drop(recv);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn unused_owned_permit_dropped_after_close_ends_the_stream() {
    within(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let permit = tx.clone().try_reserve_owned().unwrap();
        drop(tx);
        rx.close();
        let rt = runtime(1);
        rt.block_on(async move {
            let dropper = weft::spawn(async move {
                weft::task::yield_now().await;
                // Released without sending: its sender goes too.
                let _tx = permit.release();
            });
            assert_eq!(rx.recv().await, None);
            dropper.await.unwrap();
        });
    });
}

#[test]
fn reserve_pending_at_close_fails_and_the_receiver_sees_the_end() {
    within(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let (_woken, waker) = wake_counter();
        let mut reserve = Box::pin(tx.reserve());
        assert!(poll_with(reserve.as_mut(), &waker).is_pending());
        rx.close();
        assert!(matches!(
            poll_with(reserve.as_mut(), &waker),
            std::task::Poll::Ready(Err(_))
        ));
        drop(reserve);
        let rt = runtime(1);
        rt.block_on(async {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn reserve_granted_room_but_not_yet_polled_at_close_fails() {
    within(|| {
        use mpsc::error::TryRecvError;
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let (woken, waker) = wake_counter();
        let mut reserve = Box::pin(tx.reserve());
        assert!(poll_with(reserve.as_mut(), &waker).is_pending());
        // Taking the message hands its room to the waiting reserve...
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(woken.0.load(SeqCst), 1);
        // ...but the reserve has not completed when the receiver closes: like a reserve
        // still waiting, it fails, and nothing is left outstanding.
        rx.close();
        assert!(matches!(
            poll_with(reserve.as_mut(), &waker),
            std::task::Poll::Ready(Err(_))
        ));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn reserve_cancelled_around_close_leaves_nothing_outstanding() {
    within(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.try_send(1).unwrap();
        let (_woken, waker) = wake_counter();
        let mut waiting = Box::pin(tx.reserve());
        let mut granted = Box::pin(tx.clone().reserve_owned());
        assert!(poll_with(waiting.as_mut(), &waker).is_pending());
        assert!(poll_with(granted.as_mut(), &waker).is_pending());
        let rt = runtime(1);
        rt.block_on(async {
            assert_eq!(rx.recv().await, Some(1)); // room for `waiting`
            drop(waiting); // cancelled after its grant: the room goes to `granted`
            rx.close();
            drop(granted); // cancelled after the close
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn permit_sent_after_the_receiver_is_dropped_drops_the_value() {
    within(|| {
        let alive = Arc::new(());
        let (tx, rx) = mpsc::channel(1);
        let permit = tx.try_reserve().unwrap();
        drop(rx);
        permit.send(alive.clone());
        assert_eq!(Arc::strong_count(&alive), 1, "nobody can receive it");
        assert!(tx.try_send(alive.clone()).is_err());
    });
}

#[test]
fn recv_many_waits_for_one_then_takes_up_to_the_limit_in_order() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(16);
            let mut buf = vec![-1];
            assert_eq!(
                rx.recv_many(&mut buf, 0).await,
                0,
                "a zero limit takes nothing"
            );
            let waiter = weft::spawn(async move {
                let n = rx.recv_many(&mut buf, 3).await;
                (n, buf, rx)
            });
            for i in 0..5 {
                tx.send(i).await.unwrap();
            }
            let (n, mut buf, mut rx) = waiter.await.unwrap();
            assert!((1..=3).contains(&n), "took {n}");
            assert_eq!(buf.len(), 1 + n, "appended after what the buffer held");
            while buf.len() < 6 {
                assert!(rx.recv_many(&mut buf, 3).await > 0);
            }
            assert_eq!(buf, [-1, 0, 1, 2, 3, 4]);
            assert_eq!(
                tx.capacity(),
                16,
                "every received message gave its slot back"
            );
            drop(tx);
            assert_eq!(
                rx.recv_many(&mut buf, 3).await,
                0,
                "0 once the channel ended"
            );
        });
    });
}

#[test]
fn unbounded_recv_many_returns_zero_only_at_the_end() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..4 {
                tx.send(i).unwrap();
            }
            drop(tx);
            let mut buf = Vec::new();
            assert_eq!(rx.recv_many(&mut buf, 10).await, 4);
            assert_eq!(rx.recv_many(&mut buf, 10).await, 0);
            assert_eq!(buf, [0, 1, 2, 3]);
        });
    });
}

#[test]
fn receiver_is_closed_after_close_or_when_every_sender_is_gone() {
    let (tx, rx) = mpsc::channel::<u8>(2);
    tx.try_send(1).unwrap();
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed(), "no sender left");
    assert!(!rx.is_empty(), "closed, but a message still waits");
    assert_eq!(rx.len(), 1);
    let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
    rx.close();
    assert!(rx.is_closed());
    assert!(rx.is_empty());
}

#[test]
fn a_weak_sender_does_not_keep_the_channel_open() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let weak = tx.downgrade();
            assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
            let upgraded = weak.upgrade().expect("a sender is alive");
            assert_eq!(weak.strong_count(), 2);
            upgraded.send(1).await.unwrap();
            drop(upgraded);
            drop(tx);
            // Only the weak sender is left: the receiver sees the end.
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
            assert!(
                weak.upgrade().is_none(),
                "no sender comes back after the end"
            );
            let weak2 = weak.clone();
            assert_eq!(weak2.weak_count(), 2);
        });
    });
}

#[test]
fn send_timeout_gives_the_message_back_when_no_room_comes() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send_timeout("a", Duration::from_secs(30)).await.unwrap();
            let err = tx
                .send_timeout("b", Duration::from_millis(20))
                .await
                .unwrap_err();
            assert!(matches!(err, mpsc::error::SendTimeoutError::Timeout("b")));
            assert_eq!(
                tx.capacity(),
                0,
                "the timed-out send left no reservation behind"
            );
            // Room that comes in time is used.
            let sender = weft::spawn(async move {
                tx.send_timeout("c", Duration::from_secs(30))
                    .await
                    .map(|_| tx)
            });
            assert_eq!(rx.recv().await, Some("a"));
            let tx = sender.await.unwrap().unwrap();
            assert_eq!(rx.recv().await, Some("c"));
            drop(rx);
            let err = tx
                .send_timeout("d", Duration::from_secs(30))
                .await
                .unwrap_err();
            assert!(matches!(err, mpsc::error::SendTimeoutError::Closed("d")));
        });
    });
}

#[test]
fn reserve_many_holds_n_slots_and_gives_back_the_unused_ones() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(3);
            assert_eq!(tx.max_capacity(), 3);
            assert!(
                tx.reserve_many(4).await.is_err(),
                "more than the capacity never fits"
            );
            let mut permits = tx.reserve_many(3).await.unwrap();
            assert_eq!(permits.len(), 3);
            assert_eq!(tx.capacity(), 0);
            permits.next().unwrap().send(1);
            drop(permits);
            assert_eq!(tx.capacity(), 2, "the two permits not handed out came back");
            assert_eq!(tx.max_capacity(), 3);
            // A reservation that must wait for room gets it as messages are received.
            tx.try_send(2).unwrap();
            let waiter = {
                let tx = tx.clone();
                weft::spawn(async move {
                    let permits = tx.reserve_many(3).await.unwrap();
                    for (i, p) in permits.enumerate() {
                        p.send(10 + i as i32);
                    }
                })
            };
            let mut got = Vec::new();
            while got.len() < 5 {
                got.push(rx.recv().await.unwrap());
            }
            waiter.await.unwrap();
            assert_eq!(got, [1, 2, 10, 11, 12]);
            assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
            rx.close();
            assert!(tx.try_reserve_many(1).is_err());
            assert!(tx.reserve_many(1).await.is_err());
        });
    });
}

#[test]
fn permits_of_reserve_many_outstanding_at_close_are_delivered_then_the_end() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let mut permits = tx.try_reserve_many(2).unwrap();
            rx.close();
            permits.next().unwrap().send(1);
            // One permit not handed out yet: the receiver must not see the end.
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Empty));
            let last = weft::spawn(async move { rx.recv().await });
            weft::task::yield_now().await;
            drop(permits);
            assert_eq!(
                last.await.unwrap(),
                None,
                "the dropped iterator ended the stream"
            );
        });
    });
}
