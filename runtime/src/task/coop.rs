//! Cooperative scheduling: a budget per task poll so an always-ready task cannot starve
//! the others on its worker.
//!
//! Each poll of a task starts with a budget of [`BUDGET`] units. weft's own leaf futures
//! (channels, sockets, timers) call [`poll_proceed`] before doing their work; each call
//! spends one unit. When the budget is spent, `poll_proceed` wakes the task and returns
//! `Pending`, so the task goes to the back of the run queue and others get a turn. Outside
//! a task poll (for example in `block_on` on a plain thread) the budget is refilled for each
//! poll the same way.
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
//!         let progress = std::task::ready!(weft::task::coop::poll_proceed(cx));
//!         progress.made_progress();
//!         Poll::Ready(())
//!     }
//! }
//!
//! weft::run(async {
//!     for _ in 0..1_000 {
//!         Tick.await; // yields to other tasks every 128 ticks
//!     }
//! });
//! ```

use std::cell::Cell;
use std::future::poll_fn;
use std::task::{Context, Poll};

/// Units of budget per task poll: 128, as tokio measured to bound the latency an
/// always-ready task adds to its neighbours without making it yield too often.
pub const BUDGET: u8 = 128;

crate::loom::thread_local_const! {
    /// `None` outside any budgeted poll: no limit.
    static CURRENT: Cell<Option<u8>> = Cell::new(None);
}

/// Runs `f` (one task poll) with a fresh budget, restoring the previous budget after.
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0;
            let _ = CURRENT.try_with(|c| c.set(prev));
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(Some(BUDGET))));
    f()
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
    ///     let p = std::task::ready!(weft::task::coop::poll_proceed(cx));
    ///     p.made_progress();
    ///     Poll::Ready(())
    /// }
    /// weft::run(std::future::poll_fn(poll_op));
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
/// use std::task::Poll;
/// weft::run(async {
///     let mut yielded = false;
///     for _ in 0..1_000 {
///         std::future::poll_fn(|cx| match weft::task::coop::poll_proceed(cx) {
///             Poll::Ready(p) => { p.made_progress(); Poll::Ready(()) }
///             Poll::Pending => { yielded = true; Poll::Pending }
///         })
///         .await;
///     }
///     assert!(yielded);
/// });
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
/// weft::run(async { assert!(weft::task::coop::has_budget_remaining()) });
/// ```
pub fn has_budget_remaining() -> bool {
    CURRENT.try_with(|c| c.get() != Some(0)).unwrap_or(true)
}

/// Spends one unit of budget, yielding first if it is spent. For loops that do work
/// without awaiting any weft future.
///
/// ```
/// weft::run(async {
///     let mut sum = 0u64;
///     for i in 0..10_000 {
///         sum += i;
///         weft::task::coop::consume_budget().await;
///     }
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
pub async fn consume_budget() {
    poll_fn(|cx| poll_proceed(cx).map(|p| p.made_progress())).await
}
