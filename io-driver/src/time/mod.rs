//! Timers fired by the driver thread, in two layers:
//!
//! - [`timers`]: `Timers`, the driver side. The wheel of wakers, the tick the driver
//!   sleeps until and the shutdown mark, behind the one lock nothing else takes; its
//!   module doc is the protocol. The reactor owns a `Timers` and calls `before_wait` and
//!   `after_wait` around each `wait`.
//! - [`entry`]: `TimerEntry`, the task side, above the reactor: it finds the current
//!   reactor, asks its `Timers` to `arm`, `reset` or `cancel`, and notifies the selector
//!   when told to.
//!
//! So the dependencies run one way: `entry` -> `reactor` -> `timers`.

pub(crate) mod entry;
pub(crate) mod timers;
