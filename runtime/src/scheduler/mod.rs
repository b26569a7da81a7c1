//! The multi-threaded work-stealing scheduler: the state all workers share.
//!
//! Each worker thread runs an event loop (see `worker.rs`) over its own FIFO deque plus a
//! one-task LIFO slot; peers steal from both; work from outside the workers goes through
//! the global injector.
//!
//! Who touches what:
//! - `remotes[i].lifo`: swapped by worker `i` (to push and take) and by searching peers
//!   (to rescue a task stranded behind a worker that blocks inside a poll).
//! - `remotes[i].stealer`: read by every peer; the deque itself is pushed and popped only
//!   by worker `i`.
//! - `injector`: pushed by any thread, drained by any worker.
//! - `owned`: every live task, sharded; touched by spawn, completion and shutdown.
//!
//! Shutdown, in order (`Shared::shutdown`):
//! 1. set `shutdown`: from now on `schedule` drops the `Notified` it is given (the task
//!    stays in the owned list and is cancelled in step 4), and spawns are cancelled;
//! 2. unpark every worker; each leaves its loop at the next iteration, drops the tasks in
//!    its own deque and LIFO slot, and counts itself out in `exited`;
//! 3. wait for the workers (up to the timeout, not for the calling worker itself);
//! 4. close the owned list and cancel every task in it (futures dropped here), and close
//!    the blocking pool: queued jobs are cancelled (see `blocking/spawner.rs`);
//! 5. drop whatever is left in the injector and the LIFO slots (the stealers of workers
//!    that timed out are drained too, so their tasks' references are released);
//! 6. stop the `weft-io` thread: I/O sources still alive (held outside the runtime) then
//!    report an error to their waiters instead of waiting forever;
//! 7. wait, until the same deadline, for the blocking jobs still running (after step 6, so
//!    a job blocked on this runtime's I/O or timers is released by it), then join their
//!    threads; past the deadline they are detached.

mod handle;
mod idle;
mod queue;
pub(crate) mod relief;
pub(crate) mod worker;

#[cfg(all(test, loom))]
mod loom_tests;

pub(crate) use idle::MAX_WORKERS;

use self::idle::Idle;
use crate::blocking::spawner::Spawner;
use crate::loom::{fence, AtomicBool, AtomicPtr, Condvar, Mutex, Unparker};
use crate::task::header::{Header, Notified};
use crate::task::list::OwnedTasks;
use crossbeam_utils::CachePadded;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, SeqCst};
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

pub(crate) use handle::Handle;

/// Settings the workers read.
pub(crate) struct Config {
    pub(crate) event_interval: u32,
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<StdArc<dyn Fn() + Send + Sync>>,
    pub(crate) on_thread_stop: Option<StdArc<dyn Fn() + Send + Sync>>,
    /// Cap on the blocking pool's threads (`Builder::max_blocking_threads`).
    pub(crate) max_blocking_threads: usize,
    /// Idle time after which a blocking thread exits (`Builder::thread_keep_alive`).
    pub(crate) thread_keep_alive: Duration,
    /// Polls longer than this are reported (`Builder::slow_poll_threshold`); `None`: off.
    pub(crate) slow_poll_threshold: Option<Duration>,
    /// A current-thread runtime (`Builder::new_current_thread`): its one worker has no
    /// thread of its own; `block_on` runs it (see `worker::block_on_current_thread`).
    pub(crate) current_thread: bool,
}

/// The per-worker state peers can see.
pub(crate) struct Remote {
    pub(crate) stealer: queue::Stealer,
    /// The LIFO slot: the task this worker most recently woke, run next for message-passing
    /// latency. Holds a `Notified` (its reference) or null.
    pub(crate) lifo: AtomicPtr<Header>,
    pub(crate) unparker: Unparker,
    /// The worker is parked in the selector (it holds the reactor's seat) rather than on
    /// its parker, so waking it takes a selector notification. Set by the worker before
    /// its last look at the idle state, read by `unpark_worker` after it chose the
    /// worker: one of the two sees the other (see `Local::park_in_selector`).
    pub(crate) in_selector: AtomicBool,
}

pub(crate) struct Shared {
    pub(crate) remotes: Box<[CachePadded<Remote>]>,
    pub(crate) injector: queue::Injector,
    pub(crate) idle: Idle,
    pub(crate) owned: OwnedTasks,
    /// The `spawn_blocking` pool; shut down (within the same deadline) after the tasks.
    pub(crate) blocking: Spawner,
    pub(crate) config: Config,
    /// The reactor that `Async<T>` and the net types register with.
    pub(crate) reactor: StdArc<weft_io::Reactor>,
    /// The `weft-io` thread; stopped in `shutdown` after the tasks are cancelled.
    driver: Mutex<weft_io::Driver>,
    shutdown: AtomicBool,
    /// Polls that ran past `config.slow_poll_threshold`.
    pub(crate) slow_polls: std::sync::atomic::AtomicU64,
    exited: Mutex<usize>,
    exited_cv: Condvar,
    /// A current-thread runtime's worker while no `block_on` runs it; `None` while one
    /// does (and always, for a multi-thread runtime). Taken out and dropped at shutdown.
    pub(crate) core: Mutex<Option<Box<worker::Local>>>,
    /// Threads in `block_on` of a current-thread runtime waiting for `core`, woken when
    /// it is put back.
    pub(crate) core_waiters: Mutex<Vec<std::task::Waker>>,
    /// Relief threads running for workers inside `block_in_place`.
    pub(crate) reliefs: relief::Reliefs,
    /// The runtime's queue of asyncio-style callbacks (`callback/queue.rs`), made on first
    /// use. Type-erased: the callback module sits above the scheduler.
    #[cfg(not(loom))]
    pub(crate) callbacks: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
}

impl Remote {
    /// Takes the task in the LIFO slot, if any.
    pub(crate) fn take_lifo(&self) -> Option<Notified> {
        if self.lifo.load(Relaxed).is_null() {
            return None;
        }
        let ptr = self.lifo.swap(ptr::null_mut(), AcqRel);
        // SAFETY: non-null values in the slot come from `Notified::into_raw`, and the swap
        // made this thread their only owner.
        NonNull::new(ptr).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Puts `task` in the LIFO slot, returning the task it displaced.
    pub(crate) fn put_lifo(&self, task: Notified) -> Option<Notified> {
        let prev = self.lifo.swap(task.into_raw().as_ptr(), AcqRel);
        // SAFETY: as in `take_lifo`: the swap handed us the displaced task's reference.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }
}

impl Shared {
    /// Builds the shared state and each worker's private queue and parker.
    pub(crate) fn new(
        num_workers: usize,
        config: Config,
        driver: weft_io::Driver,
    ) -> (Shared, Vec<(queue::Local, crate::loom::Parker)>) {
        let mut remotes = Vec::with_capacity(num_workers);
        let mut locals = Vec::with_capacity(num_workers);
        for _ in 0..num_workers {
            let (local, stealer) = queue::local();
            let parker = crate::loom::Parker::default();
            remotes.push(CachePadded::new(Remote {
                stealer,
                lifo: AtomicPtr::new(ptr::null_mut()),
                unparker: parker.unparker().clone(),
                in_selector: AtomicBool::new(false),
            }));
            locals.push((local, parker));
        }
        let shared = Shared {
            remotes: remotes.into_boxed_slice(),
            injector: queue::Injector::new(),
            idle: Idle::new(num_workers),
            // Four shards per worker keeps spawn/complete lock contention negligible.
            owned: OwnedTasks::new(4 * num_workers),
            blocking: Spawner::for_runtime(
                config.max_blocking_threads,
                config.thread_keep_alive,
                config.stack_size,
            ),
            config,
            reactor: driver.reactor().clone(),
            driver: Mutex::new(driver),
            shutdown: AtomicBool::new(false),
            slow_polls: std::sync::atomic::AtomicU64::new(0),
            exited: Mutex::new(0),
            exited_cv: Condvar::new(),
            core: Mutex::new(None),
            core_waiters: Mutex::new(Vec::new()),
            reliefs: relief::Reliefs::default(),
            #[cfg(not(loom))]
            callbacks: std::sync::OnceLock::new(),
        };
        (shared, locals)
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Queues a task from a thread that is not one of this runtime's workers.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        self.injector.push(task);
        self.notify_parked();
        self.reliefs.notify();
        if self.is_shutdown() {
            // Shutdown may have drained the injector before our push: drain it again so no
            // reference is stranded (shutdown's own drain and ours may both run; fine).
            while let Some(task) = self.injector.steal() {
                drop(task);
            }
        }
    }

    /// Wakes one parked worker if there is work nobody is looking for.
    pub(crate) fn notify_parked(&self) {
        // Orders the push that precedes this call before the read of the idle state; pairs
        // with the fence in `Worker::park`.
        fence(SeqCst);
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unpark_worker(worker);
        }
    }

    /// Wakes worker `index`, wherever it parks: on its parker, or in the selector.
    pub(crate) fn unpark_worker(&self, index: usize) {
        let remote = &self.remotes[index];
        remote.unparker.unpark();
        if remote.in_selector.load(SeqCst) {
            self.reactor.notify();
        }
    }

    /// True if any queue holds a task (used by the last searcher before it parks).
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty()
            || self
                .remotes
                .iter()
                .any(|r| !r.stealer.is_empty() || !r.lifo.load(Acquire).is_null())
    }

    /// Runs the shutdown sequence in the module docs. Safe to call more than once.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>, calling_worker: bool) {
        self.shutdown.store(true, SeqCst);
        for index in 0..self.remotes.len() {
            self.unpark_worker(index);
        }
        // A current-thread runtime's worker has no thread to wait for.
        let threads = if self.config.current_thread {
            0
        } else {
            self.num_workers()
        };
        let wait_for = threads - calling_worker as usize;
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut exited = self.exited.lock().unwrap();
        while *exited < wait_for {
            match deadline {
                None => exited = self.exited_cv.wait(exited).unwrap(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    exited = self
                        .exited_cv
                        .wait_timeout(exited, deadline - now)
                        .unwrap()
                        .0;
                }
            }
        }
        drop(exited);
        // A current-thread runtime's idle worker: its queues are drained below, and it
        // holds a handle of this runtime, so it must not stay here.
        let core = self.core.lock().unwrap().take();
        self.owned.close_and_shutdown_all();
        // Queued blocking jobs are cancelled now; running ones are waited for last.
        self.blocking.close();
        self.drain_queues();
        drop(core);
        // Cancelled tasks have dropped (and deregistered) their sockets; sources still alive
        // elsewhere (blocking jobs waiting on this runtime's I/O or timers among them) get
        // an error instead of waiting forever.
        self.driver.lock().unwrap().shutdown();
        // Last: running blocking jobs, within what is left of the deadline.
        self.blocking.wait_for_threads(deadline);
    }

    /// True once every worker thread has left its loop.
    pub(crate) fn all_workers_exited(&self) -> bool {
        self.config.current_thread || *self.exited.lock().unwrap() == self.num_workers()
    }

    fn drain_queues(&self) {
        while let Some(task) = self.injector.steal() {
            drop(task);
        }
        for remote in self.remotes.iter() {
            drop(remote.take_lifo());
            while let Some(task) = remote.stealer.steal() {
                drop(task);
            }
        }
    }

    /// Called by each worker thread as its very last act.
    pub(crate) fn worker_exited(&self) {
        *self.exited.lock().unwrap() += 1;
        self.exited_cv.notify_all();
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Every task holds the handle, so by now no task is alive; anything still queued
        // is a reference with nothing behind it but its own allocation.
        self.drain_queues();
    }
}
