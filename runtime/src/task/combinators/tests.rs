//! Driven by hand (no runtime), so Miri checks the pin projections:
//! `cargo +nightly miri test -p weft --lib combinators`.

use super::*;
use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::pin::pin;
use std::rc::Rc;
use std::task::Waker;

/// Pending for `n` polls (waking itself each time), then ready; calls `on_poll` at
/// every poll.
async fn pending_for(n: usize, mut on_poll: impl FnMut()) {
    let mut left = n;
    poll_fn(|cx| {
        on_poll();
        if left == 0 {
            return Poll::Ready(());
        }
        left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// Pending for `n` polls, then ready with `value`. It holds a borrow of its own local
/// across the await, so it is self-referential: Miri reports a projection that moves
/// it, or that invalidates the borrow, as undefined behaviour.
async fn after(n: usize, value: String) -> String {
    let borrowed = &value;
    pending_for(n, || {}).await;
    borrowed.clone()
}

fn drive<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[test]
fn join_collects_every_output_in_order() {
    let out = drive(join(
        (
            after(3, "a".into()),
            after(0, "b".into()),
            after(1, "c".into()),
        ),
        false,
    ));
    assert_eq!(out, ("a".into(), "b".into(), "c".into()));
}

#[test]
fn try_join_stops_at_the_first_error_and_drops_the_rest() {
    let dropped = Rc::new(Cell::new(0));
    struct Guard(Rc<Cell<u32>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let guard = Guard(dropped.clone());
    let slow = async move {
        let _guard = guard;
        after(10, String::new()).await;
        Ok::<u8, String>(1)
    };
    let failing = async { Err::<u8, String>(after(2, "no".into()).await) };
    assert_eq!(
        drive(try_join((slow, failing), false)),
        Err("no".to_owned())
    );
    assert_eq!(dropped.get(), 1);
    let ok = drive(try_join((async { Ok::<_, ()>(1) }, async { Ok(2) }), false));
    assert_eq!(ok, Ok((1, 2)));
}

#[test]
fn join_all_keeps_argument_order() {
    let futures = (0..5).map(|i| after(5 - i, i.to_string()));
    assert_eq!(drive(join_all(futures)), ["0", "1", "2", "3", "4"]);
}

/// Pending for `n` polls, noting `id` in `log` at each poll.
async fn logged(id: usize, n: usize, log: &RefCell<Vec<usize>>) {
    pending_for(n, || log.borrow_mut().push(id)).await;
}

#[test]
fn each_round_starts_one_further_along() {
    let log = RefCell::new(Vec::new());
    drive(join(
        (logged(0, 2, &log), logged(1, 2, &log), logged(2, 2, &log)),
        false,
    ));
    assert_eq!(*log.borrow(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);

    let log = RefCell::new(Vec::new());
    let log_ref = &log;
    let try_log = |id| async move {
        logged(id, 2, log_ref).await;
        Ok::<_, ()>(id)
    };
    assert_eq!(
        drive(try_join((try_log(0), try_log(1), try_log(2)), false)),
        Ok((0, 1, 2))
    );
    assert_eq!(*log.borrow(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);
}

#[test]
fn biased_rounds_keep_argument_order() {
    let log = RefCell::new(Vec::new());
    drive(join(
        (logged(0, 2, &log), logged(1, 2, &log), logged(2, 2, &log)),
        true,
    ));
    assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
}

#[test]
fn select_start_covers_every_branch_and_stays_in_range() {
    let mut seen = [0u32; 5];
    for _ in 0..1000 {
        seen[select_start(5) as usize] += 1;
    }
    assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
    assert_eq!(select_start(1), 0);
}
