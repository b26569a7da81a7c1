//! Running a future to completion on the calling thread (asyncio's
//! `loop.run_until_complete`).

use crate::context;
use crate::handle::Handle;
use crate::loom::{Parker, Unparker};
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
