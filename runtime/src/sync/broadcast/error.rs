//! The broadcast channel's errors.

use std::fmt;

/// Nobody subscribed: the value was not stored. It is handed back in the error's field.
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::broadcast::channel(4);
/// drop(rx);
/// assert_eq!(tx.send("nobody").unwrap_err().0, "nobody");
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
            "the broadcast channel has no receiver, so the value was not stored (it is \
             returned in the error): subscribe before sending, or ignore the error",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
///
/// # Examples
///
/// ```
/// use weft::sync::broadcast::{channel, error::RecvError};
/// let (tx, mut rx) = channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// drop(tx);
/// weft::run(async {
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and this receiver has seen every value: none will come.
    Closed,
    /// This receiver fell behind by this many values, which were overwritten before it
    /// read them; the next receive returns the oldest value still kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str(
                "every broadcast sender is gone and all values were received: stop receiving",
            ),
            RecvError::Lagged(n) => write!(
                f,
                "this receiver fell behind and missed {n} values (overwritten before it read \
                 them); receive again to continue from the oldest value kept, or give the \
                 channel more capacity"
            ),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
///
/// # Examples
///
/// ```
/// use weft::sync::broadcast::{channel, error::TryRecvError};
/// let (tx, mut rx) = channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No new value right now; senders may still send.
    Empty,
    /// Every sender is gone and this receiver has seen every value.
    Closed,
    /// This receiver fell behind by this many values; see [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str(
                "no new broadcast value right now: `.await` recv() to wait for the next one",
            ),
            TryRecvError::Closed => RecvError::Closed.fmt(f),
            TryRecvError::Lagged(n) => RecvError::Lagged(*n).fmt(f),
        }
    }
}

impl std::error::Error for TryRecvError {}
