//! loom models of `OnceCell`'s races. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::*;
use crate::loom::model::block_on;
use crate::loom::{thread, Arc};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// Two initialisers racing: exactly one runs, both return its value.
#[test]
fn once_cell_racing_initialisers_run_one_at_a_time() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let other = thread::spawn({
            let (cell, runs) = (cell.clone(), runs.clone());
            move || {
                *block_on(cell.get_or_init(|| async {
                    runs.fetch_add(1, SeqCst);
                    1
                }))
            }
        });
        let mine = *block_on(cell.get_or_init(|| async {
            runs.fetch_add(1, SeqCst);
            2
        }));
        let theirs = other.join().unwrap();
        assert_eq!(runs.load(SeqCst), 1, "one initialiser ran");
        assert_eq!(mine, theirs);
        assert_eq!(cell.get(), Some(&mine));
    });
}

/// An initialiser that fails while another waits: the waiter then runs its own, and the
/// cell ends with its value; nobody hangs.
#[test]
fn once_cell_failed_initialiser_lets_the_next_one_try() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::<u32>::new());
        let failing = thread::spawn({
            let cell = cell.clone();
            move || block_on(cell.get_or_try_init(|| async { Err::<u32, ()>(()) })).is_err()
        });
        let got = *block_on(cell.get_or_init(|| async { 7 }));
        let failed = failing.join().unwrap();
        assert_eq!(got, 7);
        assert_eq!(cell.get(), Some(&7));
        // It either failed, or found 7 already there.
        let _ = failed;
    });
}

/// `set` racing `get_or_init`: one value wins and everyone sees that one.
#[test]
fn once_cell_set_vs_get_or_init() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let setter = thread::spawn({
            let cell = cell.clone();
            move || cell.set(1).is_ok()
        });
        let got = *block_on(cell.get_or_init(|| async { 2 }));
        let set = setter.join().unwrap();
        assert_eq!(got, if set { 1 } else { 2 });
        assert_eq!(cell.get(), Some(&got));
    });
}
