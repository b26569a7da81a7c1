//! Unit tests of the sync primitives' protocols, driven by hand (no runtime) so they run
//! under Miri: `cargo +nightly miri test -p weft --lib sync`.

use super::*;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

/// A waker that counts its wakes.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    (count, waker)
}

fn wakes(count: &Count) -> usize {
    count.0.load(SeqCst)
}

fn poll<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Drives `future` to completion on this thread (parks while pending).
fn block_on<F: Future>(future: F) -> F::Output {
    park::block_on("test", "await", future)
}

#[test]
fn semaphore_serves_waiters_in_fifo_order() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (c1, w1) = counter();
    let (c2, w2) = counter();
    let mut a = pin!(sem.acquire());
    let mut b = pin!(sem.acquire());
    assert!(poll(a.as_mut(), &w1).is_pending());
    assert!(poll(b.as_mut(), &w2).is_pending());
    // A newcomer may not jump the queue.
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(held);
    assert_eq!((wakes(&c1), wakes(&c2)), (1, 0));
    assert!(poll(b.as_mut(), &w2).is_pending());
    let pa = match poll(a.as_mut(), &w1) {
        Poll::Ready(p) => p.unwrap(),
        Poll::Pending => panic!("the first waiter was granted the permit"),
    };
    drop(pa);
    assert_eq!(wakes(&c2), 1);
    assert!(poll(b.as_mut(), &w2).is_ready());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn acquire_many_at_the_front_is_not_overtaken() {
    let sem = Semaphore::new(2);
    let (_c, w) = counter();
    let mut big = pin!(sem.acquire_many(3));
    assert!(poll(big.as_mut(), &w).is_pending());
    // The two free permits went to the big request; a small one must wait behind it.
    assert_eq!(sem.available_permits(), 0);
    let mut small = pin!(sem.acquire());
    assert!(poll(small.as_mut(), &w).is_pending());
    sem.add_permits(1);
    assert!(poll(small.as_mut(), &w).is_pending());
    assert!(matches!(poll(big.as_mut(), &w), Poll::Ready(Ok(ref p)) if p.num_permits() == 3));
}

#[test]
fn a_dropped_waiter_hands_its_partial_grant_on() {
    let sem = Semaphore::new(2);
    let (_c, w) = counter();
    let (c2, w2) = counter();
    let mut big = Box::pin(sem.acquire_many(3));
    assert!(poll(big.as_mut(), &w).is_pending());
    let mut next = pin!(sem.acquire_many(2));
    assert!(poll(next.as_mut(), &w2).is_pending());
    drop(big);
    assert_eq!(
        wakes(&c2),
        1,
        "the permits the big request held went to the next waiter"
    );
    assert!(poll(next.as_mut(), &w2).is_ready());
}

#[test]
fn a_chosen_waiter_dropped_before_its_poll_loses_no_wakeup() {
    let sem = Semaphore::new(0);
    let (c1, w1) = counter();
    let (c2, w2) = counter();
    let mut first = Box::pin(sem.acquire());
    let mut second = pin!(sem.acquire());
    assert!(poll(first.as_mut(), &w1).is_pending());
    assert!(poll(second.as_mut(), &w2).is_pending());
    sem.add_permits(1);
    assert_eq!(wakes(&c1), 1);
    // Chosen, but cancelled before it could take the permit.
    drop(first);
    assert_eq!(wakes(&c2), 1);
    assert!(poll(second.as_mut(), &w2).is_ready());
}

#[test]
fn closing_a_semaphore_fails_waiters_and_later_acquires() {
    let sem = Semaphore::new(0);
    let (c, w) = counter();
    let mut waiter = pin!(sem.acquire());
    assert!(poll(waiter.as_mut(), &w).is_pending());
    sem.close();
    assert_eq!(wakes(&c), 1);
    assert!(matches!(poll(waiter.as_mut(), &w), Poll::Ready(Err(_))));
    assert!(block_on(sem.acquire()).is_err());
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    // Releasing after close is harmless.
    sem.add_permits(2);
}

#[test]
fn semaphore_threads_never_exceed_the_permits() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (sem, inside) = (sem.clone(), inside.clone());
            thread::spawn(move || {
                for _ in 0..5 {
                    let _p = block_on(sem.acquire()).unwrap();
                    assert!(inside.fetch_add(1, SeqCst) < 2);
                    thread::yield_now();
                    inside.fetch_sub(1, SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn mutex_and_rwlock_exclude_as_promised() {
    let m = Mutex::new(1);
    let g = m.try_lock().unwrap();
    assert!(m.try_lock().is_err());
    drop(g);
    *block_on(m.lock()) += 1;
    assert_eq!(m.into_inner(), 2);

    let l = RwLock::new(0);
    let (r1, r2) = (l.try_read().unwrap(), l.try_read().unwrap());
    assert!(l.try_write().is_err());
    let (c, w) = counter();
    let mut writer = pin!(l.write());
    assert!(poll(writer.as_mut(), &w).is_pending());
    // A writer waits: new readers queue behind it.
    assert!(l.try_read().is_err());
    drop((r1, r2));
    assert_eq!(wakes(&c), 1);
    match poll(writer.as_mut(), &w) {
        Poll::Ready(mut g) => *g = 5,
        Poll::Pending => panic!("the readers left"),
    }
    assert_eq!(*l.try_read().unwrap(), 5);
}

#[test]
fn notify_one_stores_a_single_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    let (_c, w) = counter();
    assert!(poll(pin!(n.notified()), &w).is_ready());
    assert!(poll(pin!(n.notified()), &w).is_pending());
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let n = Notify::new();
    let (c1, w1) = counter();
    let (c2, w2) = counter();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll(a.as_mut(), &w1).is_pending());
    assert!(poll(b.as_mut(), &w2).is_pending());
    n.notify_one();
    assert_eq!((wakes(&c1), wakes(&c2)), (1, 0));
    assert!(poll(a.as_mut(), &w1).is_ready());
    assert!(poll(b.as_mut(), &w2).is_pending());
    n.notify_one();
    assert!(poll(b.as_mut(), &w2).is_ready());
}

#[test]
fn notify_waiters_reaches_futures_created_before_it() {
    let n = Notify::new();
    let (_c, w) = counter();
    let unpolled = n.notified();
    let mut polled = pin!(n.notified());
    assert!(poll(polled.as_mut(), &w).is_pending());
    n.notify_waiters();
    assert!(poll(polled.as_mut(), &w).is_ready());
    assert!(poll(pin!(unpolled), &w).is_ready());
    // No permit is stored for later waiters.
    assert!(poll(pin!(n.notified()), &w).is_pending());
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let n = Notify::new();
    let (_c1, w1) = counter();
    let (c2, w2) = counter();
    let mut a = Box::pin(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll(a.as_mut(), &w1).is_pending());
    assert!(poll(b.as_mut(), &w2).is_pending());
    n.notify_one();
    drop(a);
    assert_eq!(wakes(&c2), 1);
    assert!(poll(b.as_mut(), &w2).is_ready());

    // With nobody else waiting, it becomes the stored permit.
    let mut c = Box::pin(n.notified());
    assert!(poll(c.as_mut(), &w1).is_pending());
    n.notify_one();
    drop(c);
    assert!(poll(pin!(n.notified()), &w1).is_ready());
}

#[test]
fn event_wakes_every_waiter_and_stays_set() {
    let e = Event::new();
    let (c, w) = counter();
    let mut a = pin!(e.wait());
    let mut b = pin!(e.wait());
    assert!(poll(a.as_mut(), &w).is_pending());
    assert!(poll(b.as_mut(), &w).is_pending());
    e.set();
    assert_eq!(wakes(&c), 2);
    // Cleared right after: tasks woken by the set still return, as in asyncio.
    e.clear();
    assert!(poll(a.as_mut(), &w).is_ready());
    assert!(poll(b.as_mut(), &w).is_ready());
    assert!(poll(pin!(e.wait()), &w).is_pending());
    e.set();
    assert!(poll(pin!(e.wait()), &w).is_ready());
}

#[test]
fn barrier_releases_each_round_with_one_leader() {
    let b = Barrier::new(2);
    let (c, w) = counter();
    for _ in 0..3 {
        let mut first = pin!(b.wait());
        assert!(poll(first.as_mut(), &w).is_pending());
        let second = block_on(b.wait());
        assert!(second.is_leader());
        match poll(first.as_mut(), &w) {
            Poll::Ready(r) => assert!(!r.is_leader()),
            Poll::Pending => panic!("the round is complete"),
        }
    }
    assert_eq!(wakes(&c), 3);
}

#[test]
fn oneshot_send_recv_drop_and_close() {
    let (tx, rx) = oneshot::channel();
    tx.send(1).unwrap();
    assert_eq!(block_on(rx), Ok(1));

    let (tx, rx) = oneshot::channel::<u8>();
    let (c, w) = counter();
    let mut rx = pin!(rx);
    assert!(poll(rx.as_mut(), &w).is_pending());
    drop(tx);
    assert_eq!(wakes(&c), 1);
    assert!(matches!(poll(rx.as_mut(), &w), Poll::Ready(Err(_))));

    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert_eq!(tx.send(String::from("back")), Err(String::from("back")));

    let (tx, mut rx) = oneshot::channel();
    tx.send(3).unwrap();
    rx.close();
    // Sent before the close: still receivable.
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn oneshot_receiver_can_change_its_waker() {
    let (tx, rx) = oneshot::channel();
    let (c1, w1) = counter();
    let (c2, w2) = counter();
    let mut rx = pin!(rx);
    assert!(poll(rx.as_mut(), &w1).is_pending());
    assert!(poll(rx.as_mut(), &w2).is_pending());
    tx.send(()).unwrap();
    assert_eq!((wakes(&c1), wakes(&c2)), (0, 1));
    assert!(poll(rx.as_mut(), &w2).is_ready());
}

#[test]
fn oneshot_sender_sees_the_receiver_close() {
    let (mut tx, rx) = oneshot::channel::<()>();
    let (c, w) = counter();
    assert!(tx.poll_closed(&mut Context::from_waker(&w)).is_pending());
    drop(rx);
    assert_eq!(wakes(&c), 1);
    assert!(tx.poll_closed(&mut Context::from_waker(&w)).is_ready());
}

#[test]
fn oneshot_across_threads() {
    for _ in 0..10 {
        let (tx, rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(Box::new(7)).unwrap());
        assert_eq!(*block_on(rx).unwrap(), 7);
        t.join().unwrap();
    }
}

#[test]
fn bounded_channel_applies_backpressure_and_keeps_order() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert!(matches!(
        tx.try_send(3),
        Err(mpsc::error::TrySendError::Full(3))
    ));
    let (c, w) = counter();
    let mut send = pin!(tx.send(3));
    assert!(poll(send.as_mut(), &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        wakes(&c),
        1,
        "taking a message makes room for the waiting sender"
    );
    assert!(matches!(poll(send.as_mut(), &w), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Empty));
}

#[test]
fn channel_ends_when_senders_go_and_fails_sends_when_closed() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (c, w) = counter();
    let tx2 = tx.clone();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(block_on(rx.recv()), Some(1));
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &w).is_pending());
        drop(tx2);
        assert_eq!(wakes(&c), 1);
        assert_eq!(poll(recv.as_mut(), &w), Poll::Ready(None));
    }

    let (tx, mut rx) = mpsc::channel(1);
    let mut send = pin!(tx.send(2));
    tx.try_send(1).unwrap();
    assert!(poll(send.as_mut(), &w).is_pending());
    rx.close();
    assert!(matches!(poll(send.as_mut(), &w), Poll::Ready(Err(_))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn dropping_the_receiver_drops_queued_messages() {
    let alive = Arc::new(());
    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..3 {
        tx.send(alive.clone()).unwrap();
    }
    drop(rx);
    assert_eq!(Arc::strong_count(&alive), 1);
    assert!(tx.send(alive.clone()).is_err());
}

#[test]
fn mpsc_across_threads_delivers_everything_in_per_sender_order() {
    let (tx, mut rx) = mpsc::channel(4);
    let senders: Vec<_> = (0..3u32)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..20u32 {
                    tx.blocking_send((s, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u32; 3];
    while let Some((s, i)) = rx.blocking_recv() {
        assert_eq!(next[s as usize], i);
        next[s as usize] += 1;
    }
    assert_eq!(next, [20; 3]);
    for t in senders {
        t.join().unwrap();
    }
}

#[test]
fn receivers_are_streams() {
    use futures_core::Stream;
    let (tx, mut rx) = mpsc::channel(2);
    let (utx, mut urx) = mpsc::unbounded_channel();
    tx.try_send(1).unwrap();
    utx.send(2).unwrap();
    drop((tx, utx));
    let (_c, w) = counter();
    let mut cx = Context::from_waker(&w);
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
    assert_eq!(Pin::new(&mut urx).poll_next(&mut cx), Poll::Ready(Some(2)));
    assert_eq!(Pin::new(&mut urx).poll_next(&mut cx), Poll::Ready(None));
}

/// A waker that counts its drops.
struct DropCount(Arc<AtomicUsize>);

impl Wake for DropCount {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn drop_counting_waker() -> (Arc<AtomicUsize>, Waker) {
    let drops = Arc::new(AtomicUsize::new(0));
    (drops.clone(), Waker::from(Arc::new(DropCount(drops))))
}

#[test]
fn oneshot_wakers_go_when_their_side_is_done() {
    // The receiver dropped while waiting.
    let (tx, mut rx) = oneshot::channel::<Box<u8>>();
    let (drops, w) = drop_counting_waker();
    assert!(poll(Pin::new(&mut rx), &w).is_pending());
    drop(w);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(*tx.send(Box::new(1)).unwrap_err(), 1);

    // The receiver closed before the send, then polled to its end.
    let (tx, mut rx) = oneshot::channel::<Box<u8>>();
    let (drops, w) = drop_counting_waker();
    assert!(poll(Pin::new(&mut rx), &w).is_pending());
    rx.close();
    assert!(matches!(poll(Pin::new(&mut rx), &w), Poll::Ready(Err(_))));
    drop(w);
    assert_eq!(drops.load(SeqCst), 1);
    drop((tx, rx));

    // The sender waiting in `closed()`, then sending.
    let (mut tx, rx) = oneshot::channel::<Box<u8>>();
    let (drops, w) = drop_counting_waker();
    assert!(poll(pin!(tx.closed()), &w).is_pending());
    drop(w);
    tx.send(Box::new(2)).unwrap();
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(*block_on(rx).unwrap(), 2);
}

#[test]
fn mpsc_permits_granted_before_close_still_deliver() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = tx.try_reserve().unwrap();
    let owned = tx.clone().try_reserve_owned().unwrap();
    rx.close();
    assert!(tx.try_reserve().is_err());
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Empty));
    permit.send(Box::new(1));
    let (c, w) = counter();
    assert!(matches!(poll(pin!(rx.recv()), &w), Poll::Ready(Some(b)) if *b == 1));
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &w).is_pending());
        drop(owned.release());
        assert_eq!(wakes(&c), 1, "the last permit's end wakes the receiver");
        assert_eq!(poll(recv.as_mut(), &w), Poll::Ready(None));
    }
    // After the receiver is dropped, a permit's message is dropped at once.
    let (tx, rx) = mpsc::channel(1);
    let permit = tx.try_reserve().unwrap();
    drop(rx);
    let alive = Arc::new(());
    permit.send(alive.clone());
    assert_eq!(Arc::strong_count(&alive), 1);
}

#[test]
fn waiters_out_of_budget_hold_their_place() {
    fn out_of_budget<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
        weft_io::coop::budget(|| {
            let mut cx = Context::from_waker(Waker::noop());
            while let Poll::Ready(p) = weft_io::coop::poll_proceed(&mut cx) {
                p.made_progress();
            }
            fut.poll(&mut cx)
        })
    }
    let w = Waker::noop();
    // A free permit taken while out of budget is held, and released if dropped.
    let sem = Semaphore::new(1);
    let mut a = Box::pin(sem.acquire());
    assert!(out_of_budget(a.as_mut()).is_pending());
    assert_eq!(sem.available_permits(), 0);
    let mut b = pin!(sem.acquire());
    assert!(poll(b.as_mut(), w).is_pending());
    drop(a);
    assert!(poll(b.as_mut(), w).is_ready());

    // A `notify_one` notification taken while out of budget is returned on the next poll.
    let notify = Notify::new();
    notify.notify_one();
    let mut n = pin!(notify.notified());
    assert!(out_of_budget(n.as_mut()).is_pending());
    let mut late = pin!(notify.notified());
    assert!(poll(late.as_mut(), w).is_pending());
    assert!(poll(n.as_mut(), w).is_ready());
}

#[test]
fn a_replaced_waker_is_dropped_outside_the_lock() {
    struct Reenter(Arc<Notify>);
    impl Wake for Reenter {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for Reenter {
        fn drop(&mut self) {
            // Takes the wait-list lock (a waiter is queued).
            self.0.notify_one();
        }
    }
    let notify = Arc::new(Notify::new());
    let mut n = pin!(notify.notified());
    let w = Waker::from(Arc::new(Reenter(notify.clone())));
    assert!(poll(n.as_mut(), &w).is_pending());
    drop(w);
    let (_c, w2) = counter();
    assert!(poll(n.as_mut(), &w2).is_pending());
    assert!(poll(n.as_mut(), &w2).is_ready());
}
