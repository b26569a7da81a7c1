//! The task allocation: one heap block per task holding the header, the scheduler handle
//! and the future-or-output stage, plus the type-erased vtable and the poll harness.
//!
//! Layout (`repr(C)`, header first, so a `NonNull<Header>` is also a pointer to the cell):
//!
//! ```text
//! Cell<F, S> { header: Header { state, vtable, id, owned links, join waker, spawn site, name },
//!              scheduler: S,
//!              stage: Running(F) | Finished(Result<F::Output, JoinError>) | Consumed }
//! ```
//!
//! Wakers, `Notified`s, `JoinHandle`s and the owned-task list all hold the same pointer and
//! count as references in the state word; the last one to go frees the block.

use super::error::JoinError;
use super::header::{drop_references, Header, Notified, Pointers, Schedule};
use super::header::{TaskName, TaskRef, Vtable};
use super::id::{Id, IdGuard};
use super::state::{State, ToIdle, ToRunning};
use super::waker::waker_ref;
use crate::loom::UnsafeCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// Allocates a task. The returned pointer carries the three initial references (see
/// `state::INITIAL`), which the caller hands to a `Task` (owned list), a `Notified` and a
/// `JoinHandle`.
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    id: Id,
    name: Option<Box<str>>,
    spawned_at: &'static Location<'static>,
) -> NonNull<Header>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: `F` and its output are `Send`, so any thread may poll, drop and read them.
    unsafe { allocate_local(future, scheduler, id, name, spawned_at) }
}

/// Allocates a task whose future (and output) need not be `Send`, as `allocate` does.
///
/// # Safety
///
/// Unless they are `Send`, the future is polled and dropped only on one thread (the
/// `LocalSet`'s: its scheduler runs them there, and cancels them there when dropped), and
/// the output is read or dropped only where the `JoinHandle<F::Output>` is (which is
/// `!Send` for a `!Send` output). The task's references (`Task`, `Notified`, wakers)
/// cross threads; what they reach there is the header and the scheduler, which are
/// `Send + Sync`.
pub(crate) unsafe fn allocate_local<F, S>(
    future: F,
    scheduler: S,
    id: Id,
    name: Option<Box<str>>,
    spawned_at: &'static Location<'static>,
) -> NonNull<Header>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(),
            vtable: vtable::<F, S>(),
            id,
            owned: Pointers::new(),
            join_waker: UnsafeCell::new(None),
            spawned_at,
            name: name.map(|n| Box::new(TaskName(n))),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
    });
    // SAFETY: `Box::into_raw` never returns null. This pointer, and copies of it, are the
    // only ones used to reach the whole cell.
    unsafe { NonNull::new_unchecked(Box::into_raw(cell)) }.cast()
}

/// Size in bytes of the allocation a task with future `F` makes, for benchmarks and docs.
pub(crate) fn allocation_size<F: Future, S>() -> usize {
    std::mem::size_of::<Cell<F, S>>()
}

/// Cast a header pointer back to its cell.
///
/// # Safety
/// `ptr` must have been returned by `allocate::<F, S>` with these exact `F` and `S`, which
/// holds for every vtable entry since the vtable is chosen by `allocate`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: `Cell` is repr(C) with the header first, and the caller guarantees the type.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// `Vtable::dealloc`.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>`, and the last reference to the task was dropped:
/// nothing else can reach the allocation.
unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: called once, after the last reference was dropped; `allocate` made this box.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // By now the stage is `Consumed`, so dropping runs no user code except a stray join
    // waker's drop; a panic there must not unwind into whoever dropped the last waker.
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(cell)));
}

/// `Vtable::schedule`.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>`, and the caller hands over one reference, which
/// becomes the queued `Notified`'s.
unsafe fn schedule<F, S: Schedule>(ptr: NonNull<Header>)
where
    F: Future,
{
    // SAFETY: the vtable guarantees the types; the caller passes a reference that becomes
    // the Notified's.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller's reference becomes the Notified's.
    cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
}

/// `Vtable::poll`: runs one scheduled poll of the task.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>`, and the caller hands over the reference of the
/// `Notified` being run.
unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // SAFETY: the vtable guarantees the types; the Notified's reference keeps it alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.header;
    // The references to drop once `cell` is no longer used: the Notified's, plus the
    // list's if completing removed the task from it.
    let done = match header.state.transition_to_running() {
        ToRunning::Failed => 1,
        ToRunning::Cancelled => cancel_and_complete(cell, ptr),
        ToRunning::Success => {
            // SAFETY: the Notified's reference keeps the task alive for the whole poll.
            let task = unsafe { TaskRef::from_raw(ptr) };
            if poll_future(cell, task).is_ready() {
                complete(cell, ptr, false)
            } else {
                match header.state.transition_to_idle() {
                    ToIdle::Ok => 1,
                    ToIdle::OkNotified => {
                        // SAFETY: the Notified's reference we were given goes back to a
                        // queue, as the Notified of the wake that came during the poll.
                        cell.scheduler.yield_now(unsafe { Notified::from_raw(ptr) });
                        return;
                    }
                    ToIdle::Cancelled => cancel_and_complete(cell, ptr),
                }
            }
        }
    };
    // SAFETY: we held the Notified's reference (and `complete` handed us the list's).
    unsafe { drop_references(ptr, done) }
}

/// Polls the future once, with panics caught; on `Ready` the output (or the panic) is
/// stored. The caller holds `RUNNING`.
///
/// A future that panics in `poll` is dropped (in place) while that panic unwinds, so its
/// `Drop` sees `std::thread::panicking()`, as it would in a plain call stack (and as on
/// tokio); a second panic from that `Drop` is caught and discarded, and the first one is
/// what the `JoinHandle` reports.
fn poll_future<F: Future, S: Schedule>(cell: &Cell<F, S>, task: TaskRef<'_>) -> Poll<()> {
    let header = &cell.header;
    let _id = IdGuard::enter(header.id);
    let polled = panic::catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // Drops the future in place if `poll` unwinds; forgotten when it returns.
            struct DropOnUnwind<F: Future>(*mut Stage<F>);
            impl<F: Future> Drop for DropOnUnwind<F> {
                fn drop(&mut self) {
                    // SAFETY: this guard lives only inside the poll below, while RUNNING
                    // gives this thread exclusive access to the stage.
                    let _ = unsafe { drop_stage_in_place(self.0, Stage::Consumed) };
                }
            }
            // SAFETY: RUNNING gives this thread exclusive access to the stage.
            let Stage::Running(future) = (unsafe { &mut *stage }) else {
                unreachable!("a task is polled only while its future is alive")
            };
            // SAFETY: the future lives in the heap cell and is never moved: it is dropped
            // where it is, by `drop_stage_in_place`.
            let future = unsafe { Pin::new_unchecked(future) };
            let guard = DropOnUnwind(stage);
            let waker = waker_ref(task);
            let mut cx = Context::from_waker(&waker);
            let res = super::coop::budget(|| future.poll(&mut cx));
            std::mem::forget(guard);
            res
        })
    }));
    let output = match polled {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(value)) => Ok(value),
        Err(payload) => Err(JoinError::panic(header.id, payload)),
    };
    store_output(cell, output);
    Poll::Ready(())
}

/// Drops the stage at `stage` where it lies (a pinned future must never be moved before
/// its drop: futures with intrusive waiter nodes, such as tokio's `Notify`, would unlink
/// a node from an address it no longer has), with panics caught, then writes `new` there.
/// Returns the payload if the drop panicked.
///
/// # Safety
/// `stage` points to an initialised stage the caller has exclusive access to.
unsafe fn drop_stage_in_place<F: Future>(
    stage: *mut Stage<F>,
    new: Stage<F>,
) -> Option<Box<dyn std::any::Any + Send>> {
    // SAFETY: the caller's exclusive access. If the drop unwinds, the drop glue still
    // drops the rest of the value, so the place is dropped either way.
    let dropped = panic::catch_unwind(AssertUnwindSafe(|| unsafe {
        std::ptr::drop_in_place(stage)
    }));
    // SAFETY: the place was just dropped, so writing (without reading the old value)
    // leaks nothing and restores the initialised state the caller relies on.
    unsafe { std::ptr::write(stage, new) };
    dropped.err()
}

/// Replaces the stage, dropping the old one (a future or output: user code) in place with
/// panics caught. Returns the payload if that drop panicked.
fn set_stage<F: Future, S>(
    cell: &Cell<F, S>,
    new: Stage<F>,
) -> Option<Box<dyn std::any::Any + Send>> {
    // SAFETY: every caller owns the stage (RUNNING, or the completion rules in state.rs).
    cell.stage
        .with_mut(|stage| unsafe { drop_stage_in_place(stage, new) })
}

fn store_output<F: Future, S>(cell: &Cell<F, S>, output: Result<F::Output, JoinError>) {
    let _id = IdGuard::enter(cell.header.id);
    if let Some(payload) = set_stage(cell, Stage::Consumed) {
        // The future panicked while being dropped after it finished: report the panic.
        drop(output);
        set_stage(
            cell,
            Stage::Finished(Err(JoinError::panic(cell.header.id, payload))),
        );
    } else {
        set_stage(cell, Stage::Finished(output));
    }
}

/// Drops the future, stores the cancellation and completes; returns the references the
/// caller must drop (see `complete`).
fn cancel_and_complete<F: Future, S: Schedule>(cell: &Cell<F, S>, ptr: NonNull<Header>) -> usize {
    let id = cell.header.id;
    let result = {
        let _id = IdGuard::enter(id);
        set_stage(cell, Stage::Consumed)
    };
    let err = match result {
        None => JoinError::cancelled(id, cell.scheduler.is_shutdown()),
        Some(payload) => JoinError::panic(id, payload),
    };
    set_stage(cell, Stage::Finished(Err(err)));
    complete(cell, ptr, true)
}

/// Leaves the owned list, publishes the stored output and wakes the joiner. Returns how
/// many references the caller must drop once it no longer uses `cell`: the poller's, plus
/// the list's if this call removed the task from it. (The caller frees, not this function:
/// memory must not be freed while a `&Cell` argument is live.)
fn complete<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    ptr: NonNull<Header>,
    cancelled: bool,
) -> usize {
    let header = &cell.header;
    // Leave the owned list before publishing the output, so that once a joiner sees the
    // task finished it is no longer counted alive (`RuntimeMetrics::num_alive_tasks`).
    let released = cell.scheduler.release(ptr);
    let snapshot = header.state.transition_to_complete(cancelled);
    if !snapshot.is_join_interested() {
        // Nobody will read the output: drop it here, on the runtime thread.
        let _id = IdGuard::enter(header.id);
        set_stage(cell, Stage::Consumed);
    } else if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is set and COMPLETE too, so the handle no longer touches the
        // slot until we clear JOIN_WAKER.
        header.join_waker.with(|w| {
            // SAFETY: see above; a shared read of the slot.
            if let Some(waker) = unsafe { &*w } {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
            }
        });
        if !header
            .state
            .unset_waker_after_complete()
            .is_join_interested()
        {
            // The handle was dropped meanwhile and left the waker to us.
            // SAFETY: JOIN_WAKER is clear and JOIN_INTEREST gone: no one else will touch it.
            let old = header.join_waker.with_mut(|w| unsafe { (*w).take() });
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(old)));
        }
    }
    1 + released as usize
}

/// `Vtable::shutdown`: cancel the task if it is idle.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>`, and the caller hands over one reference (the owned
/// list's).
unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable guarantees the types; the caller passes a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // The reference we were given counts as the "poller's".
    let done = if cell.header.state.transition_to_shutdown() {
        cancel_and_complete(cell, ptr)
    } else {
        1
    };
    // SAFETY: we held that reference (and `complete` may have handed us the list's).
    unsafe { drop_references(ptr, done) }
}

/// `Vtable::try_read_output`: reads the output into `dst` if the task is complete;
/// otherwise registers `waker` to be woken at completion.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>` and the caller is its `JoinHandle` (which holds a
/// reference, and is the only one that may take the output); `dst` points to a valid
/// `Poll<Result<F::Output, JoinError>>`.
unsafe fn try_read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the vtable guarantees the types; the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if super::join::can_read_output(&cell.header, waker) {
        // SAFETY: COMPLETE is set and the JoinHandle owns the output (JOIN_INTEREST was set
        // at completion and only this handle exists).
        let stage = cell
            .stage
            .with_mut(|s| unsafe { std::ptr::replace(s, Stage::Consumed) });
        let output = match stage {
            Stage::Finished(output) => output,
            _ => panic!("JoinHandle polled after it returned its output"),
        };
        // SAFETY: `dst` points to a `Poll<Result<F::Output, JoinError>>` of the handle.
        unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(output) };
    }
}

/// `Vtable::drop_join_handle`: the `JoinHandle` is dropped: detach.
///
/// # Safety
///
/// `ptr` comes from `allocate::<F, S>` and the caller is its `JoinHandle`, handing over
/// its reference.
unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the vtable guarantees the types; the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.header;
    let (drop_output, drop_waker) = header.state.transition_to_join_handle_dropped();
    if drop_output {
        let _id = IdGuard::enter(header.id);
        set_stage(cell, Stage::Consumed);
    }
    if drop_waker {
        // SAFETY: JOIN_WAKER is clear, so the slot is the handle's.
        let old = header.join_waker.with_mut(|w| unsafe { (*w).take() });
        let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(old)));
    }
    // SAFETY: the handle's reference, handed over by the caller.
    unsafe { drop_references(ptr, 1) }
}
