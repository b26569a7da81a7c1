//! Waiting for a future from synchronous code (`blocking_recv`, `blocking_send`): the
//! calling thread parks until the future's waker unparks it.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking while it is pending. `call` names
/// the blocking method for the panic message, `instead` its async form.
///
/// # Panics
///
/// Inside a runtime (a task, or inside `block_on`): parking there would stall the tasks
/// that thread drives, and could wait forever for one of them.
#[track_caller]
pub(crate) fn block_on<F: Future>(call: &str, instead: &str, future: F) -> F::Output {
    crate::context::assert_may_block(
        call,
        format_args!(
            "Use `{instead}` instead (the blocking form is for plain threads and \
             spawn_blocking jobs)."
        ),
    );
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        // A fresh budget per poll, as `Runtime::block_on` gives: this thread may be inside
        // a blocking job, whose own (spent) budget must not make the future yield forever.
        if let Poll::Ready(out) = weft_io::coop::budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        thread::park();
    }
}
