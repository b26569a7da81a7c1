//! Wakers built straight from the task pointer: cloning adds a reference, waking moves the
//! reference into a `Notified`, dropping removes it. No allocation per waker.

use super::raw::{self, Header};
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
    _header: PhantomData<&'a Header>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// `ptr` must carry the allocation's full provenance (see `raw::drop_reference`).
pub(crate) fn waker_ref<'a>(ptr: NonNull<Header>) -> WakerRef<'a> {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &VTABLE);
    // SAFETY: VTABLE upholds the RawWaker contract for task pointers; the ManuallyDrop
    // makes sure the borrowed reference is not dropped, and the lifetime ties the waker to
    // the poller's reference.
    let waker = unsafe { Waker::from_raw(raw) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _header: PhantomData,
    }
}

/// # Safety
/// `data` is the data pointer of a waker made by this module: a live task, with the
/// provenance of its whole allocation.
unsafe fn task(data: *const ()) -> NonNull<Header> {
    // SAFETY: wakers are only made from non-null task pointers.
    unsafe { NonNull::new_unchecked(data as *mut Header) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: a waker is alive while being cloned, so it holds (or borrows) a reference.
    raw::ref_inc(unsafe { task(data) });
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: the waker being consumed holds a reference.
    let ptr = unsafe { task(data) };
    // SAFETY: as above, the task is alive until that reference is dropped.
    let header = unsafe { Header::from_ptr(ptr) };
    let vtable = header.vtable;
    match header.state.transition_to_notified_by_val() {
        ToNotified::DoNothing => {}
        // SAFETY: the waker's reference now belongs to the Notified being scheduled.
        ToNotified::Submit => unsafe { (vtable.schedule)(ptr) },
        // SAFETY: that was the last reference.
        ToNotified::Dealloc => unsafe { (vtable.dealloc)(ptr) },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the borrowed waker holds (or borrows) a reference.
    let ptr = unsafe { task(data) };
    // SAFETY: as above.
    let header = unsafe { Header::from_ptr(ptr) };
    if header.state.transition_to_notified_by_ref() {
        // SAFETY: the transition added the reference the Notified owns.
        unsafe { (header.vtable.schedule)(ptr) }
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker being dropped holds a reference.
    raw::ref_dec(unsafe { task(data) });
}
