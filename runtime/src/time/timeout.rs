//! `timeout`: bound the time a future may take (asyncio's `wait_for`).

use super::{deadline_after, Instant, Sleep};
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` for at most `duration` (asyncio's `asyncio.wait_for`): `Ok(output)` if it
/// finishes in time, `Err(Elapsed)` otherwise, in which case `future` is dropped.
///
/// The future is polled before the deadline is checked, so a future that is ready at once
/// succeeds even with a zero duration and costs no timer and no clock read at all. The
/// duration counts from the first poll that finds the future pending (for the usual
/// `timeout(d, fut).await`, that is the moment it is awaited).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep, timeout};
/// weft::run(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 5 }).await, Ok(5));
///     let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        deadline: Deadline::After(duration),
        sleep: None,
    }
}

/// Runs `future` until `deadline` at most; see [`timeout`].
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let at = weft::time::Instant::now() + Duration::from_millis(5);
///     let r = weft::time::timeout_at(at, std::future::pending::<()>()).await;
///     assert!(r.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        deadline: Deadline::At(deadline),
        sleep: None,
    }
}

/// When a `Timeout` expires; resolved to an `Instant` only once it is needed.
#[derive(Debug, Clone, Copy)]
enum Deadline {
    After(Duration),
    At(Instant),
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the wrapped future: dropping a `Timeout` drops the future.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        deadline: Deadline,
        // Created at the first poll that finds `future` pending (`Sleep` is `Unpin`).
        sleep: Option<Sleep>,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// let t = weft::time::timeout(std::time::Duration::from_secs(1), async { 1 });
    /// let _inner = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Gives the wrapped future back, discarding the deadline.
    ///
    /// ```
    /// let t = weft::time::timeout(std::time::Duration::from_secs(1), async { 1 });
    /// assert_eq!(weft::run(t.into_inner()), 1);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let sleep = this.sleep.get_or_insert_with(|| {
            let deadline = match *this.deadline {
                Deadline::After(d) => deadline_after(d),
                Deadline::At(at) => at,
            };
            *this.deadline = Deadline::At(deadline);
            super::sleep_until(deadline)
        });
        // Unlike `Sleep`, the deadline is checked even when the task's budget is spent: a
        // future that keeps the budget busy must still time out.
        match Pin::new(sleep).poll_deadline(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// The error of a [`timeout`] whose deadline passed first.
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let err = weft::time::timeout(Duration::ZERO, std::future::pending::<()>()).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed before the operation completed");
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed before the operation completed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}
