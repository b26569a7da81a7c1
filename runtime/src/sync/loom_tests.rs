//! loom models of the sync primitives' core races, one model per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.
//!
//! Every model waits with `loom::model::block_on`, which parks: a lost wakeup leaves a
//! thread parked forever, and loom reports that as a deadlock.

use super::*;
use crate::loom::model::block_on;
use crate::loom::{thread, Arc};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Waker};

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(future: &mut F) -> bool {
    std::pin::Pin::new(future)
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

/// A permit released while one task waits for it and another waiter is dropped: the
/// waiting task gets the permit (no lost wakeup), and no permit is lost or duplicated.
#[test]
fn semaphore_acquire_vs_release_vs_waiter_drop() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        sem.try_acquire().unwrap().forget();
        let releaser = thread::spawn({
            let sem = sem.clone();
            move || sem.release(1)
        });
        let acquirer = thread::spawn({
            let sem = sem.clone();
            move || drop(block_on(sem.acquire()).unwrap())
        });
        // A waiter that queues (or wins the permit, and drops it at once), then is dropped.
        let mut dropped = Box::pin(sem.acquire());
        let _ = poll_once(&mut dropped);
        drop(dropped);
        releaser.join().unwrap();
        acquirer.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// `acquire_many` granted in parts by two concurrent releases completes exactly once,
/// with nothing left over.
#[test]
fn semaphore_acquire_many_vs_two_releases() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releasers: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || sem.release(1))
            })
            .collect();
        let permit = block_on(sem.acquire_many(2)).unwrap();
        assert_eq!(permit.num_permits(), 2);
        for r in releasers {
            r.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 0);
        drop(permit);
        assert_eq!(sem.available_permits(), 2);
    });
}

/// A waiter racing `close`: it either gets its permit or an error, never hangs.
#[test]
fn semaphore_acquire_vs_close() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let closer = thread::spawn({
            let sem = sem.clone();
            move || sem.close()
        });
        assert!(block_on(sem.acquire()).is_err());
        closer.join().unwrap();
    });
}

/// Two tasks incrementing under the async mutex: no lost update, no lost wakeup.
#[test]
fn mutex_lock_vs_unlock() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let other = thread::spawn({
            let m = m.clone();
            move || *block_on(m.lock()) += 1
        });
        *block_on(m.lock()) += 1;
        other.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

/// A writer racing a reader: each gets the lock in turn, the writer alone (the reader
/// sees the value before or after the write, never a torn state), and neither sleeps
/// through the other's release.
#[test]
fn rwlock_writer_vs_reader() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new((0u8, 0u8)));
        let writer = thread::spawn({
            let lock = lock.clone();
            move || {
                let mut g = block_on(lock.write());
                g.0 = 1;
                g.1 = 1;
            }
        });
        let seen = *block_on(lock.read());
        assert!(seen == (0, 0) || seen == (1, 1));
        writer.join().unwrap();
        assert_eq!(*lock.try_read().unwrap(), (1, 1));
    });
}

/// Two tasks meeting at a barrier of two: both leave, exactly one as the leader, whichever
/// arrives second.
#[test]
fn barrier_wait_vs_wait() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let other = thread::spawn({
            let barrier = barrier.clone();
            move || block_on(barrier.wait()).is_leader()
        });
        let mine = block_on(barrier.wait()).is_leader();
        let theirs = other.join().unwrap();
        assert!(mine != theirs);
    });
}

/// `notify_one` racing a task registering: the task completes, whether the notification
/// arrives as a wakeup or as the stored permit.
#[test]
fn notify_one_vs_register() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notifier = thread::spawn({
            let notify = notify.clone();
            move || notify.notify_one()
        });
        block_on(notify.notified());
        notifier.join().unwrap();
    });
}

/// `notify_waiters` racing a waiter that checks a flag after creating its `Notified`
/// (the `Event` pattern): the waiter either sees the flag or is woken.
#[test]
fn notify_waiters_vs_check_then_wait() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let setter = thread::spawn({
            let event = event.clone();
            move || event.set()
        });
        block_on(event.wait());
        setter.join().unwrap();
    });
}

/// A waiter chosen by `notify_one` and dropped before it completes passes the
/// notification on: the other waiter completes.
#[test]
fn notify_one_vs_dropped_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut first = Box::pin(notify.notified());
        assert!(!poll_once(&mut first));
        let notifier = thread::spawn({
            let notify = notify.clone();
            move || notify.notify_one()
        });
        let other = thread::spawn({
            let notify = notify.clone();
            move || block_on(notify.notified())
        });
        drop(first);
        notifier.join().unwrap();
        other.join().unwrap();
    });
}

/// `send` racing the receiver's poll: the value arrives.
#[test]
fn oneshot_send_vs_recv() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx), Ok(7));
        sender.join().unwrap();
    });
}

/// The sender dropped unsent, racing the receiver's poll: the receiver sees the end.
#[test]
fn oneshot_sender_drop_vs_recv() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let dropper = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        dropper.join().unwrap();
    });
}

/// `send` racing the receiver's drop: the value is dropped exactly once, on one side or
/// the other, and a failed send hands it back.
#[test]
fn oneshot_send_vs_receiver_drop() {
    loom::model(|| {
        let value = std::sync::Arc::new(());
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn({
            let value = value.clone();
            move || tx.send(value).is_ok()
        });
        drop(rx);
        let _sent = sender.join().unwrap();
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    });
}

/// The receiver closing while the sender waits in `closed()`: the sender is woken.
#[test]
fn oneshot_closed_vs_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<()>();
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        dropper.join().unwrap();
    });
}

/// A message and the last sender's drop racing the receiver: it gets the message, then
/// the end, and never sleeps through either.
#[test]
fn mpsc_send_and_drop_vs_recv() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let sender = thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// A sender waiting for room in a full bounded channel, racing the receiver taking a
/// message: the room is handed over and the send completes.
#[test]
fn mpsc_send_waiting_for_room_vs_recv() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(2)).unwrap());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        sender.join().unwrap();
    });
}

/// The receiver closing while a sender waits for room: the sender fails instead of
/// waiting forever, and every message is dropped exactly once.
#[test]
fn mpsc_send_waiting_for_room_vs_close() {
    loom::model(|| {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        struct Counted(std::sync::Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(Counted(drops.clone())).unwrap();
        let sender = thread::spawn({
            let drops = drops.clone();
            move || {
                let _ = block_on(tx.send(Counted(drops)));
            }
        });
        rx.close();
        while let Ok(msg) = rx.try_recv() {
            drop(msg);
        }
        sender.join().unwrap();
        drop(rx);
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A reservation racing the receiver's close, then a send through it: the permit is
/// either refused (granted after the close) or its message is delivered, and the
/// receiver sees the end only after it.
#[test]
fn mpsc_permit_send_vs_close_and_recv() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = thread::spawn(move || match tx.try_reserve() {
            Ok(permit) => {
                permit.send(7);
                true
            }
            Err(_) => false,
        });
        rx.close();
        let got = block_on(rx.recv());
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(7));
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A permit granted before the close and dropped unused while the receiver waits for
/// it: the receiver is woken and sees the end.
#[test]
fn mpsc_unused_permit_drop_vs_close_and_recv() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        // Released without sending; the permit's sender stays alive (as `tx` does), so
        // only the permit's end can end the channel.
        let dropper = thread::spawn(move || permit.release());
        rx.close();
        assert_eq!(block_on(rx.recv()), None);
        drop(dropper.join().unwrap());
        drop(tx);
    });
}

/// A `reserve` waiting for room, granted it by a receive, racing the receiver's close:
/// it either completes before the close (and its message is delivered) or fails; the
/// receiver never waits forever.
#[test]
fn mpsc_pending_reserve_vs_close() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        let sender = thread::spawn(move || match block_on(tx2.reserve()) {
            Ok(permit) => {
                permit.send(2);
                true
            }
            Err(_) => false,
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        rx.close();
        let got = block_on(rx.recv());
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(2));
        drop(tx);
    });
}

/// A `reserve` cancelled (after one poll, which may have reserved) concurrently with
/// the close: nothing stays outstanding, and the receiver sees the end.
#[test]
fn mpsc_cancelled_reserve_vs_close() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        let canceller = thread::spawn(move || {
            let mut reserve = Box::pin(tx2.reserve());
            let _ = poll_once(&mut reserve);
            drop(reserve);
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        rx.close();
        assert_eq!(block_on(rx.recv()), None);
        canceller.join().unwrap();
        drop(tx);
    });
}

/// A waker that counts its drops (loom does not see this counter; it only reports it).
struct DropCount(std::sync::Arc<AtomicUsize>);

impl std::task::Wake for DropCount {
    fn wake(self: std::sync::Arc<Self>) {}
}

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn drop_counting_waker() -> (Waker, std::sync::Arc<AtomicUsize>) {
    let drops = std::sync::Arc::new(AtomicUsize::new(0));
    (
        Waker::from(std::sync::Arc::new(DropCount(drops.clone()))),
        drops,
    )
}

/// The receiver, waiting with a waker, dropped while the sender sends: the receiver
/// drops its waker itself only when the sender can no longer read it (loom checks the
/// slot is never read and taken at once), and the waker is gone once both halves are.
#[test]
fn oneshot_receiver_drop_with_waker_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let (waker, drops) = drop_counting_waker();
        assert!(std::pin::Pin::new(&mut rx)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        let sender = thread::spawn(move || tx.send(1).is_ok());
        drop(rx);
        let dropped_with_the_receiver = drops.load(SeqCst);
        let sent = sender.join().unwrap();
        if !sent {
            // The close came first: the receiver's drop took its waker.
            assert_eq!(dropped_with_the_receiver, 1);
        }
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// The sender, waiting in `closed()` with a waker, sends while the receiver is dropped:
/// the sender drops its waker itself only when the receiver can no longer read it.
#[test]
fn oneshot_send_with_closed_waker_vs_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let (waker, drops) = drop_counting_waker();
        assert!(std::pin::pin!(tx.closed())
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        let dropper = thread::spawn(move || drop(rx));
        let sent = tx.send(1).is_ok();
        if sent {
            // The send came first: it took its `closed()` waker.
            assert_eq!(drops.load(SeqCst), 1);
        }
        dropper.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}
