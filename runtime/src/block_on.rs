//! Running a future to completion on the calling thread: `Runtime::block_on` (asyncio's
//! `loop.run_until_complete`) and the `blocking_*` methods of the sync types share one
//! loop, [`park_on`], which parks the thread while the future is pending.

use crate::context;
use crate::loom::{Parker, Unparker};
use crate::scheduler::Handle;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft_io::coop;

struct ThreadWaker(Unparker);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on `handle`'s runtime (entered meanwhile) on this thread.
///
/// # Panics
///
/// Inside a runtime (see `context::assert_may_block`).
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Handle, future: F) -> F::Output {
    context::assert_may_block(
        "block_on",
        format_args!(
            "Inside async code, `.await` the future instead (or spawn it and `.await` its \
             JoinHandle); to wait for another runtime from a task, spawn the work there and \
             `.await` its JoinHandle, or run the blocking part in spawn_blocking."
        ),
    );
    let _enter = context::enter(handle);
    let _driving = context::enter_driving();
    if handle.shared.config.current_thread {
        return crate::scheduler::worker::block_on_current_thread(handle, future);
    }
    park_on(future)
}

/// Polls `future` on this thread until it is ready, parking the thread while it is
/// pending. Each poll gets a fresh cooperative budget: this thread may be inside a blocking
/// job, whose own (spent) budget must not make the future yield forever.
pub(crate) fn park_on<F: Future>(future: F) -> F::Output {
    let parker = Parker::default();
    let waker = Waker::from(Arc::new(ThreadWaker(parker.unparker().clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = coop::budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        parker.park();
    }
}
