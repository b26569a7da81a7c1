//! asyncio's scheduled callbacks: `loop.call_soon`, `call_soon_threadsafe`, `call_later`
//! and `call_at`, as [`Handle::call_soon`](crate::Handle::call_soon) and friends, each
//! returning a [`TimerHandle`] that can cancel the callback.
//!
//! How a callback flows:
//! - every callback is one allocation (`Callback<F>`, the closure inline) shared by the
//!   [`TimerHandle`] and whatever queues it;
//! - `call_soon` appends it to the runtime's ready queue (`queue.rs`), whose runner task
//!   runs the ready callbacks one after another, on a worker, in queue order;
//! - `call_later`/`call_at` put it in the timing wheel of the runtime's io-driver as a
//!   `Waker` (the `Callback` itself implements `Wake`): a pending timed callback costs one
//!   wheel entry and no task. The entry is armed unbound (`TimerEntry::arm_in`), with no
//!   reference to the reactor of its own: `cancel` reaches the reactor through the
//!   runtime. When the wheel fires it (on the `weft-io` thread, or on a
//!   worker that drives the selector), the wake appends it to the ready queue; it runs on a
//!   worker, never on the `weft-io` thread. The wheel fires in deadline order, so timed
//!   callbacks run in deadline order (equal ticks in scheduling order).
//!
//! Cost, measured by `compare`'s `call_later` workload (100 000 callbacks due in 1-10 ms,
//! scheduled from one task, 2 workers): about 0.6x the time of the same workload written
//! as a spawned task per callback that sleeps, on weft, and 0.3x tokio's, 0.4x smol's. Two
//! choices bought most of it: arming unbound (no reference count on the reactor per
//! timer, and no wheel lock to drop a fired entry), and keeping the queue's reference
//! count out of the wake and of `call_soon` (the count's line is shared by every thread
//! that schedules or runs callbacks); before them the callbacks cost about as much as the
//! tasks.
//!
//! `Callback::slot` (a mutex no user code runs under) holds the closure until whoever
//! takes it first: the runner (which runs it), [`TimerHandle::cancel`] (which drops it and
//! disarms the timer), or shutdown (which drops it). So a callback runs at most once, and
//! never after a cancel that returned `true`.

mod queue;

use self::queue::{queue_of, with_queue, Queue, Scheduled};
use crate::loom::{Arc, AtomicBool, Mutex};
use crate::scheduler;
use crate::sync::lock;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::task::{Wake, Waker};
use std::time::Instant;
use weft_io::TimerEntry;

/// A callback scheduled with [`Handle::call_soon`](crate::Handle::call_soon),
/// [`call_later`](crate::Handle::call_later) or [`call_at`](crate::Handle::call_at)
/// (asyncio's `Handle` and `TimerHandle` in one): cancel it, ask whether it was cancelled,
/// or read when it is due.
///
/// Dropping the handle does not cancel the callback (as in asyncio). Clones refer to the
/// same callback.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// weft::run(async {
///     let h = weft::call_later(Duration::from_secs(3600), || unreachable!("cancelled"));
///     assert!(!h.cancelled());
///     assert!(h.cancel());
///     assert!(h.cancelled());
/// });
/// ```
#[derive(Clone)]
pub struct TimerHandle {
    callback: Arc<dyn Control>,
}

/// What a [`TimerHandle`] asks of its callback.
trait Control: Send + Sync {
    fn cancel(&self) -> bool;
    fn cancelled(&self) -> bool;
    fn when(&self) -> Instant;
}

impl TimerHandle {
    /// Cancels the callback: if it has not started running, it never will, and the
    /// closure is dropped now (a timed one leaves the timing wheel too). Returns whether
    /// this call cancelled it; after the callback ran (or while it runs), or a second time,
    /// it does nothing and returns `false` (asyncio's `cancel()` after the fact is a no-op
    /// too).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    /// use std::sync::Arc;
    ///
    /// let rt = weft::Runtime::new().unwrap();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = ran.clone();
    /// let h = rt.handle().call_later(std::time::Duration::from_millis(50), move || {
    ///     flag.store(true, SeqCst);
    /// });
    /// assert!(h.cancel());
    /// assert!(!h.cancel(), "already cancelled");
    /// drop(rt);
    /// assert!(!ran.load(SeqCst));
    /// ```
    pub fn cancel(&self) -> bool {
        self.callback.cancel()
    }

    /// True if [`cancel`](Self::cancel) stopped the callback before it ran. A cancel that
    /// came too late (the callback had run) leaves this `false`, as does a callback dropped
    /// at shutdown.
    ///
    /// ```
    /// weft::run(async {
    ///     let h = weft::call_soon(|| {});
    ///     h.cancel();
    ///     assert!(h.cancelled());
    /// });
    /// ```
    pub fn cancelled(&self) -> bool {
        self.callback.cancelled()
    }

    /// When the callback is due (asyncio's `TimerHandle.when()`): the deadline of a
    /// `call_later`/`call_at`, and the moment it was scheduled for a `call_soon`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// weft::run(async {
    ///     let at = Instant::now() + Duration::from_secs(60);
    ///     let h = weft::call_at(at, || {});
    ///     assert_eq!(h.when(), at);
    ///     h.cancel();
    /// });
    /// ```
    pub fn when(&self) -> Instant {
        self.callback.when()
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.when())
            .field("cancelled", &self.cancelled())
            .finish()
    }
}

/// One scheduled callback, shared by its handle, the ready queue and (while a timed one
/// waits) the timing wheel.
struct Callback<F> {
    when: Instant,
    /// Set by the `cancel` that took the closure; never cleared.
    cancelled: AtomicBool,
    slot: Mutex<Slot<F>>,
    /// Where a fired timed callback goes (`None` for `call_soon`, queued at once).
    queue: Option<Arc<Queue>>,
    /// Where it was scheduled, for the runner task's spawn location.
    at: &'static Location<'static>,
}

struct Slot<F> {
    /// The closure, until it is run, cancelled or discarded.
    f: Option<F>,
    /// A timed callback's wheel entry, stored once armed. It is armed with `arm_in` and
    /// so not bound to the reactor (no reference count per timer): dropping it does not
    /// disarm it, `cancel` does that explicitly. Once it fired, dropping it costs nothing
    /// (where a bound entry would lock the wheel to find its key gone).
    timer: Option<TimerEntry>,
}

impl<F> Callback<F> {
    fn new(when: Instant, f: F, queue: Option<Arc<Queue>>, at: &'static Location<'static>) -> Self {
        Callback {
            when,
            cancelled: AtomicBool::new(false),
            slot: Mutex::new(Slot {
                f: Some(f),
                timer: None,
            }),
            queue,
            at,
        }
    }

    /// Takes the closure and the wheel entry out, whoever gets there first.
    fn take(&self) -> (Option<F>, Option<TimerEntry>) {
        let mut slot = lock(&self.slot);
        (slot.f.take(), slot.timer.take())
    }
}

impl<F: FnOnce() + Send + 'static> Scheduled for Callback<F> {
    fn run(&self) {
        let f = lock(&self.slot).f.take();
        if let Some(f) = f {
            f();
        }
    }

    fn discard(&self) {
        let (f, timer) = self.take();
        drop(timer);
        drop(f);
    }
}

impl<F: FnOnce() + Send + 'static> Control for Callback<F> {
    fn cancel(&self) -> bool {
        let (f, timer) = self.take();
        let cancelled = f.is_some();
        if cancelled {
            self.cancelled.store(true, Release);
        }
        // With no lock held: disarming locks the wheel, and the closure's drop is user
        // code.
        if let (Some(mut timer), Some(queue)) = (timer, &self.queue) {
            // A runtime that is gone has fired (and dropped) every timer of its wheel.
            if let Some(runtime) = queue.runtime() {
                timer.disarm_in(&runtime.reactor);
            }
        }
        drop(f);
        cancelled
    }

    fn cancelled(&self) -> bool {
        self.cancelled.load(Acquire)
    }

    fn when(&self) -> Instant {
        self.when
    }
}

/// The wheel fired a timed callback: queue it to run on a worker.
impl<F: FnOnce() + Send + 'static> Wake for Callback<F> {
    fn wake(self: Arc<Self>) {
        // A second reference to this callback rather than one to the queue: the
        // callback's count is on a line this thread just read, the queue's is shared by
        // every thread that schedules or runs callbacks.
        let queue = self.queue.as_ref().expect("only timed callbacks are armed");
        queue.push(self.clone(), self.at);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.clone().wake();
    }
}

/// `call_soon` (and `call_soon_threadsafe`: every call is thread-safe) on `handle`'s
/// runtime.
pub(crate) fn call_soon_on<F>(
    handle: &scheduler::Handle,
    f: F,
    at: &'static Location<'static>,
) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    let callback = Arc::new(Callback::new(Instant::now(), f, None, at));
    with_queue(handle, |queue| queue.push(callback.clone(), at));
    TimerHandle { callback }
}

/// `call_at` (and `call_later`) on `handle`'s runtime. `due` says the caller found `when`
/// already reached (the one clock read of the call is the caller's).
pub(crate) fn call_at_on<F>(
    handle: &scheduler::Handle,
    when: Instant,
    due: bool,
    f: F,
    at: &'static Location<'static>,
) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    let callback = Arc::new(Callback::new(when, f, Some(queue_of(handle)), at));
    if due {
        let queue = callback.queue.as_ref().expect("set just above");
        queue.push(callback.clone(), at);
        return TimerHandle { callback };
    }
    let mut timer = TimerEntry::new(when);
    match timer.arm_in(&handle.shared.reactor, Waker::from(callback.clone())) {
        // Armed; it may even have fired and run already, in which case the stored entry
        // is stale, and disarming it later is a no-op.
        Ok(()) => lock(&callback.slot).timer = Some(timer),
        // The runtime's driver has shut down: like every callback pending at shutdown,
        // dropped without running.
        Err(_) => callback.discard(),
    }
    TimerHandle { callback }
}

/// Runs `f` with the current runtime's handle; panics, naming `call`, outside any.
#[track_caller]
fn with_current<R>(call: &str, f: impl FnOnce(&scheduler::Handle) -> R) -> R {
    crate::context::with_current(|handle| match handle {
        Some(handle) => f(handle),
        None => panic!(
            "weft::{call} called outside a weft runtime: call it from inside a task or \
             Runtime::block_on (or weft::run), or schedule through a Handle \
             (Handle::{call})"
        ),
    })
}

/// Schedules `f` to run soon on a worker of the current runtime (asyncio's
/// `loop.call_soon`); see [`Handle::call_soon`](crate::Handle::call_soon).
///
/// # Panics
///
/// Outside a runtime (not in a task, a `block_on` or under an
/// [`enter`](crate::Handle::enter) guard); use `Handle::call_soon` from other threads.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let order = Arc::new(Mutex::new(Vec::new()));
/// weft::run({
///     let order = order.clone();
///     async move {
///         for i in 0..5 {
///             let order = order.clone();
///             weft::call_soon(move || order.lock().unwrap().push(i));
///         }
///         while order.lock().unwrap().len() < 5 {
///             weft::task::yield_now().await;
///         }
///     }
/// });
/// assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
/// ```
#[track_caller]
pub fn call_soon<F>(f: F) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    let at = Location::caller();
    with_current("call_soon", |handle| call_soon_on(handle, f, at))
}

/// Schedules `f` to run on a worker of the current runtime once `delay` has passed
/// (asyncio's `loop.call_later`); see [`Handle::call_later`](crate::Handle::call_later).
///
/// # Panics
///
/// Outside a runtime; use `Handle::call_later` from other threads.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::sync::oneshot;
///
/// weft::run(async {
///     let (tx, rx) = oneshot::channel();
///     weft::call_later(Duration::from_millis(5), move || {
///         let _ = tx.send("later");
///     });
///     assert_eq!(rx.await.unwrap(), "later");
/// });
/// ```
#[track_caller]
pub fn call_later<F>(delay: std::time::Duration, f: F) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    let at = Location::caller();
    let when = crate::time::deadline_after(delay);
    with_current("call_later", |handle| {
        call_at_on(handle, when, delay.is_zero(), f, at)
    })
}

/// Schedules `f` to run on a worker of the current runtime at `when` (asyncio's
/// `loop.call_at`); see [`Handle::call_at`](crate::Handle::call_at).
///
/// # Panics
///
/// Outside a runtime; use `Handle::call_at` from other threads.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// weft::run(async {
///     let (tx, rx) = weft::sync::oneshot::channel();
///     let at = Instant::now() + Duration::from_millis(5);
///     weft::call_at(at, move || {
///         let _ = tx.send(Instant::now());
///     });
///     assert!(rx.await.unwrap() >= at);
/// });
/// ```
#[track_caller]
pub fn call_at<F>(when: Instant, f: F) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    let at = Location::caller();
    with_current("call_at", |handle| {
        call_at_on(handle, when, when <= Instant::now(), f, at)
    })
}
