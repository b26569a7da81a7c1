//! Time: sleeping, timeouts and intervals, fired by the runtime's io-driver thread from a
//! hierarchical timing wheel (1 ms resolution; a timer never fires before its deadline).
//!
//! | asyncio | weft |
//! |---|---|
//! | `await asyncio.sleep(s)` | [`sleep`]`(d).await` |
//! | `await asyncio.wait_for(aw, timeout)` | [`timeout`]`(d, fut).await` |
//! | `async with asyncio.timeout_at(when)` | [`timeout_at`] |
//! | `loop.time()` | [`Instant::now`] |
//! | periodic work with `sleep` in a loop | [`interval`] |
//!
//! Durations too large to represent (`Duration::MAX`) saturate to a far-future deadline;
//! they never overflow or panic.

mod interval;
mod sleep;
mod timeout;

pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Instant;
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use std::time::Duration;

/// `now + d`, saturating to about 30 years ahead instead of overflowing.
pub(crate) fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or_else(far_future)
}

/// A deadline that is never reached in practice: about 30 years from now.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}
