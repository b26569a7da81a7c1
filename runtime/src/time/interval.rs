//! `Interval`: ticks at a fixed period.

use super::{far_future, sleep_until, Instant, Sleep};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// What an [`Interval`] does when ticks were missed (the task was busy past one or more
/// deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one per `tick()`, until caught up; the schedule keeps
    /// its original phase (the default, as in tokio).
    #[default]
    Burst,
    /// Fire once now, then continue `period` after this late tick: the schedule shifts.
    Delay,
    /// Fire once now, then continue at the next tick of the original schedule, dropping the
    /// missed ones.
    Skip,
}

/// An interval whose first tick completes at once, then every `period`.
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let mut every = weft::time::interval(Duration::from_millis(2));
///     let start = every.tick().await; // immediately
///     every.tick().await;
///     every.tick().await;
///     assert!(start.elapsed() >= Duration::from_millis(4));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start`, then every `period`.
///
/// # Panics
///
/// If `period` is zero.
///
/// ```
/// use std::time::Duration;
/// weft::run(async {
///     let start = weft::time::Instant::now() + Duration::from_millis(3);
///     let mut i = weft::time::interval_at(start, Duration::from_millis(3));
///     assert_eq!(i.tick().await, start);
/// });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "weft::time::interval: the period must be non-zero"
    );
    Interval {
        sleep: sleep_until(start),
        period,
        missed: MissedTickBehavior::Burst,
    }
}

/// Ticks at a fixed period; see [`interval`].
///
/// # Cancel safety
///
/// [`tick`](Self::tick) is cancel safe: a dropped `tick()` future consumes no tick.
pub struct Interval {
    // `Sleep` is `Unpin` (its timer entry lives in the wheel, not in the future).
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a `tick()` dropped before it completes consumes no tick; the next call
    /// returns it.
    ///
    /// ```
    /// use std::time::Duration;
    /// weft::run(async {
    ///     let mut i = weft::time::interval(Duration::from_millis(1));
    ///     let a = i.tick().await;
    ///     let b = i.tick().await;
    ///     assert_eq!(b - a, Duration::from_millis(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Self::tick).
    ///
    /// ```
    /// use std::time::Duration;
    /// weft::run(async {
    ///     let mut i = weft::time::interval(Duration::from_millis(1));
    ///     std::future::poll_fn(|cx| i.poll_tick(cx)).await;
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let next = match self.missed {
            MissedTickBehavior::Burst => scheduled.checked_add(self.period),
            MissedTickBehavior::Delay if now > scheduled + self.period => {
                now.checked_add(self.period)
            }
            MissedTickBehavior::Skip if now > scheduled + self.period => {
                // The first tick of the original schedule strictly after now.
                let behind = (now - scheduled).as_nanos() / self.period.as_nanos().max(1);
                let steps = u32::try_from(behind + 1).unwrap_or(u32::MAX);
                self.period
                    .checked_mul(steps)
                    .and_then(|d| scheduled.checked_add(d))
            }
            MissedTickBehavior::Delay | MissedTickBehavior::Skip => {
                scheduled.checked_add(self.period)
            }
        };
        Pin::new(&mut self.sleep).reset(next.unwrap_or_else(far_future));
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now. A task waiting in
    /// [`tick`](Self::tick) is woken at that tick, even if it does not poll again first.
    ///
    /// ```
    /// use std::time::Duration;
    /// weft::run(async {
    ///     let mut i = weft::time::interval(Duration::from_millis(1));
    ///     i.tick().await;
    ///     i.reset();
    ///     let t = i.tick().await;
    ///     assert!(t > weft::time::Instant::now() - Duration::from_secs(1));
    /// });
    /// ```
    pub fn reset(&mut self) {
        let next = Instant::now()
            .checked_add(self.period)
            .unwrap_or_else(far_future);
        Pin::new(&mut self.sleep).reset(next);
    }

    /// Chooses what happens to missed ticks.
    ///
    /// ```
    /// use weft::time::MissedTickBehavior;
    /// weft::run(async {
    ///     let mut i = weft::time::interval(std::time::Duration::from_millis(1));
    ///     i.set_missed_tick_behavior(MissedTickBehavior::Skip);
    ///     assert_eq!(i.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The current missed-tick behaviour.
    ///
    /// ```
    /// let i = weft::time::interval(std::time::Duration::from_millis(1));
    /// assert_eq!(i.missed_tick_behavior(), weft::time::MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// The period.
    ///
    /// ```
    /// let i = weft::time::interval(std::time::Duration::from_millis(7));
    /// assert_eq!(i.period(), std::time::Duration::from_millis(7));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("period", &self.period)
            .field("next", &self.sleep.deadline())
            .field("missed_tick_behavior", &self.missed)
            .finish()
    }
}
