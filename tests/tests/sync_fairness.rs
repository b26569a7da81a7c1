//! Waiters keep their FIFO place even when their task has spent its cooperative budget:
//! a task that must yield (`weft::task::coop`) still queues where it arrived, so a task
//! that starts waiting after it cannot overtake it.
//!
//! Each test polls by hand: task A's future is polled inside a budgeted poll whose budget
//! is spent, then task B's future is polled; when the resource comes free, A gets it.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft::sync::{mpsc, Mutex, Notify, RwLock, Semaphore};
use weft::task::coop;
use weft_tests::within;

fn poll_with<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Polls `future` once the way a task out of budget would: inside a budgeted poll, after
/// spending the whole budget on other always-ready operations.
fn poll_out_of_budget<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    coop::budget(|| {
        let mut cx = Context::from_waker(Waker::noop());
        let mut spent = 0;
        while let Poll::Ready(progress) = coop::poll_proceed(&mut cx) {
            progress.made_progress();
            spent += 1;
        }
        assert_eq!(spent, coop::BUDGET as usize);
        assert!(!coop::has_budget_remaining());
        future.poll(&mut cx)
    })
}

#[test]
fn a_lock_waiter_out_of_budget_keeps_its_place_in_the_queue() {
    within(|| {
        let m = Mutex::new(Vec::new());
        let guard = m.try_lock().unwrap();
        let mut a = pin!(async {
            m.lock().await.push('a');
        });
        let mut b = pin!(async {
            m.lock().await.push('b');
        });
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        drop(guard);
        assert!(
            poll_with(b.as_mut(), Waker::noop()).is_pending(),
            "B is behind A"
        );
        assert!(poll_with(a.as_mut(), Waker::noop()).is_ready());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_ready());
        assert_eq!(*m.try_lock().unwrap(), ['a', 'b']);
    });
}

#[test]
fn a_free_lock_taken_out_of_budget_is_not_overtaken() {
    within(|| {
        let m = Mutex::new(Vec::new());
        let mut a = pin!(async {
            m.lock().await.push('a');
        });
        // The lock is free, but A must yield first: it holds its turn while it does.
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        let mut b = pin!(async {
            m.lock().await.push('b');
        });
        assert!(
            poll_with(b.as_mut(), Waker::noop()).is_pending(),
            "B is behind A"
        );
        assert!(poll_with(a.as_mut(), Waker::noop()).is_ready());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_ready());
        assert_eq!(*m.try_lock().unwrap(), ['a', 'b']);
    });
}

#[test]
fn a_rwlock_writer_out_of_budget_keeps_its_place_in_the_queue() {
    within(|| {
        let l = RwLock::new(Vec::new());
        let reader = l.try_read().unwrap();
        let mut writer = pin!(async {
            l.write().await.push('w');
        });
        let mut late_reader = pin!(async { l.read().await.len() });
        assert!(poll_out_of_budget(writer.as_mut()).is_pending());
        // The writer waits for the reader; the late reader must wait behind it.
        assert!(poll_with(late_reader.as_mut(), Waker::noop()).is_pending());
        drop(reader);
        assert!(poll_with(late_reader.as_mut(), Waker::noop()).is_pending());
        assert!(poll_with(writer.as_mut(), Waker::noop()).is_ready());
        assert_eq!(
            poll_with(late_reader.as_mut(), Waker::noop()),
            Poll::Ready(1),
            "the reader came after the write"
        );
    });
}

#[test]
fn an_acquire_many_out_of_budget_keeps_its_place_in_the_queue() {
    within(|| {
        let sem = Semaphore::new(1);
        let held = sem.try_acquire().unwrap();
        let mut a = pin!(sem.acquire_many(2));
        let mut b = pin!(sem.acquire());
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        drop(held);
        // One permit is free, enough for B, but A asked first.
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        sem.add_permits(1);
        match poll_with(a.as_mut(), Waker::noop()) {
            Poll::Ready(Ok(p)) => assert_eq!(p.num_permits(), 2),
            _ => panic!("A gets its two permits first"),
        }
        assert!(poll_with(b.as_mut(), Waker::noop()).is_ready());
    });
}

#[test]
fn a_dropped_acquire_that_was_holding_its_turn_gives_the_permits_back() {
    within(|| {
        let sem = Semaphore::new(1);
        let mut a = Box::pin(sem.acquire());
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        assert_eq!(sem.available_permits(), 0);
        drop(a);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_sender_out_of_budget_keeps_its_place_waiting_for_room() {
    within(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let mut a = pin!(tx.send(1));
        let mut b = pin!(tx.send(2));
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        assert!(matches!(
            poll_with(a.as_mut(), Waker::noop()),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(matches!(
            poll_with(b.as_mut(), Waker::noop()),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

#[test]
fn a_notified_out_of_budget_keeps_its_place_in_the_queue() {
    within(|| {
        let notify = Arc::new(Notify::new());
        let mut a = pin!(notify.notified());
        let mut b = pin!(notify.notified());
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        assert!(poll_with(b.as_mut(), Waker::noop()).is_pending());
        notify.notify_one();
        assert!(
            poll_with(b.as_mut(), Waker::noop()).is_pending(),
            "B is behind A"
        );
        assert!(poll_with(a.as_mut(), Waker::noop()).is_ready());
        notify.notify_one();
        assert!(poll_with(b.as_mut(), Waker::noop()).is_ready());
    });
}

#[test]
fn a_notified_dropped_while_holding_its_turn_passes_it_on() {
    within(|| {
        let notify = Notify::new();
        notify.notify_one(); // stored: nobody waits
        let mut a = Box::pin(notify.notified());
        // Out of budget, A takes the stored notification (its turn) but must yield.
        assert!(poll_out_of_budget(a.as_mut()).is_pending());
        let mut b = pin!(notify.notified());
        assert!(
            poll_with(b.as_mut(), Waker::noop()).is_pending(),
            "B is behind A"
        );
        // A is cancelled before it returns: its notification goes to B.
        drop(a);
        assert!(poll_with(b.as_mut(), Waker::noop()).is_ready());
    });
}
