//! `JoinError`: why a task produced no value.

use super::Id;
use std::any::Any;
use std::fmt;
use std::io;

/// A task did not produce its output: it was cancelled, or it panicked.
///
/// Returned by awaiting a [`JoinHandle`](crate::task::JoinHandle).
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
/// assert!(err.is_panic());
/// let payload = err.into_panic();
/// assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled { shutdown: bool },
    Panic(Payload),
}

/// A panic payload, made `Sync` so `JoinError` fits `Box<dyn Error + Send + Sync>`.
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: through `&Payload` the payload is only ever inspected by `panic_message`, which
// calls `type_id` (returns a constant, never reads the data) and then reads the data only
// as a `&'static str` or a `String`, both `Sync`. Every other access takes the payload by
// value. So no `&T` of a non-`Sync` payload type is ever shared between threads.
unsafe impl Sync for Payload {}

impl JoinError {
    pub(crate) fn cancelled(id: Id, shutdown: bool) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled { shutdown },
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(Payload(payload)),
        }
    }

    /// True if the task was cancelled: by [`JoinHandle::abort`](crate::task::JoinHandle::abort),
    /// an [`AbortHandle`](crate::task::AbortHandle), or the runtime shutting down.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(rt.block_on(h).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled { .. })
    }

    /// True if the task was cancelled because its runtime shut down (or had already shut
    /// down when the task was spawned).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// drop(rt);
    /// let err = weft::run(handle.spawn(async { 1 })).unwrap_err();
    /// assert!(err.is_cancelled() && err.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self.repr, Repr::Cancelled { shutdown: true })
    }

    /// True if the task panicked.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// assert!(rt.block_on(rt.spawn(async { panic!() })).unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to resume the panic with [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the error is a cancellation; check [`is_panic`](Self::is_panic) or use
    /// [`try_into_panic`](Self::try_into_panic).
    ///
    /// ```should_panic
    /// let rt = weft::Runtime::new().unwrap();
    /// let err = rt.block_on(rt.spawn(async { panic!("again") })).unwrap_err();
    /// std::panic::resume_unwind(err.into_panic());
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancellation; check is_panic() first")
    }

    /// The panic payload, or the error back if it is a cancellation.
    ///
    /// # Errors
    ///
    /// The `JoinError` itself, unchanged, when the task was cancelled rather than
    /// panicked (so it can still be inspected or returned).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// h.abort();
    /// let err = rt.block_on(h).unwrap_err();
    /// assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.0),
            _ => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async { panic!() });
    /// let id = h.id();
    /// assert_eq!(rt.block_on(h).unwrap_err().id(), id);
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled { shutdown: false } => {
                write!(
                    f,
                    "task {} was cancelled by abort() before it finished",
                    self.id
                )
            }
            Repr::Cancelled { shutdown: true } => write!(
                f,
                "task {} was cancelled because its runtime shut down; keep the Runtime alive \
                 until the tasks you await have finished",
                self.id
            ),
            Repr::Panic(payload) => match panic_message(payload.0.as_ref()) {
                Some(msg) => write!(f, "task {} panicked with message {:?}", self.id, msg),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled { shutdown } => f
                .debug_struct("JoinError::Cancelled")
                .field("id", &self.id)
                .field("shutdown", shutdown)
                .finish(),
            Repr::Panic(payload) => f
                .debug_struct("JoinError::Panic")
                .field("id", &self.id)
                .field("message", &panic_message(payload.0.as_ref()))
                .finish(),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        let kind = if err.is_cancelled() {
            io::ErrorKind::Interrupted
        } else {
            io::ErrorKind::Other
        };
        io::Error::new(kind, err.to_string())
    }
}
