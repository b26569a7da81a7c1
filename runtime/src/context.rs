//! The per-thread runtime context: which runtime `weft::spawn` and `Handle::current` refer
//! to, and, on a worker thread, that worker's local state (so wakes from inside a poll go
//! to the local LIFO slot instead of the injector).
//!
//! Two things are tracked apart, as tokio does:
//! - the *current handle*, set by every [`EnterGuard`] (`Handle::enter`, `block_on`, a
//!   worker's loop, a blocking-pool job) and restored when the guard drops. Guards nest:
//!   each pushes what it replaced on `entered`, and must be dropped in reverse order;
//! - whether this thread is *driving* a runtime (a worker's event loop, or inside
//!   `block_on`): there a call that blocks the thread (a nested `block_on`, a
//!   `blocking_recv`, dropping a runtime) would stall the tasks it drives, so it panics
//!   with a message that says what to use instead. `Handle::enter` and blocking-pool jobs
//!   only set the handle: blocking there is fine.

use crate::scheduler::worker::Local;
use crate::scheduler::Handle;
use std::cell::{Cell, RefCell};
use std::ptr;

struct Context {
    /// The runtime entered by `block_on`, `Handle::enter` or a worker thread.
    handle: RefCell<Option<Handle>>,
    /// One entry per live `EnterGuard` of this thread, oldest first.
    entered: RefCell<Vec<Entered>>,
    /// This thread's worker state while it runs its event loop, else null.
    worker: Cell<*const Local>,
    /// True while this thread drives a runtime (worker loop or `block_on`).
    driving: Cell<bool>,
}

/// What an `EnterGuard` replaced, restored when it drops.
struct Entered {
    prev: Option<Handle>,
    _io: weft_io::EnterGuard,
}

crate::loom::thread_local_const! {
    static CONTEXT: Context = Context {
        handle: RefCell::new(None),
        entered: RefCell::new(Vec::new()),
        worker: Cell::new(ptr::null()),
        driving: Cell::new(false),
    };
}

/// Calls `f` with the current runtime's handle, if there is one (no clone).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    let res = CONTEXT.try_with(|c| match c.handle.try_borrow() {
        Ok(h) => (f.take().unwrap())(h.as_ref()),
        Err(_) => (f.take().unwrap())(None),
    });
    match res {
        Ok(r) => r,
        // The thread-local is being destroyed (thread exit): no runtime.
        Err(_) => (f.take().unwrap())(None),
    }
}

/// Calls `f` with this thread's worker state if this thread is a worker.
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&Local>) -> R) -> R {
    let worker = CONTEXT.try_with(|c| c.worker.get()).unwrap_or(ptr::null());
    // SAFETY: `worker` is non-null only inside `enter_worker`, whose `local` outlives the
    // call, and it is only used from this thread.
    f(unsafe { worker.as_ref() })
}

/// Makes this thread a worker of `local.handle`'s runtime while `f` runs.
pub(crate) fn enter_worker<R>(local: &Local, f: impl FnOnce() -> R) -> R {
    /// Restores what the thread was before: a worker thread was nothing; a current-thread
    /// `block_on` was already driving.
    struct Reset(*const Local, bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|c| {
                c.worker.set(self.0);
                c.driving.set(self.1);
            });
        }
    }
    let _enter = enter(&local.handle);
    let prev = CONTEXT.with(|c| {
        (
            c.worker.replace(local as *const Local),
            c.driving.replace(true),
        )
    });
    let _reset = Reset(prev.0, prev.1);
    f()
}

/// Marks this thread as driving a runtime (inside `block_on`) until the guard drops.
pub(crate) fn enter_driving() -> DrivingGuard {
    let prev = CONTEXT.with(|c| c.driving.replace(true));
    DrivingGuard { prev }
}

/// Clears the driving flag until the guard drops (`block_in_place`: the thread runs no
/// task meanwhile, so it may block).
pub(crate) fn leave_driving() -> DrivingGuard {
    let prev = CONTEXT.with(|c| c.driving.replace(false));
    DrivingGuard { prev }
}

/// Restores the previous driving flag; see [`enter_driving`].
pub(crate) struct DrivingGuard {
    prev: bool,
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.driving.set(self.prev));
    }
}

/// True while this thread runs a worker's event loop or is inside a `block_on`: blocking it
/// would stall the tasks it drives.
pub(crate) fn is_driving() -> bool {
    CONTEXT.try_with(|c| c.driving.get()).unwrap_or(false)
}

/// Panics, naming `call` and what to use instead, if this thread drives a runtime (see the
/// module docs).
#[track_caller]
pub(crate) fn assert_may_block(call: &str, instead: std::fmt::Arguments<'_>) {
    if is_driving() {
        panic!(
            "{call} was called inside a weft runtime (in a task on a worker thread, or inside \
             block_on): it would block a thread that runs the runtime's tasks, and can hang \
             it. {instead}"
        );
    }
}

/// Restores the previous runtime context when dropped; returned by [`Handle::enter`](crate::Handle::enter) and
/// [`Runtime::enter`](crate::Runtime::enter).
///
/// # Panics
///
/// Guards must be dropped in the reverse order they were made. One dropped while a guard
/// made after it is still alive panics, after leaving the thread in the context from
/// before that guard (so no runtime that was exited stays current); the later guards then
/// do nothing when they drop.
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let _guard = rt.handle().enter();
/// // `weft::spawn` now works on this plain thread.
/// let h = weft::spawn(async { 1 });
/// assert_eq!(rt.block_on(h).unwrap(), 1);
/// ```
#[must_use = "the runtime is entered only while the guard is alive"]
pub struct EnterGuard<'a> {
    /// How many guards are live on this thread, this one included, when it was made.
    depth: usize,
    _handle: std::marker::PhantomData<&'a Handle>,
    // Must be dropped on the thread that entered.
    _not_send: std::marker::PhantomData<*const ()>,
}

pub(crate) fn enter(handle: &Handle) -> EnterGuard<'_> {
    let io = weft_io::enter(&handle.shared.reactor);
    let depth = CONTEXT.with(|c| {
        let prev = c.handle.borrow_mut().replace(handle.clone());
        let mut entered = c.entered.borrow_mut();
        entered.push(Entered { prev, _io: io });
        entered.len()
    });
    EnterGuard {
        depth,
        _handle: std::marker::PhantomData,
        _not_send: std::marker::PhantomData,
    }
}

impl Context {
    /// Restores the context from before the guard at `depth`, undoing the guards made
    /// after it first, newest first. Returns true if there were any (an out-of-order drop).
    fn exit_to(&self, depth: usize) -> bool {
        let mut out_of_order = false;
        loop {
            let entry = {
                let mut entered = self.entered.borrow_mut();
                if entered.len() < depth {
                    break;
                }
                out_of_order |= entered.len() > depth;
                entered.pop()
            };
            let Some(entry) = entry else { break };
            // Dropped with no borrow held: the last handle of a runtime may go here.
            let replaced = self.handle.replace(entry.prev);
            drop(replaced);
            drop(entry._io);
        }
        out_of_order
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let out_of_order = CONTEXT.try_with(|c| c.exit_to(self.depth)).unwrap_or(false);
        if out_of_order && !std::thread::panicking() {
            panic!(
                "EnterGuard dropped out of order: guards returned by Handle::enter and \
                 Runtime::enter must be dropped in the reverse order they were made (the \
                 newest first). The runtime context from before this guard is restored."
            );
        }
    }
}

impl std::fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
