//! `WeftExecutor` and `WeftTimer`: hyper's runtime hooks on weft's spawn and timers.

use crate::time::{sleep, sleep_until, Instant, Sleep};
use crate::Handle;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// hyper's [`Executor`](hyper::rt::Executor) on weft: spawns the background tasks that
/// HTTP/2 connections need (one per stream and one per connection).
///
/// [`WeftExecutor::new`] spawns on the runtime that is current when a task is spawned
/// (hyper does so from inside the connection's own task); [`WeftExecutor::with_handle`]
/// always on the given runtime.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor;
///
/// let rt = weft::Runtime::new().unwrap();
/// let exec = weft::hyper::WeftExecutor::with_handle(rt.handle().clone());
/// let (tx, rx) = std::sync::mpsc::channel();
/// exec.execute(async move { tx.send(weft::task::try_id()).unwrap() });
/// assert!(rx.recv().unwrap().is_some(), "ran as a weft task");
/// ```
#[derive(Clone, Debug, Default)]
pub struct WeftExecutor {
    handle: Option<Handle>,
}

impl WeftExecutor {
    /// An executor that spawns on the current runtime (as [`crate::spawn`] does).
    ///
    /// ```
    /// let exec = weft::hyper::WeftExecutor::new();
    /// # drop(exec);
    /// ```
    pub fn new() -> WeftExecutor {
        WeftExecutor { handle: None }
    }

    /// An executor that spawns on `handle`'s runtime, from any thread.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let exec = weft::hyper::WeftExecutor::with_handle(rt.handle().clone());
    /// # drop(exec);
    /// ```
    pub fn with_handle(handle: Handle) -> WeftExecutor {
        WeftExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> hyper::rt::Executor<F> for WeftExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Spawns `fut` as a detached task.
    ///
    /// # Panics
    ///
    /// [`WeftExecutor::new`]'s, outside a runtime (as [`crate::spawn`]).
    fn execute(&self, fut: F) {
        match &self.handle {
            Some(handle) => drop(handle.spawn(fut)),
            None => drop(crate::spawn(fut)),
        }
    }
}

/// hyper's [`Timer`](hyper::rt::Timer) on weft's timers ([`crate::time::sleep`]), for
/// hyper's HTTP/1 header-read timeout and its HTTP/2 keep-alive pings.
///
/// [`weft::hyper::serve`](crate::hyper::serve) sets it on every connection; set it
/// yourself on hyper's own builders (`.timer(WeftTimer)`). Resetting a timer (hyper does
/// so for every keep-alive interval) moves the existing weft timer instead of allocating a
/// new one.
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer;
/// use std::time::Duration;
///
/// weft::run(async {
///     let timer = weft::hyper::WeftTimer::new();
///     let start = weft::time::Instant::now();
///     let mut sleep = timer.sleep(Duration::from_secs(3600));
///     timer.reset(&mut sleep, start + Duration::from_millis(1));
///     sleep.await;
///     assert!(start.elapsed() >= Duration::from_millis(1));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WeftTimer {
    _private: (),
}

impl WeftTimer {
    /// The timer.
    ///
    /// ```
    /// let timer = weft::hyper::WeftTimer::new();
    /// # drop(timer);
    /// ```
    pub fn new() -> WeftTimer {
        WeftTimer { _private: () }
    }
}

impl hyper::rt::Sleep for Sleep {}

impl hyper::rt::Timer for WeftTimer {
    /// A weft [`Sleep`] of `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(sleep(duration))
    }

    /// A weft [`Sleep`] until `deadline`.
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(sleep_until(deadline))
    }

    /// Moves a weft [`Sleep`] made by this timer to `new_deadline`; any other sleep is
    /// replaced by a new one.
    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<Sleep>() {
            Some(weft_sleep) => weft_sleep.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
