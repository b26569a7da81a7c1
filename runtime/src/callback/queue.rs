//! One runtime's ready queue of callbacks, the task that drains it, and how a thread finds
//! the queue of a runtime.
//!
//! # Protocol
//!
//! - `state.ready` holds the callbacks due now, in the order they became due: pushed by
//!   `call_soon` (any thread) and by a fired timed callback's wake (the `weft-io` thread,
//!   or a worker driving the selector). `state` is a mutex that no user code runs under.
//! - `state.running` says a runner task exists that will look at `ready` again before it
//!   finishes. Set by the push that finds it clear (that push spawns the runner, after
//!   unlocking); cleared only under the lock, by a runner that found `ready` empty, or by a
//!   runner dropped at shutdown. So a callback pushed while `running` is set is seen by
//!   that runner, and one pushed while it is clear starts a new one: none is stranded.
//! - The runner swaps `ready` for its own empty batch (one lock per batch, not per
//!   callback) and runs the batch front to back with no lock held; then it looks again.
//!   One runner at a time and one queue per runtime: callbacks run one after another, in
//!   the order they were queued, as on asyncio's loop, whichever workers queued them.
//! - A callback that panics unwinds out of the runner's poll: the task machinery catches
//!   it and reports it as it reports any detached task's panic, and the worker goes on.
//!   The runner's drop puts the rest of its batch back at the front of `ready` and spawns
//!   a successor, which keeps `running` set.
//! - At shutdown the runner task is cancelled (or, spawned after shutdown, never runs), or
//!   a runner busy in a batch stops before its next callback: its drop sees the runtime
//!   shut down, clears `running` and drops every queued callback without running it. A later push spawns a runner that is cancelled at once, whose drop
//!   does the same. Timed callbacks still in the wheel are fired by the driver's shutdown
//!   and arrive here the same way.
//!
//! # Finding a runtime's queue
//!
//! The runtime's shared state keeps it (made on first use); the queue holds only a `Weak`
//! of that state, to spawn runners, so the two do not keep each other alive.

use crate::loom::{Arc, Mutex};
use crate::scheduler::{self, Shared};
use crate::sync::lock;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::Weak;
use std::task::{Context, Poll};

/// A callback as the queue holds it.
pub(super) trait Scheduled: Send + Sync {
    /// Runs the callback, unless it was cancelled (or has run).
    fn run(&self);
    /// Drops the callback without running it (shutdown).
    fn discard(&self);
}

pub(super) type Ready = Arc<dyn Scheduled>;

/// Callbacks a runner runs before it yields to the other tasks of its worker: 128, the
/// cooperative budget of one task poll, so a stream of callbacks that keeps the queue
/// full cannot starve the tasks queued behind the runner.
const BUDGET: usize = 128;

/// The ready callbacks of one runtime.
pub(super) struct Queue {
    /// The runtime the queue belongs to: where runners spawn.
    runtime: Weak<Shared>,
    state: Mutex<State>,
}

struct State {
    ready: VecDeque<Ready>,
    running: bool,
}

impl Queue {
    /// Appends `callback`, and starts a runner if none is running. `at` is where the
    /// callback was scheduled, shown as the runner's spawn location.
    pub(super) fn push(self: &Arc<Self>, callback: Ready, at: &'static Location<'static>) {
        let mut state = lock(&self.state);
        state.ready.push_back(callback);
        if state.running {
            return;
        }
        state.running = true;
        drop(state);
        self.start_runner(at);
    }

    /// The runtime, while it exists.
    pub(super) fn runtime(&self) -> Option<Arc<Shared>> {
        self.runtime.upgrade()
    }

    /// Spawns a runner; the caller has set `running` for it.
    fn start_runner(self: &Arc<Self>, at: &'static Location<'static>) {
        let Some(shared) = self.runtime.upgrade() else {
            // The runtime is gone (and so is its driver): nothing will ever run these.
            self.discard_all(VecDeque::new());
            return;
        };
        let handle = scheduler::Handle { shared };
        let runner = Runner {
            queue: self.clone(),
            handle: handle.clone(),
            batch: VecDeque::new(),
            finished: false,
            at,
        };
        // Detached: the runner reports its own end through `running`.
        drop(handle.spawn(runner, Some("weft callbacks".into()), at));
    }

    /// Clears `running` and drops every queued callback, and `batch`, without running
    /// them.
    fn discard_all(&self, batch: VecDeque<Ready>) {
        let queued = {
            let mut state = lock(&self.state);
            state.running = false;
            std::mem::take(&mut state.ready)
        };
        for callback in batch.into_iter().chain(queued) {
            // A callback's drop is user code; one that panics must not keep the others
            // from being dropped (and this may run while a panic unwinds).
            let _ = panic::catch_unwind(AssertUnwindSafe(|| callback.discard()));
        }
    }
}

/// The task that runs a runtime's ready callbacks; see the module's protocol.
struct Runner {
    queue: Arc<Queue>,
    handle: scheduler::Handle,
    /// Callbacks taken from the queue and not yet run, oldest first.
    batch: VecDeque<Ready>,
    /// Set when the runner found the queue empty and cleared `running` itself.
    finished: bool,
    /// Where the callback that started it was scheduled (a successor keeps it).
    at: &'static Location<'static>,
}

impl Future for Runner {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut ran = 0;
        loop {
            let Some(callback) = this.batch.pop_front() else {
                let mut state = lock(&this.queue.state);
                if state.ready.is_empty() {
                    state.running = false;
                    this.finished = true;
                    return Poll::Ready(());
                }
                std::mem::swap(&mut state.ready, &mut this.batch);
                continue;
            };
            if this.handle.shared.is_shutdown() {
                // Not `finished`: the drop puts `callback` back and discards the lot.
                this.batch.push_front(callback);
                return Poll::Ready(());
            }
            callback.run();
            ran += 1;
            if ran == BUDGET {
                // Yield: back of the worker's queue, as `task::yield_now` does.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        if self.handle.shared.is_shutdown() {
            self.queue.discard_all(batch);
            return;
        }
        // A callback panicked: its successors keep their place, ahead of later ones.
        let mut state = lock(&self.queue.state);
        for callback in batch.into_iter().rev() {
            state.ready.push_front(callback);
        }
        if state.ready.is_empty() {
            state.running = false;
            return;
        }
        drop(state);
        // `running` stays set: it now stands for the successor.
        self.queue.start_runner(self.at);
    }
}

/// Calls `f` with the callback queue of `handle`'s runtime (made on first use, kept in
/// the runtime's shared state).
pub(super) fn with_queue<R>(handle: &scheduler::Handle, f: impl FnOnce(&Arc<Queue>) -> R) -> R {
    let slot = handle.shared.callbacks.get_or_init(|| {
        Box::new(Arc::new(Queue {
            runtime: Arc::downgrade(&handle.shared),
            state: Mutex::new(State {
                ready: VecDeque::new(),
                running: false,
            }),
        }))
    });
    f(slot
        .downcast_ref::<Arc<Queue>>()
        .expect("the callbacks slot holds the callback queue"))
}

/// The callback queue of `handle`'s runtime, as a reference of its own.
pub(super) fn queue_of(handle: &scheduler::Handle) -> Arc<Queue> {
    with_queue(handle, Arc::clone)
}
