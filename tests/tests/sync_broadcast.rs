//! `weft::sync::broadcast`: every receiver sees every value sent after it subscribed; a
//! slow one is told how many it lost (`Lagged`) and continues from the oldest value kept;
//! memory stays bounded by the capacity whatever the receivers do; the end comes when
//! the last sender goes.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use weft_tests::{poll_once, runtime, within};

/// A value that counts how many of its kind are alive.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>, u32);

impl Counted {
    fn new(live: &Arc<AtomicUsize>, n: u32) -> Counted {
        live.fetch_add(1, SeqCst);
        Counted(live.clone(), n)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(&self.0, self.1)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

#[test]
fn every_receiver_sees_every_value_sent_after_it_subscribed() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = broadcast::channel(64);
            tx.send(0).unwrap();
            let receivers: Vec<_> = (0..4)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    weft::spawn(async move {
                        let mut got = Vec::new();
                        while let Ok(v) = rx.recv().await {
                            got.push(v);
                        }
                        got
                    })
                })
                .collect();
            drop(rx);
            for i in 1..=50 {
                assert_eq!(tx.send(i).unwrap(), 4, "sent to the four subscribers");
            }
            drop(tx);
            for r in receivers {
                assert_eq!(r.await.unwrap(), (1..=50).collect::<Vec<_>>());
            }
        });
    });
}

#[test]
fn a_slow_receiver_gets_lagged_with_the_count_then_the_oldest_value_kept() {
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 10, "sent and not read, lost ones included");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(7)));
    assert_eq!(rx.try_recv(), Ok(7), "the oldest value kept");
    assert_eq!(rx.try_recv(), Ok(8));
    tx.send(10).unwrap();
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.try_recv(), Ok(10));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // The same through the async form.
    for i in 11..15 {
        tx.send(i).unwrap();
    }
    weft::run(async {
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
        assert_eq!(rx.recv().await, Ok(12));
    });
}

#[test]
fn memory_stays_bounded_by_the_capacity_whatever_the_receivers_do() {
    let live = Arc::new(AtomicUsize::new(0));
    let (tx, mut never_reads) = broadcast::channel(4);
    let mut reads_some = tx.subscribe();
    for i in 0..1000 {
        tx.send(Counted::new(&live, i)).unwrap();
        if i % 100 == 0 {
            let _ = reads_some.try_recv();
        }
        assert!(live.load(SeqCst) <= 4, "{} values alive", live.load(SeqCst));
    }
    assert!(tx.len() <= 4);
    assert_eq!(
        never_reads.try_recv().unwrap_err(),
        TryRecvError::Lagged(996)
    );
    assert_eq!(never_reads.try_recv().unwrap().1, 996);
}

#[test]
fn a_value_is_released_once_every_receiver_has_read_it_or_gone() {
    let live = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    let rx3 = tx.subscribe();
    tx.send(Counted::new(&live, 1)).unwrap();
    tx.send(Counted::new(&live, 2)).unwrap();
    assert_eq!((tx.len(), live.load(SeqCst)), (2, 2));
    let a = rx1.try_recv().unwrap();
    let b = rx2.try_recv().unwrap();
    drop((a, b));
    assert_eq!(tx.len(), 2, "rx3 has read nothing yet");
    drop(rx3);
    assert_eq!(
        tx.len(),
        1,
        "the first value is read by every receiver left"
    );
    assert_eq!(
        live.load(SeqCst),
        1,
        "and released at once, not when overwritten"
    );
    drop(rx1.try_recv().unwrap());
    drop(rx2.try_recv().unwrap());
    assert_eq!((tx.len(), live.load(SeqCst)), (0, 0));
    assert!(tx.is_empty());
}

#[test]
fn receivers_get_the_kept_values_then_closed_after_the_last_sender_goes() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(4);
            let tx2 = tx.clone();
            tx.send(1).unwrap();
            drop(tx);
            assert!(!rx.is_closed(), "a sender is left");
            tx2.send(2).unwrap();
            let waiter = weft::spawn(async move {
                let mut got = Vec::new();
                loop {
                    match rx.recv().await {
                        Ok(v) => got.push(v),
                        Err(e) => return (got, e, rx),
                    }
                }
            });
            weft::task::yield_now().await;
            drop(tx2);
            let (got, end, mut rx) = waiter.await.unwrap();
            assert_eq!(got, [1, 2]);
            assert_eq!(end, RecvError::Closed);
            assert!(rx.is_closed());
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx.resubscribe().try_recv(), Err(TryRecvError::Closed));
        });
    });
}

#[test]
fn send_without_receivers_fails_and_hands_the_value_back() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send("lost").unwrap_err().0, "lost");
    assert!(tx.is_empty(), "nothing was stored");
    let mut rx = tx.subscribe();
    assert_eq!(tx.send("kept"), Ok(1));
    assert_eq!(rx.try_recv(), Ok("kept"));
}

#[test]
fn receiver_count_follows_subscribe_resubscribe_and_drop() {
    let (tx, rx) = broadcast::channel::<()>(2);
    let rx2 = tx.subscribe();
    let rx3 = rx2.resubscribe();
    assert_eq!(tx.receiver_count(), 3);
    assert!(rx.same_channel(&rx3) && tx.same_channel(&tx.clone()));
    drop((rx, rx2));
    assert_eq!(tx.receiver_count(), 1);
    drop(rx3);
    assert_eq!(tx.receiver_count(), 0);
}

#[test]
fn a_waiting_receiver_is_woken_by_a_send_from_another_thread() {
    within(|| {
        let rt = runtime(2);
        let (tx, mut rx) = broadcast::channel(1);
        let waiter = rt.spawn(async move { rx.recv().await });
        std::thread::spawn(move || {
            // Wait (without a timing assert) until the receiver has subscribed to wake-ups.
            std::thread::sleep(std::time::Duration::from_millis(10));
            tx.send(5).unwrap();
        });
        assert_eq!(rt.block_on(waiter).unwrap(), Ok(5));
    });
}

#[test]
fn a_recv_dropped_while_waiting_loses_nothing() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(2);
            {
                let recv = Box::pin(rx.recv());
                let recv = poll_once(recv).await;
                drop(recv); // queued, then cancelled
            }
            tx.send(9).unwrap();
            assert_eq!(rx.recv().await, Ok(9), "the next recv gets the value");
        });
    });
}

#[test]
fn sender_closed_completes_when_the_last_receiver_goes() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = broadcast::channel::<u8>(2);
            let rx2 = rx.resubscribe();
            let watcher = weft::spawn(async move {
                tx.closed().await;
                tx
            });
            drop(rx);
            weft::task::yield_now().await;
            assert!(!watcher.is_finished(), "one receiver is left");
            drop(rx2);
            let tx = watcher.await.unwrap();
            assert_eq!(tx.receiver_count(), 0);
        });
    });
}

#[test]
fn concurrent_senders_and_receivers_keep_per_sender_order_and_account_for_every_value() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            const SENDERS: u32 = 4;
            const PER: u32 = 300;
            let (tx, rx) = broadcast::channel::<(u32, u32)>(8);
            let receivers: Vec<_> = (0..3)
                .map(|_| {
                    let mut rx = rx.resubscribe();
                    weft::spawn(async move {
                        let mut next = [0u32; SENDERS as usize];
                        let (mut seen, mut lost) = (0u64, 0u64);
                        loop {
                            match rx.recv().await {
                                Ok((s, i)) => {
                                    assert!(i >= next[s as usize], "per-sender order");
                                    next[s as usize] = i + 1;
                                    seen += 1;
                                }
                                Err(RecvError::Lagged(n)) => lost += n,
                                Err(RecvError::Closed) => return seen + lost,
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            let senders: Vec<_> = (0..SENDERS)
                .map(|s| {
                    let tx = tx.clone();
                    weft::spawn(async move {
                        for i in 0..PER {
                            tx.send((s, i)).unwrap();
                            if i % 16 == 0 {
                                weft::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            for s in senders {
                s.await.unwrap();
            }
            for r in receivers {
                assert_eq!(r.await.unwrap(), u64::from(SENDERS * PER));
            }
        });
    });
}
