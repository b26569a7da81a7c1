//! A blocking job as a task: the closure wrapped in a future that calls it on its first
//! poll. (Its `Schedule`, the pool, is `spawner::BlockingSchedule`.)
//!
//! Reusing the task machinery gives blocking jobs the same one-allocation task, the same
//! `JoinHandle`, the same panic capture and the same `abort()` as async tasks, for free.
//!
//! A blocking task is never idle outside its pool's queue: it is queued (one `Notified`,
//! in the queue), running (on a pool thread, inside its single poll, which always returns
//! `Ready`), or complete. So the pool's queue is its owned-task list: shutdown cancels the
//! queued ones by draining the queue, running ones cannot be cancelled anyway, and the
//! task needs no entry in the runtime's `OwnedTasks` (its list reference is dropped at
//! spawn and `release` reports "not in a list").

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A closure seen as a future: the first poll runs it to completion on the polling thread.
pub(crate) struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> BlockingTask<F> {
    pub(crate) fn new(func: F) -> BlockingTask<F> {
        BlockingTask { func: Some(func) }
    }
}

// The closure is moved out before it is called and never pinned.
impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self
            .func
            .take()
            .expect("a blocking task is polled exactly once: its first poll completes it");
        // The job is not part of a task's poll: no cooperative budget applies to it, so
        // weft futures it drives through another executor never yield for budget.
        Poll::Ready(weft_io::coop::unconstrained(func))
    }
}
