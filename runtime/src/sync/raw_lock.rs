//! What `Mutex` and `RwLock` share: data behind a `Semaphore`, and their guards' impls.
//!
//! A `RawLock` of `n` permits gives shared access to whoever holds at least one of them
//! and exclusive access to whoever holds all `n`. A `Mutex` is a `RawLock` of one permit
//! (its one holder is exclusive); an `RwLock` is one of `MAX_READS` permits (a reader
//! holds one, a writer all of them). The semaphore's FIFO queue makes both fair.
//!
//! Holding permits is what makes touching `data` sound, so the two accessors are
//! `unsafe fn`s whose contract is "the caller holds them", and this module keeps the only
//! `unsafe` code of both locks. A guard takes its permits in `acquire` (forgetting the
//! semaphore's own permit type) and gives them back in its `Drop`, through `release`.

use super::semaphore::Semaphore;
use crate::loom::UnsafeCell;
use std::future::Future;

pub(super) struct RawLock<T> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

impl<T> RawLock<T> {
    /// An unlocked lock of `permits` permits holding `value`.
    pub(super) fn new(permits: usize, value: T) -> RawLock<T> {
        RawLock {
            sem: Semaphore::new(permits),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits for `n` permits, in FIFO order with the other waiters; the caller then holds
    /// them until it calls [`release`](Self::release).
    ///
    /// Cancel safe: a dropped acquire gives back whatever it was granted.
    ///
    /// The future borrows only the semaphore, not `self`: a `RawLock` is not `Sync` (its
    /// data's thread safety is the wrapping lock's to state), so a future holding a
    /// `&RawLock` would not be `Send`.
    pub(super) fn acquire(&self, n: usize) -> impl Future<Output = ()> + Send + '_ {
        let acquire = self.sem.acquire_many(n);
        async move {
            match acquire.await {
                Ok(permit) => permit.forget(),
                Err(_) => unreachable!("a lock's semaphore is never closed"),
            }
        }
    }

    /// Takes `n` permits if they are free and nobody waits for them; false otherwise.
    pub(super) fn try_acquire(&self, n: usize) -> bool {
        match self.sem.try_acquire_many(n) {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }

    /// Gives back `n` permits taken by `acquire` or `try_acquire`.
    pub(super) fn release(&self, n: usize) {
        self.sem.release(n);
    }

    /// The data, shared.
    ///
    /// # Safety
    ///
    /// The caller holds at least one permit, and keeps it while the reference lives. Then
    /// nobody holds all of them, so no exclusive reference exists.
    pub(super) unsafe fn shared(&self) -> &T {
        // SAFETY: the caller's permit rules out an exclusive holder (the contract above).
        self.data.with(|p| unsafe { &*p })
    }

    /// The data, exclusive.
    ///
    /// # Safety
    ///
    /// The caller holds every permit, keeps them while the reference lives, and asks
    /// through a unique borrow of its guard, so no other reference to the data exists.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn exclusive(&self) -> &mut T {
        // SAFETY: the caller alone holds permits, and its unique borrow makes this the
        // only reference it hands out (the contract above).
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// The data, through a unique borrow of the lock: no guard can exist.
    pub(super) fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` rules out every guard and every other access.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    pub(super) fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// The impls every guard of a `RawLock` has: `Drop` gives its `permits` back, `Deref`
/// reads the data, `DerefMut` (for a guard that holds every permit, `writable: true`)
/// writes it, `Debug` and `Display` show it, and `Sync` lets a shared guard be read from
/// several threads. The guard type keeps its lock (a reference or an `Arc`) in `lock`,
/// and that lock keeps its `RawLock` in `raw`.
macro_rules! guard_impls {
    ($guard:ident $(<$lt:lifetime>)?, permits: $permits:expr, writable: $writable:tt) => {
        // SAFETY: through a `&Guard` only `&T` is reachable (`DerefMut` needs the guard
        // itself), so sharing the guard between threads shares `&T`: `T: Sync`. `T: Send`
        // as for the lock itself.
        unsafe impl<$($lt,)? T: Send + Sync> Sync for $guard<$($lt,)? T> {}

        impl<$($lt,)? T> Drop for $guard<$($lt,)? T> {
            fn drop(&mut self) {
                self.lock.raw.release($permits);
            }
        }

        impl<$($lt,)? T> std::ops::Deref for $guard<$($lt,)? T> {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: a guard holds its permits (at least one) from its creation to
                // its drop, and the reference cannot outlive the guard's borrow.
                unsafe { self.lock.raw.shared() }
            }
        }

        $crate::sync::raw_lock::guard_impls!(@mut $writable $guard $(<$lt>)?);

        impl<$($lt,)? T: std::fmt::Debug> std::fmt::Debug for $guard<$($lt,)? T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($lt,)? T: std::fmt::Display> std::fmt::Display for $guard<$($lt,)? T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
    (@mut true $guard:ident $(<$lt:lifetime>)?) => {
        impl<$($lt,)? T> std::ops::DerefMut for $guard<$($lt,)? T> {
            fn deref_mut(&mut self) -> &mut T {
                // SAFETY: this guard holds every permit until its drop, and `&mut self`
                // is a unique borrow of it.
                unsafe { self.lock.raw.exclusive() }
            }
        }
    };
    (@mut false $guard:ident $(<$lt:lifetime>)?) => {};
}
pub(super) use guard_impls;
