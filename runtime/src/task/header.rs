//! The type-independent part of every task: its `Header` (the front of the one heap block
//! a task is), the `Vtable` of its type-erased operations, and the reference types that
//! the rest of the crate holds: `Task` (an owned reference), `Notified` (a queued one) and
//! `TaskRef` (a borrowed, known-live one). `raw.rs` builds the block around the header;
//! wakers (`waker.rs`), handles (`join.rs`) and the owned list (`list.rs`) need only this.

use super::id::Id;
use super::state::State;
use crate::loom::UnsafeCell;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

/// What a task needs from whoever runs it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queue a task that was woken (or spawned).
    fn schedule(&self, task: Notified);

    /// Queue a task that was woken while it was being polled (it yielded): it goes to the
    /// back of a queue, never to a LIFO slot, so it cannot starve others.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// Remove a completed task from the owned-task list. Returns true if it was there, in
    /// which case the list's reference is now the caller's to drop.
    fn release(&self, task: NonNull<Header>) -> bool;

    /// True once the runtime is shutting down (cancellations then say so).
    fn is_shutdown(&self) -> bool;
}

/// The type-independent front of every task.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// Links of the owned-task list; only touched under that list's shard lock.
    pub(crate) owned: Pointers,
    /// The `JoinHandle`'s waker; ownership is decided by the `JOIN_WAKER` bit.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) name: Option<Box<TaskName>>,
}

/// A task's name, boxed so unnamed tasks pay one pointer for it.
pub(crate) struct TaskName(pub(crate) Box<str>);

/// Type-erased operations of one `Cell<F, S>`. Each takes the pointer `allocate` returned
/// (or a copy of it) and says which of the caller's references it consumes; each is an
/// `unsafe fn` whose contract is exactly that.
pub(crate) struct Vtable {
    /// Runs one scheduled poll. Consumes the `Notified`'s reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands the task to its scheduler. Consumes one reference, which becomes the queued
    /// `Notified`'s.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation. Called once the last reference is gone; consumes nothing.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Reads the output into a `*mut Poll<Result<F::Output, JoinError>>`, or registers the
    /// waker. Consumes nothing: the `JoinHandle` keeps its reference.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Detaches the `JoinHandle`. Consumes the handle's reference.
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Cancels the task for runtime shutdown, if idle. Consumes the owned list's
    /// reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

/// The two link fields inside every task header, for the owned-task list (`list.rs`).
pub(crate) struct Pointers {
    pub(super) prev: UnsafeCell<Option<NonNull<Header>>>,
    pub(super) next: UnsafeCell<Option<NonNull<Header>>>,
}

impl Pointers {
    pub(crate) fn new() -> Pointers {
        Pointers {
            prev: UnsafeCell::new(None),
            next: UnsafeCell::new(None),
        }
    }
}

impl Header {
    /// # Safety
    /// `ptr` must point to a live task (the caller holds a reference).
    pub(crate) unsafe fn from_ptr<'a>(ptr: NonNull<Header>) -> &'a Header {
        // SAFETY: the caller holds a reference, so the allocation is live; the header is
        // only ever accessed through shared references.
        unsafe { ptr.as_ref() }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref().map(|n| &*n.0)
    }
}

/// Drops `n` references held by the caller; frees the task after the last one.
///
/// # Safety
///
/// `ptr` is the pointer `allocate` returned, or a copy of it (pointers re-derived from a
/// `&Header` only cover the header and must not be used to reach the rest of the cell),
/// and the caller holds `n` references on the task and gives them up.
pub(super) unsafe fn drop_references(ptr: NonNull<Header>, n: usize) {
    // SAFETY: the caller holds `n` references, so the task is alive for this call.
    let header = unsafe { Header::from_ptr(ptr) };
    let vtable = header.vtable;
    if header.state.ref_dec(n) {
        // SAFETY: that was the last reference; nothing else can reach the allocation.
        unsafe { (vtable.dealloc)(ptr) }
    }
}

/// An owned reference to a task: the owned-task list's, an `AbortHandle`'s, or one a
/// waker held. Dropping it drops the reference.
pub(crate) struct Task {
    ptr: NonNull<Header>,
}

// SAFETY: a task's shared state is synchronized by its state word; the future and output
// are `Send` (required by `allocate`), and the scheduler is `Send + Sync`.
unsafe impl Send for Task {}
// SAFETY: as above; `Task` exposes only `&Header`, whose fields are thread-safe.
unsafe impl Sync for Task {}

impl Task {
    /// # Safety
    /// The caller transfers one reference it holds on `ptr`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task {
        Task { ptr }
    }

    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let ptr = self.ptr;
        std::mem::forget(self);
        ptr
    }

    pub(crate) fn header(&self) -> &Header {
        self.as_ref().header()
    }

    /// The task, borrowed for as long as this reference lives.
    pub(crate) fn as_ref(&self) -> TaskRef<'_> {
        // SAFETY: this Task holds a reference, on a pointer from `allocate`.
        unsafe { TaskRef::from_raw(self.ptr) }
    }

    /// Cancels the task for runtime shutdown (if idle) and drops this reference.
    pub(crate) fn shutdown(self) {
        let ptr = self.into_raw();
        // SAFETY: we pass our reference to `shutdown`, which consumes it.
        unsafe { (Header::from_ptr(ptr).vtable.shutdown)(ptr) }
    }
}

impl Clone for Task {
    /// Another owned reference to the same task.
    fn clone(&self) -> Task {
        self.as_ref().to_owned()
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        // SAFETY: this Task holds one reference on a pointer from `allocate`.
        unsafe { drop_references(self.ptr, 1) }
    }
}

/// A task that is in a run queue, holding the reference that queue entry owns.
pub(crate) struct Notified(pub(crate) Task);

impl Notified {
    /// Polls the task once; consumes the reference.
    pub(crate) fn run(self) {
        let ptr = self.0.into_raw();
        // SAFETY: the Notified's reference is handed to `poll`, which consumes it.
        unsafe { (Header::from_ptr(ptr).vtable.poll)(ptr) }
    }

    pub(crate) fn into_raw(self) -> NonNull<Header> {
        self.0.into_raw()
    }

    /// A reference of its own to the task, to look at it after `run` consumed this one.
    pub(crate) fn watch(&self) -> Task {
        self.0.clone()
    }

    /// # Safety
    /// `ptr` must come from `Notified::into_raw`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        Notified(Task { ptr })
    }
}

/// A task known to be alive for `'a`: whoever made it holds one of the task's references
/// (or borrows one) for that long. The safe operations that need only a live task
/// (reading the header, adding a reference, aborting, a borrowed waker) live here, so
/// that "the caller holds a reference" is carried by the type, not by prose.
#[derive(Clone, Copy)]
pub(crate) struct TaskRef<'a> {
    ptr: NonNull<Header>,
    _live: PhantomData<&'a Header>,
}

impl<'a> TaskRef<'a> {
    /// # Safety
    ///
    /// `ptr` is the pointer `allocate` returned (or a copy of it, with its provenance over
    /// the whole allocation), and the caller holds a reference on the task for `'a`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> TaskRef<'a> {
        TaskRef {
            ptr,
            _live: PhantomData,
        }
    }

    pub(crate) fn as_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(self) -> &'a Header {
        // SAFETY: a TaskRef is alive for 'a (its constructor's contract).
        unsafe { Header::from_ptr(self.ptr) }
    }

    /// Adds a reference, owned by the returned `Task`.
    pub(crate) fn to_owned(self) -> Task {
        self.header().state.ref_inc();
        Task { ptr: self.ptr }
    }

    /// Cancels the task (`JoinHandle::abort`, `AbortHandle::abort`): an idle task is
    /// scheduled so that a worker drops its future.
    pub(crate) fn remote_abort(self) {
        let header = self.header();
        if header.state.transition_to_notified_and_cancel() {
            // SAFETY: the transition added the reference this Notified owns.
            unsafe { (header.vtable.schedule)(self.ptr) }
        }
    }
}
