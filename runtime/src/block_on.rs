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
    if context::on_worker_thread() {
        panic!(
            "block_on was called from inside a weft worker thread: it would block the worker \
             and stall every task queued on it. Inside async code, `.await` the future \
             instead (or spawn it and `.await` its JoinHandle)."
        );
    }
    let _enter = context::enter(handle);
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
