//! `JoinHandle` (asyncio's Task seen from outside: a future of the task's result) and
//! `AbortHandle`.

use super::error::JoinError;
use super::header::{Header, Task, TaskRef};
use super::{Id, TaskState};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// An owned permission to await a task's output: a future that resolves to
/// `Ok(output)`, or to a [`JoinError`] if the task panicked or was cancelled.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running and its output is dropped
/// when it finishes. It never cancels; call [`abort`](Self::abort) for that.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: if the `.await` is dropped before the task
/// finishes, the handle can be awaited again later and no output is lost.
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     let h = weft::spawn(async { 6 * 7 });
///     h.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
pub struct JoinHandle<T> {
    ptr: NonNull<Header>,
    _out: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` across threads (hence `T: Send`); the task
// header it points to is synchronized by the state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` exposes only `abort`, `id`, `state` and `is_finished`, which read
// the atomic state word and never touch `T`.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// The caller transfers one reference on `ptr`, whose output type is `T`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle {
            ptr,
            _out: PhantomData,
        }
    }

    fn task(&self) -> TaskRef<'_> {
        // SAFETY: the handle holds a reference, on a pointer from `allocate`.
        unsafe { TaskRef::from_raw(self.ptr) }
    }

    fn header(&self) -> &Header {
        self.task().header()
    }

    /// Cancels the task (asyncio's `task.cancel()`).
    ///
    /// An idle task has its future dropped promptly, on a runtime thread; a running task
    /// at its next return from `poll`; a finished task is unaffected. Awaiting the handle
    /// then yields a [`JoinError`] whose [`is_cancelled`](JoinError::is_cancelled) is true
    /// (or the task's output, if it finished first).
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(rt.block_on(h).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        self.task().remote_abort();
    }

    /// A cloneable handle that can cancel this task but not await it.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// let abort = h.abort_handle();
    /// std::thread::spawn(move || abort.abort()).join().unwrap();
    /// assert!(rt.block_on(h).unwrap_err().is_cancelled());
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            task: self.task().to_owned(),
        }
    }

    /// True once the task has finished: with a value, a panic, or a cancellation.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async {});
    /// while !h.is_finished() { std::thread::yield_now(); }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async { weft::task::id() });
    /// let id = h.id();
    /// assert_eq!(rt.block_on(h).unwrap(), id);
    /// ```
    pub fn id(&self) -> Id {
        self.header().id
    }

    /// The task's state as asyncio names it: `Pending`, `Running`, `Done` or `Cancelled`.
    ///
    /// ```
    /// use weft::task::TaskState;
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async { 1 });
    /// while h.state() != TaskState::Done { std::thread::yield_now(); }
    /// ```
    pub fn state(&self) -> TaskState {
        TaskState::from_snapshot(self.header().state.load())
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name), if any.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = weft::task::Builder::new().name("conn-42").spawn_on(async {}, rt.handle()).unwrap();
    /// assert_eq!(h.name(), Some("conn-42"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.header().name()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        let header = self.header();
        // SAFETY: `out` has the type the vtable's `try_read_output` writes for a task whose
        // output is `T`, which `from_raw`'s caller guaranteed.
        unsafe {
            (header.vtable.try_read_output)(self.ptr, &mut out as *mut _ as *mut (), cx.waker())
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: the handle's reference is handed over and not used again.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.state())
            .finish()
    }
}

/// Decides, for a polling `JoinHandle`, whether the output can be read; if not, stores
/// `waker` in the join waker slot following the `JOIN_WAKER` protocol of `state.rs`.
pub(crate) fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let res = if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is set, so the slot is only read, by either side.
        let same = header
            .join_waker
            .with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
        if same {
            return false;
        }
        header
            .state
            .unset_join_waker()
            .and_then(|_| set_join_waker(header, waker))
    } else {
        set_join_waker(header, waker)
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker(
    header: &Header,
    waker: &Waker,
) -> Result<super::state::Snapshot, super::state::Snapshot> {
    // SAFETY: JOIN_WAKER is clear, so the slot belongs to this handle.
    let old = header
        .join_waker
        .with_mut(|w| unsafe { (*w).replace(waker.clone()) });
    drop(old);
    let res = header.state.set_join_waker();
    if res.is_err() {
        // The task completed first and will not look at the slot: take the waker back.
        // SAFETY: JOIN_WAKER is still clear, the slot is still ours.
        let ours = header.join_waker.with_mut(|w| unsafe { (*w).take() });
        drop(ours);
    }
    res
}

/// Cancels a task without being able to await it; cheap to clone and `Send + Sync`.
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let h = rt.spawn(std::future::pending::<()>());
/// let a = h.abort_handle();
/// assert!(!a.is_finished());
/// a.abort();
/// assert!(rt.block_on(h).unwrap_err().is_cancelled());
/// assert!(a.is_finished());
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    /// Its own reference to the task (`Task` is `Send + Sync`: an AbortHandle only
    /// touches the atomic state word and the scheduler).
    task: Task,
}

impl AbortHandle {
    fn header(&self) -> &Header {
        self.task.header()
    }

    /// Cancels the task, as [`JoinHandle::abort`] does.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// h.abort_handle().abort();
    /// assert!(rt.block_on(h).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        self.task.as_ref().remote_abort();
    }

    /// True once the task has finished.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async {});
    /// let a = h.abort_handle();
    /// rt.block_on(h).unwrap();
    /// assert!(a.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async {});
    /// assert_eq!(h.abort_handle().id(), h.id());
    /// ```
    pub fn id(&self) -> Id {
        self.header().id
    }

    /// The task's state, as [`JoinHandle::state`].
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async {});
    /// let a = h.abort_handle();
    /// rt.block_on(h).unwrap();
    /// assert_eq!(a.state(), weft::task::TaskState::Done);
    /// ```
    pub fn state(&self) -> TaskState {
        TaskState::from_snapshot(self.header().state.load())
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
