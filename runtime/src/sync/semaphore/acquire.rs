//! The waiter's side of the semaphore: the `Acquire` future, which takes free permits
//! or queues for them, and leaves the queue when it is dropped (see the protocol in
//! `mod.rs`).

use super::{AcquireError, Semaphore, SemaphorePermit, TryAcquireError, Waiter};
use super::{CLOSED, PERMIT_SHIFT, QUEUED};
use crate::sync::lock;
use crate::sync::wait_list::WaitList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{self, AcqRel};
use std::task::{ready, Context, Poll};
use weft_io::coop;

impl Semaphore {
    /// One poll of an acquire of `wanted` permits; `key` is the waiter's node, if queued.
    fn poll_acquire(
        &self,
        key: &mut Option<usize>,
        wanted: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        if let Some(k) = *key {
            let (list, waiter) = ready!(WaitList::poll_waiter(lock(&self.waiters), k, cx.waker()));
            *key = None;
            // Our turn came: fully granted, or the semaphore closed.
            if waiter.granted == waiter.wanted {
                return Poll::Ready(Ok(()));
            }
            self.release_locked(list, waiter.granted);
            return Poll::Ready(Err(AcquireError(())));
        }

        if wanted == 0 {
            // Nothing to wait for, and nobody to overtake.
            return Poll::Ready(if self.is_closed() {
                Err(AcquireError(()))
            } else {
                Ok(())
            });
        }
        match self.try_take(wanted) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => return Poll::Ready(Err(AcquireError(()))),
            Err(TryAcquireError::NoPermits) => {}
        }
        let mut list = lock(&self.waiters);
        let mut s = self.state.load(Ordering::Acquire);
        let granted = loop {
            if s & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError(())));
            }
            let free = s >> PERMIT_SHIFT;
            let next = if s & QUEUED == 0 && free >= wanted {
                // Released since the lock-free attempt: take them.
                s - (wanted << PERMIT_SHIFT)
            } else {
                // Queue up, taking whatever is free (nothing if others wait already).
                (s & CLOSED) | QUEUED
            };
            match self
                .state
                .compare_exchange_weak(s, next, AcqRel, Ordering::Acquire)
            {
                Ok(_) if next & QUEUED == 0 => return Poll::Ready(Ok(())),
                Ok(_) => break free,
                Err(actual) => s = actual,
            }
        };
        let waiter = Waiter { wanted, granted };
        *key = Some(list.push_back(waiter, cx.waker().clone()));
        Poll::Pending
    }

    /// An acquire future is dropped while queued: leave, handing on granted permits.
    fn cancel(&self, key: usize) {
        let mut list = lock(&self.waiters);
        let node = list.remove(key);
        self.release_locked(list, node.value.granted);
        // The node's waker (still there if it was linked) goes only now, with the lock
        // released: its `Drop` may use this semaphore.
        drop(node);
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// # Cancel safety
///
/// Dropping it loses no permits (see [`Semaphore::acquire`]).
#[must_use = "futures do nothing unless `.await`ed"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    wanted: usize,
    /// The waiter's node while it is queued.
    key: Option<usize>,
    /// The permits were taken during a poll that had no cooperative budget left; the
    /// future holds them until a poll with budget returns them (or its drop releases
    /// them).
    held: bool,
}

impl<'a> Acquire<'a> {
    pub(super) fn new(sem: &'a Semaphore, wanted: usize) -> Acquire<'a> {
        Acquire {
            sem,
            wanted,
            key: None,
            held: false,
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Out of budget, the task must yield; but it takes its place in the queue first
        // (or takes the permits, if they are free and nobody waits), so a task that asks
        // after it, while it yields, cannot overtake it. Checking the budget first and
        // returning before queueing would lose that place.
        let coop = coop::poll_proceed(cx);
        let res = if this.held {
            Ok(())
        } else {
            ready!(this.sem.poll_acquire(&mut this.key, this.wanted, cx))
        };
        let Poll::Ready(coop) = coop else {
            // `poll_proceed` has already scheduled the task to run again. A failure
            // (closed) is seen again on that poll: nothing is held for it.
            this.held = res.is_ok();
            return Poll::Pending;
        };
        coop.made_progress();
        this.held = false;
        Poll::Ready(res.map(|()| SemaphorePermit {
            sem: this.sem,
            permits: this.wanted,
        }))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.sem.cancel(key);
        }
        if self.held {
            self.sem.release(self.wanted);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("wanted", &self.wanted)
            .field("queued", &self.key.is_some())
            .field("held", &self.held)
            .finish()
    }
}
