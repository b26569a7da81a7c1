//! `Runtime`, the free functions `run` and `spawn`, and `RuntimeMetrics`.

use crate::context;
use crate::handle::Handle;
use crate::loom::thread;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::time::Duration;

/// A multi-threaded work-stealing runtime: worker threads each running an event loop, and
/// the machinery to spawn onto them and block on futures.
///
/// Dropping the runtime shuts it down: spawning is closed (new spawns resolve to a
/// cancelled `JoinError` with `is_shutdown()`), every live task is cancelled and its future
/// dropped, and the worker threads are joined. Blocking jobs still queued are dropped
/// unrun; running ones are waited for. A task or blocking job that blocks its thread
/// forever makes the drop wait forever; use [`shutdown_timeout`](Self::shutdown_timeout) to
/// bound that.
///
/// # Panics
///
/// Dropping a runtime inside a runtime (in a task, or inside `block_on` of another one)
/// panics, as on tokio: the drop waits for threads and would block one that runs tasks.
/// The shutdown is started all the same (without waiting). Drop it on a plain thread or in
/// a `spawn_blocking` job, or use [`shutdown_background`](Self::shutdown_background).
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let sum = rt.block_on(async {
///     let handles: Vec<_> = (0..10u64).map(|i| weft::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for h in handles {
///         sum += h.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 285);
/// ```
pub struct Runtime {
    handle: Handle,
    threads: Vec<thread::JoinHandle<()>>,
    /// Set once shutdown ran (by `shutdown_timeout`), so `Drop` does not wait again.
    shut_down: bool,
}

impl Runtime {
    /// A runtime with default settings: one worker thread per CPU.
    ///
    /// # Errors
    ///
    /// The OS error if a worker thread cannot be started.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 2 }), 2);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        crate::Builder::new().build()
    }

    pub(crate) fn from_parts(handle: Handle, threads: Vec<thread::JoinHandle<()>>) -> Runtime {
        Runtime {
            handle,
            threads,
            shut_down: false,
        }
    }

    /// Runs `future` to completion on the calling thread (see [`Handle::block_on`]).
    ///
    /// # Panics
    ///
    /// Inside a runtime (in a task, or inside another `block_on`); `.await` the future
    /// instead (see [`Handle::block_on`]).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { weft::spawn(async { 4 }).await.unwrap() }), 4);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task onto this runtime.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async { 9 });
    /// assert_eq!(rt.block_on(h).unwrap(), 9);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.inner.spawn(future, None, Location::caller())
    }

    /// Runs `func` on this runtime's blocking pool (see [`crate::spawn_blocking`]).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| std::thread::current().name().map(String::from));
    /// let name = rt.block_on(h).unwrap().unwrap();
    /// assert!(name.starts_with("weft-blocking-"));
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.inner.spawn_blocking(func, Location::caller())
    }

    /// Enters the runtime's context on this thread until the guard drops, so that
    /// [`spawn`](crate::spawn), [`Handle::current`] and the I/O types work on a plain
    /// thread (the same as [`Handle::enter`]).
    ///
    /// # Panics
    ///
    /// When the guard is dropped out of order with another [`EnterGuard`](crate::EnterGuard)
    /// of this thread (see [`Handle::enter`]).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let h = weft::spawn(async { 5 });
    /// assert_eq!(rt.block_on(h).unwrap(), 5);
    /// ```
    pub fn enter(&self) -> crate::EnterGuard<'_> {
        self.handle.enter()
    }

    /// The runtime's handle, to clone and move to other threads.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h: weft::Handle = rt.handle().clone();
    /// # drop(h);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Live counters of the runtime.
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts down, waiting at most `timeout` for the worker threads to finish the polls
    /// they are in and for running blocking jobs to return. Tasks and queued blocking jobs
    /// are cancelled either way; a worker stuck in a blocking poll, or a blocking thread
    /// in its job, past the timeout is detached and exits when its poll or job returns.
    ///
    /// # Panics
    ///
    /// With a non-zero timeout inside a runtime (in a task, or inside `block_on`), as a
    /// drop there does (see [`Runtime`]); `shutdown_timeout(Duration::ZERO)` and
    /// [`shutdown_background`](Self::shutdown_background) never wait, so they may.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.handle().clone();
    /// rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// assert!(h.is_shutdown());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for anything (tokio's `shutdown_background`): tasks and
    /// queued blocking jobs are cancelled and the threads told to exit, and each exits
    /// when the poll or job it is in returns. The one way to shut a runtime down from
    /// inside a task or a `block_on` (of another runtime), where waiting would block.
    ///
    /// ```
    /// let outer = weft::Runtime::new().unwrap();
    /// let inner = weft::Runtime::new().unwrap();
    /// let h = inner.handle().clone();
    /// outer.block_on(async move { inner.shutdown_background() });
    /// assert!(h.is_shutdown());
    /// ```
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        if timeout != Some(Duration::ZERO) && context::is_driving() {
            // As tokio does: start the shutdown without waiting, then refuse to wait.
            self.shut_down = false;
            self.shutdown(Some(Duration::ZERO));
            if !std::thread::panicking() {
                panic!(
                    "a weft Runtime was dropped (or shut down with a timeout) inside a runtime: \
                     in a task, or inside block_on. That waits for the runtime's threads, which \
                     would block a thread that runs tasks. Drop it on a plain thread or in a \
                     spawn_blocking job, or call Runtime::shutdown_background() to shut it \
                     down without waiting."
                );
            }
            return;
        }
        let me = thread::current().id();
        let on_own_worker = self.threads.iter().any(|t| t.thread().id() == me);
        let shared = &self.handle.inner.shared;
        shared.shutdown(timeout, on_own_worker);
        let all_exited = shared.all_workers_exited();
        for t in self.threads.drain(..) {
            // After a timeout the remaining workers are detached: each exits when the poll
            // it is stuck in returns.
            if t.thread().id() != me && all_exited {
                // A worker catches every task panic, so its thread cannot have panicked.
                let _ = t.join();
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

/// Counters read from a running runtime, for dashboards and tests.
///
/// # Examples
///
/// ```
/// let rt = weft::Builder::new().worker_threads(2).build().unwrap();
/// let m = rt.metrics();
/// assert_eq!(m.num_workers(), 2);
/// assert_eq!(m.num_alive_tasks(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    pub(crate) handle: Handle,
}

impl RuntimeMetrics {
    /// Worker threads of the runtime.
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.inner.shared.num_workers()
    }

    /// Tasks spawned and not yet finished.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.metrics().num_alive_tasks(), 1);
    /// h.abort();
    /// let _ = rt.block_on(h);
    /// assert_eq!(rt.metrics().num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.inner.shared.owned.len()
    }

    /// Tasks waiting in the global (injection) queue.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let _depth = rt.metrics().injection_queue_depth();
    /// ```
    pub fn injection_queue_depth(&self) -> usize {
        self.handle.inner.shared.injector.len()
    }

    /// Timers (sleeps, timeouts, intervals) armed in the runtime's timer wheel now.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(weft::time::sleep(Duration::from_secs(60)));
    /// while rt.metrics().num_armed_timers() == 0 { std::thread::yield_now(); }
    /// h.abort();
    /// let _ = rt.block_on(h);
    /// assert_eq!(rt.metrics().num_armed_timers(), 0);
    /// ```
    pub fn num_armed_timers(&self) -> usize {
        self.handle.inner.shared.reactor.num_timers()
    }

    /// Workers not parked right now (running a task or searching for one).
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(2).build().unwrap();
    /// assert!(rt.metrics().num_active_workers() <= 2);
    /// ```
    pub fn num_active_workers(&self) -> usize {
        self.handle.inner.shared.idle.num_unparked()
    }

    /// Task polls that ran longer than [`Builder::slow_poll_threshold`] (0 when that debug
    /// mode is off).
    ///
    /// [`Builder::slow_poll_threshold`]: crate::Builder::slow_poll_threshold
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// assert_eq!(rt.metrics().num_slow_polls(), 0);
    /// ```
    pub fn num_slow_polls(&self) -> u64 {
        self.handle
            .inner
            .shared
            .slow_polls
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Threads and queue depth of the [`spawn_blocking`](crate::spawn_blocking) pool.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// let pool = rt.metrics().blocking_pool();
    /// assert_eq!(pool.num_threads(), 1);
    /// assert_eq!(pool.queue_depth(), 0);
    /// ```
    pub fn blocking_pool(&self) -> crate::blocking::PoolMetrics {
        self.handle.inner.shared.blocking.metrics()
    }
}

/// Runs `future` on a new default runtime and shuts the runtime down after (asyncio's
/// `asyncio.run`). Tasks still running when `future` finishes are cancelled.
///
/// # Panics
///
/// If the runtime cannot start (the OS refuses threads), or when called inside a runtime
/// (in a task or a `block_on`: `.await` the future there instead).
///
/// ```
/// let n = weft::run(async {
///     let h = weft::spawn(async { 40 });
///     h.await.unwrap() + 2
/// });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt = Runtime::new().unwrap_or_else(|e| panic!("weft::run could not start a runtime: {e}"));
    rt.block_on(future)
}

/// Spawns a task onto the current runtime (asyncio's `asyncio.create_task`).
///
/// # Panics
///
/// Outside a runtime, with a message saying how to get one: call it from inside a task or
/// `block_on`, or use [`Handle::spawn`] / [`Runtime::spawn`].
///
/// ```
/// weft::run(async {
///     let h = weft::spawn(async { "done" });
///     assert_eq!(h.await.unwrap(), "done");
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let at = Location::caller();
    context::with_current(|h| match h {
        Some(handle) => handle.spawn(future, None, at),
        None => panic!(
            "weft::spawn called outside a weft runtime: call it from inside a task or \
             Runtime::block_on (or weft::run), or spawn through a Handle or Runtime \
             (Runtime::spawn / Handle::spawn)"
        ),
    })
}
