//! `Promise`: asyncio's `Future`, a result set later by someone else that any number of
//! tasks wait for, with done-callbacks.
//!
//! # Protocol
//!
//! - `outcome` (a [`OnceCell`]) is written once, by the first of `set_result`,
//!   `set_exception` and `cancel`; a later (or a losing concurrent) one gets
//!   [`InvalidState`]. Once written it never changes, so readers (`result`, `done`,
//!   `wait`) read it without a lock, and cloning the value runs no user code under a lock.
//! - The completer then calls `notify.notify_waiters()`. A waiter creates its `Notified`
//!   *before* it reads `outcome`: a `Notify` wakes every `Notified` created before a
//!   `notify_waiters`, polled or not, so either the waiter reads the outcome or it is woken
//!   by the notification. No completion is missed (the loom model below checks it).
//! - `callbacks` (a mutex no user code runs under) holds the done-callbacks and `fired`.
//!   The completer, after writing `outcome`, sets `fired` and takes the list;
//!   `add_done_callback` looks at `fired` under the same lock and either files the
//!   callback or, done already, schedules it at once. So every callback is scheduled
//!   exactly once, and only after the outcome is readable. Scheduled callbacks run on a
//!   worker of the runtime that was current when they were added (asyncio's
//!   `loop.call_soon`), in the order they were added.

use super::{lock, Notify, OnceCell};
use crate::loom::{Arc, Mutex};
use std::error::Error;
use std::fmt;

/// The exception a [`Promise`] failed with: any error, shared so that every waiter gets
/// it (asyncio raises the same exception object in every awaiter).
pub type Exception = std::sync::Arc<dyn Error + Send + Sync + 'static>;

/// A value that someone sets later and any number of tasks wait for (asyncio's `Future`,
/// as `loop.create_future()` makes it).
///
/// Whoever holds a clone may complete it, once, with [`set_result`](Self::set_result),
/// [`set_exception`](Self::set_exception) or [`cancel`](Self::cancel); every task in
/// [`wait`](Self::wait) then gets the outcome: `Ok(value)` (a clone for each),
/// `Err(PromiseError::Exception(e))` or `Err(PromiseError::Cancelled)`.
/// [`add_done_callback`](Self::add_done_callback) runs a function on a worker once it is
/// done. `Promise` is a shared handle: `Clone`, and `Send + Sync` for `T: Send + Sync`
/// (waiters on several threads clone the value through a shared reference).
///
/// Unlike a [`oneshot`](super::oneshot) channel it has any number of waiters, can be read
/// again after it completed ([`result`](Self::result)), and is not completed by dropping a
/// handle: a promise nobody completes stays pending (as in asyncio).
///
/// # Examples
///
/// ```
/// use weft::sync::{Promise, PromiseError};
///
/// weft::run(async {
///     let answer = Promise::new();
///     let waiters: Vec<_> = (0..3)
///         .map(|_| {
///             let answer = answer.clone();
///             weft::spawn(async move { answer.wait().await })
///         })
///         .collect();
///     answer.set_result(42).unwrap();
///     for w in waiters {
///         assert_eq!(w.await.unwrap().unwrap(), 42);
///     }
///     assert!(answer.set_result(7).is_err(), "set once");
///
///     let failed = Promise::<u32>::new();
///     failed.set_exception("disk on fire").unwrap();
///     match failed.wait().await {
///         Err(PromiseError::Exception(e)) => assert_eq!(e.to_string(), "disk on fire"),
///         other => panic!("{other:?}"),
///     }
/// });
/// ```
pub struct Promise<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    outcome: OnceCell<Outcome<T>>,
    notify: Notify,
    callbacks: Mutex<Callbacks<T>>,
}

enum Outcome<T> {
    Value(T),
    Exception(Exception),
    Cancelled,
}

struct Callbacks<T> {
    /// Set once, by the completer after it wrote the outcome; never cleared.
    fired: bool,
    /// Callbacks added before completion, oldest first; each schedules its function.
    list: Vec<DoneCallback<T>>,
}

type DoneCallback<T> = Box<dyn FnOnce(Promise<T>) + Send>;

/// Why [`Promise::wait`] (or [`Promise::result`]) has no value.
///
/// # Examples
///
/// ```
/// use weft::sync::{Promise, PromiseError};
///
/// let p = Promise::<()>::new();
/// p.cancel();
/// let err = weft::run(p.wait()).unwrap_err();
/// assert!(matches!(err, PromiseError::Cancelled));
/// assert!(err.is_cancelled());
/// ```
#[derive(Clone, Debug)]
pub enum PromiseError {
    /// The promise failed: [`Promise::set_exception`] was called with this error.
    Exception(Exception),
    /// The promise was cancelled ([`Promise::cancel`]; asyncio's `CancelledError`).
    Cancelled,
}

impl PromiseError {
    /// True for [`PromiseError::Cancelled`].
    ///
    /// ```
    /// assert!(weft::sync::PromiseError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, PromiseError::Cancelled)
    }

    /// The exception, for [`PromiseError::Exception`].
    ///
    /// ```
    /// let p = weft::sync::Promise::<()>::new();
    /// p.set_exception("boom").unwrap();
    /// let err = p.result().unwrap().unwrap_err();
    /// assert_eq!(err.exception().unwrap().to_string(), "boom");
    /// ```
    pub fn exception(&self) -> Option<&Exception> {
        match self {
            PromiseError::Exception(e) => Some(e),
            PromiseError::Cancelled => None,
        }
    }
}

impl fmt::Display for PromiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::Exception(e) => write!(f, "the promise failed: {e}"),
            PromiseError::Cancelled => f.write_str(
                "the promise was cancelled before it got a result (asyncio's CancelledError)",
            ),
        }
    }
}

impl Error for PromiseError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PromiseError::Exception(e) => Some(&**e),
            PromiseError::Cancelled => None,
        }
    }
}

/// A second completion of a [`Promise`] (asyncio's `InvalidStateError`): it already has
/// its result, exception or cancellation, which stays as it was.
///
/// # Examples
///
/// ```
/// use weft::sync::{InvalidState, Promise};
///
/// let p = Promise::new();
/// p.set_result(1).unwrap();
/// assert_eq!(p.set_result(2), Err(InvalidState));
/// assert_eq!(p.result().unwrap().unwrap(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidState;

impl fmt::Display for InvalidState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the promise is already done: its result, exception or cancellation is set once \
             (asyncio's InvalidStateError); check done() first if several parties may \
             complete it",
        )
    }
}

impl Error for InvalidState {}

impl<T> Outcome<T> {
    fn to_result(&self) -> Result<T, PromiseError>
    where
        T: Clone,
    {
        match self {
            Outcome::Value(v) => Ok(v.clone()),
            Outcome::Exception(e) => Err(PromiseError::Exception(e.clone())),
            Outcome::Cancelled => Err(PromiseError::Cancelled),
        }
    }
}

impl<T> Promise<T> {
    /// A pending promise (asyncio's `loop.create_future()`). Needs no runtime.
    ///
    /// ```
    /// let p = weft::sync::Promise::<String>::new();
    /// assert!(!p.done());
    /// ```
    pub fn new() -> Promise<T> {
        Promise {
            inner: Arc::new(Inner {
                outcome: OnceCell::new(),
                notify: Notify::new(),
                callbacks: Mutex::new(Callbacks {
                    fired: false,
                    list: Vec::new(),
                }),
            }),
        }
    }

    /// Completes the promise with `value`: every waiter gets a clone, and the
    /// done-callbacks are scheduled.
    ///
    /// # Errors
    ///
    /// [`InvalidState`] if the promise is already done (set, failed or cancelled); `value`
    /// is dropped and the promise keeps its outcome.
    ///
    /// ```
    /// let p = weft::sync::Promise::new();
    /// p.set_result("ok").unwrap();
    /// assert!(p.done());
    /// assert!(p.set_result("again").is_err());
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), InvalidState> {
        self.complete(Outcome::Value(value))
    }

    /// Fails the promise with `error` (asyncio's `set_exception`): every waiter gets
    /// `Err(PromiseError::Exception(e))`, the same shared error. Anything that converts
    /// into a boxed error works: an error value, a `String`, a `&str`.
    ///
    /// # Errors
    ///
    /// [`InvalidState`] if the promise is already done; `error` is dropped.
    ///
    /// ```
    /// let p = weft::sync::Promise::<u8>::new();
    /// p.set_exception(std::io::Error::other("no route")).unwrap();
    /// assert_eq!(p.exception().unwrap().to_string(), "no route");
    /// ```
    pub fn set_exception<E>(&self, error: E) -> Result<(), InvalidState>
    where
        E: Into<Box<dyn Error + Send + Sync + 'static>>,
    {
        let error: Exception = std::sync::Arc::from(error.into());
        self.complete(Outcome::Exception(error))
    }

    /// Cancels the promise (asyncio's `Future.cancel()`): if it is still pending, every
    /// waiter gets `Err(PromiseError::Cancelled)`, the done-callbacks are scheduled and
    /// this returns `true`. If it is already done, nothing changes and it returns `false`.
    ///
    /// ```
    /// let p = weft::sync::Promise::<u8>::new();
    /// assert!(p.cancel());
    /// assert!(p.cancelled());
    /// assert!(!p.cancel(), "already done");
    /// ```
    pub fn cancel(&self) -> bool {
        self.complete(Outcome::Cancelled).is_ok()
    }

    /// True once the promise has a result, an exception or a cancellation.
    ///
    /// ```
    /// let p = weft::sync::Promise::new();
    /// assert!(!p.done());
    /// p.set_result(()).unwrap();
    /// assert!(p.done());
    /// ```
    pub fn done(&self) -> bool {
        self.inner.outcome.get().is_some()
    }

    /// True if the promise was [cancelled](Self::cancel).
    ///
    /// ```
    /// let p = weft::sync::Promise::<()>::new();
    /// p.cancel();
    /// assert!(p.cancelled() && p.done());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.inner.outcome.get(), Some(Outcome::Cancelled))
    }

    /// The outcome, as [`wait`](Self::wait) would return it, without waiting: `None`
    /// while the promise is pending (where asyncio's `result()` raises
    /// `InvalidStateError`), else `Some(Ok(value))` (a clone), `Some(Err(Exception(e)))`
    /// or `Some(Err(Cancelled))`.
    ///
    /// ```
    /// let p = weft::sync::Promise::new();
    /// assert!(p.result().is_none());
    /// p.set_result(5).unwrap();
    /// assert_eq!(p.result().unwrap().unwrap(), 5);
    /// ```
    pub fn result(&self) -> Option<Result<T, PromiseError>>
    where
        T: Clone,
    {
        self.inner.outcome.get().map(Outcome::to_result)
    }

    /// The exception the promise failed with: `Some` only after
    /// [`set_exception`](Self::set_exception); `None` while pending, after a result, and
    /// after a cancellation (see [`cancelled`](Self::cancelled)).
    ///
    /// ```
    /// let p = weft::sync::Promise::<()>::new();
    /// assert!(p.exception().is_none());
    /// p.set_exception("bad input").unwrap();
    /// assert_eq!(p.exception().unwrap().to_string(), "bad input");
    /// ```
    pub fn exception(&self) -> Option<Exception> {
        match self.inner.outcome.get() {
            Some(Outcome::Exception(e)) => Some(e.clone()),
            _ => None,
        }
    }

    /// Waits until the promise is done and returns its outcome: `Ok(value)` (a clone: any
    /// number of tasks may wait), `Err(PromiseError::Exception(e))` or
    /// `Err(PromiseError::Cancelled)`. At once if it is done already.
    ///
    /// # Errors
    ///
    /// [`PromiseError::Exception`] with the error given to
    /// [`set_exception`](Self::set_exception) (the same shared one for every waiter), or
    /// [`PromiseError::Cancelled`] after [`cancel`](Self::cancel).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops this task from waiting; the promise and
    /// its other waiters are unaffected, and `wait` may be called again. (Cancelling a
    /// waiter does not cancel the promise, unlike asyncio, where cancelling a task that
    /// awaits a future cancels the future.)
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::sync::Promise;
    ///
    /// weft::run(async {
    ///     let p = Promise::new();
    ///     // A waiter that gives up: the promise is untouched.
    ///     assert!(weft::time::timeout(Duration::from_millis(5), p.wait()).await.is_err());
    ///     p.set_result('x').unwrap();
    ///     assert_eq!(p.wait().await.unwrap(), 'x');
    /// });
    /// ```
    pub async fn wait(&self) -> Result<T, PromiseError>
    where
        T: Clone,
    {
        loop {
            // Created before the read: see the module's protocol.
            let notified = self.inner.notify.notified();
            if let Some(outcome) = self.inner.outcome.get() {
                return outcome.to_result();
            }
            notified.await;
        }
    }

    /// Calls `schedule` once the promise is done: at once if it is, else from the
    /// completion (see the module's protocol).
    #[cfg_attr(all(loom, not(test)), allow(dead_code))]
    fn on_done(&self, schedule: DoneCallback<T>) {
        let mut callbacks = lock(&self.inner.callbacks);
        if callbacks.fired {
            drop(callbacks);
            schedule(self.clone());
        } else {
            callbacks.list.push(schedule);
        }
    }

    /// Writes the outcome if none is there, then wakes the waiters and schedules the
    /// done-callbacks.
    fn complete(&self, outcome: Outcome<T>) -> Result<(), InvalidState> {
        // The rejected outcome (a value or an error: user code) is dropped here, no lock
        // held. A concurrent completion that holds the cell makes this one lose too.
        self.inner.outcome.set(outcome).map_err(|_| InvalidState)?;
        self.inner.notify.notify_waiters();
        let callbacks = {
            let mut callbacks = lock(&self.inner.callbacks);
            callbacks.fired = true;
            std::mem::take(&mut callbacks.list)
        };
        for schedule in callbacks {
            schedule(self.clone());
        }
        Ok(())
    }
}

#[cfg(not(loom))]
impl<T: Send + Sync + 'static> Promise<T> {
    /// Runs `f(&promise)` once the promise is done (asyncio's `add_done_callback`), on a
    /// worker of the runtime current here, as [`weft::call_soon`](crate::call_soon) would:
    /// soon after completion, or soon after this call if it is done already. Callbacks run
    /// once each, in the order they were added. A callback that panics is reported as a
    /// panicking detached task is, and the others still run.
    ///
    /// # Panics
    ///
    /// Outside a runtime (not in a task, a `block_on` or under an
    /// [`enter`](crate::Handle::enter) guard): there would be no worker to run `f` on.
    ///
    /// ```
    /// use weft::sync::{oneshot, Promise};
    ///
    /// weft::run(async {
    ///     let p = Promise::new();
    ///     let (tx, rx) = oneshot::channel();
    ///     p.add_done_callback(move |p| {
    ///         let _ = tx.send(p.result().unwrap().unwrap() * 2);
    ///     });
    ///     p.set_result(21).unwrap();
    ///     assert_eq!(rx.await.unwrap(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn add_done_callback<F>(&self, f: F)
    where
        F: FnOnce(&Promise<T>) + Send + 'static,
    {
        let handle = match crate::Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("Promise::add_done_callback: {e}"),
        };
        let at = std::panic::Location::caller();
        self.on_done(Box::new(move |promise: Promise<T>| {
            crate::callback::call_soon_on(&handle.inner, move || f(&promise), at);
        }));
    }
}

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Promise {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Promise<T> {
    fn default() -> Self {
        Promise::new()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.outcome.get() {
            None => "pending",
            Some(Outcome::Value(_)) => "result",
            Some(Outcome::Exception(_)) => "exception",
            Some(Outcome::Cancelled) => "cancelled",
        };
        let mut d = f.debug_struct("Promise");
        d.field("state", &state);
        if let Some(Outcome::Exception(e)) = self.inner.outcome.get() {
            d.field("exception", e);
        }
        d.finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! loom models of `Promise`'s races, one per race. Run with
    //! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.
    //!
    //! The waiters run on spawned model threads: with the waiter on the main thread, loom's
    //! search does not reach the interleaving where a completion lands between the
    //! waiter's read of the outcome and its registration (checked by moving the read
    //! before `notified()`, which the first model below then reports as a deadlock).

    use super::*;
    use crate::loom::model::block_on;
    use crate::loom::thread;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// `set_result` and `cancel` race while a task waits: exactly one wins, and the waiter
    /// (which may start before, between or after them) gets the winner's outcome (no lost
    /// wakeup: a missed notification leaves `block_on` parked, a loom deadlock).
    #[test]
    fn promise_set_vs_cancel_vs_wait() {
        loom::model(|| {
            let p = Promise::new();
            let waiter = thread::spawn({
                let p = p.clone();
                move || block_on(p.wait())
            });
            let canceller = thread::spawn({
                let p = p.clone();
                move || p.cancel()
            });
            let set = p.set_result(1).is_ok();
            let cancelled = canceller.join().unwrap();
            let got = waiter.join().unwrap();
            assert!(set != cancelled, "exactly one completion wins");
            match got {
                Ok(v) => assert!(set && v == 1),
                Err(e) => assert!(cancelled && e.is_cancelled()),
            }
            assert_eq!(p.cancelled(), cancelled);
        });
    }

    /// A done-callback added while the promise completes: it is scheduled exactly once
    /// (by the completer or by the adder), and only once the outcome is readable.
    #[test]
    fn promise_done_callback_vs_completion_runs_once() {
        loom::model(|| {
            let p = Promise::new();
            let runs = Arc::new(AtomicUsize::new(0));
            let adder = thread::spawn({
                let (p, runs) = (p.clone(), runs.clone());
                move || {
                    p.on_done(Box::new(move |p: Promise<u8>| {
                        assert_eq!(p.result().unwrap().unwrap(), 3, "scheduled before done");
                        runs.fetch_add(1, SeqCst);
                    }))
                }
            });
            p.set_result(3).unwrap();
            adder.join().unwrap();
            assert_eq!(runs.load(SeqCst), 1);
        });
    }
}
