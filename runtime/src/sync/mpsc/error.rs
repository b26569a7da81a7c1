//! The channel errors.

use std::fmt;

/// The receiver was dropped or closed: the message was not sent. It is handed back in the
/// error's field.
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::unbounded_channel();
/// drop(rx);
/// let err = tx.send("lost").unwrap_err();
/// assert_eq!(err.0, "lost");
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
            "the channel's receiver was dropped or closed, so the message was not sent (it is \
             returned in the error): stop sending on this channel",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why a `try_send` (or `try_reserve`) did not go through; the message is handed back.
///
/// # Examples
///
/// ```
/// use weft::sync::mpsc::{channel, error::TrySendError};
/// let (tx, _rx) = channel(1);
/// tx.try_send(1).unwrap();
/// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is at capacity; the receiver has not caught up.
    Full(T),
    /// The receiver was dropped or closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    ///
    /// ```
    /// use weft::sync::mpsc::error::TrySendError;
    /// assert_eq!(TrySendError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str(
                "the channel is full (the receiver has not caught up): `.await` send() to wait \
                 for room, or shed the message (it is returned in the error)",
            ),
            TrySendError::Closed(_) => f.write_str(
                "the channel's receiver was dropped or closed, so the message was not sent (it \
                 is returned in the error): stop sending on this channel",
            ),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

/// Why a [`send_timeout`](super::Sender::send_timeout) did not go through; the message is
/// handed back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::sync::mpsc::{channel, error::SendTimeoutError};
/// let (tx, rx) = channel(1);
/// drop(rx);
/// let err = weft::run(tx.send_timeout(7, Duration::from_secs(1))).unwrap_err();
/// assert!(matches!(err, SendTimeoutError::Closed(7)));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// No room came within the timeout; the receiver has not caught up.
    Timeout(T),
    /// The receiver was dropped or closed.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The message that was not sent.
    ///
    /// ```
    /// use weft::sync::mpsc::error::SendTimeoutError;
    /// assert_eq!(SendTimeoutError::Timeout(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str(
                "the channel stayed full (the receiver has not caught up) for the whole timeout: \
                 retry, or shed the message (it is returned in the error)",
            ),
            SendTimeoutError::Closed(_) => f.write_str(
                "the channel's receiver was dropped or closed, so the message was not sent (it \
                 is returned in the error): stop sending on this channel",
            ),
        }
    }
}

impl<T> std::error::Error for SendTimeoutError<T> {}

/// Why a `try_recv` returned no message.
///
/// # Examples
///
/// ```
/// use weft::sync::mpsc::{unbounded_channel, error::TryRecvError};
/// let (tx, mut rx) = unbounded_channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message right now; senders may still send (after a close: a permit reserved
    /// before it is still outstanding).
    Empty,
    /// No message, and none will come: every sender is gone, or the receiver was closed
    /// and no permit reserved before the close is left.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => {
                f.write_str("the channel is empty right now: `.await` recv() to wait for a message")
            }
            TryRecvError::Disconnected => f.write_str(
                "the channel is empty and every sender is gone (or it was closed): no more \
                 messages will come",
            ),
        }
    }
}

impl std::error::Error for TryRecvError {}
