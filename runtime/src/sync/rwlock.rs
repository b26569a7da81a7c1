//! `RwLock`: an async reader-writer lock, a `RawLock` of `MAX_READS` permits.
//!
//! A reader holds one permit, a writer all `MAX_READS` of them, so many readers or one
//! writer hold the lock at a time. The semaphore's FIFO queue makes it fair and
//! write-preferring in the useful sense: a writer waiting at the front holds back the
//! readers that arrive after it, so a stream of readers cannot starve it.

use super::raw_lock::{guard_impls, RawLock};
use std::fmt;
use std::sync::Arc;

/// Readers that may hold the lock at once: plenty, and far below `Semaphore::MAX_PERMITS`.
const MAX_READS: usize = (u32::MAX >> 3) as usize;

/// An async reader-writer lock: many [`read`](Self::read) guards or one
/// [`write`](Self::write) guard at a time, served in FIFO order.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::RwLock;
///
/// weft::run(async {
///     let config = Arc::new(RwLock::new(String::from("v1")));
///     let r1 = config.read().await;
///     let r2 = config.read().await; // readers share
///     assert_eq!(*r1, *r2);
///     drop((r1, r2));
///     config.write().await.push_str("-patched");
///     assert_eq!(*config.read().await, "v1-patched");
/// });
/// ```
pub struct RwLock<T> {
    raw: RawLock<T>,
}

// SAFETY: the lock moves `T` between threads (a writer on one thread, the next on another).
unsafe impl<T: Send> Send for RwLock<T> {}
// SAFETY: readers on several threads share `&T` (needs `T: Sync`); a writer gets `&mut T`
// on one thread at a time (needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

/// [`RwLock::try_read`] or [`RwLock::try_write`] could not take the lock now.
///
/// # Examples
///
/// ```
/// let l = weft::sync::RwLock::new(0);
/// let _w = l.try_write().unwrap();
/// assert!(l.try_read().unwrap_err().to_string().contains("held"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryRwLockError(());

impl fmt::Display for TryRwLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the lock is held in a conflicting mode (or other tasks wait for it first): \
             `.await` read() or write() to wait, or retry later",
        )
    }
}

impl std::error::Error for TryRwLockError {}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`.
    ///
    /// ```
    /// let l = weft::sync::RwLock::new(5);
    /// # drop(l);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            raw: RawLock::new(MAX_READS, value),
        }
    }

    /// Waits for shared read access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the lock as it was.
    ///
    /// ```
    /// let l = weft::sync::RwLock::new(1);
    /// weft::run(async { assert_eq!(*l.read().await, 1) });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.raw.acquire(1).await;
        RwLockReadGuard { lock: self }
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the lock as it was (read permits already
    /// set aside for this writer go back to the queue).
    ///
    /// ```
    /// let l = weft::sync::RwLock::new(1);
    /// weft::run(async { *l.write().await = 2 });
    /// assert_eq!(l.into_inner(), 2);
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.raw.acquire(MAX_READS).await;
        RwLockWriteGuard { lock: self }
    }

    /// Takes read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryRwLockError`] if a writer holds the lock, or any task waits for it (a reader
    /// that comes later queues behind a waiting writer): `.await` [`read`](Self::read) to
    /// wait for your turn, or retry later.
    ///
    /// ```
    /// let l = weft::sync::RwLock::new(1);
    /// let a = l.try_read().unwrap();
    /// let b = l.try_read().unwrap();
    /// assert!(l.try_write().is_err());
    /// # drop((a, b));
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryRwLockError> {
        self.try_acquire(1)?;
        Ok(RwLockReadGuard { lock: self })
    }

    /// Takes write access if nobody holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryRwLockError`] if any reader or writer holds the lock, or any task waits for it:
    /// `.await` [`write`](Self::write) to wait for your turn, or retry later.
    ///
    /// ```
    /// let l = weft::sync::RwLock::new(1);
    /// let w = l.try_write().unwrap();
    /// assert!(l.try_read().is_err());
    /// # drop(w);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryRwLockError> {
        self.try_acquire(MAX_READS)?;
        Ok(RwLockWriteGuard { lock: self })
    }

    /// Waits for read access with a guard that keeps the lock alive (`'static`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`read`](Self::read).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let l = Arc::new(weft::sync::RwLock::new(3));
    /// let g = weft::run(l.clone().read_owned());
    /// assert_eq!(*g, 3);
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.raw.acquire(1).await;
        OwnedRwLockReadGuard { lock: self }
    }

    /// Waits for write access with a guard that keeps the lock alive (`'static`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`write`](Self::write).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let l = Arc::new(weft::sync::RwLock::new(3));
    /// let mut g = weft::run(l.clone().write_owned());
    /// *g = 4;
    /// drop(g);
    /// assert_eq!(*l.try_read().unwrap(), 4);
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.raw.acquire(MAX_READS).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// The data, through a unique borrow: no locking needed.
    ///
    /// ```
    /// let mut l = weft::sync::RwLock::new(1);
    /// *l.get_mut() += 1;
    /// assert_eq!(l.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.raw.get_mut()
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// assert_eq!(weft::sync::RwLock::new(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.raw.into_inner()
    }

    fn try_acquire(&self, n: usize) -> Result<(), TryRwLockError> {
        if !self.raw.try_acquire(n) {
            return Err(TryRwLockError(()));
        }
        Ok(())
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Shared read access to an [`RwLock`]'s data; released when dropped.
///
/// # Examples
///
/// ```
/// let l = weft::sync::RwLock::new(vec![1, 2, 3]);
/// let g = l.try_read().unwrap();
/// assert_eq!(g.len(), 3);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

/// Exclusive write access to an [`RwLock`]'s data; released when dropped.
///
/// # Examples
///
/// ```
/// let l = weft::sync::RwLock::new(vec![1]);
/// l.try_write().unwrap().push(2);
/// assert_eq!(l.into_inner(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
}

/// Shared read access to an `Arc<RwLock>`'s data, `'static`; released when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let l = Arc::new(weft::sync::RwLock::new(1));
/// let g = weft::run(l.clone().read_owned());
/// std::thread::spawn(move || assert_eq!(*g, 1)).join().unwrap();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T> {
    lock: Arc<RwLock<T>>,
}

/// Exclusive write access to an `Arc<RwLock>`'s data, `'static`; released when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let l = Arc::new(weft::sync::RwLock::new(1));
/// let mut g = weft::run(l.clone().write_owned());
/// std::thread::spawn(move || *g = 2).join().unwrap();
/// assert_eq!(*l.try_read().unwrap(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T> {
    lock: Arc<RwLock<T>>,
}

guard_impls!(RwLockReadGuard<'a>, permits: 1, writable: false);
guard_impls!(RwLockWriteGuard<'a>, permits: MAX_READS, writable: true);
guard_impls!(OwnedRwLockReadGuard, permits: 1, writable: false);
guard_impls!(OwnedRwLockWriteGuard, permits: MAX_READS, writable: true);
