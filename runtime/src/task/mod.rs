//! Tasks: asyncio's `Task`, a future driven by the runtime that is itself awaitable.
//!
//! [`spawn`](crate::spawn) makes one heap allocation per task holding a header (an atomic
//! state word of flags plus a reference count, a vtable pointer, the id, the owned-list
//! links, the join waker slot, the spawn site and the optional name), the scheduler handle
//! and the future (later its output). Wakers point at that same allocation.
//!
//! | asyncio | weft |
//! |---|---|
//! | `asyncio.create_task(coro)` | [`crate::spawn`] |
//! | `task.cancel()` | [`JoinHandle::abort`] |
//! | `await task` | `handle.await` |
//! | `task.done()` | [`JoinHandle::is_finished`] |
//! | `asyncio.sleep(0)` | [`yield_now`] |
//! | `task.get_name()` | [`JoinHandle::name`] |
//! | `async with asyncio.TaskGroup() as tg: tg.create_task(c)` | [`TaskGroup::spawn`], then [`TaskGroup::join`] (the first failure cancels the rest) |
//! | a set of tasks awaited as they finish | [`JoinSet::spawn`] (dropping the set cancels its tasks) |
//! | `asyncio.as_completed(tasks)` | [`JoinSet::join_next`] |
//! | `await asyncio.gather(a, b)` | [`join!`](crate::join) / [`try_join!`](crate::try_join), [`join_all`] |
//! | `asyncio.wait(aws, return_when=FIRST_COMPLETED)` | [`select!`](crate::select) |
//! | `contextvars.ContextVar`, `var.set(v)` for a block | [`task_local!`](crate::task_local), [`LocalKey::scope`] |

mod block_in_place;
mod builder;
#[doc(hidden)]
pub mod combinators;
mod error;
mod group;
pub(crate) mod header;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
mod local;
mod macros;
pub(crate) mod raw;
pub(crate) mod state;
mod task_local;
mod waker;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

pub use block_in_place::block_in_place;
pub use builder::Builder;
pub use combinators::{join_all, JoinAll};
pub use error::JoinError;
pub use group::{Failure, GroupError, TaskGroup, TaskGroupHandle};
pub use id::Id;
pub use join::{AbortHandle, JoinHandle};
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalSet, RunUntil};
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
/// Cooperative scheduling: the per-poll budget that weft's leaf futures spend, so an
/// always-ready task yields to others. See [`coop::poll_proceed`].
pub use weft_io::coop;

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A task's lifecycle, with asyncio's names.
///
/// # Examples
///
/// ```
/// use weft::task::TaskState;
/// let rt = weft::Runtime::new().unwrap();
/// let h = rt.spawn(std::future::pending::<()>());
/// assert!(matches!(h.state(), TaskState::Pending | TaskState::Running));
/// h.abort();
/// let a = h.abort_handle();
/// let _ = rt.block_on(h);
/// assert_eq!(a.state(), TaskState::Cancelled);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Scheduled to run, or waiting to be woken.
    Pending,
    /// Being polled right now on some thread.
    Running,
    /// Finished: produced a value or panicked.
    Done,
    /// Cancelled by `abort()` or runtime shutdown before it finished.
    Cancelled,
}

impl TaskState {
    fn from_snapshot(s: state::Snapshot) -> TaskState {
        if s.is_complete() {
            if s.is_cancelled() {
                TaskState::Cancelled
            } else {
                TaskState::Done
            }
        } else if s.is_running() {
            TaskState::Running
        } else {
            TaskState::Pending
        }
    }
}

/// Makes a task: returns the owned-list reference, the first `Notified` and the handle.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    name: Option<Box<str>>,
    spawned_at: &'static Location<'static>,
) -> (header::Task, header::Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: header::Schedule,
{
    let ptr = raw::allocate(future, scheduler, Id::next(), name, spawned_at);
    // SAFETY: `allocate` returns three references, one for each of these.
    unsafe {
        (
            header::Task::from_raw(ptr),
            header::Notified::from_raw(ptr),
            JoinHandle::from_raw(ptr),
        )
    }
}

/// Makes a task whose future need not be `Send` (`spawn_local`), as `new_task` does.
///
/// # Safety
///
/// As `raw::allocate_local`: the scheduler polls and drops the future on one thread only.
pub(crate) unsafe fn new_local_task<F, S>(
    future: F,
    scheduler: S,
    name: Option<Box<str>>,
    spawned_at: &'static Location<'static>,
) -> (header::Task, header::Notified, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: header::Schedule,
{
    // SAFETY: the caller's contract.
    let ptr = unsafe { raw::allocate_local(future, scheduler, Id::next(), name, spawned_at) };
    // SAFETY: `allocate_local` returns three references, one for each of these.
    unsafe {
        (
            header::Task::from_raw(ptr),
            header::Notified::from_raw(ptr),
            JoinHandle::from_raw(ptr),
        )
    }
}

/// Bytes of the single allocation a task holding future `F` makes (header, scheduler
/// handle and stage), for benchmarks.
///
/// ```
/// let size = weft::task::allocation_size_of::<std::future::Ready<()>>();
/// assert!(size <= 160, "{size}");
/// ```
pub fn allocation_size_of<F: Future>() -> usize {
    // The runtime's scheduler handle is one pointer (the scheduler asserts it); any
    // one-pointer stand-in gives the same layout without naming the scheduler here.
    raw::allocation_size::<F, std::ptr::NonNull<()>>()
}

/// The id of the task being polled on this thread.
///
/// # Panics
///
/// Outside a task; use [`try_id`] there.
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let h = rt.spawn(async { weft::task::id() });
/// let id = h.id();
/// assert_eq!(rt.block_on(h).unwrap(), id);
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect(
        "weft::task::id() called outside a task; use weft::task::try_id() where there may be none",
    )
}

/// The id of the task being polled on this thread, or `None` outside a task.
///
/// ```
/// assert!(weft::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    id::current()
}

/// Yields to the scheduler once (asyncio's `await asyncio.sleep(0)`): the task goes to the
/// back of its worker's run queue so others run first.
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing, and dropping it only skips the yield.
///
/// ```
/// weft::run(async {
///     for _ in 0..3 {
///         weft::task::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    struct YieldNow(bool);
    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    YieldNow(false).await
}
