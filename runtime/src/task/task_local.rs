//! Task-local storage: a value set for the duration of a future (and everything it awaits),
//! whichever worker polls it (tokio's `task_local!`; Python's `contextvars`).
//!
//! A [`LocalKey`] is a thread-local slot. [`LocalKey::scope`] wraps a future so that each
//! of its polls swaps the future's value into the slot, polls, and swaps it back out (also
//! when the poll panics). So the value follows the future from worker to worker, two
//! tasks on one worker never see each other's values, and nested scopes of the same key
//! shadow the outer value and restore it on the way out. The wrapped future is dropped
//! inside its scope too, so its destructors can still read the value.
//!
//! Spawned tasks do not inherit task-locals: a task spawned inside a scope starts without
//! the value (wrap its future in `scope` to pass one on).

use pin_project_lite::pin_project;
use std::cell::{BorrowMutError, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, each a [`LocalKey`](crate::task::LocalKey)
/// (tokio's `task_local!`).
///
/// # Examples
///
/// ```
/// weft::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// weft::run(async {
///     REQUEST_ID
///         .scope(7, async {
///             weft::task::yield_now().await;
///             assert_eq!(REQUEST_ID.get(), 7);
///         })
///         .await;
///     assert!(REQUEST_ID.try_with(|_| ()).is_err(), "only inside the scope");
///     USER.sync_scope("ada".to_string(), || USER.with(|u| assert_eq!(u, "ada")));
/// });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __KEY: ::std::cell::RefCell<::core::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::core::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __KEY }
        };
    };
}

/// A task-local key, declared with [`task_local!`](crate::task_local): a value that a
/// future carries through every poll, on whichever thread.
///
/// # Examples
///
/// ```
/// weft::task_local! {
///     static DEPTH: u32;
/// }
///
/// weft::run(DEPTH.scope(1, async {
///     assert_eq!(DEPTH.get(), 1);
///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
///     assert_eq!(DEPTH.get(), 1, "the outer value is back");
/// }));
/// ```
pub struct LocalKey<T: 'static> {
    /// The slot of the thread polling right now; filled only during a scope's poll.
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// The task-local was read outside a scope of its key.
///
/// # Examples
///
/// ```
/// weft::task_local! {
///     static KEY: u8;
/// }
/// let err = KEY.try_with(|v| *v).unwrap_err();
/// assert!(err.to_string().contains("scope"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "task-local value not set: read it inside `KEY.scope(value, future)` or \
             `KEY.sync_scope(value, f)` (spawned tasks do not inherit it)",
        )
    }
}

impl std::error::Error for AccessError {}

/// Why a scope could not be entered.
enum ScopeError {
    /// A `with` of the same key is running on this thread (the slot is borrowed).
    Borrowed,
    /// The thread's thread-locals are being destroyed.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "cannot enter a task-local scope while the task-local is borrowed (inside a \
                 `with` of the same key)"
            ),
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope while the thread's thread-locals are being \
                 destroyed"
            ),
        }
    }
}

impl<T: 'static> LocalKey<T> {
    /// Wraps `future` so that it (and everything it awaits) sees `value` through this key.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future` inside the scope (its destructors see
    /// the value), then the value.
    ///
    /// ```
    /// weft::task_local! {
    ///     static NAME: &'static str;
    /// }
    /// let name = weft::run(NAME.scope("worker", async { NAME.get() }));
    /// assert_eq!(name, "worker");
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            local: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with `value` set for this key (the synchronous [`scope`](Self::scope)).
    ///
    /// # Panics
    ///
    /// Inside a [`with`](Self::with) of the same key; and with `f`'s own panic (after
    /// restoring the previous value).
    ///
    /// ```
    /// weft::task_local! {
    ///     static LIMIT: usize;
    /// }
    /// assert_eq!(LIMIT.sync_scope(3, || LIMIT.get() * 2), 6);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.scope_inner(&mut slot, f) {
            Ok(out) => out,
            Err(e) => e.panic(),
        }
    }

    /// Swaps `slot` into this thread's slot, runs `f`, and swaps back (also if `f` panics).
    fn scope_inner<F, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        /// Swaps the values back when the scope ends, by return or by unwinding.
        struct Restore<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // Entering succeeded with these same calls, and nothing can be borrowing
                // the slot now: `with` borrows end with their closures.
                let _ = self.local.swap(self.slot);
            }
        }

        match self.swap(slot) {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(ScopeError::Borrowed),
            Err(_) => return Err(ScopeError::Destroyed),
        }
        let _restore = Restore { local: self, slot };
        Ok(f())
    }

    /// Exchanges `slot` with this thread's slot.
    fn swap(
        &'static self,
        slot: &mut Option<T>,
    ) -> Result<Result<(), BorrowMutError>, std::thread::AccessError> {
        self.inner.try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut current| std::mem::swap(slot, &mut *current))
        })
    }

    /// Runs `f` with a reference to the value.
    ///
    /// # Panics
    ///
    /// Outside a scope of this key; use [`try_with`](Self::try_with) where there may be
    /// none.
    ///
    /// ```
    /// weft::task_local! {
    ///     static TAGS: Vec<&'static str>;
    /// }
    /// TAGS.sync_scope(vec!["a", "b"], || {
    ///     assert_eq!(TAGS.with(|t| t.len()), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(out) => out,
            Err(e) => panic!("{e}"),
        }
    }

    /// Runs `f` with a reference to the value, if this key is set here.
    ///
    /// # Errors
    ///
    /// [`AccessError`] outside a scope of this key (including in a task spawned from
    /// inside one: task-locals are not inherited).
    ///
    /// ```
    /// weft::task_local! {
    ///     static KEY: u8;
    /// }
    /// assert!(KEY.try_with(|v| *v).is_err());
    /// assert_eq!(KEY.sync_scope(1, || KEY.try_with(|v| *v)), Ok(1));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let unset = AccessError { _private: () };
        // The borrow lasts for `f` only; a scope entered inside `f` fails with a clear
        // panic rather than aliasing the value.
        let f = |cell: &RefCell<Option<T>>| -> Result<R, AccessError> {
            let value = cell.try_borrow().map_err(|_| unset)?;
            value.as_ref().map(f).ok_or(unset)
        };
        self.inner.try_with(f).unwrap_or(Err(unset))
    }

    /// A clone of the value.
    ///
    /// # Panics
    ///
    /// Outside a scope of this key.
    ///
    /// ```
    /// weft::task_local! {
    ///     static ID: u32;
    /// }
    /// assert_eq!(ID.sync_scope(9, || ID.get()), 9);
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

pin_project! {
    /// A future run with a task-local value set, from [`LocalKey::scope`].
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the future it wraps; dropping it drops that future inside the
    /// scope, then the value.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static KEY: u8;
    /// }
    /// let fut: weft::task::TaskLocalFuture<u8, _> = KEY.scope(1, async { KEY.get() });
    /// assert_eq!(weft::run(fut), 1);
    /// ```
    pub struct TaskLocalFuture<T: 'static, F> {
        local: &'static LocalKey<T>,
        // The value while the future is not being polled.
        slot: Option<T>,
        // `None` once dropped (inside the scope).
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                let mut future = this.future;
                // Drop the future with its value set, so its destructors can read it. If
                // the scope cannot be entered (mid-`with`, or thread teardown), drop it
                // without.
                if this
                    .local
                    .scope_inner(this.slot, || future.set(None))
                    .is_err()
                {
                    future.set(None);
                }
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope (from outside a poll); the wrapped future no longer
    /// sees it afterwards.
    ///
    /// ```
    /// weft::task_local! {
    ///     static KEY: String;
    /// }
    /// let mut fut = std::pin::pin!(KEY.scope("v".to_string(), async {}));
    /// assert_eq!(fut.as_mut().take_value().as_deref(), Some("v"));
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.local.scope_inner(this.slot, || {
            future
                .as_mut()
                .as_pin_mut()
                .expect("a TaskLocalFuture polled after it completed")
                .poll(cx)
        });
        match polled {
            Ok(poll) => poll,
            Err(e) => e.panic(),
        }
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}
