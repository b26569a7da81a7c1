//! How the sync primitives treat the wakers they store: a waker is let go as soon as
//! nobody can wake it any more (a dropped receiver's waker does not live on in the
//! channel), and a waker is replaced, dropped and woken outside the primitive's internal
//! lock, so a waker whose `Drop` uses the same primitive (or completes a task that does)
//! cannot deadlock it.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft::sync::{mpsc, oneshot, Mutex, Notify, Semaphore};
use weft_tests::within;

fn poll_with<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// A waker that runs `on_drop` when its last clone is dropped, and counts that.
struct OnDropWaker<D: Fn() + Send + Sync + 'static> {
    on_drop: D,
    dropped: Arc<AtomicUsize>,
}

impl<D: Fn() + Send + Sync + 'static> Wake for OnDropWaker<D> {
    fn wake(self: Arc<Self>) {}
}

impl<D: Fn() + Send + Sync + 'static> Drop for OnDropWaker<D> {
    fn drop(&mut self) {
        (self.on_drop)();
        self.dropped.fetch_add(1, SeqCst);
    }
}

/// A waker running `on_drop` when dropped, and the count of such drops (0 or 1).
fn waker_on_drop(on_drop: impl Fn() + Send + Sync + 'static) -> (Waker, Arc<AtomicUsize>) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let waker = Waker::from(Arc::new(OnDropWaker {
        on_drop,
        dropped: dropped.clone(),
    }));
    (waker, dropped)
}

#[test]
fn dropping_a_bounded_receiver_drops_its_waker() {
    within(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let (waker, dropped) = waker_on_drop(|| {});
        assert!(poll_with(pin!(rx.recv()), &waker).is_pending());
        drop(waker);
        assert_eq!(dropped.load(SeqCst), 0, "the channel holds the waker");
        drop(rx);
        assert_eq!(dropped.load(SeqCst), 1, "dropped with the receiver");
        assert!(tx.is_closed());
    });
}

#[test]
fn dropping_an_unbounded_receiver_drops_its_waker() {
    within(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let (waker, dropped) = waker_on_drop(|| {});
        assert!(poll_with(pin!(rx.recv()), &waker).is_pending());
        drop(waker);
        drop(rx);
        assert_eq!(dropped.load(SeqCst), 1, "dropped with the receiver");
        assert!(tx.send(1).is_err());
    });
}

#[test]
fn dropping_a_oneshot_receiver_drops_its_waker() {
    within(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let (waker, dropped) = waker_on_drop(|| {});
        assert!(poll_with(Pin::new(&mut rx), &waker).is_pending());
        drop(waker);
        assert_eq!(dropped.load(SeqCst), 0, "the channel holds the waker");
        drop(rx);
        assert_eq!(dropped.load(SeqCst), 1, "dropped with the receiver");
        assert!(tx.is_closed());
    });
}

#[test]
fn a_oneshot_receiver_closed_before_the_send_lets_its_waker_go() {
    within(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let (waker, dropped) = waker_on_drop(|| {});
        assert!(poll_with(Pin::new(&mut rx), &waker).is_pending());
        drop(waker);
        rx.close();
        // Closed before anything was sent: the receiver completes with the error and
        // nobody will wake its waker again.
        assert!(matches!(
            poll_with(Pin::new(&mut rx), Waker::noop()),
            Poll::Ready(Err(_))
        ));
        assert_eq!(dropped.load(SeqCst), 1);
        assert_eq!(tx.send(1), Err(1));
    });
}

#[test]
fn a_oneshot_sender_lets_its_closed_waker_go_when_it_sends() {
    within(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let (waker, dropped) = waker_on_drop(|| {});
        assert!(poll_with(pin!(tx.closed()), &waker).is_pending());
        drop(waker);
        assert_eq!(dropped.load(SeqCst), 0, "the channel holds the waker");
        tx.send(1).unwrap();
        assert_eq!(dropped.load(SeqCst), 1, "nobody can wake it after the send");
        assert_eq!(weft_tests::park_on(rx), Ok(1));
    });
}

#[test]
fn a_receiver_waker_replaced_while_waiting_may_use_the_channel_in_its_drop() {
    within(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let tx2 = tx.clone();
        let (waker, dropped) = waker_on_drop(move || {
            // Takes the channel's lock: must not run while the receiver holds it.
            let _ = tx2.send(7);
        });
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_with(recv.as_mut(), &waker).is_pending());
            drop(waker);
            // A new waker replaces the old one, whose drop sends.
            assert_eq!(poll_with(recv.as_mut(), Waker::noop()), Poll::Pending);
            assert_eq!(dropped.load(SeqCst), 1);
        }
        assert_eq!(rx.try_recv(), Ok(7));
    });
}

#[test]
fn a_receiver_waker_dropped_with_the_receiver_may_use_the_channel_in_its_drop() {
    within(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let tx2 = tx.clone();
        let (waker, dropped) = waker_on_drop(move || {
            assert!(tx2.try_send(7).is_err(), "the receiver is gone");
        });
        assert!(poll_with(pin!(rx.recv()), &waker).is_pending());
        drop(waker);
        drop(rx);
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn a_notified_waker_replaced_while_waiting_may_notify_in_its_drop() {
    within(|| {
        let notify = Arc::new(Notify::new());
        let n2 = notify.clone();
        let (waker, dropped) = waker_on_drop(move || n2.notify_one());
        let mut notified = pin!(notify.notified());
        assert!(poll_with(notified.as_mut(), &waker).is_pending());
        drop(waker);
        // Replacing the waker drops the old one, which notifies this very waiter.
        let second = poll_with(notified.as_mut(), Waker::noop());
        assert_eq!(dropped.load(SeqCst), 1);
        if second.is_pending() {
            assert!(poll_with(notified.as_mut(), Waker::noop()).is_ready());
        }
    });
}

#[test]
fn an_acquire_waker_replaced_while_waiting_may_release_in_its_drop() {
    within(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        let (waker, dropped) = waker_on_drop(move || s2.add_permits(1));
        let mut acquire = pin!(sem.acquire());
        assert!(poll_with(acquire.as_mut(), &waker).is_pending());
        drop(waker);
        // The old waker's drop adds the permit this waiter waits for.
        let second = poll_with(acquire.as_mut(), Waker::noop());
        assert_eq!(dropped.load(SeqCst), 1);
        let permit = match second {
            Poll::Ready(p) => p,
            Poll::Pending => match poll_with(acquire.as_mut(), Waker::noop()) {
                Poll::Ready(p) => p,
                Poll::Pending => panic!("the added permit went to the waiter"),
            },
        };
        assert_eq!(permit.unwrap().num_permits(), 1);
    });
}

#[test]
fn a_lock_waker_dropped_with_its_cancelled_future_may_unlock_in_its_drop() {
    within(|| {
        let m = Arc::new(Mutex::new(0));
        let guard = Arc::new(std::sync::Mutex::new(Some(
            m.clone().try_lock_owned().unwrap(),
        )));
        let g2 = guard.clone();
        // The waker's drop unlocks the mutex (dropping the guard releases to the queue).
        let (waker, dropped) = waker_on_drop(move || drop(g2.lock().unwrap().take()));
        {
            let mut lock = Box::pin(m.lock());
            assert!(poll_with(lock.as_mut(), &waker).is_pending());
            drop(waker);
            let mut other = Box::pin(m.lock());
            assert!(poll_with(other.as_mut(), Waker::noop()).is_pending());
            drop(lock); // leaves the queue; its waker goes with it
            assert_eq!(dropped.load(SeqCst), 1);
            assert!(poll_with(other.as_mut(), Waker::noop()).is_ready());
        }
        assert!(guard.lock().unwrap().is_none());
    });
}
