//! Permits: borrowed (`SemaphorePermit`) and owned (`OwnedSemaphorePermit`); each gives
//! its permits back when dropped.

use super::Semaphore;
use std::fmt;
use std::sync::Arc;

/// Permits borrowed from a [`Semaphore`]; released when dropped.
///
/// # Examples
///
/// ```
/// let sem = weft::sync::Semaphore::new(2);
/// {
///     let _p = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 1);
/// }
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    pub(super) sem: &'a Semaphore,
    pub(super) permits: usize,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits out of the semaphore for good instead of releasing them.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// let sem = weft::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits of an `Arc<Semaphore>`, `'static`; released when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(weft::sync::Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    pub(super) sem: Arc<Semaphore>,
    pub(super) permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good instead of releasing them.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(2));
    /// assert_eq!(sem.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(p.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
