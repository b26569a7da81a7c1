//! What a task group's `join` reports when children failed: asyncio's `ExceptionGroup`.

use std::any::Any;
use std::fmt;

/// One child's failure: its `Err`, or its panic.
///
/// # Examples
///
/// ```
/// use weft::task::{Failure, TaskGroup};
///
/// let err = weft::run(async {
///     let group = TaskGroup::<(), &str>::new();
///     group.spawn(async { Err("bad input") });
///     group.join().await.unwrap_err()
/// });
/// assert!(matches!(err.first(), Failure::Error("bad input")));
/// ```
pub enum Failure<E> {
    /// The child returned `Err`.
    Error(E),
    /// The child panicked; the payload `panic!` was called with.
    Panic(Box<dyn Any + Send + 'static>),
}

impl<E> Failure<E> {
    /// True for a panic.
    ///
    /// ```
    /// assert!(!weft::task::Failure::Error(()).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, Failure::Panic(_))
    }

    /// The child's error, or `None` for a panic.
    ///
    /// ```
    /// assert_eq!(weft::task::Failure::Error(3).into_error(), Some(3));
    /// ```
    pub fn into_error(self) -> Option<E> {
        match self {
            Failure::Error(e) => Some(e),
            Failure::Panic(_) => None,
        }
    }

    /// The panic's message, if it was a string (`panic!` with a message makes one).
    ///
    /// ```
    /// let f = weft::task::Failure::<()>::Panic(Box::new("boom"));
    /// assert_eq!(f.panic_message(), Some("boom"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            Failure::Panic(p) => p
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| p.downcast_ref::<String>().map(String::as_str)),
            Failure::Error(_) => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Failure::Panic(_) => match self.panic_message() {
                Some(msg) => f.debug_tuple("Panic").field(&msg).finish(),
                None => f.write_str("Panic(..)"),
            },
        }
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(e) => e.fmt(f),
            Failure::Panic(_) => match self.panic_message() {
                Some(msg) => write!(f, "panicked: {msg}"),
                None => f.write_str("panicked"),
            },
        }
    }
}

/// The children of a [`TaskGroup`](super::TaskGroup) that failed (asyncio's
/// `ExceptionGroup`): every failure, the first one first, and how many children were
/// cancelled because of it.
///
/// # Examples
///
/// ```
/// use weft::task::TaskGroup;
///
/// let err = weft::run(async {
///     let group = TaskGroup::<u8, String>::new();
///     group.spawn(async { Err("first".to_string()) });
///     group.spawn(std::future::pending()); // cancelled by the failure
///     group.join().await.unwrap_err()
/// });
/// assert_eq!(err.failures().len(), 1);
/// assert_eq!(err.cancelled(), 1);
/// assert!(err.to_string().contains("first"));
/// ```
pub struct GroupError<E> {
    pub(super) failures: Vec<Failure<E>>,
    pub(super) cancelled: usize,
}

impl<E> GroupError<E> {
    /// Every failure, in the order they happened: the one that cancelled the group first.
    ///
    /// ```
    /// # use weft::task::TaskGroup;
    /// # let err = weft::run(async {
    /// #     let g = TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) });
    /// #     g.join().await.unwrap_err()
    /// # });
    /// assert_eq!(err.failures().len(), 1);
    /// ```
    pub fn failures(&self) -> &[Failure<E>] {
        &self.failures
    }

    /// The failure that cancelled the group.
    ///
    /// ```
    /// # use weft::task::{Failure, TaskGroup};
    /// # let err = weft::run(async {
    /// #     let g = TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) });
    /// #     g.join().await.unwrap_err()
    /// # });
    /// assert!(matches!(err.first(), Failure::Error(1)));
    /// ```
    pub fn first(&self) -> &Failure<E> {
        &self.failures[0]
    }

    /// The failures, first one first, by value.
    ///
    /// ```
    /// # use weft::task::TaskGroup;
    /// # let err = weft::run(async {
    /// #     let g = TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) });
    /// #     g.join().await.unwrap_err()
    /// # });
    /// let errors: Vec<u8> = err.into_failures().into_iter().filter_map(|f| f.into_error()).collect();
    /// assert_eq!(errors, [1]);
    /// ```
    pub fn into_failures(self) -> Vec<Failure<E>> {
        self.failures
    }

    /// Children that ended cancelled: by the group after the first failure (including
    /// those spawned after it, which never ran), or through their
    /// [`AbortHandle`](crate::task::AbortHandle).
    ///
    /// ```
    /// # use weft::task::TaskGroup;
    /// # let err = weft::run(async {
    /// #     let g = TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) });
    /// #     g.join().await.unwrap_err()
    /// # });
    /// assert_eq!(err.cancelled(), 0);
    /// ```
    pub fn cancelled(&self) -> usize {
        self.cancelled
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupError")
            .field("failures", &self.failures)
            .field("cancelled", &self.cancelled)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "{n} task{} of the group failed ({} cancelled); the first: {}",
            if n == 1 { "" } else { "s" },
            self.cancelled,
            self.first()
        )
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}
