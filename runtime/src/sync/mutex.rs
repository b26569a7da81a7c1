//! `Mutex`: an async mutual-exclusion lock (asyncio's `Lock`, holding data like Rust's
//! `std::sync::Mutex`), a `RawLock` of one permit.
//!
//! The single permit is the right to touch the data: whoever holds it (a guard) has
//! exclusive access, and the permit's FIFO queue makes the lock fair.

use super::raw_lock::{guard_impls, RawLock};
use std::fmt;
use std::sync::Arc;

/// An async mutex: [`lock`](Self::lock) waits (without blocking the thread) until the data
/// is free, and the guard may be held across `.await`s.
///
/// Waiters are served in FIFO order. Prefer `std::sync::Mutex` for data that is never held
/// across an `.await` (it is faster); use this one when the critical section awaits.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Mutex;
///
/// let total = weft::run(async {
///     let counter = Arc::new(Mutex::new(0u32));
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let counter = counter.clone();
///             weft::spawn(async move {
///                 let mut n = counter.lock().await;
///                 weft::task::yield_now().await; // held across an await
///                 *n += 1;
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     let n = *counter.lock().await;
///     n
/// });
/// assert_eq!(total, 10);
/// ```
pub struct Mutex<T> {
    raw: RawLock<T>,
}

// SAFETY: the mutex hands out access to `data` to one guard at a time (the semaphore's one
// permit), so sharing it between threads only ever moves `T` between them: `T: Send`.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above; `&Mutex` gives `&mut T` to one thread at a time.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// [`Mutex::try_lock`] found the mutex locked.
///
/// # Examples
///
/// ```
/// let m = weft::sync::Mutex::new(1);
/// let _g = m.try_lock().unwrap();
/// assert!(m.try_lock().unwrap_err().to_string().contains("held"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the lock is held (or other tasks wait for it first): `.await` lock() to wait \
             for it, or retry later",
        )
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    ///
    /// ```
    /// let m = weft::sync::Mutex::new(vec![1, 2]);
    /// # drop(m);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: RawLock::new(1, value),
        }
    }

    /// Waits until the lock is free and takes it (asyncio's `async with lock:`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes leaves the lock as it was
    /// (the task loses its place in the queue).
    ///
    /// ```
    /// let m = weft::sync::Mutex::new(1);
    /// weft::run(async {
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.raw.acquire(1).await;
        MutexGuard { lock: self }
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held, or other tasks wait for it first (they are
    /// served in order): `.await` [`lock`](Self::lock) to wait for your turn, or retry
    /// later.
    ///
    /// ```
    /// let m = weft::sync::Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        if !self.raw.try_acquire(1) {
            return Err(TryLockError(()));
        }
        Ok(MutexGuard { lock: self })
    }

    /// Waits for the lock and returns a guard that keeps the mutex alive (`'static`, to
    /// move into a spawned task).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`lock`](Self::lock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(weft::sync::Mutex::new(0));
    /// weft::run(async {
    ///     let mut g = m.clone().lock_owned().await;
    ///     weft::spawn(async move { *g += 5 }).await.unwrap();
    ///     assert_eq!(*m.lock().await, 5);
    /// });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.raw.acquire(1).await;
        OwnedMutexGuard { lock: self }
    }

    /// Takes the lock, keeping the mutex alive, if it is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held, or other tasks wait for it first (they are
    /// served in order): `.await` [`lock_owned`](Self::lock_owned) to wait for your turn,
    /// or retry later.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(weft::sync::Mutex::new(0));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.clone().try_lock_owned().is_err());
    /// drop(g);
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        if !self.raw.try_acquire(1) {
            return Err(TryLockError(()));
        }
        Ok(OwnedMutexGuard { lock: self })
    }

    /// The data, through a unique borrow: no locking needed.
    ///
    /// ```
    /// let mut m = weft::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.raw.get_mut()
    }

    /// Consumes the mutex and returns the data.
    ///
    /// ```
    /// let m = weft::sync::Mutex::new("x");
    /// assert_eq!(m.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.raw.into_inner()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Exclusive access to a [`Mutex`]'s data; unlocks when dropped.
///
/// # Examples
///
/// ```
/// let m = weft::sync::Mutex::new(String::new());
/// weft::run(async {
///     let mut g = m.lock().await;
///     g.push_str("hi");
/// });
/// assert_eq!(m.into_inner(), "hi");
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
}

guard_impls!(MutexGuard<'a>, permits: 1, writable: true);

/// Exclusive access to an `Arc<Mutex>`'s data, `'static`; unlocks when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let m = Arc::new(weft::sync::Mutex::new(1));
/// let mut g = m.clone().try_lock_owned().unwrap();
/// *g = 2;
/// drop(g);
/// assert_eq!(*m.try_lock().unwrap(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T> {
    lock: Arc<Mutex<T>>,
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(weft::sync::Mutex::new(()));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(g.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.lock
    }
}

guard_impls!(OwnedMutexGuard, permits: 1, writable: true);
