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

pub(crate) fn waker_ref(header: &Header) -> WakerRef<'_> {
    let raw = RawWaker::new(header as *const Header as *const (), &VTABLE);
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
/// `ptr` is the data pointer of a waker made by this module: a live task header.
unsafe fn header<'a>(ptr: *const ()) -> &'a Header {
    // SAFETY: per the contract, the waker holds (or borrows) a reference to the task.
    unsafe { Header::from_ptr(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: a waker is alive while being cloned, so the task is.
    raw::ref_inc(unsafe { header(ptr) });
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: the waker being consumed holds a reference.
    let header = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_val() {
        ToNotified::DoNothing => {}
        // SAFETY: the waker's reference now belongs to the Notified being scheduled.
        ToNotified::Submit => unsafe { (header.vtable.schedule)(NonNull::from(header)) },
        // SAFETY: that was the last reference.
        ToNotified::Dealloc => unsafe { (header.vtable.dealloc)(NonNull::from(header)) },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the borrowed waker holds (or borrows) a reference.
    let header = unsafe { header(ptr) };
    if header.state.transition_to_notified_by_ref() {
        // SAFETY: the transition added the reference the Notified owns.
        unsafe { (header.vtable.schedule)(NonNull::from(header)) }
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker being dropped holds a reference.
    raw::ref_dec(unsafe { header(ptr) });
}
