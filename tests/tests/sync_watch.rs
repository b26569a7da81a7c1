//! `weft::sync::watch`: one value that changes; receivers wait for a version they have
//! not seen, always read the latest value (never a backlog), and learn when the senders
//! are gone.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::watch;
use weft_tests::{poll_once, runtime, within};

#[test]
fn changed_waits_for_a_new_version_and_marks_it_seen() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let reader = weft::spawn(async move {
                rx.changed().await.unwrap();
                let v = *rx.borrow_and_update();
                (v, rx)
            });
            tx.send(7).unwrap();
            let (v, mut rx) = reader.await.unwrap();
            assert_eq!(v, 7);
            assert!(
                !rx.has_changed().unwrap(),
                "changed() marked the version seen"
            );
            // Nothing new: changed() waits (and is woken by the next send).
            let waiting = weft::spawn(async move { rx.changed().await.map(|()| rx) });
            weft::task::yield_now().await;
            tx.send(8).unwrap();
            let rx = waiting.await.unwrap().unwrap();
            assert_eq!(*rx.borrow(), 8);
        });
    });
}

#[test]
fn a_receiver_reads_the_latest_value_never_a_backlog() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            for i in 1..=100 {
                tx.send(i).unwrap();
            }
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow_and_update(), 100);
            assert!(
                !rx.has_changed().unwrap(),
                "one change seen covers all 100 sends"
            );
        });
    });
}

#[test]
fn send_fails_without_receivers_but_send_replace_and_send_modify_store_the_value() {
    let (tx, rx) = watch::channel(String::from("a"));
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send("b".into()).unwrap_err().0, "b");
    assert_eq!(*tx.borrow(), "a", "a failed send stores nothing");
    assert_eq!(tx.send_replace("c".into()), "a");
    tx.send_modify(|s| s.push('!'));
    let rx = tx.subscribe();
    assert_eq!(*rx.borrow(), "c!", "a later receiver sees the stored value");
    assert!(!rx.has_changed().unwrap(), "and counts it as seen");
}

#[test]
fn send_if_modified_notifies_only_when_the_closure_says_it_changed() {
    let (tx, rx) = watch::channel(5);
    assert!(!tx.send_if_modified(|v| {
        *v += 0;
        false
    }));
    assert!(!rx.has_changed().unwrap());
    assert!(tx.send_if_modified(|v| {
        *v = 6;
        true
    }));
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow(), 6);
}

#[test]
fn a_panicking_modify_notifies_nobody_and_leaves_the_channel_usable() {
    let (tx, rx) = watch::channel(1);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tx.send_modify(|v| {
            *v = 2;
            panic!("modify fails");
        })
    }));
    assert!(panicked.is_err());
    assert!(!rx.has_changed().unwrap(), "the change was not announced");
    tx.send(3).unwrap();
    assert_eq!(*rx.borrow(), 3, "the lock is usable after the panic");
}

#[test]
fn changed_fails_once_the_senders_are_gone_and_the_last_value_was_seen() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let tx2 = tx.clone();
            assert_eq!(tx.sender_count(), 2);
            tx.send(1).unwrap();
            drop(tx);
            drop(tx2);
            assert!(rx.is_closed());
            assert!(rx.has_changed().is_err(), "has_changed reports the close");
            // The last value was not seen yet: changed() still reports it.
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow_and_update(), 1);
            assert!(rx.changed().await.is_err());
            // A receiver waiting when the last sender goes is woken with the error.
            let (tx, mut rx) = watch::channel(0);
            let waiter = weft::spawn(async move { rx.changed().await });
            weft::task::yield_now().await;
            drop(tx);
            assert!(waiter.await.unwrap().is_err());
        });
    });
}

#[test]
fn subscribe_and_clone_start_from_what_is_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let from_tx = tx.subscribe();
    assert!(
        !from_tx.has_changed().unwrap(),
        "subscribe: the current value is seen"
    );
    let cloned = rx.clone();
    assert!(
        cloned.has_changed().unwrap(),
        "clone: seen what rx had seen"
    );
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    assert_eq!(tx.receiver_count(), 3);
    assert!(rx.same_channel(&cloned) && tx.same_channel(&tx.clone()));
}

#[test]
fn wait_for_checks_the_current_value_first_then_each_change() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(10);
            // Already satisfied: no change needed.
            assert_eq!(*rx.wait_for(|v| *v == 10).await.unwrap(), 10);
            let checked = Arc::new(AtomicUsize::new(0));
            let waiter = weft::spawn({
                let checked = checked.clone();
                async move {
                    let v = *rx
                        .wait_for(|v| {
                            checked.fetch_add(1, SeqCst);
                            *v >= 13
                        })
                        .await
                        .unwrap();
                    (v, rx)
                }
            });
            for i in 11..=13 {
                tx.send(i).unwrap();
                weft::task::yield_now().await;
            }
            let (v, mut rx) = waiter.await.unwrap();
            assert_eq!(v, 13);
            let checks = checked.load(SeqCst);
            assert!(
                (1..=4).contains(&checks),
                "the value it started from, then each new one: {checks}"
            );
            assert!(
                !rx.has_changed().unwrap(),
                "the value returned is marked seen"
            );
            // Never satisfied: the close ends the wait with an error.
            drop(tx);
            assert!(rx.wait_for(|v| *v > 100).await.is_err());
        });
    });
}

#[test]
fn one_send_wakes_every_waiting_receiver() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = watch::channel(0);
            let waiters: Vec<_> = (0..8)
                .map(|_| {
                    let mut rx = rx.clone();
                    weft::spawn(async move {
                        rx.changed().await.unwrap();
                        *rx.borrow()
                    })
                })
                .collect();
            weft::task::yield_now().await;
            tx.send(42).unwrap();
            for w in waiters {
                assert_eq!(w.await.unwrap(), 42);
            }
        });
    });
}

#[test]
fn a_dropped_changed_marks_nothing_seen() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            {
                let pending = poll_once(Box::pin(rx.changed())).await;
                drop(pending);
            }
            tx.send(1).unwrap();
            assert!(rx.has_changed().unwrap());
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow(), 1);
        });
    });
}

#[test]
fn sender_closed_completes_when_the_last_receiver_goes() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = watch::channel(());
            let rx2 = rx.clone();
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
