//! Cooperative scheduling: a budget per task poll so an always-ready task cannot starve
//! the others on its worker. Re-exported by `weft` as `weft::task::coop`.
//!
//! It lives in this crate, the lowest one with leaf futures (`Async<T>`), so that both this
//! crate and `weft` (channels, timers) can spend budget without a dependency cycle.
//!
//! Each poll of a task starts with a budget of [`BUDGET`] units. weft's leaf futures
//! (sockets, channels, timers) call [`poll_proceed`] before doing their work; each call
//! spends one unit. When the budget is spent, `poll_proceed` wakes the task and returns
//! `Pending`, so the task goes to the back of the run queue and others get a turn.
//!
//! Your own leaf futures can take part too:
//!
//! ```
//! use std::future::Future;
//! use std::pin::Pin;
//! use std::task::{Context, Poll};
//!
//! /// A future that is always ready, but polite about it.
//! struct Tick;
//!
//! impl Future for Tick {
//!     type Output = ();
//!     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
//!         let progress = std::task::ready!(weft_io::coop::poll_proceed(cx));
//!         progress.made_progress();
//!         Poll::Ready(())
//!     }
//! }
//!
//! let waker = std::task::Waker::noop();
//! let mut cx = Context::from_waker(waker);
//! // Outside a budgeted poll there is no limit.
//! assert!(Pin::new(&mut Tick).poll(&mut cx).is_ready());
//! ```

use std::cell::Cell;
use std::future::poll_fn;
use std::task::{Context, Poll};

/// Units of budget per task poll: 128, as tokio measured to bound the latency an
/// always-ready task adds to its neighbours without making it yield too often.
pub const BUDGET: u8 = 128;

std::thread_local! {
    /// `None` outside any budgeted poll: no limit.
    static CURRENT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Runs `f` (one task poll) with a fresh budget, restoring the previous budget after.
/// Called by the scheduler around every task poll and `block_on` poll.
///
/// ```
/// let spent = weft_io::coop::budget(|| weft_io::coop::has_budget_remaining());
/// assert!(spent);
/// ```
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Some(BUDGET), f)
}

/// Runs `f` with the current budget set to `budget`, restoring the previous one after
/// (also on unwind).
fn with_budget<R>(budget: Option<u8>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0;
            let _ = CURRENT.try_with(|c| c.set(prev));
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(budget)));
    f()
}

/// Runs `f` with no budget at all: leaf futures polled inside never yield for budget.
/// For code that runs inside a task poll but is not part of it, such as a blocking job
/// that drives futures with another executor.
///
/// ```
/// let yielded = weft_io::coop::budget(|| {
///     weft_io::coop::unconstrained(|| {
///         let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///         (0..1_000).any(|_| weft_io::coop::poll_proceed(&mut cx).is_pending())
///     })
/// });
/// assert!(!yielded);
/// ```
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(None, f)
}

/// Permission to make progress, returned by [`poll_proceed`].
///
/// Call [`made_progress`](Self::made_progress) once the operation actually completed. If
/// it is dropped without that (the operation turned out not to be ready), the unit is
/// refunded, so waiting does not eat into the budget.
#[must_use = "call made_progress() once the operation completes"]
#[derive(Debug)]
pub struct RestoreOnPending(Cell<Option<u8>>);

impl RestoreOnPending {
    /// Keeps the unit spent: the operation made progress.
    ///
    /// ```
    /// use std::task::{Context, Poll};
    /// fn poll_op(cx: &mut Context<'_>) -> Poll<()> {
    ///     let p = std::task::ready!(weft_io::coop::poll_proceed(cx));
    ///     p.made_progress();
    ///     Poll::Ready(())
    /// }
    /// let mut cx = Context::from_waker(std::task::Waker::noop());
    /// assert!(poll_op(&mut cx).is_ready());
    /// ```
    pub fn made_progress(&self) {
        self.0.set(None);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(budget) = self.0.get() {
            let _ = CURRENT.try_with(|c| c.set(Some(budget)));
        }
    }
}

/// Spends one unit of the current task's budget, or, if it is spent, wakes the task and
/// returns `Pending` so the task yields.
///
/// ```
/// use std::task::{Context, Poll};
/// let mut cx = Context::from_waker(std::task::Waker::noop());
/// let yielded = weft_io::coop::budget(|| {
///     (0..1_000).any(|_| match weft_io::coop::poll_proceed(&mut cx) {
///         Poll::Ready(p) => { p.made_progress(); false }
///         Poll::Pending => true,
///     })
/// });
/// assert!(yielded);
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let before = CURRENT.try_with(|c| c.get()).ok().flatten();
    match before {
        None => Poll::Ready(RestoreOnPending(Cell::new(None))),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            let _ = CURRENT.try_with(|c| c.set(Some(n - 1)));
            Poll::Ready(RestoreOnPending(Cell::new(Some(n))))
        }
    }
}

/// True if the current poll has budget left (always true outside a budgeted poll).
///
/// ```
/// assert!(weft_io::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    CURRENT.try_with(|c| c.get() != Some(0)).unwrap_or(true)
}

/// Spends one unit of budget, yielding first if it is spent. For loops that do work
/// without awaiting any weft future.
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing, and a unit is spent only when it completes, so dropping
/// it while it waits for the task's next turn costs no budget.
///
/// ```
/// use std::future::Future;
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut f = std::pin::pin!(weft_io::coop::consume_budget());
/// assert!(f.as_mut().poll(&mut cx).is_ready());
/// ```
pub async fn consume_budget() {
    poll_fn(|cx| poll_proceed(cx).map(|p| p.made_progress())).await
}
