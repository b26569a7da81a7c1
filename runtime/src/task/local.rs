//! `LocalSet` and `spawn_local`: tasks whose futures are not `Send`, all run on the thread
//! that owns the set.
//!
//! A local task is an ordinary task (one allocation, the same `JoinHandle`, wakers that
//! work from any thread) whose scheduler is its set: waking it, from any thread, pushes it
//! on the set's queue and wakes whoever drives the set (a `run_until` future, or the set
//! awaited as a future). Only that driver polls the set's tasks, on the set's thread: the
//! set is `!Send`, and so is every future that borrows it. Dropping the set cancels its
//! tasks there too.
//!
//! Who touches what:
//! - `queue`: pushed by any thread (a wake, an abort), popped by the driver;
//! - `waker`: replaced by the driver at each poll, taken by a push;
//! - `driving`: set by the driver while it runs tasks, so wakes from inside do not wake
//!   it again; a push that sees it clear wakes the driver;
//! - `owned`: every live task of the set, for the cancellation at drop.

use super::header::{Header, Notified, Schedule};
use super::list::OwnedTasks;
use super::JoinHandle;
use crate::loom::{AtomicBool, Mutex};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Local tasks a driver polls before it lets its own task yield: 61, the worker's fairness
/// interval, so a set of always-ready tasks cannot hold its worker (or `block_on`) forever.
const BUDGET: usize = 61;

/// A set of tasks that are not `Send`, run on the thread that owns the set (tokio's
/// `LocalSet`).
///
/// Spawn into it with [`spawn_local`](Self::spawn_local) (or the free function
/// [`spawn_local`](crate::task::spawn_local) from inside it), and run its tasks with
/// [`run_until`](Self::run_until), [`block_on`](Self::block_on), or by awaiting the set
/// itself (which resolves once every task in it finished). Works on either runtime
/// flavour; the runtime's other tasks keep running on its workers meanwhile.
///
/// Dropping the set cancels the tasks still in it (their futures are dropped on this
/// thread); their handles then yield a cancelled [`JoinError`](crate::task::JoinError).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let rt = weft::Builder::new_current_thread().build().unwrap();
/// let local = weft::task::LocalSet::new();
/// let shared = Rc::new(5); // not Send
/// let out = local.block_on(&rt, async move {
///     let s = shared.clone();
///     weft::task::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
pub struct LocalSet {
    shared: Arc<Shared>,
    /// `!Send` and `!Sync`: the tasks run on the thread that made the set.
    _not_send: PhantomData<*const ()>,
}

struct Shared {
    queue: Mutex<VecDeque<Notified>>,
    waker: Mutex<Option<Waker>>,
    driving: AtomicBool,
    closed: AtomicBool,
    owned: OwnedTasks,
}

/// A local task's scheduler: its set.
struct LocalScheduler(Arc<Shared>);

impl Schedule for LocalScheduler {
    fn schedule(&self, task: Notified) {
        let shared = &self.0;
        if shared.closed.load(SeqCst) {
            // The set was dropped: the task was (or is being) cancelled through `owned`.
            drop(task);
            return;
        }
        shared.queue.lock().unwrap().push_back(task);
        if !shared.driving.load(SeqCst) {
            let waker = shared.waker.lock().unwrap().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn release(&self, task: NonNull<Header>) -> bool {
        self.0.owned.remove(task)
    }

    fn is_shutdown(&self) -> bool {
        self.0.closed.load(SeqCst)
    }
}

crate::loom::thread_local_const! {
    /// The set whose tasks this thread is driving (or inside `run_until`), for
    /// `spawn_local`.
    static CURRENT: RefCell<Option<Arc<Shared>>> = RefCell::new(None);
}

/// Makes `shared` the current set while alive; restores the previous one.
struct Enter(Option<Arc<Shared>>);

impl Enter {
    fn new(shared: &Arc<Shared>) -> Enter {
        Enter(CURRENT.with(|c| c.borrow_mut().replace(shared.clone())))
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let prev = self.0.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl LocalSet {
    /// An empty set, owned by this thread.
    ///
    /// ```
    /// let local = weft::task::LocalSet::new();
    /// # drop(local);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(Shared {
                queue: Mutex::new(VecDeque::new()),
                waker: Mutex::new(None),
                driving: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                owned: OwnedTasks::new(1),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns a future that need not be `Send` into this set; it runs once the set is
    /// driven (`run_until`, `block_on`, or the set awaited).
    ///
    /// ```
    /// let rt = weft::Builder::new_current_thread().build().unwrap();
    /// let local = weft::task::LocalSet::new();
    /// let h = local.spawn_local(async { std::rc::Rc::new(3) });
    /// let rc = local.block_on(&rt, h).unwrap();
    /// assert_eq!(*rc, 3);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_into(&self.shared, future, Location::caller())
    }

    /// Runs `future` on this thread, driving the set's tasks whenever it is pending,
    /// until `future` completes (tasks left in the set stay for later).
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future`; the set and its tasks are untouched.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let local = weft::task::LocalSet::new();
    /// let n = rt.block_on(local.run_until(async {
    ///     weft::task::spawn_local(async { 1 }).await.unwrap() + 1
    /// }));
    /// assert_eq!(n, 2);
    /// ```
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }

    /// `runtime.block_on(self.run_until(future))`.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`](crate::Runtime::block_on): inside a runtime.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let local = weft::task::LocalSet::new();
    /// assert_eq!(local.block_on(&rt, async { 4 }), 4);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, runtime: &crate::Runtime, future: F) -> F::Output {
        runtime.block_on(self.run_until(future))
    }

    /// Polls queued tasks (at most [`BUDGET`]); true if tasks are still queued after.
    fn run_tasks(&self, cx: &Context<'_>) -> bool {
        let shared = &self.shared;
        // Wakes from here on reach us through the queue, not the waker.
        let old = shared.waker.lock().unwrap().replace(cx.waker().clone());
        drop(old);
        shared.driving.store(true, SeqCst);
        for _ in 0..BUDGET {
            let task = shared.queue.lock().unwrap().pop_front();
            match task {
                Some(task) => task.run(),
                None => break,
            }
        }
        shared.driving.store(false, SeqCst);
        // A push that saw `driving` set did not wake us: look once more.
        !shared.queue.lock().unwrap().is_empty()
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

/// Spawns into `shared`, as `LocalSet::spawn_local` and the free `spawn_local` do.
fn spawn_into<F>(
    shared: &Arc<Shared>,
    future: F,
    spawned_at: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let scheduler = LocalScheduler(shared.clone());
    // SAFETY: the set polls its tasks only on its own thread (the set is `!Send`, and so
    // is every future that drives it), and cancels them there when it is dropped.
    let (task, notified, join) =
        unsafe { super::new_local_task(future, scheduler, None, spawned_at) };
    match shared.owned.bind(task) {
        Ok(()) => LocalScheduler(shared.clone()).schedule(notified),
        Err(task) => {
            drop(notified);
            task.shutdown();
        }
    }
    join
}

/// Spawns a future that need not be `Send` into the [`LocalSet`] this code runs in
/// (tokio's `task::spawn_local`).
///
/// # Panics
///
/// Outside a `LocalSet` (not inside `run_until`, `block_on` of a set, a set being awaited,
/// or one of its tasks), with a message saying how to get one.
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let local = weft::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let h = weft::task::spawn_local(async { "local" });
///     assert_eq!(h.await.unwrap(), "local");
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let at = Location::caller();
    let shared = CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| {
        panic!(
            "weft::task::spawn_local called outside a LocalSet: run the code with \
             LocalSet::run_until, LocalSet::block_on, or by awaiting the LocalSet, or spawn \
             through LocalSet::spawn_local"
        )
    });
    spawn_into(&shared, future, at)
}

/// The future of [`LocalSet::run_until`].
#[must_use = "futures do nothing unless `.await`ed"]
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is polled in place and never moved
        // out; `set` is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        let _enter = Enter::new(&this.set.shared);
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(out);
        }
        if this.set.run_tasks(cx) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Awaiting a set runs its tasks until every one of them has finished.
///
/// # Cancel safety
///
/// Dropping the future (the set) cancels the tasks still in it.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _enter = Enter::new(&self.shared);
        if self.run_tasks(cx) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.shared.owned.len() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let _enter = Enter::new(&self.shared);
        self.shared.closed.store(true, SeqCst);
        // Cancels every task, dropping its future here, on the set's thread.
        self.shared.owned.close_and_shutdown_all();
        let queued = std::mem::take(&mut *self.shared.queue.lock().unwrap());
        drop(queued);
        let waker = self.shared.waker.lock().unwrap().take();
        drop(waker);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.shared.owned.len())
            .finish()
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil").finish_non_exhaustive()
    }
}
