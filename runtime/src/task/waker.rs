//! Wakers built straight from the task pointer: cloning adds a reference, waking moves the
//! reference into a `Notified`, dropping removes it. No allocation per waker.

use super::header::{Header, Task, TaskRef};
use super::state::ToNotified;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task being polled that borrows the poller's reference instead of taking
/// one: polling costs no reference-count traffic unless the future clones the waker.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<TaskRef<'a>>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// A waker of `task` that lives no longer than the reference `task` borrows.
pub(crate) fn waker_ref(task: TaskRef<'_>) -> WakerRef<'_> {
    let raw = RawWaker::new(task.as_ptr().as_ptr() as *const (), &VTABLE);
    // SAFETY: VTABLE upholds the RawWaker contract for task pointers (a TaskRef's pointer
    // has the allocation's full provenance); the ManuallyDrop makes sure the borrowed
    // reference is not dropped, and the lifetime ties the waker to it.
    let waker = unsafe { Waker::from_raw(raw) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _task: PhantomData,
    }
}

/// The task a waker of this module points to, alive while the waker is.
///
/// # Safety
///
/// `data` is the data pointer of a waker made by this module (from a live task's pointer,
/// with the provenance of its whole allocation), and that waker is alive for `'a`.
unsafe fn task<'a>(data: *const ()) -> TaskRef<'a> {
    // SAFETY: wakers are only made from non-null task pointers; a live waker holds (or
    // borrows) a reference, per the caller's contract.
    unsafe { TaskRef::from_raw(NonNull::new_unchecked(data as *mut Header)) }
}

/// `RawWakerVTable::clone`: a new waker with a reference of its own.
///
/// # Safety
///
/// `data` is the data pointer of a live waker made by this module.
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the caller's contract.
    let task = unsafe { task(data) };
    RawWaker::new(task.to_owned().into_raw().as_ptr() as *const (), &VTABLE)
}

/// `RawWakerVTable::wake`: schedules the task, consuming the waker's reference.
///
/// # Safety
///
/// `data` is the data pointer of a waker made by this module that owns a reference (not
/// a `WakerRef`), being consumed.
unsafe fn wake(data: *const ()) {
    // SAFETY: the caller's contract; the waker's reference keeps the task alive until it
    // is handed on or dropped below.
    let task = unsafe { task(data) };
    let (ptr, header) = (task.as_ptr(), task.header());
    let vtable = header.vtable;
    match header.state.transition_to_notified_by_val() {
        ToNotified::DoNothing => {}
        // SAFETY: the waker's reference now belongs to the Notified being scheduled.
        ToNotified::Submit => unsafe { (vtable.schedule)(ptr) },
        // SAFETY: that was the last reference.
        ToNotified::Dealloc => unsafe { (vtable.dealloc)(ptr) },
    }
}

/// `RawWakerVTable::wake_by_ref`: schedules the task, keeping the waker.
///
/// # Safety
///
/// `data` is the data pointer of a live waker made by this module.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the caller's contract.
    let task = unsafe { task(data) };
    let header = task.header();
    if header.state.transition_to_notified_by_ref() {
        // SAFETY: the transition added the reference the Notified owns.
        unsafe { (header.vtable.schedule)(task.as_ptr()) }
    }
}

/// `RawWakerVTable::drop`: drops the waker's reference.
///
/// # Safety
///
/// `data` is the data pointer of a waker made by this module that owns a reference (not
/// a `WakerRef`), being dropped.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the caller's contract: the waker's reference is ours to drop.
    drop(unsafe { Task::from_raw(task(data).as_ptr()) });
}
