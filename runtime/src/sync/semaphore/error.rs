//! The semaphore's errors.

use std::fmt;

/// The semaphore was closed: no permit will be granted.
///
/// # Examples
///
/// ```
/// let sem = weft::sync::Semaphore::new(0);
/// sem.close();
/// let err = weft::run(sem.acquire()).unwrap_err();
/// assert!(err.to_string().contains("closed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(pub(super) ());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the semaphore was closed, so no permit will be granted: stop acquiring from it \
             (closing is how its owner says the guarded resource is gone)",
        )
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`](super::Semaphore::try_acquire) returned no permit.
///
/// # Examples
///
/// ```
/// use weft::sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(1);
/// let _p = sem.try_acquire().unwrap();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free right now, or other tasks wait for them first.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str(
                "the semaphore was closed, so no permit will be granted: stop acquiring from it",
            ),
            TryAcquireError::NoPermits => f.write_str(
                "no permits are free right now (or other tasks wait for them first): \
                 `.await` acquire() to wait for one, or retry later",
            ),
        }
    }
}

impl std::error::Error for TryAcquireError {}
