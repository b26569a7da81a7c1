//! `Sleep`: a future that completes at a deadline.

use super::{deadline_after, Instant};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use weft_io::TimerEntry;

/// Waits for `duration` (asyncio's `asyncio.sleep`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let start = weft::time::Instant::now();
///     weft::time::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// Waits until `deadline`.
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let at = weft::time::Instant::now() + Duration::from_millis(5);
///     weft::time::sleep_until(at).await;
///     assert!(weft::time::Instant::now() >= at);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        entry: TimerEntry::new(deadline),
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It never completes before its deadline. The timer is armed on first poll and disarmed
/// when the `Sleep` is dropped (on any thread); a `Sleep` whose deadline has already passed
/// when first polled completes without touching the timer wheel.
///
/// # Cancel safety
///
/// Cancel safe: dropping it just disarms the timer.
///
/// # Panics
///
/// When polled outside a weft runtime, or after its runtime has shut down (there is no
/// driver left to fire it).
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    entry: TimerEntry,
}

impl Sleep {
    /// The deadline.
    ///
    /// ```
    /// let at = weft::time::Instant::now();
    /// assert_eq!(weft::time::sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.entry.deadline()
    }

    /// True once the deadline has passed.
    ///
    /// ```
    /// let s = weft::time::sleep(std::time::Duration::from_secs(60));
    /// assert!(!s.is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_elapsed()
    }

    /// Moves the deadline (earlier or later), as if the `Sleep` had been created anew.
    ///
    /// A task already waiting on this `Sleep` stays registered: it is woken at the new
    /// deadline, even if it does not poll the `Sleep` again first (the reset came from
    /// another thread sharing the `Sleep`, or from the task itself after polling it).
    ///
    /// ```
    /// use std::time::Duration;
    /// weft::run(async {
    ///     let mut s = std::pin::pin!(weft::time::sleep(Duration::from_secs(3600)));
    ///     s.as_mut().reset(weft::time::Instant::now() + Duration::from_millis(1));
    ///     s.await;
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().entry.reset(deadline);
    }
}

impl Sleep {
    /// Polls the deadline without spending cooperative budget (for `Timeout`, whose
    /// deadline must be seen even when the wrapped future spent the budget).
    pub(crate) fn poll_deadline(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match ready!(self.get_mut().entry.poll_elapsed(cx)) {
            Ok(()) => Poll::Ready(()),
            Err(e) => panic!("weft::time::Sleep cannot complete: {e}"),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(weft_io::coop::poll_proceed(cx));
        ready!(self.poll_deadline(cx));
        coop.made_progress();
        Poll::Ready(())
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline())
            .finish()
    }
}
