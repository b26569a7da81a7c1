//! `Builder`: configure and start a runtime.

use crate::handle::Handle;
use crate::loom::{spawn_named, Arc};
use crate::runtime::Runtime;
use crate::scheduler::{self, worker, Config, Shared, MAX_WORKERS};
use std::fmt;
use std::io;
use std::sync::Arc as StdArc;

/// Configures a [`Runtime`]: how many worker threads, their names and stack size, the
/// fairness interval, and thread start/stop hooks.
///
/// # Examples
///
/// ```
/// let rt = weft::Builder::new()
///     .worker_threads(2)
///     .thread_name("my-app-worker")
///     .event_interval(61)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    worker_threads: Option<usize>,
    thread_name: String,
    stack_size: Option<usize>,
    event_interval: u32,
    on_thread_start: Option<StdArc<dyn Fn() + Send + Sync>>,
    on_thread_stop: Option<StdArc<dyn Fn() + Send + Sync>>,
    max_blocking_threads: usize,
    thread_keep_alive: std::time::Duration,
    slow_poll_threshold: Option<std::time::Duration>,
    current_thread: bool,
}

/// 512, as tokio uses: enough for bursts of blocking file I/O without letting a runaway
/// producer start thousands of threads.
const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;

/// 10 s, as tokio uses: a burst's threads are reused by the next burst, and an idle
/// program drops them soon after.
const DEFAULT_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(10);

/// 61, as Go's scheduler uses: a prime, so the injector check does not fall into step with
/// tasks that yield periodically, and large enough to cost nothing measurable.
const DEFAULT_EVENT_INTERVAL: u32 = 61;

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// 4096: more than any machine weft runs on has cores (workers beyond the core count only
/// add contention), and still quick to start (0.7 s for 4096 on a 2-core VM). Far larger
/// counts cannot be served at all: thread creation slows super-linearly (65 535 workers
/// never finished starting there), and with small stacks the process aborts near 13 000
/// threads inside std, where no error can be returned.
pub(crate) const MAX_WORKER_THREADS: usize = if MAX_WORKERS < 4096 {
    MAX_WORKERS
} else {
    4096
};

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Refuses a thread-name prefix std cannot use (it panics on an interior NUL).
pub(crate) fn check_thread_name(setter: &str, name: &str) -> io::Result<()> {
    if name.contains('\0') {
        return Err(invalid(format!(
            "{setter}({name:?}): a thread name cannot contain a NUL byte ('\\0'); pass a name \
             without one"
        )));
    }
    Ok(())
}

/// Wraps the OS error of a thread that failed to start with what it was and what to do.
pub(crate) fn thread_start_error(name: &str, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!(
            "could not start thread {name:?}: {err}; the OS is out of threads or memory, or \
             refused the stack size: use fewer threads or a smaller thread_stack_size"
        ),
    )
}

impl Builder {
    /// Default settings: one worker per CPU, threads named `weft-worker-N`.
    ///
    /// ```
    /// let rt = weft::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            thread_name: "weft-worker".to_owned(),
            stack_size: None,
            event_interval: DEFAULT_EVENT_INTERVAL,
            on_thread_start: None,
            on_thread_stop: None,
            max_blocking_threads: DEFAULT_MAX_BLOCKING_THREADS,
            thread_keep_alive: DEFAULT_THREAD_KEEP_ALIVE,
            slow_poll_threshold: None,
            current_thread: false,
        }
    }

    /// Settings for a current-thread runtime: its only worker is the thread that calls
    /// [`block_on`](Runtime::block_on) (the `weft-io` thread and the blocking pool stay).
    /// Tasks spawned from inside run on that thread, between polls of the `block_on`
    /// future; `block_on` returns as soon as its future does, leaving spawned tasks for the
    /// next `block_on`. Tasks spawned from other threads wait for one too. Two threads may
    /// call `block_on` at once: one runs the tasks, the other waits for its own future (or
    /// for the first to finish, and then runs them). `worker_threads` has no effect.
    ///
    /// The flavour for tests and for `!Send` state on a
    /// [`LocalSet`](crate::task::LocalSet); tokio's `new_current_thread`.
    ///
    /// ```
    /// let rt = weft::Builder::new_current_thread().build().unwrap();
    /// let here = std::thread::current().id();
    /// let ran_on = rt.block_on(async {
    ///     weft::spawn(async { std::thread::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(ran_on, here);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder {
            current_thread: true,
            ..Builder::new()
        }
    }

    /// The most threads the [`spawn_blocking`](crate::spawn_blocking) pool runs at once
    /// (default 512). Beyond it, jobs wait in FIFO order for a thread to finish (see
    /// [`blocking`](crate::blocking)). Zero is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let rt = weft::Builder::new().max_blocking_threads(2).build().unwrap();
    /// let h = rt.spawn_blocking(|| 1);
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// assert!(rt.metrics().blocking_pool().num_threads() <= 2);
    /// ```
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking-pool thread waits for a job before it exits (default
    /// 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft::Builder::new().thread_keep_alive(Duration::from_millis(100)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_keep_alive(mut self, idle: std::time::Duration) -> Builder {
        self.thread_keep_alive = idle;
        self
    }

    /// Debug mode, asyncio's `slow_callback_duration`: every task poll is timed, and one
    /// that runs longer than `threshold` prints a warning to stderr naming the task (id,
    /// name, spawn site) and counts in [`RuntimeMetrics::num_slow_polls`] (once the poll
    /// has returned, so the count may trail a join of the task by a moment). A slow poll
    /// stalls every task queued on its worker; the warning says where it came from. Off by
    /// default (timing costs two clock reads per poll).
    ///
    /// [`RuntimeMetrics::num_slow_polls`]: crate::RuntimeMetrics::num_slow_polls
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft::Builder::new()
    ///     .worker_threads(1)
    ///     .slow_poll_threshold(Duration::from_millis(10))
    ///     .build()
    ///     .unwrap();
    /// // Blocking a worker for 50 ms: exactly what the warning is for.
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) })).unwrap();
    /// // Counted once the poll has returned, which can be just after the join completes.
    /// let start = std::time::Instant::now();
    /// while rt.metrics().num_slow_polls() == 0 && start.elapsed() < Duration::from_secs(10) {
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(rt.metrics().num_slow_polls(), 1);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: std::time::Duration) -> Builder {
        self.slow_poll_threshold = Some(threshold);
        self
    }

    /// Number of worker threads (default: the number of CPUs). Zero, and more than 4096,
    /// are rejected by [`build`](Self::build): no machine serves more usefully, and far
    /// larger counts cannot even be started.
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 3);
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Name prefix of the worker threads; each gets `-N` appended. A name with a NUL byte
    /// is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let rt = weft::Builder::new().worker_threads(1).thread_name("svc").build().unwrap();
    /// let name = rt.block_on(rt.spawn(async {
    ///     std::thread::current().name().unwrap().to_owned()
    /// })).unwrap();
    /// assert_eq!(name, "svc-0");
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = name.into();
        self
    }

    /// Stack size of the worker threads in bytes (default: the platform's thread default).
    /// Zero is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let rt = weft::Builder::new().thread_stack_size(4 << 20).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Every this many scheduling ticks, a worker takes work from the global queue before
    /// its own (default 61). Zero is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let rt = weft::Builder::new().event_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn event_interval(mut self, ticks: u32) -> Builder {
        self.event_interval = ticks;
        self
    }

    /// Runs `f` on each worker thread when it starts.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let s = started.clone();
    /// let rt = weft::Builder::new()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start<F: Fn() + Send + Sync + 'static>(mut self, f: F) -> Builder {
        self.on_thread_start = Some(StdArc::new(f));
        self
    }

    /// Runs `f` on each worker thread just before it exits.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let s = stopped.clone();
    /// let rt = weft::Builder::new()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop<F: Fn() + Send + Sync + 'static>(mut self, f: F) -> Builder {
        self.on_thread_stop = Some(StdArc::new(f));
        self
    }

    /// Starts the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero (or more than 4096) workers, a zero event interval, a
    /// zero stack size, zero blocking threads or a thread name with a NUL byte; the OS
    /// error (with the thread's name and what to change) if a thread cannot be started,
    /// after the threads that did start are stopped again.
    ///
    /// ```
    /// let err = weft::Builder::new().worker_threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// let err = weft::Builder::new().worker_threads(65535).build().unwrap_err();
    /// assert!(err.to_string().contains("4096"), "{err}");
    /// let err = weft::Builder::new().thread_name("a\0b").build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let workers = if self.current_thread {
            1
        } else {
            self.worker_threads.unwrap_or_else(num_cpus::get)
        };
        if workers == 0 {
            return Err(invalid(
                "worker_threads(0): a runtime needs at least one worker thread; pass 1 or more \
                 (or leave it unset for one per CPU)"
                    .into(),
            ));
        }
        if workers > MAX_WORKER_THREADS {
            return Err(invalid(format!(
                "worker_threads({workers}): at most {MAX_WORKER_THREADS} worker threads are \
                 supported; more than the machine has cores only adds contention (the default \
                 is one per CPU)"
            )));
        }
        check_thread_name("thread_name", &self.thread_name)?;
        if self.event_interval == 0 {
            return Err(invalid(
                "event_interval(0): the interval must be at least 1 tick".into(),
            ));
        }
        if self.stack_size == Some(0) {
            return Err(invalid(
                "thread_stack_size(0): a thread needs a non-empty stack".into(),
            ));
        }
        if self.max_blocking_threads == 0 {
            return Err(invalid(
                "max_blocking_threads(0): spawn_blocking needs at least one thread to run its \
                 jobs; pass 1 or more (the default is 512)"
                    .into(),
            ));
        }
        let config = Config {
            event_interval: self.event_interval,
            thread_name: self.thread_name,
            stack_size: self.stack_size,
            on_thread_start: self.on_thread_start,
            on_thread_stop: self.on_thread_stop,
            max_blocking_threads: self.max_blocking_threads,
            thread_keep_alive: self.thread_keep_alive,
            slow_poll_threshold: self.slow_poll_threshold,
            current_thread: self.current_thread,
        };
        let driver = weft_io::Driver::start("weft-io".to_owned())
            .map_err(|e| thread_start_error("weft-io", e))?;
        let (shared, locals) = Shared::new(workers, config, driver);
        let handle = scheduler::Handle {
            shared: Arc::new(shared),
        };
        if self.current_thread {
            let (queue, parker) = locals.into_iter().next().expect("one worker");
            let local = worker::Local::new(0, handle.clone(), queue, parker);
            // Idle until a `block_on` runs it: notifiers may pick it (and unpark nobody).
            handle.shared.idle.transition_worker_to_parked(0, false);
            *handle.shared.core.lock().unwrap() = Some(Box::new(local));
            return Ok(Runtime::from_parts(Handle { inner: handle }, Vec::new()));
        }
        let mut threads = Vec::with_capacity(workers);
        for (index, (queue, parker)) in locals.into_iter().enumerate() {
            let local = worker::Local::new(index, handle.clone(), queue, parker);
            let cfg = &handle.shared.config;
            let name = format!("{}-{index}", cfg.thread_name);
            match spawn_named(name.clone(), cfg.stack_size, move || worker::run(local)) {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    // Workers that did start must not outlive the failed build. The ones
                    // never started count as exited.
                    for _ in index..workers {
                        handle.shared.worker_exited();
                    }
                    drop(Runtime::from_parts(Handle { inner: handle }, threads));
                    return Err(thread_start_error(&name, e));
                }
            }
        }
        Ok(Runtime::from_parts(Handle { inner: handle }, threads))
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("thread_stack_size", &self.stack_size)
            .field("event_interval", &self.event_interval)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .finish_non_exhaustive()
    }
}
