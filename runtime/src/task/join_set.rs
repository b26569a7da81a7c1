//! `JoinSet`: a group of tasks awaited in completion order (asyncio's `TaskGroup` and
//! `as_completed`), that cancels its tasks when dropped.
//!
//! # How completion order is found without polling every task
//!
//! Each member task's `JoinHandle` is polled with a waker of its own (an `EntryWaker`),
//! which, when the task completes, puts the member's key on the set's `ready` queue and
//! wakes the task that waits in `join_next`. `join_next` polls only the members on that
//! queue, oldest wake first. A new member starts on the queue, so its first poll registers
//! its waker.
//!
//! `ready` and the parent waker live behind one mutex (`Shared`), touched by the wakers
//! (from any thread) and by `join_next`. An `EntryWaker`'s `queued` flag keeps a member on
//! the queue at most once: set by the waker that queues it, cleared by `join_next` just
//! before it polls the member (so a wake during that poll queues it again). The members
//! themselves (`entries`) are only touched through `&mut JoinSet`. A queued key carries
//! the member's task id, so a stale wake for a key that was freed and reused is ignored.

use super::{AbortHandle, Id, JoinError, JoinHandle};
use crate::handle::Handle;
use crate::loom::{AtomicBool, Mutex};
use slab::Slab;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
// std's `Arc`, also under loom: `Waker::from` needs it for the entry wakers.
use std::sync::Arc;
use std::task::{ready, Context, Poll, Wake, Waker};
use weft_io::coop;

/// A set of tasks, spawned together and joined as they finish (asyncio's `TaskGroup`, and
/// `as_completed` through [`join_next`](Self::join_next)).
///
/// Dropping the set aborts every task still in it (structured concurrency: the tasks do
/// not outlive the scope that owns them); [`detach_all`](Self::detach_all) lets them run
/// on instead.
///
/// # Examples
///
/// ```
/// use weft::task::JoinSet;
///
/// weft::run(async {
///     let mut set = JoinSet::new();
///     for i in 0..5u64 {
///         set.spawn(async move { i * i });
///     }
///     let mut sum = 0;
///     // In completion order, like asyncio.as_completed.
///     while let Some(res) = set.join_next().await {
///         sum += res.unwrap();
///     }
///     assert_eq!(sum, 30);
/// });
/// ```
pub struct JoinSet<T> {
    entries: Slab<Entry<T>>,
    shared: Arc<Shared>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    id: Id,
    /// The waker this member's handle is polled with; shares `notify` with the set.
    waker: Waker,
    notify: Arc<EntryWaker>,
}

struct Shared {
    state: Mutex<State>,
}

struct State {
    /// Members whose task may have finished: `(key, task id)`, oldest wake first.
    ready: VecDeque<(usize, Id)>,
    /// The task waiting in `join_next`, woken when a member is queued.
    parent: Option<Waker>,
}

struct EntryWaker {
    key: usize,
    id: Id,
    /// On `ready` already (see the module docs).
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Shared {
    fn lock(&self) -> impl std::ops::DerefMut<Target = State> + '_ {
        // No user code runs under this lock except cloning a waker: replaced wakers are
        // dropped after it is released.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, SeqCst) {
            return;
        }
        let parent = {
            let mut state = self.shared.lock();
            state.ready.push_back((self.key, self.id));
            state.parent.take()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = weft::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Slab::new(),
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    ready: VecDeque::new(),
                    parent: None,
                }),
            }),
        }
    }

    /// Tasks in the set: running, or finished and not yet joined.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the set holds no task.
    ///
    /// ```
    /// assert!(weft::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an already spawned task; returns a handle that can abort it.
    pub(super) fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let id = handle.id();
        let key = self.entries.vacant_key();
        let notify = Arc::new(EntryWaker {
            key,
            id,
            // Starts on the queue: its first poll registers the waker.
            queued: AtomicBool::new(true),
            shared: self.shared.clone(),
        });
        self.entries.insert(Entry {
            handle,
            id,
            waker: Waker::from(notify.clone()),
            notify,
        });
        self.shared.lock().ready.push_back((key, id));
        abort
    }

    /// Waits for the next task to finish and returns its result, in completion order
    /// (asyncio's `as_completed`); `None` once the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no task's result is
    /// lost; it stays in the set for the next call.
    ///
    /// # Errors
    ///
    /// `Some(Err(JoinError))` for a member that panicked (the panic is contained; take
    /// its payload with [`JoinError::into_panic`]) or was cancelled (by
    /// [`abort_all`](Self::abort_all), its `AbortHandle`, or the runtime's shutdown).
    ///
    /// ```
    /// use weft::task::JoinSet;
    /// weft::run(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { "slow" });
    ///     set.spawn(async { "fast" });
    ///     let mut got = vec![];
    ///     while let Some(res) = set.join_next().await {
    ///         got.push(res.unwrap());
    ///     }
    ///     got.sort();
    ///     assert_eq!(got, ["fast", "slow"]);
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx))
            .await
            .map(|res| res.map(|(_, value)| value))
    }

    /// Like [`join_next`](Self::join_next), also saying which task finished (a
    /// [`JoinError`] carries its own [`id`](JoinError::id)).
    ///
    /// # Errors
    ///
    /// As [`join_next`](Self::join_next).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`join_next`](Self::join_next).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     let id = set.spawn(async { 1 }).id();
    ///     let (finished, value) = set.join_next_with_id().await.unwrap().unwrap();
    ///     assert_eq!((finished, value), (id, 1));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Returns the result of a task that has already finished, if there is one, without
    /// waiting.
    ///
    /// # Errors
    ///
    /// As [`join_next`](Self::join_next).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     set.spawn(async { 3 });
    ///     let out = loop {
    ///         if let Some(res) = set.try_join_next() {
    ///             break res.unwrap();
    ///         }
    ///         weft::task::yield_now().await;
    ///     };
    ///     assert_eq!(out, 3);
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_join_next(&mut cx) {
            Poll::Ready(res) => res.map(|res| res.map(|(_, value)| value)),
            Poll::Pending => None,
        }
    }

    /// Polls for the next finished task; the engine of `join_next`. Unlike tokio's
    /// `poll_join_next`, the value comes with the task's id (as `join_next_with_id`).
    ///
    /// # Errors
    ///
    /// As [`join_next`](Self::join_next).
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let mut set = weft::task::JoinSet::<()>::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(matches!(set.poll_join_next(&mut cx), Poll::Ready(None)));
    /// ```
    pub fn poll_join_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.entries.is_empty() {
            return Poll::Ready(None);
        }
        let coop = ready!(coop::poll_proceed(cx));
        let replaced = {
            let mut state = self.shared.lock();
            match &state.parent {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => state.parent.replace(cx.waker().clone()),
            }
        };
        // Dropped with the lock released: a waker's `Drop` may run any code, including
        // code that completes a member, whose `EntryWaker` takes this lock.
        drop(replaced);
        // Look at each member at most once per call, so a stream of wakes cannot keep us.
        for _ in 0..self.entries.len() {
            let Some((key, id)) = self.shared.lock().ready.pop_front() else {
                return Poll::Pending;
            };
            let Some(entry) = self.entries.get_mut(key).filter(|e| e.id == id) else {
                // A wake for a member that was joined since (its key may be reused).
                continue;
            };
            entry.notify.queued.store(false, SeqCst);
            let mut member_cx = Context::from_waker(&entry.waker);
            if let Poll::Ready(res) = Pin::new(&mut entry.handle).poll(&mut member_cx) {
                self.entries.remove(key);
                coop.made_progress();
                return Poll::Ready(Some(res.map(|value| (id, value))));
            }
        }
        if !self.shared.lock().ready.is_empty() {
            // More members are queued than we looked at: come back for them.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Aborts every task in the set. They stay in it: `join_next` returns their results
    /// (cancellations, or outputs of tasks that finished first).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.handle.abort();
        }
    }

    /// Aborts every task and waits until all of them have finished, discarding their
    /// results. The set is empty after.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the tasks are aborted either way; the ones not yet joined stay in the
    /// set.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting it: they run on, detached.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     set.detach_all();
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.shared.lock().ready.clear();
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime as a member of the set.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`weft::spawn`](crate::spawn) does; use
    /// [`spawn_on`](Self::spawn_on) there.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns `future` on `handle`'s runtime as a member of the set.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn_on(async { 5 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs `func` on the current runtime's blocking pool as a member of the set.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`weft::spawn_blocking`](crate::spawn_blocking) does.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     set.spawn_blocking(|| 2 + 2);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, func: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::spawn_blocking(func))
    }

    /// Runs `func` on `handle`'s runtime's blocking pool as a member of the set.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 1, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, func: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(handle.spawn_blocking(func))
    }

    /// Waits for every task and returns their outputs in completion order (asyncio's
    /// `gather` over a task group, in the order results arrive).
    ///
    /// # Panics
    ///
    /// If a task panicked, the panic is resumed here (after the set aborted the other
    /// tasks, by being dropped); a cancelled task panics too. Use
    /// [`join_next`](Self::join_next) to handle failures one by one.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the set, which aborts the members still
    /// running, and the outputs collected so far are lost.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut set = weft::task::JoinSet::new();
    ///     for i in 0..3 {
    ///         set.spawn(async move { i });
    ///     }
    ///     let mut all = set.join_all().await;
    ///     all.sort();
    ///     assert_eq!(all, [0, 1, 2]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => out.push(value),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(err) => panic!("JoinSet::join_all: {err}"),
                },
            }
        }
        out
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        // Structured concurrency: the members do not outlive their set.
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
