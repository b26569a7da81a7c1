//! One place that chooses between `std` and `loom` for every primitive whose
//! interleavings matter.
//!
//! Code in this crate never names `std::sync::atomic`, `std::sync::Mutex`, `std::thread` or
//! `std::cell::UnsafeCell` directly: it names `crate::loom::*`. A normal build gets `std`
//! (with zero-cost wrappers that give `UnsafeCell` loom's `with`/`with_mut` interface); a
//! `--cfg loom` build gets loom's model-checked versions, so the task state machine, the
//! owned-task list, the idle protocol and shutdown are explored under every interleaving.

#[cfg(loom)]
pub(crate) use self::loom_impl::*;

/// Declares a thread-local with a `const` initializer: `std`'s fast const form normally,
/// loom's tracked thread-local (each model thread gets its own) under `--cfg loom`.
macro_rules! thread_local_const {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
#[cfg(not(loom))]
pub(crate) use self::std_impl::*;
pub(crate) use thread_local_const;

#[cfg(not(loom))]
mod std_impl {
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize};
    pub(crate) use std::sync::{Arc, Condvar, Mutex};
    pub(crate) use std::thread;

    pub(crate) use crossbeam_utils::sync::{Parker, Unparker};

    /// `std::cell::UnsafeCell` with loom's closure-based access interface, so the same
    /// code compiles against both. Access is zero cost in a normal build.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Spawns an OS thread with the runtime's name and stack size.
    pub(crate) fn spawn_named<F>(
        name: String,
        stack_size: Option<usize>,
        f: F,
    ) -> std::io::Result<thread::JoinHandle<()>>
    where
        F: FnOnce() + Send + 'static,
    {
        let mut builder = thread::Builder::new().name(name);
        if let Some(size) = stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(f)
    }
}

#[cfg(loom)]
mod loom_impl {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize};
    pub(crate) use loom::sync::{Arc, Condvar, Mutex};
    pub(crate) use loom::thread;

    /// A loom-visible parker with crossbeam's token semantics: `unpark` before `park`
    /// makes the next `park` return at once.
    pub(crate) struct Parker {
        inner: Arc<ParkInner>,
        unparker: Unparker,
    }

    struct ParkInner {
        token: Mutex<bool>,
        cond: Condvar,
    }

    /// The waking side of [`Parker`].
    #[derive(Clone)]
    pub(crate) struct Unparker {
        inner: Arc<ParkInner>,
    }

    impl Default for Parker {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Parker {
        pub(crate) fn new() -> Self {
            let inner = Arc::new(ParkInner {
                token: Mutex::new(false),
                cond: Condvar::new(),
            });
            Self {
                unparker: Unparker {
                    inner: inner.clone(),
                },
                inner,
            }
        }

        pub(crate) fn park(&self) {
            let mut token = self.inner.token.lock().unwrap();
            while !*token {
                token = self.inner.cond.wait(token).unwrap();
            }
            *token = false;
        }

        pub(crate) fn unparker(&self) -> &Unparker {
            &self.unparker
        }
    }

    impl Unparker {
        pub(crate) fn unpark(&self) {
            *self.inner.token.lock().unwrap() = true;
            self.inner.cond.notify_one();
        }
    }

    /// Spawns a loom thread; name and stack size mean nothing inside a model.
    pub(crate) fn spawn_named<F>(
        _name: String,
        _stack_size: Option<usize>,
        f: F,
    ) -> std::io::Result<thread::JoinHandle<()>>
    where
        F: FnOnce() + Send + 'static,
    {
        Ok(thread::spawn(f))
    }
}

/// Helpers for loom models.
#[cfg(all(test, loom))]
pub(crate) mod model {
    use super::{Parker, Unparker};
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Wake, Waker};

    struct ParkWaker(Unparker);

    impl Wake for ParkWaker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Drives `future` on the current model thread, parking (a loom-visible wait) while it
    /// is pending: a lost wakeup shows up as a deadlock that loom reports.
    pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
        let parker = Parker::new();
        let waker = Waker::from(std::sync::Arc::new(ParkWaker(parker.unparker().clone())));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            parker.park();
        }
    }
}
