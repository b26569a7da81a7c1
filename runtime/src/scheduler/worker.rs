//! A worker thread's event loop (asyncio's event loop, one per worker).
//!
//! Finding work, in order:
//! 1. every `event_interval` ticks, a batch from the global injector (fairness: work from
//!    outside cannot be starved by tasks that keep waking each other); a task that yields
//!    while outside work waits first pulls a batch of it into the local deque;
//! 2. the LIFO slot (the task this worker just woke), at most `MAX_LIFO_STREAK` times in a
//!    row so two tasks waking each other cannot starve the deque;
//! 3. the local deque;
//! 4. a batch from the injector;
//! 5. searching (if fewer than half the workers search): a batch stolen from a random
//!    peer's deque, then the injector, then a peer's LIFO slot;
//! 6. parking (see `idle.rs` for the protocol that makes this lose no wakeups): in the
//!    reactor's selector if this worker can take its seat (an I/O event or a due timer then
//!    wakes this worker, which runs what it woke), else on the worker's parker.
//!
//! Every `event_interval` ticks a worker also looks at the selector without blocking (when
//! any I/O source is registered), so a busy runtime runs its I/O on the workers instead of
//! through the `weft-io` thread.
//!
//! Only this thread pushes to or pops from its deque (`Local::queue`); the fields in
//! `Cell`s are touched only by this thread, including from inside task polls (wakes).

use super::queue;
use super::{Handle, Shared};
use crate::context;
use crate::loom::{fence, AtomicBool, Parker};
use crate::task::header::Notified;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use weft_io::coop;

/// Tasks run from the LIFO slot in a row before the deque gets a turn: 3, as tokio found
/// enough for message-passing pairs without letting them starve their neighbours.
const MAX_LIFO_STREAK: u8 = 3;

/// Batches (of up to 32, crossbeam's batch size) a yielding task pulls from the injector
/// ahead of itself: 8, so a backlog of outside work drains in a few yields instead of
/// trickling in behind tasks that keep yielding (measured with compare's
/// `spawn_many_remote_busy`), while one yield still does bounded work.
const YIELD_INJECTOR_BATCHES: usize = 8;

pub(crate) struct Local {
    pub(crate) index: usize,
    pub(crate) handle: Handle,
    queue: queue::Local,
    parker: Parker,
    tick: Cell<u32>,
    lifo_streak: Cell<u8>,
    searching: Cell<bool>,
    rng: Cell<u64>,
    /// Wakers found by this worker's looks at the selector, kept to reuse the allocation.
    wake: Cell<Vec<std::task::Waker>>,
    /// Inside `block_in_place`: this thread runs no task until it returns, so what it
    /// wakes goes to the injector.
    blocked: Cell<bool>,
}

impl Local {
    pub(crate) fn new(index: usize, handle: Handle, queue: queue::Local, parker: Parker) -> Local {
        Local {
            index,
            handle,
            queue,
            parker,
            tick: Cell::new(0),
            lifo_streak: Cell::new(0),
            searching: Cell::new(false),
            wake: Cell::new(Vec::new()),
            blocked: Cell::new(false),
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407),
            ),
        }
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Schedules a task from this worker's own thread: into the LIFO slot (a wake or a
    /// spawn), or the back of the deque (a task that yielded).
    pub(crate) fn schedule(&self, task: Notified, is_yield: bool) {
        let shared = self.shared();
        if self.blocked.get() {
            shared.schedule_remote(task);
            return;
        }
        if is_yield {
            // Work from outside is waiting: bring a batch of it into this deque ahead of the
            // yielding task. Otherwise tasks that keep yielding keep this deque from ever
            // emptying, and the injector would only be reached on the fairness tick. (The
            // yielder itself stays local: pushing it into the injector would keep the
            // injector non-empty and make it every worker's contended main queue.)
            let mut others_waiting = !self.queue.is_empty();
            for _ in 0..YIELD_INJECTOR_BATCHES {
                if shared.injector.is_empty() {
                    break;
                }
                match shared.injector.steal_batch_and_pop(&self.queue) {
                    Some(first) => {
                        self.queue.push(first);
                        others_waiting = true;
                    }
                    None => break,
                }
            }
            self.queue.push(task);
            // Wake a peer only if something else is waiting here: a lone yielding task will
            // be run again by this worker at once.
            if others_waiting {
                shared.notify_parked();
            }
            return;
        }
        if let Some(displaced) = shared.remotes[self.index].put_lifo(task) {
            self.queue.push(displaced);
        }
        // Even a LIFO-only push may wake a peer: if the current poll blocks its thread, the
        // peer rescues the task from the slot instead of it being stranded.
        shared.notify_parked();
    }

    fn next_random(&self, n: usize) -> usize {
        // xorshift64*: cheap and good enough to pick a victim.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize % n
    }

    fn next_local_task(&self) -> Option<Notified> {
        let shared = self.shared();
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % shared.config.event_interval == 0 {
            self.poll_selector();
            // A batch, not one task: with a deque that never empties (tasks that yield),
            // one outside task per interval would starve the injector.
            if let Some(task) = shared.injector.steal_batch_and_pop(&self.queue) {
                return Some(task);
            }
        }
        let remote = &shared.remotes[self.index];
        if self.lifo_streak.get() < MAX_LIFO_STREAK {
            if let Some(task) = remote.take_lifo() {
                self.lifo_streak.set(self.lifo_streak.get() + 1);
                return Some(task);
            }
        }
        self.lifo_streak.set(0);
        self.queue
            .pop()
            .or_else(|| remote.take_lifo())
            .or_else(|| shared.injector.steal_batch_and_pop(&self.queue))
    }

    fn steal_work(&self) -> Option<Notified> {
        let shared = self.shared();
        if !self.searching.get() {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.searching.set(true);
        }
        let n = shared.num_workers();
        let start = self.next_random(n);
        let peers = (0..n).map(|i| (start + i) % n).filter(|&v| v != self.index);
        for victim in peers.clone() {
            if let Some(task) = shared.remotes[victim]
                .stealer
                .steal_batch_and_pop(&self.queue)
            {
                return Some(task);
            }
        }
        if let Some(task) = shared.injector.steal_batch_and_pop(&self.queue) {
            return Some(task);
        }
        // Last resort: a task waiting in a peer's LIFO slot. Its owner normally takes it
        // within one poll; if it is still there, the owner may be blocked.
        peers
            .into_iter()
            .find_map(|victim| shared.remotes[victim].take_lifo())
    }

    fn run_task(&self, task: Notified) {
        if self.searching.replace(false) && self.shared().idle.transition_worker_from_searching() {
            // The last searcher found work: there may be more, keep one worker looking.
            self.shared().notify_parked();
        }
        match self.shared().config.slow_poll_threshold {
            None => task.run(),
            Some(threshold) => self.run_timed(task, threshold),
        }
    }

    /// Debug mode: runs `task` and reports the poll if it took `threshold` or longer.
    fn run_timed(&self, task: Notified, threshold: Duration) {
        // A reference of our own keeps the task nameable after a poll that completed it.
        let watched = task.watch();
        let start = Instant::now();
        task.run();
        let took = start.elapsed();
        if took >= threshold {
            self.shared().slow_polls.fetch_add(1, Relaxed);
            let header = watched.header();
            let name = header
                .name()
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default();
            eprintln!(
                "weft: slow poll: task {}{name} (spawned at {}) ran {took:?} in one poll, over \
                 the slow_poll_threshold of {threshold:?}. A poll that long stalls every task \
                 queued on its worker: move blocking or CPU-heavy work to spawn_blocking, or \
                 yield more often.",
                header.id, header.spawned_at
            );
        }
    }

    /// Parks until chosen by a notifier (or shutdown), or until `stop` holds (a
    /// current-thread `block_on` whose future was woken; `stop`'s setter unparks us).
    fn park(&self, stop: &dyn Fn() -> bool) {
        let shared = self.shared();
        let was_searching = self.searching.replace(false);
        if shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            // Pairs with the fence in `Shared::notify_parked`: a push we did not see before
            // the decrement is seen now.
            fence(SeqCst);
            if shared.has_visible_work() {
                shared.notify_parked();
            }
        }
        loop {
            if shared.is_shutdown() {
                return;
            }
            if stop() {
                // Counted awake again (unless a notifier chose us meanwhile, which counted
                // us already), as a chosen worker is: searching.
                shared.idle.unpark_self(self.index);
                self.searching.set(true);
                return;
            }
            if !self.park_in_selector(stop) {
                self.parker.park();
            }
            if !shared.idle.is_parked(self.index) {
                // Chosen by `worker_to_notify`, which counted us as searching.
                self.searching.set(true);
                return;
            }
        }
    }

    /// Parks in the selector instead of on the parker, if this worker can take the
    /// reactor's seat (see `weft-io`'s `seat.rs`): an I/O event (or a due timer) then wakes
    /// this worker directly, and the tasks it wakes run here, with no hand-off through the
    /// `weft-io` thread. Returns false (park on the parker) if another thread holds the seat.
    ///
    /// A notifier that picks this worker reads `in_selector` after choosing it; we store
    /// it before our last look at the idle state. So either that look sees us chosen (and
    /// we do not wait), or the notifier sees the flag and notifies the selector.
    fn park_in_selector(&self, stop: &dyn Fn() -> bool) -> bool {
        let shared = self.shared();
        let Some(mut drive) = shared.reactor.try_drive() else {
            return false;
        };
        let remote = &shared.remotes[self.index];
        remote.in_selector.store(true, SeqCst);
        let mut wake = self.wake.take();
        if shared.idle.is_parked(self.index) && !shared.is_shutdown() && !stop() {
            drive.wait(true, &mut wake);
        }
        remote.in_selector.store(false, SeqCst);
        drop(drive);
        if !wake.is_empty() {
            // Counted awake (and searching) before the wakes queue the tasks here, so they
            // do not wake a peer to take them: this worker runs them next.
            shared.idle.unpark_self(self.index);
            self.wake_all(&mut wake);
        }
        self.wake.set(wake);
        true
    }

    /// The maintenance tick's look at the selector, without blocking: a busy worker runs
    /// the I/O its tasks wait for itself, instead of the `weft-io` thread handing each
    /// event over. Only when some source is registered.
    fn poll_selector(&self) {
        let reactor = &self.shared().reactor;
        if !reactor.has_sources() {
            return;
        }
        let Some(mut drive) = reactor.try_drive() else {
            return;
        };
        let mut wake = self.wake.take();
        drive.wait(false, &mut wake);
        drop(drive);
        self.wake_all(&mut wake);
        self.wake.set(wake);
    }

    /// Wakes what a look at the selector found; each task queues on this worker.
    fn wake_all(&self, wake: &mut Vec<std::task::Waker>) {
        for waker in wake.drain(..) {
            waker.wake();
        }
    }

    fn run_loop(&self) {
        let shared = self.shared();
        while !shared.is_shutdown() {
            if let Some(task) = self.next_local_task() {
                self.run_task(task);
            } else if let Some(task) = self.steal_work() {
                self.run_task(task);
            } else {
                self.park(&|| false);
            }
        }
    }

    /// `block_in_place` on this worker (see `relief.rs`): hands the queued work to the
    /// injector and a relief thread, runs `f` with blocking allowed, then takes up the
    /// worker's role again (the task that called it resumes its poll).
    pub(crate) fn block_in_place<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Unblock<'a>(&'a Local, Option<super::relief::Relief>);
        impl Drop for Unblock<'_> {
            fn drop(&mut self) {
                self.0.blocked.set(false);
                if let Some(relief) = self.1.take() {
                    relief.stop();
                }
            }
        }
        let shared = self.shared();
        self.blocked.set(true);
        let relief = super::relief::Relief::start(&self.handle);
        let _unblock = Unblock(self, Some(relief));
        while let Some(task) = self.queue.pop() {
            shared.injector.push(task);
        }
        if let Some(task) = shared.remotes[self.index].take_lifo() {
            shared.injector.push(task);
        }
        shared.notify_parked();
        shared.reliefs.notify();
        let _undrive = context::leave_driving();
        f()
    }

    /// A current-thread `block_on`: this worker's loop on the calling thread, polling
    /// `future` whenever it is woken and running the runtime's tasks between, until the
    /// future is ready. Called with the runtime (and this worker) entered.
    fn run_until<F: Future>(&self, mut future: Pin<&mut F>) -> F::Output {
        let shared = self.shared();
        let main = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            handle: self.handle.clone(),
            index: self.index,
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        // The core was registered as parked while no `block_on` ran it.
        shared.idle.unpark_self(self.index);
        self.searching.set(true);
        loop {
            if main.woken.swap(false, SeqCst) {
                if let Poll::Ready(out) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                    // Idle again until the next `block_on`: notifiers may pick it.
                    let was_searching = self.searching.replace(false);
                    shared
                        .idle
                        .transition_worker_to_parked(self.index, was_searching);
                    return out;
                }
            }
            if shared.is_shutdown() {
                // No tasks run after shutdown; the future alone is polled, when woken.
                if !main.woken.load(SeqCst) {
                    self.parker.park();
                }
                continue;
            }
            // Between two looks at the future, at most a fairness interval of tasks.
            let mut ran = 0;
            while ran < shared.config.event_interval {
                let Some(task) = self.next_local_task().or_else(|| self.steal_work()) else {
                    break;
                };
                self.run_task(task);
                ran += 1;
            }
            if ran == 0 && !main.woken.load(SeqCst) {
                self.park(&|| main.woken.load(SeqCst));
            }
        }
    }

    /// Drops the tasks queued on this worker: runtime shutdown cancels them through the
    /// owned list, these are only their queue references.
    fn drain(&self) {
        while let Some(task) = self.queue.pop() {
            drop(task);
        }
        drop(self.shared().remotes[self.index].take_lifo());
    }
}

/// The waker of a current-thread `block_on`'s future: marks it woken and wakes the worker
/// running it, wherever it parks.
struct MainWaker {
    woken: AtomicBool,
    handle: Handle,
    index: usize,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Stored before the worker's selector flag is read: the worker stores that flag
        // before it reads this one (see `Local::park_in_selector`).
        self.woken.store(true, SeqCst);
        self.handle.shared.unpark_worker(self.index);
    }
}

/// `block_on` on a current-thread runtime (`Builder::new_current_thread`): the calling
/// thread runs the runtime's one worker while it waits for `future`. If another thread's
/// `block_on` holds the worker, this one waits for its own future, or for the worker to
/// be put back, whichever comes first.
pub(crate) fn block_on_current_thread<F: Future>(handle: &Handle, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let parker = Parker::default();
    let unparker = parker.unparker().clone();
    let waker = Waker::from(Arc::new(UnparkWaker(unparker)));
    loop {
        let core = handle.shared.core.lock().unwrap().take();
        if let Some(core) = core {
            let core = CoreGuard {
                handle,
                core: Some(core),
            };
            let local = core.core.as_deref().expect("held until dropped");
            return context::enter_worker(local, || local.run_until(future.as_mut()));
        }
        handle
            .shared
            .core_waiters
            .lock()
            .unwrap()
            .push(waker.clone());
        let mut cx = Context::from_waker(&waker);
        if let Poll::Ready(out) = coop::budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        parker.park();
    }
}

/// Unparks a thread waiting in `block_on_current_thread` for its future or the worker.
struct UnparkWaker(crate::loom::Unparker);

impl Wake for UnparkWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Puts a current-thread runtime's worker back when its `block_on` ends (or unwinds), and
/// wakes the threads waiting for it; after shutdown the worker is dropped instead.
struct CoreGuard<'a> {
    handle: &'a Handle,
    core: Option<Box<Local>>,
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let core = self.core.take().expect("put back once");
        let shared = &self.handle.shared;
        if shared.is_shutdown() {
            core.drain();
            drop(core);
        } else {
            *shared.core.lock().unwrap() = Some(core);
        }
        let waiters = std::mem::take(&mut *shared.core_waiters.lock().unwrap());
        for waiter in waiters {
            waiter.wake();
        }
    }
}

/// The body of worker thread `local.index`.
pub(crate) fn run(local: Local) {
    let handle = local.handle.clone();
    let config = &handle.shared.config;
    if let Some(start) = &config.on_thread_start {
        start();
    }
    context::enter_worker(&local, || local.run_loop());
    local.drain();
    if let Some(stop) = &config.on_thread_stop {
        stop();
    }
    drop(local);
    handle.shared.worker_exited();
}
