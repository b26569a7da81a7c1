//! Blocking work off the event loop: asyncio's `loop.run_in_executor(None, f)` and
//! `run_in_executor(executor, f)`.
//!
//! A task must not block its worker thread: every other task queued on that worker waits
//! while it does. Work that blocks (file I/O, a synchronous database driver, DNS through
//! libc, CPU-heavy hashing or compression) goes to a thread pool instead, and the task
//! awaits the result:
//!
//! - [`spawn_blocking`] (also on [`Runtime`](crate::Runtime) and
//!   [`Handle`](crate::Handle)) runs a closure on the runtime's own elastic pool, asyncio's
//!   `run_in_executor(None, f)`;
//! - [`Pool`] is an explicit, fixed-size executor of your own, asyncio's
//!   `run_in_executor(executor, f)`, with an optional queue bound.
//!
//! Both return the same [`JoinHandle`] as async tasks: a panic in
//! the closure arrives as [`JoinError::is_panic`](crate::task::JoinError::is_panic), and
//! `abort()` cancels a job that has not started yet (a running closure cannot be
//! interrupted; it runs to the end and its output is dropped).
//!
//! # The runtime's pool
//!
//! Threads start on demand: a queued job gets an idle thread if there is one, otherwise a
//! new thread starts, up to [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)
//! (default 512); a new thread is never started while an idle one could take the job. For
//! a burst of jobs, threads are woken or started one after the other (each thread that
//! takes a job while more wait sends the next), not all at once by the spawner: a burst of
//! short jobs is then drained by the few threads already running instead of waking one
//! thread per job, while a burst of long jobs still gets a thread each, a thread start
//! apart. An idle thread exits after
//! [`Builder::thread_keep_alive`](crate::Builder::thread_keep_alive) (default 10 s). The
//! threads are named `weft-blocking-N`, and jobs run with the runtime entered, so
//! [`Handle::current`](crate::Handle::current) and `weft::spawn` work inside them.
//!
//! **Beyond the cap, jobs queue.** When all `max_blocking_threads` threads are busy, further
//! jobs wait in one FIFO queue and start, oldest first, as threads finish. Nothing fails
//! and nothing blocks the spawner, but a job may start much later than it was spawned: if
//! 512 jobs each block for a minute, the 513th starts a minute late. Jobs that wait on
//! each other through the pool can deadlock once the cap is reached. Keep long-lived or
//! unbounded blocking work on a [`Pool`] of its own, and watch
//! [`RuntimeMetrics::blocking_pool`](crate::RuntimeMetrics::blocking_pool)'s queue depth.
//!
//! # Shutdown
//!
//! When the runtime shuts down (or a `Pool` does), jobs still queued are dropped without
//! running: their handles yield a cancelled `JoinError` whose `is_shutdown()` is true.
//! Running jobs cannot be interrupted: dropping the runtime waits for them, and
//! [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout) waits at most its
//! timeout (shared with the worker threads), after which the threads still running are
//! detached and exit when their job returns.
//!
//! # Examples
//!
//! ```
//! let n = weft::run(async {
//!     // CPU-heavy work off the workers: the event loop stays responsive meanwhile.
//!     let h = weft::spawn_blocking(|| (1..=1_000_000u64).filter(|n| n % 7 == 0).count());
//!     h.await.unwrap()
//! });
//! assert_eq!(n, 142_857);
//! ```

mod error;
mod metrics;
mod pool;
pub(crate) mod spawner;
mod task;

#[cfg(all(test, loom))]
mod loom_tests;

pub use error::QueueFull;
pub use metrics::PoolMetrics;
pub use pool::{Pool, PoolBuilder};

use crate::context;
use crate::task::JoinHandle;
use std::panic::Location;

/// Runs `func` on the current runtime's blocking pool and returns a handle to await its
/// result (asyncio's `loop.run_in_executor(None, func)`).
///
/// Use it for work that blocks or computes for long: the worker threads keep running other
/// tasks meanwhile. See the [module docs](crate::blocking) for how the pool grows, what
/// happens beyond its cap (jobs queue in FIFO order) and at shutdown.
///
/// # Panics
///
/// Outside a runtime, with a message saying how to get one; use
/// [`Handle::spawn_blocking`](crate::Handle::spawn_blocking) or [`Runtime::spawn_blocking`](crate::Runtime::spawn_blocking)
/// there.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let contents = weft::spawn_blocking(|| std::fs::read_to_string("/definitely/missing"))
///         .await
///         .expect("the closure does not panic");
///     assert!(contents.is_err());
///
///     let err = weft::spawn_blocking(|| panic!("boom")).await.unwrap_err();
///     assert!(err.is_panic());
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let at = Location::caller();
    context::with_current(|handle| match handle {
        Some(handle) => handle.spawn_blocking(func, at),
        None => panic!(
            "weft::spawn_blocking called outside a weft runtime: call it from inside a task \
             or Runtime::block_on (or weft::run), or spawn through a Handle or Runtime \
             (Handle::spawn_blocking / Runtime::spawn_blocking), or use a \
             weft::blocking::Pool, which needs no runtime"
        ),
    })
}
