//! `Semaphore`: a fair (FIFO) counting semaphore, asyncio's `Semaphore`, and the base of
//! `Mutex`, `RwLock` and the bounded `mpsc` channel.
//!
//! # Protocol
//!
//! Two places hold state: one atomic word (`state`) and a wait list behind a mutex.
//!
//! `state` = `permits << PERMIT_SHIFT | QUEUED | CLOSED`, where `permits` are the permits
//! free for the taking. The rules:
//!
//! - `QUEUED` is set and cleared only with the wait-list lock held, and it is set exactly
//!   while the wait list is non-empty.
//! - While `QUEUED` is set, `permits` is zero: released permits go to the waiters, front
//!   first, under the lock, and a newcomer may not take permits ahead of a waiter. The
//!   front waiter of an `acquire_many` may already hold some permits (`granted`) while it
//!   waits for the rest.
//! - Without the lock, a thread may only take permits (`try_acquire`: a CAS that requires
//!   `!QUEUED`) or add them (`release`: a CAS that also requires `!QUEUED`; if `QUEUED` is
//!   set it takes the lock and hands the permits to waiters instead). Because both are
//!   CASes on the whole word, a waiter that sets `QUEUED` under the lock cannot miss a
//!   release that raced with it: either the release landed first (the waiter's CAS fails
//!   and it re-reads the permits) or it sees `QUEUED` and goes through the lock.
//! - `CLOSED` is set once, under the lock, by `close`; it is never cleared.
//!
//! A waiter is a node in the wait list (`wait_list.rs`) holding how many permits it
//! `wanted` and how many it has been `granted`. When a release completes its grant, the
//! node is unlinked and its waker woken; the future frees the node when it next polls (and
//! takes the permits) or when it is dropped (and hands every granted permit on, so a
//! waiter dropped after being chosen loses no wakeup for the others). `close` unlinks every
//! waiter with its grant incomplete: such a future frees its node, gives back its partial
//! grant and fails.
//!
//! The waiter's side (queueing, the poll that completes, the drop that leaves) is the
//! `Acquire` future, in `acquire.rs`; the releasing side is here.
//!
//! An `Acquire` polled when its task has spent its cooperative budget must yield, but it
//! first does what any poll does (takes free permits if nobody waits, or queues) and
//! holds the result until its next poll with budget; its drop releases what it holds.
//! Checking the budget before queueing would let a task that asks later, while this one
//! yields, take the permits first, breaking the FIFO promise.
//!
//! (A per-waiter flag that lets the woken future complete without the lock was tried: it
//! costs an allocation per wait, and measured no better on 2 workers and 35% worse on 1.
//! Avoiding both needs waiter nodes inside the futures, an intrusive list.)

mod acquire;
mod error;
mod permit;

pub use acquire::Acquire;
pub use error::{AcquireError, TryAcquireError};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use super::wait_list::{WaitList, WakeList};
use super::{lock, LockGuard};
use crate::loom::{AtomicUsize, Mutex};
use std::fmt;
use std::sync::atomic::Ordering::{self, AcqRel};
use std::sync::Arc;

/// The semaphore is closed: no permit will ever be granted again. Set by `close` under the
/// wait-list lock; never cleared.
const CLOSED: usize = 1 << 0;

/// The wait list is non-empty (and so `permits` is zero). Set and cleared only under the
/// wait-list lock.
const QUEUED: usize = 1 << 1;

const PERMIT_SHIFT: usize = 2;

/// A waiter's bookkeeping, kept in its wait-list node.
struct Waiter {
    wanted: usize,
    /// Permits already handed to this waiter; it completes when this reaches `wanted`.
    granted: usize,
}

/// A counting semaphore: at most `permits` holders at once, fair to waiters (asyncio's
/// `Semaphore`, for bounded concurrency).
///
/// Tasks [`acquire`](Self::acquire) permits and give them back by dropping the
/// [`SemaphorePermit`]. When none are free, they wait in FIFO order: the first to ask is
/// the first served, and a large [`acquire_many`](Self::acquire_many) at the front is
/// not overtaken by small requests behind it.
///
/// The semaphore is runtime-agnostic (it only uses wakers), so it works across runtimes
/// and outside any.
///
/// # Examples
///
/// Bounded concurrency, asyncio's `async with sem:`:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
/// use weft::sync::Semaphore;
///
/// weft::run(async {
///     let sem = Arc::new(Semaphore::new(3));
///     let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
///     let tasks: Vec<_> = (0..20)
///         .map(|_| {
///             let (sem, running, peak) = (sem.clone(), running.clone(), peak.clone());
///             weft::spawn(async move {
///                 let _permit = sem.acquire().await.unwrap();
///                 let now = running.fetch_add(1, SeqCst) + 1;
///                 peak.fetch_max(now, SeqCst);
///                 weft::task::yield_now().await;
///                 running.fetch_sub(1, SeqCst);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert!(peak.load(SeqCst) <= 3);
/// });
/// ```
pub struct Semaphore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`. Adding beyond it panics.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` free permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(10);
    /// assert_eq!(sem.available_permits(), 10);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "Semaphore::new({permits}): at most Semaphore::MAX_PERMITS permits are supported"
        );
        Semaphore {
            state: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a semaphore in a `static`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS) (at compile time in a
    /// `const` or `static`).
    ///
    /// ```
    /// static LIMIT: weft::sync::Semaphore = weft::sync::Semaphore::const_new(4);
    /// assert_eq!(LIMIT.available_permits(), 4);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "Semaphore::const_new: at most Semaphore::MAX_PERMITS permits are supported"
        );
        Semaphore {
            state: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Permits free right now (zero while tasks wait).
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> PERMIT_SHIFT
    }

    /// Waits for one permit (asyncio's `await sem.acquire()`; the permit releases on drop,
    /// like `async with sem:`).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is [closed](Self::close) before the permit is
    /// granted: no permit will come from it again, so stop acquiring (closing is how its
    /// owner says the guarded resource is gone).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes loses no permits: a queued waiter leaves
    /// the queue, and any permits already granted to it go to the next waiters. It does
    /// lose its place in the queue.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(1);
    /// weft::run(async {
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once. The request waits in FIFO order with the others;
    /// while it is at the front, later requests wait behind it even if they are smaller.
    /// `n == 0` completes at once (unless the semaphore is closed).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is [closed](Self::close) before all `n` are
    /// granted: no permit will come from it again, so stop acquiring (closing is how its
    /// owner says the guarded resource is gone).
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire): permits granted to a dropped request go to the next
    /// waiters.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(5);
    /// weft::run(async {
    ///     let permits = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(permits.num_permits(), 3);
    ///     assert_eq!(sem.available_permits(), 2);
    /// });
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire::new(self, n)
    }

    /// Takes one permit if one is free and nobody waits for it.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if no permit is free right now, or tasks wait for
    /// permits first (they are served in order): `.await` [`acquire`](Self::acquire) to
    /// wait for your turn, or retry later.
    ///
    /// [`TryAcquireError::Closed`] if the semaphore was [closed](Self::close): no permit
    /// will come from it again, so stop acquiring.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(p);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if that many are free and nobody waits for them.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if fewer than `n` permits are free right now, or
    /// tasks wait for permits first (they are served in order): `.await`
    /// [`acquire_many`](Self::acquire_many) to wait for your turn, or retry later.
    ///
    /// [`TryAcquireError::Closed`] if the semaphore was [closed](Self::close): no permit
    /// will come from it again, so stop acquiring.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(4);
    /// assert_eq!(sem.try_acquire_many(3).unwrap().num_permits(), 3);
    /// assert!(sem.try_acquire_many(5).is_err());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for one permit that keeps the semaphore alive (`'static`, to move into a
    /// spawned task).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is [closed](Self::close) before the permit is
    /// granted: no permit will come from it again, so stop acquiring (closing is how its
    /// owner says the guarded resource is gone).
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(1));
    /// weft::run(async move {
    ///     let permit = sem.clone().acquire_owned().await.unwrap();
    ///     weft::spawn(async move {
    ///         // Held by the task; released when it ends.
    ///         drop(permit);
    ///     })
    ///     .await
    ///     .unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits that keep the semaphore alive.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is [closed](Self::close) before all `n` are
    /// granted: no permit will come from it again, so stop acquiring (closing is how its
    /// owner says the guarded resource is gone).
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(4));
    /// let permits = weft::run(sem.clone().acquire_many_owned(4)).unwrap();
    /// assert_eq!(permits.num_permits(), 4);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many(n).await?.forget();
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit that keeps the semaphore alive, if one is free.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if no permit is free right now, or tasks wait for
    /// permits first (they are served in order): `.await`
    /// [`acquire_owned`](Self::acquire_owned) to wait for your turn, or retry later.
    ///
    /// [`TryAcquireError::Closed`] if the semaphore was [closed](Self::close): no permit
    /// will come from it again, so stop acquiring.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// drop(p);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits that keep the semaphore alive, if that many are free.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if fewer than `n` permits are free right now, or
    /// tasks wait for permits first (they are served in order): `.await`
    /// [`acquire_many_owned`](Self::acquire_many_owned) to wait for your turn, or retry
    /// later.
    ///
    /// [`TryAcquireError::Closed`] if the semaphore was [closed](Self::close): no permit
    /// will come from it again, so stop acquiring.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(3));
    /// assert_eq!(sem.clone().try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(n)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Adds `n` permits, waking waiters in FIFO order.
    ///
    /// # Panics
    ///
    /// If the free permits would exceed [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        assert!(
            n <= Semaphore::MAX_PERMITS,
            "Semaphore::add_permits({n}): at most Semaphore::MAX_PERMITS permits are supported"
        );
        self.release(n);
    }

    /// Removes up to `n` free permits for good; returns how many were removed. Permits
    /// held or granted to waiters are not touched.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(5);
    /// assert_eq!(sem.forget_permits(3), 3);
    /// assert_eq!(sem.forget_permits(3), 2);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        let take = |s: usize| n.min(s >> PERMIT_SHIFT);
        let forget = |s| Some(s - (take(s) << PERMIT_SHIFT));
        // Always applies (`forget` never refuses).
        let (Ok(s) | Err(s)) = self.state.fetch_update(AcqRel, Ordering::Acquire, forget);
        take(s)
    }

    /// Closes the semaphore: waiters and later acquires fail with [`AcquireError`].
    /// Permits already held stay valid, and releasing them is harmless.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        let mut wakers = WakeList::new();
        let mut list = lock(&self.waiters);
        self.state.fetch_or(CLOSED, AcqRel);
        while let Some(node) = list.pop_front() {
            wakers.push(node.waker.take());
        }
        // The list is empty now; permits granted to the unlinked waiters come back when
        // their futures see the close.
        self.state.fetch_and(!QUEUED, AcqRel);
        drop(list);
        wakers.wake_all();
    }

    /// True once [`close`](Self::close) was called.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(1);
    /// assert!(!sem.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// The lock-free path: takes `n` permits if they are free and nobody waits.
    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let take = |s| {
            let free = s & (CLOSED | QUEUED) == 0 && (s >> PERMIT_SHIFT) >= n;
            free.then(|| s - (n << PERMIT_SHIFT))
        };
        match self.state.fetch_update(AcqRel, Ordering::Acquire, take) {
            Ok(_) => Ok(()),
            Err(s) if s & CLOSED != 0 => Err(TryAcquireError::Closed),
            Err(_) => Err(TryAcquireError::NoPermits),
        }
    }

    /// Gives `n` permits back: to the free count if nobody waits, else to the waiters.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let add = |s| (s & QUEUED == 0).then(|| add_permits(s, n));
        if self
            .state
            .fetch_update(AcqRel, Ordering::Acquire, add)
            .is_err()
        {
            // Tasks wait: the permits are theirs, handed over under the lock.
            self.release_locked(lock(&self.waiters), n);
        }
    }

    /// Hands `n` permits to the waiters, front first, and wakes those it completes; what
    /// is left, once the list is empty, becomes free permits (and `QUEUED` is cleared).
    /// Called with `n == 0` after a waiter left, to clear `QUEUED` if it was the last.
    fn release_locked(&self, mut list: LockGuard<'_, WaitList<Waiter>>, n: usize) {
        let mut wakers = WakeList::new();
        let mut rest = n;
        while rest > 0 {
            let Some(front) = list.front_mut() else { break };
            let give = rest.min(front.value.wanted - front.value.granted);
            front.value.granted += give;
            rest -= give;
            if front.value.granted == front.value.wanted {
                let node = list.pop_front().expect("the front node is linked");
                wakers.push(node.waker.take());
            }
        }
        if list.is_empty() {
            let dequeue = |s| Some(add_permits(s & !QUEUED, rest));
            // Always applies (`dequeue` never refuses).
            let _ = self.state.fetch_update(AcqRel, Ordering::Acquire, dequeue);
        }
        drop(list);
        wakers.wake_all();
    }
}

/// `s` with `n` more free permits.
#[track_caller]
fn add_permits(s: usize, n: usize) -> usize {
    let permits = (s >> PERMIT_SHIFT).saturating_add(n);
    assert!(
        permits <= Semaphore::MAX_PERMITS,
        "a semaphore would hold more than Semaphore::MAX_PERMITS free permits: permits were \
         added (add_permits) beyond the maximum"
    );
    (permits << PERMIT_SHIFT) | (s & (QUEUED | CLOSED))
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Ordering::Acquire);
        f.debug_struct("Semaphore")
            .field("permits", &(s >> PERMIT_SHIFT))
            .field("waiters", &(s & QUEUED != 0))
            .field("closed", &(s & CLOSED != 0))
            .finish()
    }
}
