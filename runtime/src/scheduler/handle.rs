//! The scheduler's handle: what every task, worker and entered thread holds of a runtime.
//!
//! A task's `Schedule` is this handle, so a wake goes from `task/raw.rs` straight here:
//! `submit` puts the task in this thread's worker's LIFO slot if this thread is one of
//! the runtime's workers (message-passing latency), and in the injector otherwise
//! (unparking one parked worker). The public [`crate::Handle`] is a façade over it.

use super::Shared;
use crate::blocking::spawner::ThreadContext;
use crate::context;
use crate::loom::Arc;
use crate::task::header::{Header, Notified, Schedule};
use crate::task::{self, JoinHandle};
use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;

/// One runtime's shared state, as tasks and threads hold it. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Handle {
    pub(crate) shared: Arc<Shared>,
}

// `task::allocation_size_of` counts the scheduler field of a task as one pointer (loom's
// model-checked `Arc` is larger, and no size is reported under loom).
#[cfg(not(loom))]
const _: () = assert!(std::mem::size_of::<Handle>() == std::mem::size_of::<usize>());

impl Handle {
    /// Makes a task and queues it; after shutdown it is cancelled before it ever runs.
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, self.clone(), name, spawned_at);
        match self.shared.owned.bind(task) {
            Ok(()) => self.submit(notified, false),
            Err(task) => {
                drop(notified);
                task.shutdown();
            }
        }
        join
    }

    /// Queues `func` on the runtime's blocking pool; its threads enter this runtime.
    pub(crate) fn spawn_blocking<F, R>(
        &self,
        func: F,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match self.shared.blocking.spawn(func, Some(self), spawned_at) {
            Ok(join) => join,
            Err(_) => unreachable!("the runtime's blocking pool has no queue bound"),
        }
    }

    /// Queues a woken (or spawned, or yielding) task: locally on one of this runtime's
    /// workers, through the injector from anywhere else.
    fn submit(&self, task: Notified, is_yield: bool) {
        if self.shared.is_shutdown() {
            // The task is cancelled through the owned list; drop the queue reference.
            drop(task);
            return;
        }
        context::with_worker(|worker| match worker {
            Some(local) if Arc::ptr_eq(&local.handle.shared, &self.shared) => {
                local.schedule(task, is_yield)
            }
            _ => self.shared.schedule_remote(task),
        });
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified) {
        self.submit(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.submit(task, true);
    }

    fn release(&self, task: NonNull<Header>) -> bool {
        self.shared.owned.remove(task)
    }

    fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }
}

/// The runtime's blocking threads run inside the runtime, so `Handle::current` and
/// `weft::spawn` work in their jobs.
impl ThreadContext for Handle {
    fn run_thread(&self, body: &mut dyn FnMut()) {
        let _enter = context::enter(self);
        body();
    }

    fn clone_boxed(&self) -> Box<dyn ThreadContext> {
        Box::new(self.clone())
    }
}
