//! `Handle`: a cheap, cloneable reference to a runtime, usable from any thread. A façade:
//! the runtime's state, and what tasks and threads hold of it, is the scheduler's handle
//! (`scheduler/handle.rs`).

#[cfg(not(loom))]
use crate::callback::TimerHandle;
use crate::context::{self, EnterGuard};
use crate::scheduler;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::panic::Location;

/// A handle to a runtime: spawn onto it, block on it, or enter it, from any thread.
///
/// `Handle` is `Clone + Send + Sync`. It keeps the runtime's shared state alive but not
/// its threads: once the [`Runtime`](crate::Runtime) is dropped, tasks spawned through a
/// handle are cancelled at once (their `JoinError::is_shutdown()` is true).
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let out = std::thread::spawn(move || handle.block_on(async { 7 })).join().unwrap();
/// assert_eq!(out, 7);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Returned by [`Handle::try_current`] outside a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no weft runtime on this thread: call this from inside a task or \
             Runtime::block_on, enter one with Handle::enter, or start one with weft::run \
             or weft::Runtime::new",
        )
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The handle of the runtime this thread is in (inside a task, `block_on`, or an
    /// [`enter`](Self::enter) guard).
    ///
    /// # Panics
    ///
    /// Outside a runtime, with a message that says how to get one; use
    /// [`try_current`](Self::try_current) to get an error instead.
    ///
    /// ```
    /// weft::run(async {
    ///     let handle = weft::Handle::current();
    ///     assert_eq!(handle.spawn(async { 3 }).await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("Handle::current(): {e}"),
        }
    }

    /// The handle of the runtime this thread is in, or an error outside any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] outside a runtime (not in a task, a `block_on`, a
    /// `spawn_blocking` job or under an [`enter`](Self::enter) guard); its message says how
    /// to get one.
    ///
    /// ```
    /// assert!(weft::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| h.cloned())
            .map(|inner| Handle { inner })
            .ok_or(TryCurrentError(()))
    }

    /// Spawns a task onto this runtime (asyncio's `loop.create_task`).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.handle().spawn(async { "hi" });
    /// assert_eq!(rt.block_on(h).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, None, Location::caller())
    }

    /// Runs `func` on this runtime's blocking pool (see [`crate::spawn_blocking`]); works
    /// from any thread.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let h = std::thread::spawn(move || handle.spawn_blocking(|| 6 * 7)).join().unwrap();
    /// assert_eq!(rt.block_on(h).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(func, Location::caller())
    }

    /// Schedules `f` to run soon, on one of this runtime's workers (asyncio's
    /// `loop.call_soon`). Works from any thread.
    ///
    /// The runtime's callbacks run one at a time, in the order they were scheduled (what
    /// one thread or task schedules runs in that order; what happens-before another call
    /// runs before it), after the timed callbacks that fell due before them. A callback
    /// should be short: it holds up the callbacks queued behind it (`spawn` a task for
    /// longer work). One that panics is reported as a panicking detached task is (the panic
    /// message on stderr) and the rest still run; the worker survives. Callbacks still
    /// pending when the runtime shuts down are dropped without running, as are callbacks
    /// scheduled after.
    ///
    /// The returned [`TimerHandle`] can [`cancel`](TimerHandle::cancel) it; dropping the
    /// handle does not.
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// let rt = weft::Runtime::new().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// for i in 0..3 {
    ///     let tx = tx.clone();
    ///     rt.handle().call_soon(move || tx.send(i).unwrap());
    /// }
    /// let got: Vec<i32> = rx.iter().take(3).collect();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub fn call_soon<F>(&self, f: F) -> TimerHandle
    where
        F: FnOnce() + Send + 'static,
    {
        crate::callback::call_soon_on(&self.inner, f, Location::caller())
    }

    /// [`call_soon`](Self::call_soon), by asyncio's name for calls from other threads
    /// (`loop.call_soon_threadsafe`). Every weft call is thread-safe, so the two are the
    /// same: from a plain thread, from a blocking job or from a task, the callback runs on
    /// one of this runtime's workers, in order.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// std::thread::spawn(move || {
    ///     handle.call_soon_threadsafe(move || {
    ///         let name = std::thread::current().name().map(String::from);
    ///         tx.send(name).unwrap();
    ///     });
    /// });
    /// assert!(rx.recv().unwrap().unwrap().starts_with("weft-worker"));
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub fn call_soon_threadsafe<F>(&self, f: F) -> TimerHandle
    where
        F: FnOnce() + Send + 'static,
    {
        crate::callback::call_soon_on(&self.inner, f, Location::caller())
    }

    /// Schedules `f` to run on one of this runtime's workers once `delay` has passed
    /// (asyncio's `loop.call_later`); never earlier, and at the io-driver's 1 ms
    /// resolution. Until then it costs one entry in the timing wheel and no task. Timed
    /// callbacks run in deadline order, and otherwise as [`call_soon`](Self::call_soon)'s
    /// do. `Duration::MAX` saturates to a far-future deadline.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = weft::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let start = Instant::now();
    /// rt.handle().call_later(Duration::from_millis(20), move || tx.send(Instant::now()).unwrap());
    /// assert!(rx.recv().unwrap() >= start + Duration::from_millis(20));
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub fn call_later<F>(&self, delay: std::time::Duration, f: F) -> TimerHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let when = crate::time::deadline_after(delay);
        crate::callback::call_at_on(&self.inner, when, delay.is_zero(), f, Location::caller())
    }

    /// Schedules `f` to run on one of this runtime's workers at `when` (asyncio's
    /// `loop.call_at`; weft's clock is [`Instant`](crate::time::Instant)); an instant in
    /// the past runs it as soon as [`call_soon`](Self::call_soon) would. See
    /// [`call_later`](Self::call_later).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = weft::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let at = Instant::now() + Duration::from_millis(10);
    /// let h = rt.handle().call_at(at, move || tx.send(()).unwrap());
    /// assert_eq!(h.when(), at);
    /// rx.recv().unwrap();
    /// assert!(Instant::now() >= at);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub fn call_at<F>(&self, when: std::time::Instant, f: F) -> TimerHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let due = when <= std::time::Instant::now();
        crate::callback::call_at_on(&self.inner, when, due, f, Location::caller())
    }

    /// Runs `future` to completion on the calling thread, with this runtime entered so the
    /// future can spawn. Tasks it spawns run on the worker threads.
    ///
    /// # Panics
    ///
    /// Inside a runtime: in a task (blocking a worker stalls its tasks) or inside another
    /// `block_on` (of this runtime or another one), as on tokio; `.await` the future
    /// instead. A `spawn_blocking` job or a thread that only [entered](Self::enter) a
    /// runtime may call it.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let v = rt.handle().block_on(async { weft::spawn(async { 5 }).await.unwrap() });
    /// assert_eq!(v, 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::block_on::block_on(&self.inner, future)
    }

    /// Enters this runtime on the current thread until the guard drops, so
    /// [`weft::spawn`](crate::spawn) and [`Handle::current`] work there.
    ///
    /// # Panics
    ///
    /// When guards of one thread are dropped out of order (see [`EnterGuard`]).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let guard = rt.handle().enter();
    /// assert!(weft::Handle::try_current().is_ok());
    /// drop(guard);
    /// assert!(weft::Handle::try_current().is_err());
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        context::enter(&self.inner)
    }

    /// True once the runtime has begun shutting down.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// assert!(!handle.is_shutdown());
    /// drop(rt);
    /// assert!(handle.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.inner.shared.is_shutdown()
    }

    /// Live counters of the runtime.
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> crate::RuntimeMetrics {
        crate::RuntimeMetrics {
            handle: self.clone(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.inner.shared.num_workers())
            .field("shutdown", &self.inner.shared.is_shutdown())
            .finish()
    }
}
