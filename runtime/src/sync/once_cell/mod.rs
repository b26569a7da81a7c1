//! `OnceCell`: a value set once, by the first of several tasks that race to compute it
//! (tokio's `OnceCell`; asyncio has no peer, people use a `Lock` and a flag).
//!
//! # Protocol
//!
//! - `value_set` says the value is written and will never change. Set once (`Release`),
//!   by the initialiser that holds the semaphore's one permit, after it wrote `value`;
//!   readers load it (`Acquire`) before they read `value`.
//! - `value` is written only by the holder of the permit while `value_set` is clear, and
//!   only read after `value_set` is seen set: never a write and a read at once.
//! - `semaphore` (one permit) makes initialisers take turns. The one that stores the value
//!   *closes* the semaphore rather than releasing its permit: every initialiser still
//!   waiting, and every later one, fails to acquire and reads the value instead. An
//!   initialiser that fails (`Err`), panics or is cancelled (its future dropped) releases
//!   the permit with its drop, so the next waiter tries in turn (FIFO).

#[cfg(all(test, loom))]
mod loom_tests;

use crate::loom::{AtomicBool, UnsafeCell};
use crate::sync::{Semaphore, SemaphorePermit, TryAcquireError};
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;
use std::sync::atomic::Ordering::{Acquire, Release};

/// A value set at most once, which tasks can wait on while one of them computes it
/// ([`get_or_init`](Self::get_or_init)).
///
/// Concurrent initialisers run one at a time: the first computes the value, the others
/// wait and then return it. An initialiser that fails or is cancelled lets the next one
/// try. The value is never replaced once set (except through `&mut` with
/// [`take`](Self::take)).
///
/// # Examples
///
/// A configuration loaded once, by whichever task needs it first:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
/// use weft::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
/// static LOADS: AtomicUsize = AtomicUsize::new(0);
///
/// async fn config() -> &'static str {
///     CONFIG
///         .get_or_init(|| async {
///             LOADS.fetch_add(1, SeqCst);
///             weft::task::yield_now().await; // e.g. reading a file
///             String::from("debug=true")
///         })
///         .await
/// }
///
/// weft::run(async {
///     let tasks: Vec<_> = (0..8).map(|_| weft::spawn(config())).collect();
///     for t in tasks {
///         assert_eq!(t.await.unwrap(), "debug=true");
///     }
/// });
/// assert_eq!(LOADS.load(SeqCst), 1);
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: Semaphore,
}

// SAFETY: the value is moved in by whichever thread initialises it and dropped by
// whichever drops the cell, so `T: Send` suffices to send the cell.
unsafe impl<T: Send> Send for OnceCell<T> {}
// SAFETY: through `&OnceCell`, one thread may move a `T` in (`T: Send`) and every thread
// may read `&T` (`T: Sync`); writes and reads never overlap (see the module's protocol).
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

/// Why [`OnceCell::set`] did not store the value; the value is handed back.
///
/// # Examples
///
/// ```
/// use weft::sync::{OnceCell, SetError};
/// let cell = OnceCell::new();
/// cell.set(1).unwrap();
/// assert!(matches!(cell.set(2), Err(SetError::AlreadyInitializedError(2))));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initialiser is running right now ([`get_or_init`](OnceCell::get_or_init)).
    InitializingError(T),
}

impl<T> SetError<T> {
    /// True for [`AlreadyInitializedError`](Self::AlreadyInitializedError).
    ///
    /// ```
    /// let e = weft::sync::SetError::AlreadyInitializedError(());
    /// assert!(e.is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// True for [`InitializingError`](Self::InitializingError).
    ///
    /// ```
    /// let e = weft::sync::SetError::InitializingError(());
    /// assert!(e.is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }

    /// The value that was not stored.
    ///
    /// ```
    /// assert_eq!(weft::sync::SetError::InitializingError(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SetError::AlreadyInitializedError(v) | SetError::InitializingError(v) => v,
        }
    }
}

impl<T> fmt::Debug for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError(..)"),
            SetError::InitializingError(_) => f.write_str("InitializingError(..)"),
        }
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str(
                "the OnceCell already holds a value; the new one was not stored (it is \
                 returned in the error)",
            ),
            SetError::InitializingError(_) => f.write_str(
                "an initialiser of the OnceCell is running; the value was not stored (it is \
                 returned in the error): await get_or_init to use the value being computed",
            ),
        }
    }
}

impl<T> std::error::Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::<u8>::new();
    /// assert!(cell.get().is_none());
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context (for a `static`).
    ///
    /// ```
    /// static CELL: weft::sync::OnceCell<u32> = weft::sync::OnceCell::const_new();
    /// CELL.set(3).unwrap();
    /// assert_eq!(CELL.get(), Some(&3));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            let permit = cell
                .semaphore
                .try_acquire()
                .expect("a new cell's permit is free");
            cell.store(value, permit);
        }
        cell
    }

    /// True once the cell holds a value.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// The value, if the cell holds one.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("v").unwrap();
    /// assert_eq!(cell.get(), Some(&"v"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: `value_set` was seen set (Acquire, pairing with the Release in `store`):
        // the value is written and never written again while `&self` lives.
        Some(unsafe { self.value_unchecked() })
    }

    /// The value, mutably, if the cell holds one.
    ///
    /// ```
    /// let mut cell = weft::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: the value is written (`value_set`), and `&mut self` is the only access.
        Some(self.value.with_mut(|v| unsafe { (*v).assume_init_mut() }))
    }

    /// Stores `value` if the cell is empty and no initialiser is running.
    ///
    /// # Errors
    ///
    /// [`SetError::AlreadyInitializedError`] if the cell holds a value, and
    /// [`SetError::InitializingError`] if a [`get_or_init`](Self::get_or_init) is computing
    /// one right now; both hand `value` back. Use [`get`](Self::get) (or await
    /// `get_or_init`) to use the value that is there.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert_eq!(cell.set(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire() {
            Ok(permit) => {
                self.store(value, permit);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, computing it with `f` if the cell is empty. Of several concurrent
    /// calls, one runs its `f` at a time: the first to finish stores its value and the
    /// others return it without running theirs.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped while its `f` runs, that computation is
    /// dropped and the next waiting initialiser (if any) runs its own; nothing is stored
    /// half way.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new();
    /// weft::run(async {
    ///     assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1, "already set");
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The value, computing it with `f` if the cell is empty; as
    /// [`get_or_init`](Self::get_or_init), but an `f` that fails stores nothing and lets
    /// the next initialiser try.
    ///
    /// # Errors
    ///
    /// The error of this call's `f`, if it ran and failed (the cell stays empty; calling
    /// again retries).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_or_init`](Self::get_or_init).
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new();
    /// weft::run(async {
    ///     let failed = cell.get_or_try_init(|| async { "nope".parse::<u32>() }).await;
    ///     assert!(failed.is_err());
    ///     assert!(!cell.initialized(), "a failure stores nothing");
    ///     let ok = cell.get_or_try_init(|| async { "7".parse::<u32>() }).await;
    ///     assert_eq!(ok, Ok(&7));
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        // Our turn to initialise, unless someone stores the value first (they close the
        // semaphore, and the acquire fails).
        let Ok(permit) = self.semaphore.acquire().await else {
            return Ok(self
                .get()
                .expect("the semaphore closes only once the value is set"));
        };
        // The permit is never released after a store (the semaphore is closed instead),
        // so holding it means nobody stored: but check anyway, it is one load.
        if let Some(value) = self.get() {
            return Ok(value);
        }
        // If `f` fails, panics or is cancelled, `permit` goes with it: the next waiter
        // tries.
        let value = f().await?;
        Ok(self.store(value, permit))
    }

    /// Writes the value and publishes it; closes the semaphore so every other initialiser
    /// reads it instead of computing its own.
    fn store(&self, value: T, permit: SemaphorePermit<'_>) -> &T {
        // SAFETY: we hold the only permit and `value_set` is clear, so nobody reads or
        // writes `value` now (see the module's protocol).
        self.value.with_mut(|v| unsafe { (*v).write(value) });
        self.value_set.store(true, Release);
        self.semaphore.close();
        // Never released: with the semaphore closed, nobody acquires again.
        permit.forget();
        // SAFETY: written just above and published.
        unsafe { self.value_unchecked() }
    }

    /// # Safety
    ///
    /// The value must be written: `value_set` seen set, or written by this thread.
    unsafe fn value_unchecked(&self) -> &T {
        // SAFETY: the caller's contract; the value is never written again while `&self`
        // lives (only `&mut self` methods take it out).
        self.value.with(|v| unsafe { (*v).assume_init_ref() })
    }

    /// Takes the value out, leaving the cell empty (and usable again).
    ///
    /// ```
    /// let mut cell = weft::sync::OnceCell::new_with(Some(5));
    /// assert_eq!(cell.take(), Some(5));
    /// assert!(cell.get().is_none());
    /// cell.set(6).unwrap();
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// The value, consuming the cell.
    ///
    /// ```
    /// let cell = weft::sync::OnceCell::new_with(Some("v"));
    /// assert_eq!(cell.into_inner(), Some("v"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        // The cell's `Drop` must not drop the value we take.
        self.value_set.store(false, Release);
        // SAFETY: the value was written, and `self` is owned: nobody else reads it; with
        // `value_set` cleared, `Drop` leaves it alone.
        Some(self.value.with_mut(|v| unsafe { (*v).assume_init_read() }))
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.initialized() {
            // SAFETY: written (`value_set`), and dropped once, here, by the owner.
            self.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
