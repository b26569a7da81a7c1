//! The per-thread runtime context: which runtime `weft::spawn` and `Handle::current` refer
//! to, and, on a worker thread, that worker's local state (so wakes from inside a poll go
//! to the local LIFO slot instead of the injector).

use crate::handle::Handle;
use crate::scheduler::worker::Local;
use std::cell::{Cell, RefCell};
use std::ptr;

struct Context {
    /// The runtime entered by `block_on`, `Handle::enter` or a worker thread.
    handle: RefCell<Option<Handle>>,
    /// This thread's worker state while it runs its event loop, else null.
    worker: Cell<*const Local>,
}

crate::loom::thread_local_const! {
    static CONTEXT: Context = Context { handle: RefCell::new(None), worker: Cell::new(ptr::null()) };
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

/// True on any weft worker thread.
pub(crate) fn on_worker_thread() -> bool {
    CONTEXT
        .try_with(|c| !c.worker.get().is_null())
        .unwrap_or(false)
}

/// Makes this thread a worker of `local.handle`'s runtime while `f` runs.
pub(crate) fn enter_worker<R>(local: &Local, f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|c| {
                c.worker.set(ptr::null());
                c.handle.borrow_mut().take();
            });
        }
    }
    CONTEXT.with(|c| {
        c.worker.set(local as *const Local);
        *c.handle.borrow_mut() = Some(local.handle.clone());
    });
    let _reset = Reset;
    let _io = weft_io::enter(&local.handle.shared.reactor);
    f()
}

/// Restores the previous runtime context when dropped; returned by [`Handle::enter`].
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
    prev: Option<Handle>,
    _io: weft_io::EnterGuard,
    _handle: std::marker::PhantomData<&'a Handle>,
    // Must be dropped on the thread that entered.
    _not_send: std::marker::PhantomData<*const ()>,
}

pub(crate) fn enter(handle: &Handle) -> EnterGuard<'_> {
    let prev = CONTEXT.with(|c| c.handle.borrow_mut().replace(handle.clone()));
    EnterGuard {
        prev,
        _io: weft_io::enter(&handle.shared.reactor),
        _handle: std::marker::PhantomData,
        _not_send: std::marker::PhantomData,
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CONTEXT.try_with(|c| *c.handle.borrow_mut() = prev);
    }
}

impl std::fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
