//! `TaskGroup`: asyncio's `TaskGroup` (structured concurrency), built on `spawn` and
//! `AbortHandle`. The protocol is in `state.rs`.

mod error;
mod state;

#[cfg(all(test, loom))]
mod loom_tests;

pub use error::{Failure, GroupError};

use self::state::{Outcome, Shared};
use crate::loom::Arc;
use crate::task::AbortHandle;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Tasks that succeed or fail together (asyncio's `TaskGroup`): the first child to fail
/// cancels every other, and [`join`](Self::join) reports every failure.
///
/// | asyncio | weft |
/// |---|---|
/// | `async with asyncio.TaskGroup() as tg:` | `let group = TaskGroup::new();` |
/// | `tg.create_task(coro)` | [`group.spawn(fut)`](Self::spawn) (a future of `Result<T, E>`) |
/// | passing `tg` to a child, which adds tasks | [`group.handle()`](Self::handle), moved into the child |
/// | leaving the `async with` block | [`group.join().await`](Self::join) |
/// | the `ExceptionGroup` raised | [`GroupError`]: every failure, the first one first |
/// | the body raising: children cancelled | dropping the group (e.g. `?` before `join`) |
///
/// - A child *fails* when it returns `Err` or panics. The first failure cancels every
///   other child (each stops at its next `.await`, as by
///   [`AbortHandle::abort`](crate::task::AbortHandle::abort)), and children spawned after
///   it start cancelled: they never run.
/// - [`join`](Self::join) waits for every child, including children spawned while it
///   waits, then returns the values in spawn order, or a [`GroupError`] with every
///   failure in the order they happened and the number of children cancelled.
/// - Dropping the group without joining it cancels every child.
/// - A child cancelled through its own [`AbortHandle`] (returned by `spawn`) is not a
///   failure, as asyncio treats a child's `CancelledError`: the group goes on, its value
///   is missing from the result, and it counts in [`GroupError::cancelled`].
///
/// Unlike asyncio, the first failure does not cancel the code that owns the group (Rust
/// cannot interrupt a running future from outside); that code learns of the failure when
/// it reaches `join`, which then returns as soon as the cancelled children have stopped.
///
/// Children run as ordinary tasks (in parallel, on any worker), so `spawn` needs a
/// runtime context, as [`spawn`](crate::spawn) does. The group learns that a child ended
/// when its future is dropped, so `join` may return a moment before the child's
/// [`AbortHandle::state`](crate::task::AbortHandle::state) turns to `Done` or `Cancelled`.
/// The group keeps no handle to a finished child: a long-lived group that spawns many
/// short children holds only their values (and its small per-child slot).
///
/// # Examples
///
/// Fetch three things; if one fails, stop the others and report it:
///
/// ```
/// use weft::task::{Failure, TaskGroup};
///
/// async fn fetch(id: u32) -> Result<String, String> {
///     if id == 2 {
///         return Err(format!("item {id} is missing"));
///     }
///     weft::task::yield_now().await;
///     Ok(format!("item {id}"))
/// }
///
/// weft::run(async {
///     let group = TaskGroup::new();
///     for id in [1, 3] {
///         group.spawn(fetch(id));
///     }
///     assert_eq!(group.join().await.unwrap(), ["item 1", "item 3"]);
///
///     let group = TaskGroup::new();
///     for id in 1..=3 {
///         group.spawn(fetch(id));
///     }
///     let err = group.join().await.unwrap_err();
///     assert!(matches!(err.first(), Failure::Error(e) if e == "item 2 is missing"));
/// });
/// ```
#[must_use = "dropping a TaskGroup cancels its children; `.join().await` it"]
pub struct TaskGroup<T, E> {
    shared: Arc<Shared<T, E, AbortHandle>>,
}

/// Spawns into a [`TaskGroup`] from elsewhere, typically from inside one of its children
/// (asyncio code passes `tg` to a coroutine that calls `tg.create_task`). Made by
/// [`TaskGroup::handle`]; cheap to clone. It does not keep the group alive: once the
/// group is joined or dropped, children spawned through it start cancelled.
///
/// # Examples
///
/// ```
/// use weft::task::TaskGroup;
///
/// weft::run(async {
///     let group = TaskGroup::<u32, ()>::new();
///     let handle = group.handle();
///     group.spawn(async move {
///         // A child adds a sibling; `join` waits for it too.
///         handle.spawn(async { Ok(2) });
///         Ok(1)
///     });
///     let mut values = group.join().await.unwrap();
///     values.sort();
///     assert_eq!(values, [1, 2]);
/// });
/// ```
pub struct TaskGroupHandle<T, E> {
    shared: Arc<Shared<T, E, AbortHandle>>,
}

impl<T, E> TaskGroup<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// An empty group.
    ///
    /// ```
    /// let group = weft::task::TaskGroup::<(), ()>::new();
    /// assert_eq!(group.len(), 0);
    /// # drop(group);
    /// ```
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            shared: Arc::new(Shared::new()),
        }
    }

    /// Spawns `future` as a child (asyncio's `tg.create_task`). It runs as a task of the
    /// current runtime; returns its [`AbortHandle`]. After the group's first failure, the
    /// child starts cancelled: it never runs.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// weft::run(async {
    ///     let group = weft::task::TaskGroup::<u8, ()>::new();
    ///     group.spawn(async { Ok(1) });
    ///     assert_eq!(group.join().await.unwrap(), [1]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> AbortHandle
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        spawn_child(&self.shared, future)
    }

    /// A handle that spawns into this group from elsewhere (a child, another task).
    ///
    /// ```
    /// let group = weft::task::TaskGroup::<(), ()>::new();
    /// let handle = group.handle();
    /// # drop((handle, group));
    /// ```
    pub fn handle(&self) -> TaskGroupHandle<T, E> {
        TaskGroupHandle {
            shared: self.shared.clone(),
        }
    }

    /// Children spawned and not finished yet.
    ///
    /// ```
    /// weft::run(async {
    ///     let group = weft::task::TaskGroup::<(), ()>::new();
    ///     group.spawn(std::future::pending());
    ///     assert_eq!(group.len(), 1);
    ///     # drop(group);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.shared.live()
    }

    /// True if no child is running.
    ///
    /// ```
    /// assert!(weft::task::TaskGroup::<(), ()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for every child (including those spawned while it waits) and returns their
    /// values in spawn order (asyncio's leaving of the `async with` block).
    ///
    /// # Errors
    ///
    /// [`GroupError`] if any child failed: every failure (the first one first) and how
    /// many children were cancelled. The values of the children that succeeded are
    /// dropped with it.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the group, which cancels every child
    /// still running, and loses the values of those that finished.
    ///
    /// ```
    /// weft::run(async {
    ///     let group = weft::task::TaskGroup::<u8, &str>::new();
    ///     group.spawn(async { Err("no") });
    ///     let err = group.join().await.unwrap_err();
    ///     assert_eq!(err.failures().len(), 1);
    /// });
    /// ```
    pub async fn join(self) -> Result<Vec<T>, GroupError<E>> {
        let shared = self.shared.clone();
        let result = std::future::poll_fn(|cx| shared.poll_join(cx)).await;
        // Joined: every child has ended; the group's drop now only closes it again.
        drop(self);
        result
    }
}

impl<T, E> TaskGroupHandle<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// Spawns `future` into the group, as [`TaskGroup::spawn`]. Once the group has
    /// failed, been joined or been dropped, the child starts cancelled.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// weft::run(async {
    ///     let group = weft::task::TaskGroup::<u8, ()>::new();
    ///     group.handle().spawn(async { Ok(4) });
    ///     assert_eq!(group.join().await.unwrap(), [4]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> AbortHandle
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        spawn_child(&self.shared, future)
    }
}

#[track_caller]
fn spawn_child<T, E, F>(shared: &Arc<Shared<T, E, AbortHandle>>, future: F) -> AbortHandle
where
    T: Send + 'static,
    E: Send + 'static,
    F: Future<Output = Result<T, E>> + Send + 'static,
{
    let index = shared.reserve();
    let child = Child {
        future,
        report: Report {
            shared: shared.clone(),
            index,
            outcome: None,
        },
    };
    let handle = crate::spawn(child).abort_handle();
    shared.register(index, handle.clone());
    handle
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl<T: Send + 'static, E: Send + 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("live", &self.shared.live())
            .finish()
    }
}

impl<T, E> Clone for TaskGroupHandle<T, E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<T, E> fmt::Debug for TaskGroupHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupHandle").finish_non_exhaustive()
    }
}

pin_project! {
    /// A child's future: the user's, plus the report of how it ended. Fields drop in
    /// order, so the report goes after the user's future is gone.
    struct Child<F, T, E> {
        #[pin]
        future: F,
        report: Report<T, E>,
    }
}

/// Tells the group how its child ended, from its drop (so a child aborted at an `.await`,
/// or dropped at shutdown, reports too).
struct Report<T, E> {
    shared: Arc<Shared<T, E, AbortHandle>>,
    index: usize,
    /// `None` until the child finished; cancelled if still `None` at the drop.
    outcome: Option<Outcome<T, E>>,
}

impl<F, T, E> Future for Child<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.report.shared.is_cancelling() {
            // The group failed (or nobody waits any more): do not run further. The group
            // aborts every child once it is cancelling (through the handle it took, or at
            // the child's registration, which comes right after its spawn), so the task
            // ends as cancelled, as its `AbortHandle::state` then says.
            return Poll::Pending;
        }
        let future = this.future;
        // A panic is this child's failure, reported to the group like an `Err`.
        let outcome = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(value))) => Outcome::Value(value),
            Ok(Poll::Ready(Err(error))) => Outcome::Failed(Failure::Error(error)),
            Err(payload) => Outcome::Failed(Failure::Panic(payload)),
        };
        this.report.outcome = Some(outcome);
        Poll::Ready(())
    }
}

impl<T, E> Drop for Report<T, E> {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or(Outcome::Cancelled);
        self.shared.finish(self.index, outcome);
    }
}
