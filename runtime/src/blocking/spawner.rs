//! The thread pool behind `spawn_blocking` and `blocking::Pool`: a FIFO queue of blocking
//! tasks and an elastic set of threads that run them.
//!
//! All of the pool's state is in one `State` behind one mutex; the only state outside it is
//! the `shutdown` flag, mirrored in an atomic so that task cancellation can read it without
//! the lock (see `task.rs`).
//!
//! Threads (the counters in `State`):
//! - `num_threads`: started (or being started) and not yet exited; at most `max_threads`.
//! - `num_starting`: counted in `num_threads` but not yet at the top of their loop; each
//!   will look at the queue before anything else.
//! - `num_idle`: waiting on `condvar` and not yet chosen to take a job.
//! - `num_notify`: wakeups handed to idle threads and not yet consumed. A waking thread
//!   counts one down before it looks at the queue; a thread that wakes without one (a
//!   spurious wakeup or its keep-alive running out) does not take work meant for another.
//!
//! `num_starting + num_notify` threads are *on their way* to the queue.
//!
//! # Finding a thread for a job: one on its way at a time
//!
//! A job is pushed to the back of the queue. Then, if no thread is on its way, one is sent
//! (`send_thread`): an idle thread is woken if there is one, else a new thread is started if
//! fewer than `max_threads` exist; else the job waits in FIFO order until a busy thread
//! finishes and takes the next job from the front. A thread that takes a job and leaves
//! more in the queue sends the next thread the same way before it runs its job.
//!
//! So threads are woken or started as a chain, one per queued job, rather than all at once
//! by the spawner: a burst of short jobs is drained by the few threads that are already
//! running instead of waking (or starting) a thread per job, which on a small machine costs
//! far more in context switches than the jobs themselves; a burst of long jobs still gets
//! a thread each, one thread-start apart. A thread is started only when no idle thread can
//! take the job, and never beyond `max_threads`. While any job is queued and a thread could
//! be sent, one is on its way or every thread is busy: no job is stranded.
//!
//! A thread runs jobs from the front of the queue until it is empty, then idles. An idle
//! thread exits when its keep-alive runs out with no wakeup for it. A thread that exits on
//! keep-alive parks its own `JoinHandle` in `last_exited` and joins the one parked there
//! before, so exited threads are reaped without a reaper thread. Threads are started
//! without the lock held; the starter then registers the new thread's `JoinHandle`, and a
//! thread does not exit on keep-alive before its handle is registered.
//!
//! Shutdown (`Spawner::shutdown`), in order:
//! 1. set `shutdown` (under the lock and in the atomic): from now on spawns are cancelled
//!    at once (their handles yield a cancelled `JoinError` with `is_shutdown()`);
//! 2. take every queued job and wake every idle thread; idle threads exit, busy ones exit
//!    after their current job;
//! 3. cancel the taken jobs, outside the lock (their closures are dropped there);
//! 4. wait, until the deadline if there is one, for every thread to exit (except the
//!    calling thread, if it is one of ours), then join them; threads still running a job
//!    at the deadline are detached and exit when their job returns.

use super::metrics::PoolMetrics;
use super::task::BlockingTask;
use crate::loom::{spawn_named, thread, Arc, AtomicBool, Condvar, Mutex};
use crate::task::header::{Header, Notified, Schedule};
use crate::task::{self, JoinHandle};
use std::collections::VecDeque;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::time::{Duration, Instant};

#[cfg(loom)]
use loom::sync::MutexGuard as Guard;
#[cfg(not(loom))]
use std::sync::MutexGuard as Guard;

/// The context a pool thread runs its jobs in. A runtime's pool runs them inside the
/// runtime (so `Handle::current` and `weft::spawn` work in a job), a standalone `Pool` in
/// none. The scheduler's handle implements it: the pool itself knows nothing of runtimes.
pub(crate) trait ThreadContext: Send + Sync + 'static {
    /// Runs `body`, the whole life of a new pool thread, inside the context.
    fn run_thread(&self, body: &mut dyn FnMut());

    /// An owned copy, for the new thread (which may start further threads).
    fn clone_boxed(&self) -> Box<dyn ThreadContext>;
}

/// How a pool is sized and named.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// Prefix of the thread names; each thread gets `-N` appended.
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    /// The most threads alive at once; at least 1.
    pub(crate) max_threads: usize,
    /// How long an idle thread waits for work before it exits; `None`: until shutdown.
    pub(crate) keep_alive: Option<Duration>,
    /// The most jobs that may wait for a thread (see `Spawner::spawn`); `None`: no limit.
    pub(crate) queue_bound: Option<usize>,
}

pub(crate) struct Inner {
    state: Mutex<State>,
    /// Idle threads wait here for a job or for shutdown.
    condvar: Condvar,
    /// `shutdown` waits here for the threads to exit.
    exited: Condvar,
    /// A copy of `State::shutdown` for readers that must not take the lock. Set (before
    /// the lock is released) by `shutdown`; never cleared.
    pub(crate) shutdown: AtomicBool,
    config: Config,
}

struct State {
    /// Jobs not yet started, oldest first. Each entry holds its task's `Notified`.
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_starting: usize,
    num_idle: usize,
    num_notify: usize,
    shutdown: bool,
    /// Numbers the threads' names.
    next_thread: usize,
    /// Join handles of the threads that have not exited on keep-alive.
    threads: Vec<thread::JoinHandle<()>>,
    /// The last thread that exited on keep-alive, joined by the next one (or shutdown).
    last_exited: Option<thread::JoinHandle<()>>,
}

impl State {
    /// Threads that will look at the queue soon without being sent.
    fn on_their_way(&self) -> usize {
        self.num_notify + self.num_starting
    }
}

/// A thread the caller must start (with the lock released): `send_thread` counted it.
#[must_use]
struct Start {
    name: String,
}

/// A handle to a pool; cheap to clone.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

impl Inner {
    fn lock(&self) -> Guard<'_, State> {
        // Nothing panics while holding the lock (jobs and their drops run outside it), so a
        // poisoned lock still guards consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends a thread towards the queue: wakes an idle one, or counts a new one that the
    /// caller must start with `start_thread` once it has released the lock. Nothing if
    /// every thread is busy and the cap is reached.
    fn send_thread(&self, state: &mut State) -> Option<Start> {
        if state.num_idle > 0 {
            state.num_idle -= 1;
            state.num_notify += 1;
            self.condvar.notify_one();
            return None;
        }
        if state.num_threads >= self.config.max_threads {
            return None;
        }
        state.num_threads += 1;
        state.num_starting += 1;
        let name = format!("{}-{}", self.config.thread_name, state.next_thread);
        state.next_thread += 1;
        Some(Start { name })
    }

    /// If jobs wait and no thread is on its way, sends one.
    fn send_thread_if_needed(&self, state: &mut State) -> Option<Start> {
        if state.queue.is_empty() || state.on_their_way() > 0 {
            return None;
        }
        self.send_thread(state)
    }
}

/// Starts the thread `send_thread` counted, inside `cx`, and registers its handle. Call
/// without the lock held.
fn start_thread(pool: &Arc<Inner>, start: Start, cx: Option<&dyn ThreadContext>) {
    let thread_pool = pool.clone();
    let thread_cx = cx.map(ThreadContext::clone_boxed);
    let spawned = spawn_named(
        start.name,
        pool.config.stack_size,
        move || match thread_cx {
            Some(cx) => cx.run_thread(&mut || run(&thread_pool, Some(&*cx))),
            None => run(&thread_pool, None),
        },
    );
    let mut state = pool.lock();
    let err = match spawned {
        Ok(thread) => {
            state.threads.push(thread);
            return;
        }
        Err(err) => err,
    };
    state.num_threads -= 1;
    state.num_starting -= 1;
    if state.num_threads > 0 {
        // A running thread will get to the queued jobs when it finishes its current one.
        return;
    }
    // Nobody would ever run the queued jobs: cancel them, and say why.
    let stranded = std::mem::take(&mut state.queue);
    drop(state);
    for task in stranded {
        task.0.shutdown();
    }
    panic!(
        "weft could not start a blocking-pool thread ({err}) and none is running to take the \
         job; the OS is out of threads or memory: lower max_blocking_threads or the thread \
         stack size"
    );
}

/// The scheduler of blocking tasks: their pool.
pub(crate) struct BlockingSchedule {
    pool: Spawner,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        // Only reached if a task were woken while idle outside the queue, which a blocking
        // task never is (see `task.rs`); queue it like a new job all the same.
        self.pool.dispatch(task, None);
    }

    fn release(&self, _task: NonNull<Header>) -> bool {
        // Never in an owned-task list: the pool's queue plays that part.
        false
    }

    fn is_shutdown(&self) -> bool {
        // A plain atomic, not the pool lock: this is called from inside task cancellation,
        // and reading it must never depend on who holds the lock at that moment.
        self.pool.inner.shutdown.load(Acquire)
    }
}

impl Spawner {
    pub(crate) fn new(config: Config) -> Spawner {
        assert!(config.max_threads > 0, "a blocking pool needs a thread");
        Spawner {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_starting: 0,
                    num_idle: 0,
                    num_notify: 0,
                    shutdown: false,
                    next_thread: 0,
                    threads: Vec::new(),
                    last_exited: None,
                }),
                condvar: Condvar::new(),
                exited: Condvar::new(),
                shutdown: AtomicBool::new(false),
                config,
            }),
        }
    }

    /// The `spawn_blocking` pool of a runtime, with `Builder`'s settings.
    pub(crate) fn for_runtime(
        max_threads: usize,
        keep_alive: Duration,
        stack_size: Option<usize>,
    ) -> Spawner {
        Spawner::new(Config {
            thread_name: "weft-blocking".to_owned(),
            stack_size,
            max_threads,
            keep_alive: Some(keep_alive),
            queue_bound: None,
        })
    }

    /// Queues `func` as a blocking task. Threads started for it run inside `cx` (the
    /// runtime's, for its pool; `None` for a standalone `Pool`).
    ///
    /// Fails, giving `func` back, if the queue has a bound and that many jobs already wait
    /// with no thread to take them (jobs that an idle thread, a thread on its way, or a
    /// thread yet to be started under the cap would take do not count). After shutdown the
    /// job is cancelled instead, through its handle.
    pub(crate) fn spawn<F, R>(
        &self,
        func: F,
        cx: Option<&dyn ThreadContext>,
        spawned_at: &'static Location<'static>,
    ) -> Result<JoinHandle<R>, F>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let new_task = |func| {
            let scheduler = BlockingSchedule { pool: self.clone() };
            task::new_task(BlockingTask::new(func), scheduler, None, spawned_at)
        };
        let (state, (task, notified, join)) = match self.inner.config.queue_bound {
            // Unbounded: allocate before taking the lock.
            None => {
                let parts = new_task(func);
                (self.inner.lock(), parts)
            }
            Some(bound) => {
                // Bounded: decide, allocate and queue under one lock, so the bound is exact
                // and a refused closure is handed back untouched.
                let state = self.inner.lock();
                if !state.shutdown && self.at_capacity(&state, bound) {
                    return Err(func);
                }
                (state, new_task(func))
            }
        };
        // The queue owns blocking tasks; they are in no owned-task list (see `task.rs`).
        // Not the last reference (the `Notified` and the handle hold two), so no user code
        // runs here under the lock.
        drop(task);
        self.dispatch_locked(state, notified, cx);
        Ok(join)
    }

    /// True if `bound` jobs already wait beyond what the pool's threads (idle, on their
    /// way, or yet to be started) will take.
    fn at_capacity(&self, state: &State, bound: usize) -> bool {
        let takers = state.on_their_way()
            + state.num_idle
            + (self.inner.config.max_threads - state.num_threads);
        state.queue.len() >= bound.saturating_add(takers)
    }

    /// Queues a task and finds it a thread, as the module docs describe.
    pub(crate) fn dispatch(&self, task: Notified, cx: Option<&dyn ThreadContext>) {
        self.dispatch_locked(self.inner.lock(), task, cx);
    }

    fn dispatch_locked(
        &self,
        mut state: Guard<'_, State>,
        task: Notified,
        cx: Option<&dyn ThreadContext>,
    ) {
        if state.shutdown {
            drop(state);
            // Cancel it: the closure is dropped and the handle yields a cancelled error.
            task.0.shutdown();
            return;
        }
        state.queue.push_back(task);
        let start = self.inner.send_thread_if_needed(&mut state);
        drop(state);
        if let Some(start) = start {
            start_thread(&self.inner, start, cx);
        }
    }

    /// A consistent snapshot of the pool's counters.
    pub(crate) fn metrics(&self) -> PoolMetrics {
        let state = self.inner.lock();
        PoolMetrics {
            num_threads: state.num_threads,
            num_idle_threads: state.num_idle,
            queue_depth: state.queue.len(),
        }
    }

    /// Runs the shutdown sequence of the module docs. `deadline` bounds the wait for
    /// running jobs (`None`: wait for them all). Safe to call more than once.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) {
        self.close();
        self.wait_for_threads(deadline);
    }

    /// Steps 1 to 3 of the shutdown: no new jobs, queued ones cancelled, idle threads told
    /// to exit. Returns at once.
    pub(crate) fn close(&self) {
        let inner = &self.inner;
        let mut state = inner.lock();
        state.shutdown = true;
        inner.shutdown.store(true, Release);
        let queued = std::mem::take(&mut state.queue);
        drop(state);
        inner.condvar.notify_all();
        for task in queued {
            task.0.shutdown();
        }
    }

    /// Step 4 of the shutdown (after `close`): waits for the threads, until `deadline` if
    /// there is one, and joins them, or detaches those still running at the deadline.
    pub(crate) fn wait_for_threads(&self, deadline: Option<Instant>) {
        let inner = &self.inner;
        let me = thread::current().id();
        let mut state = inner.lock();
        // A job that shuts its own pool down cannot wait for its own thread.
        let own = state.threads.iter().any(|t| t.thread().id() == me) as usize;
        while state.num_threads > own {
            state = match deadline {
                None => inner.exited.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    match inner.exited.wait_timeout(state, deadline - now) {
                        Ok((state, _)) => state,
                        Err(e) => e.into_inner().0,
                    }
                }
            };
        }
        let all_exited = state.num_threads <= own;
        let mut threads = std::mem::take(&mut state.threads);
        threads.extend(state.last_exited.take());
        drop(state);
        for t in threads {
            // After a timeout the remaining threads are detached by dropping their handles.
            if all_exited && t.thread().id() != me {
                // A pool thread catches every job's panic, so it cannot have panicked.
                let _ = t.join();
            }
        }
    }
}

/// The body of a pool thread, run inside `cx` (which further threads it starts enter too).
fn run(pool: &Arc<Inner>, cx: Option<&dyn ThreadContext>) {
    let keep_alive = pool.config.keep_alive;
    let mut state = pool.lock();
    state.num_starting -= 1;
    let mut timed_out = false;
    'work: loop {
        while let Some(task) = state.queue.pop_front() {
            // More jobs wait: send the next thread before this one gets busy.
            let start = pool.send_thread_if_needed(&mut state);
            drop(state);
            if let Some(start) = start {
                start_thread(pool, start, cx);
            }
            task.run();
            state = pool.lock();
        }
        if state.shutdown {
            break;
        }
        state.num_idle += 1;
        let idle_since = Instant::now();
        loop {
            state = match keep_alive {
                None => pool.condvar.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(keep) => {
                    // At least a moment, so a thread whose handle is not registered yet
                    // does not spin on the lock its starter needs.
                    let left = keep
                        .saturating_sub(idle_since.elapsed())
                        .max(Duration::from_millis(1));
                    match pool.condvar.wait_timeout(state, left) {
                        Ok((state, _)) => state,
                        Err(e) => e.into_inner().0,
                    }
                }
            };
            if state.num_notify > 0 {
                // `send_thread` already moved us out of `num_idle`.
                state.num_notify -= 1;
                continue 'work;
            }
            if state.shutdown {
                state.num_idle -= 1;
                break 'work;
            }
            let me = thread::current().id();
            if keep_alive.is_some_and(|keep| idle_since.elapsed() >= keep)
                && state.threads.iter().any(|t| t.thread().id() == me)
            {
                state.num_idle -= 1;
                timed_out = true;
                break 'work;
            }
            // A spurious wakeup (or our handle is not registered yet): keep waiting.
        }
    }
    state.num_threads -= 1;
    let reap = if timed_out {
        // Nobody will join us: park our handle for the next thread to exit (or shutdown)
        // to join, and join the one parked before.
        let me = thread::current().id();
        let mine = state
            .threads
            .iter()
            .position(|t| t.thread().id() == me)
            .map(|i| state.threads.swap_remove(i));
        std::mem::replace(&mut state.last_exited, mine)
    } else {
        None
    };
    drop(state);
    pool.exited.notify_all();
    if let Some(previous) = reap {
        let _ = previous.join();
    }
}
