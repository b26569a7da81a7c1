//! `block_in_place`: a worker about to block hands its work to another thread first.
//!
//! The worker (`Local::block_in_place`) marks itself *blocked* (wakes from its thread then
//! go to the injector instead of its own queues), moves its deque and LIFO slot into the
//! injector, and starts a *relief* thread on the blocking pool. The relief thread runs
//! tasks from the injector (and steals from the workers) until the blocking call returns,
//! so nothing waits behind the blocked worker even when every other worker is busy; an
//! idle worker is notified too and may take some of the work first.
//!
//! Relief threads sleep on their own parkers when the injector is empty. Each registers
//! its unparker in `Reliefs` before its first look at the injector; `schedule_remote`
//! reads `count` after its push (both `SeqCst`) and unparks every registered one. So
//! either the relief thread's look sees the push, or the pusher sees the registration.

use super::Handle;
use crate::context;
use crate::loom::{AtomicBool, AtomicUsize, Mutex, Parker, Unparker};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

/// The relief threads of a runtime that are running now.
#[derive(Default)]
pub(crate) struct Reliefs {
    count: AtomicUsize,
    unparkers: Mutex<Vec<(usize, Unparker)>>,
    next_id: AtomicUsize,
}

impl Reliefs {
    /// Wakes every relief thread (new work in the injector, or one of them must stop).
    /// Costs one atomic load while none runs.
    pub(crate) fn notify(&self) {
        if self.count.load(SeqCst) == 0 {
            return;
        }
        for (_, unparker) in self.unparkers.lock().unwrap().iter() {
            unparker.unpark();
        }
    }

    pub(super) fn register(&self, unparker: Unparker) -> usize {
        let id = self.next_id.fetch_add(1, SeqCst);
        self.unparkers.lock().unwrap().push((id, unparker));
        self.count.fetch_add(1, SeqCst);
        id
    }

    pub(super) fn unregister(&self, id: usize) {
        self.unparkers.lock().unwrap().retain(|(i, _)| *i != id);
        self.count.fetch_sub(1, SeqCst);
    }
}

/// A running relief thread; `stop` ends it after the task it is running.
pub(crate) struct Relief {
    done: Arc<AtomicBool>,
    handle: Handle,
}

impl Relief {
    /// Starts a relief thread on the runtime's blocking pool.
    pub(crate) fn start(handle: &Handle) -> Relief {
        let done = Arc::new(AtomicBool::new(false));
        let (h, d) = (handle.clone(), done.clone());
        let parker = Parker::default();
        let id = handle.shared.reliefs.register(parker.unparker().clone());
        let job = move || relieve(&h, &d, &parker, id);
        // The pool has no queue bound; after shutdown the job is cancelled, which is what
        // a relief thread would do anyway.
        let _ = handle
            .shared
            .blocking
            .spawn(job, None, std::panic::Location::caller());
        Relief {
            done,
            handle: handle.clone(),
        }
    }

    /// Ends the relief thread (after the task it runs, if any).
    pub(crate) fn stop(self) {
        self.done.store(true, SeqCst);
        self.handle.shared.reliefs.notify();
    }
}

/// The relief thread's loop: runs outside work until told to stop. It is not one of the
/// runtime's workers (its wakes go to the injector), but it drives the runtime's tasks,
/// so blocking calls inside them panic as they do on a worker.
fn relieve(handle: &Handle, done: &AtomicBool, parker: &Parker, id: usize) {
    let shared = &handle.shared;
    let _enter = context::enter(handle);
    let _driving = context::enter_driving();
    loop {
        if done.load(SeqCst) || shared.is_shutdown() {
            break;
        }
        let task = shared.injector.steal().or_else(|| {
            shared
                .remotes
                .iter()
                .find_map(|r| r.stealer.steal().or_else(|| r.take_lifo()))
        });
        match task {
            Some(task) => task.run(),
            None => parker.park(),
        }
    }
    shared.reliefs.unregister(id);
}
