//! The watch channel's errors.

use std::fmt;

/// Every receiver is gone: the value was not stored (it is handed back in the error's
/// field).
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::watch::channel(0);
/// drop(rx);
/// assert_eq!(tx.send(1).unwrap_err().0, 1);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "every watch receiver is gone, so the value was not stored (it is returned in the \
             error): use send_replace or send_modify to update the value regardless",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Every sender is gone and the current value was already seen: no change will come.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::watch::channel(0);
/// drop(tx);
/// assert!(weft::run(rx.changed()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "every watch sender is gone and the last value was seen: no change will come \
             (the last value can still be borrowed)",
        )
    }
}

impl std::error::Error for RecvError {}
