//! loom models of the watch channel's races. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.
//!
//! Receivers wait with `loom::model::block_on`, which parks: a lost wakeup is a deadlock
//! that loom reports.

use super::*;
use crate::loom::model::block_on;
use crate::loom::thread;

/// A receiver waiting in `changed` while a sender sends and then goes: it sees the new
/// value (never an old one after a change), and then the close; it never hangs.
#[test]
fn watch_changed_and_close() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            drop(tx);
        });
        let mut seen = Vec::new();
        while block_on(rx.changed()).is_ok() {
            seen.push(*rx.borrow_and_update());
        }
        sender.join().unwrap();
        assert_eq!(seen, [1], "one change, seen once, with its value");
        assert_eq!(*rx.borrow(), 1);
    });
}

/// Two changes racing a receiver that marks what it reads: the value read with a version
/// is the value of that version, so after the last change the receiver always ends with
/// the last value, and `wait_for` finds it.
#[test]
fn watch_borrow_and_update_sees_the_version_of_the_value_read() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || {
            tx.send_modify(|v| *v = 1);
            tx.send_modify(|v| *v = 2);
            tx
        });
        let got = *block_on(rx.wait_for(|v| *v == 2)).unwrap();
        assert_eq!(got, 2);
        let tx = sender.join().unwrap();
        assert!(
            !rx.has_changed().unwrap(),
            "the last version was marked seen"
        );
        drop(tx);
    });
}

/// `Sender::closed` racing the last receiver's drop: it completes, never hangs.
#[test]
fn watch_sender_closed_vs_last_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = channel(());
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        dropper.join().unwrap();
        assert!(tx.is_closed());
    });
}
