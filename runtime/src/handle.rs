//! `Handle`: a cheap, cloneable reference to a runtime, usable from any thread. A façade:
//! the runtime's state, and what tasks and threads hold of it, is the scheduler's handle
//! (`scheduler/handle.rs`).

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
