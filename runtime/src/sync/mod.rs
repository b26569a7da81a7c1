//! Synchronization for tasks: asyncio's `Semaphore`, `Lock`, `Event`, `Barrier`, `Queue`
//! and `Future`, as async primitives that wait without blocking their thread.
//!
//! | asyncio | weft |
//! |---|---|
//! | `asyncio.Semaphore(n)`, `async with sem:` | [`Semaphore::new(n)`](Semaphore), `let _p = sem.acquire().await?` |
//! | `asyncio.Lock()`, `async with lock:` | [`Mutex`] (holds the data it guards), `lock.lock().await` |
//! | (none) | [`RwLock`]: many readers or one writer |
//! | `asyncio.Event()` | [`Event`]: `set`, `clear`, `wait`, `is_set` |
//! | `asyncio.Condition` (notify one/all) | [`Notify`]: `notify_one`, `notify_waiters` |
//! | `asyncio.Barrier(n)` | [`Barrier::new(n)`](Barrier), `barrier.wait().await` |
//! | `loop.create_future()`, `set_result`, `set_exception`, `cancel`, `add_done_callback` | [`Promise`] (any number of waiters), or [`oneshot::channel`] (one) |
//! | `asyncio.Queue(maxsize)` | [`mpsc::channel`] / [`mpsc::unbounded_channel`] |
//! | one `Queue` per listener, every `put` to all | [`broadcast::channel`]: every receiver sees every value |
//! | a shared variable plus an `Event` per change | [`watch::channel`]: the latest value, and waiting for the next |
//! | a `Lock` and a flag around a lazy value | [`OnceCell`]: one initialiser at a time, the value set once |
//!
//! Every primitive is runtime-agnostic: it only stores and wakes [`Waker`]s, so it works
//! on any executor, across runtimes, and (for the `try_*` and `blocking_*` methods) from
//! plain threads. Waiters are served in FIFO order where order matters (semaphore, mutex,
//! rwlock, notify, channel capacity), so nobody starves. Every future that may be dropped
//! half way documents what that does in a `# Cancel safety` section. Waiting futures take
//! part in the cooperative budget ([`task::coop`](crate::task::coop)), so a task that
//! always finds its lock free or its channel full still yields to others; one that must
//! yield takes its place in the queue first, so yielding never costs it its turn.
//!
//! [`Waker`]: std::task::Waker

mod barrier;
pub mod broadcast;
mod event;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
pub(crate) mod park;
mod promise;
mod raw_lock;
mod rwlock;
mod semaphore;
pub(crate) mod wait_list;
pub mod watch;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

pub use barrier::{Barrier, BarrierWaitResult};
pub use event::Event;
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use promise::{Exception, InvalidState, Promise, PromiseError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryRwLockError,
};
pub use semaphore::{
    Acquire, AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

#[cfg(loom)]
pub(crate) use loom::sync::MutexGuard as LockGuard;
#[cfg(not(loom))]
pub(crate) use std::sync::MutexGuard as LockGuard;

/// Locks an internal mutex. Poisoning is ignored: no user code runs while these locks are
/// held (wakers are woken, replaced and dropped after unlocking, and messages are dropped
/// after unlocking too), so a panic cannot leave their state half updated, and a waker
/// whose `wake` or `Drop` uses the same primitive cannot deadlock on the lock.
pub(crate) fn lock<T>(mutex: &crate::loom::Mutex<T>) -> LockGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
