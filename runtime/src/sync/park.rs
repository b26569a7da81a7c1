//! Waiting for a future from synchronous code (`blocking_recv`, `blocking_send`), refused
//! on threads that drive a runtime.

use std::future::Future;

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
    crate::block_on::park_on(future)
}
