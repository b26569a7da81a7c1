//! A task's future is pinned in the task's allocation and is dropped where it is pinned:
//! on completion, on `abort()`, when a `JoinSet` is dropped and when the runtime shuts
//! down. Futures that keep an intrusive waiter node at their pinned address (tokio's
//! `Notify`, futures-intrusive, everything built on them) rely on it: a move before the
//! drop unlinks a node from an address it no longer has.

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use weft_tests::{runtime, wait_until, within, HANG};

/// What the `PinCheck`s of one test saw.
#[derive(Default)]
struct Log {
    polls: AtomicUsize,
    drops: AtomicUsize,
    /// Drops at an address other than the one the future was polled at.
    moved: AtomicUsize,
}

/// A `!Unpin` future that records its address at every poll and, at drop, counts a move
/// if it is no longer there. Ready after `ready_after` polls (never if `usize::MAX`).
struct PinCheck {
    addr: usize,
    ready_after: usize,
    log: Arc<Log>,
    _pinned: PhantomPinned,
}

impl PinCheck {
    fn new(ready_after: usize, log: &Arc<Log>) -> PinCheck {
        PinCheck {
            addr: 0,
            ready_after,
            log: log.clone(),
            _pinned: PhantomPinned,
        }
    }

    fn pending(log: &Arc<Log>) -> PinCheck {
        PinCheck::new(usize::MAX, log)
    }
}

impl Future for PinCheck {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let addr = &*self as *const PinCheck as usize;
        // SAFETY: only plain fields are written; nothing is moved out of the pinned value.
        let this = unsafe { self.get_unchecked_mut() };
        this.addr = addr;
        this.log.polls.fetch_add(1, SeqCst);
        if this.ready_after == 0 {
            return Poll::Ready(());
        }
        if this.ready_after != usize::MAX {
            this.ready_after -= 1;
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Drop for PinCheck {
    fn drop(&mut self) {
        self.log.drops.fetch_add(1, SeqCst);
        if self.addr != 0 && self.addr != self as *const PinCheck as usize {
            self.log.moved.fetch_add(1, SeqCst);
        }
    }
}

fn assert_dropped_in_place(log: &Log, futures: usize) {
    assert_eq!(
        log.drops.load(SeqCst),
        futures,
        "every future is dropped once"
    );
    assert_eq!(
        log.moved.load(SeqCst),
        0,
        "a pinned future was moved before it was dropped"
    );
}

#[test]
fn future_completing_is_dropped_where_it_was_pinned() {
    within(|| {
        let rt = runtime(2);
        let log = Arc::new(Log::default());
        let handles: Vec<_> = (0..50)
            .map(|i| rt.spawn(PinCheck::new(i % 4, &log)))
            .collect();
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_dropped_in_place(&log, 50);
    });
}

#[test]
fn aborted_future_is_dropped_where_it_was_pinned() {
    within(|| {
        let rt = runtime(2);
        let log = Arc::new(Log::default());
        let handles: Vec<_> = (0..50).map(|_| rt.spawn(PinCheck::pending(&log))).collect();
        assert!(wait_until(HANG, || log.polls.load(SeqCst) == 50));
        for h in &handles {
            h.abort();
        }
        rt.block_on(async {
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }
        });
        assert_dropped_in_place(&log, 50);
    });
}

#[test]
fn join_set_drop_drops_members_where_they_were_pinned() {
    within(|| {
        let rt = runtime(2);
        let log = Arc::new(Log::default());
        let mut set = weft::task::JoinSet::new();
        let _guard = rt.enter();
        for _ in 0..20 {
            set.spawn(PinCheck::pending(&log));
        }
        assert!(wait_until(HANG, || log.polls.load(SeqCst) == 20));
        drop(set);
        assert!(wait_until(HANG, || log.drops.load(SeqCst) == 20));
        assert_dropped_in_place(&log, 20);
    });
}

#[test]
fn runtime_shutdown_drops_futures_where_they_were_pinned() {
    within(|| {
        let rt = runtime(2);
        let log = Arc::new(Log::default());
        for _ in 0..50 {
            rt.spawn(PinCheck::pending(&log));
        }
        assert!(wait_until(HANG, || log.polls.load(SeqCst) == 50));
        // Some never polled too: shutdown drops those in place as well.
        drop(rt);
        assert_dropped_in_place(&log, 50);
    });
}

#[test]
fn pinned_future_inside_an_async_block_is_dropped_in_place_on_abort() {
    within(|| {
        let rt = runtime(1);
        let log = Arc::new(Log::default());
        let inner = log.clone();
        let h = rt.spawn(async move {
            let check = PinCheck::pending(&inner);
            check.await;
        });
        assert!(wait_until(HANG, || log.polls.load(SeqCst) == 1));
        h.abort();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert_dropped_in_place(&log, 1);
    });
}

/// tokio's `Notify` keeps each `Notified` future as a node of an intrusive list at its
/// pinned address; dropping a moved node trips tokio's own linked-list assertion, and in
/// a release build corrupts the list that `notify_waiters` then walks.
#[test]
fn tokio_notify_waiter_survives_abort_and_runtime_drop() {
    within(|| {
        for round in 0..1_000 {
            let notify = Arc::new(tokio::sync::Notify::new());
            let rt = runtime(2);
            let waiting = Arc::new(AtomicUsize::new(0));
            let mut handles = Vec::new();
            for _ in 0..4 {
                let (notify, waiting) = (notify.clone(), waiting.clone());
                handles.push(rt.spawn(async move {
                    let notified = notify.notified();
                    let mut notified = std::pin::pin!(notified);
                    // Registers the node in the list without waiting for a permit.
                    notified.as_mut().enable();
                    waiting.fetch_add(1, SeqCst);
                    notified.await;
                }));
            }
            assert!(wait_until(HANG, || waiting.load(SeqCst) == 4));
            // Two are aborted (dropped by a worker), two are cancelled by the runtime's
            // drop; then the list is walked from this thread.
            handles[0].abort();
            handles[1].abort();
            if round % 2 == 0 {
                rt.block_on(async {
                    for h in handles.drain(..2) {
                        let _ = h.await;
                    }
                });
            }
            drop(rt);
            notify.notify_waiters();
            // The list is empty again: a new waiter gets the next permit.
            let pending = notify.notified();
            notify.notify_one();
            weft_tests::park_on(pending);
        }
    });
}
