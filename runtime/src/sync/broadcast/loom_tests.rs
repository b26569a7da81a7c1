//! loom models of the broadcast channel's races, one per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.
//!
//! Receivers wait with `loom::model::block_on`, which parks: a lost wakeup is a deadlock
//! that loom reports.

use super::error::RecvError;
use super::*;
use crate::loom::model::block_on;
use crate::loom::thread;

/// A slow receiver racing two sends into one slot and the last sender's drop: it reads
/// the values in order or is told exactly how many it lost, and then sees the close;
/// never a hang, never a value twice.
#[test]
fn broadcast_lag_and_close() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(1);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            drop(tx);
        });
        let mut seen = Vec::new();
        let mut lost = 0;
        loop {
            match block_on(rx.recv()) {
                Ok(v) => seen.push(v),
                Err(RecvError::Lagged(n)) => {
                    assert!(n > 0, "a lag reports the values lost");
                    lost += n
                }
                Err(RecvError::Closed) => break,
            }
        }
        sender.join().unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.len() as u64 + lost, 2, "{seen:?} and {lost} lost");
        assert_eq!(seen.last(), Some(&2), "the newest value is always kept");
    });
}

/// A receiver dropped while a value is sent: whichever goes first, the value is released
/// once the remaining receiver has read it (no value kept alive for a receiver that is
/// gone), and `len` agrees.
#[test]
fn broadcast_receiver_drop_vs_send_releases_every_value() {
    loom::model(|| {
        let token = std::sync::Arc::new(());
        let (tx, mut rx1) = channel(2);
        let rx2 = tx.subscribe();
        let dropper = thread::spawn(move || drop(rx2));
        let sender = thread::spawn({
            let token = token.clone();
            move || {
                tx.send(token).unwrap();
                tx
            }
        });
        let _ = block_on(rx1.recv()).unwrap();
        dropper.join().unwrap();
        let tx = sender.join().unwrap();
        assert_eq!(tx.len(), 0);
        assert_eq!(
            std::sync::Arc::strong_count(&token),
            1,
            "the value outlived its last reader"
        );
    });
}
