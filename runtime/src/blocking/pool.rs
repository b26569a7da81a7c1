//! `Pool`: an explicit, fixed-size executor for blocking work (asyncio's
//! `loop.run_in_executor(executor, f)` with a `ThreadPoolExecutor`), and its builder.

use super::spawner::{Config, Spawner};
use super::{PoolMetrics, QueueFull};
use crate::task::JoinHandle;
use std::fmt;
use std::io;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fixed-size pool of threads for blocking work, separate from any runtime: asyncio's
/// `run_in_executor(executor, f)`.
///
/// Use one to keep a class of blocking work (a database driver, a compression job) off the
/// runtime's shared [`spawn_blocking`](crate::spawn_blocking) pool and to bound it on its
/// own: at most `threads` jobs run at once, the rest wait in FIFO order. With a
/// [`queue_bound`](PoolBuilder::queue_bound), a job that would have to wait behind that many
/// others is refused with [`QueueFull`] instead of queued: the caller never blocks.
///
/// [`spawn`](Self::spawn) returns the same [`JoinHandle`] as async tasks: await it from any
/// task (of any runtime, or none), `abort()` it (a job that has not started never runs; a
/// running one cannot be interrupted), and a panic in the job arrives as
/// [`JoinError::is_panic`](crate::task::JoinError::is_panic).
///
/// Threads start on demand, when a job finds no idle thread, up to `threads`; they then
/// stay until the pool shuts down (or, with [`keep_alive`](PoolBuilder::keep_alive),
/// until they have been idle that long). Jobs run without a runtime context: to spawn
/// tasks from inside one, move a [`Handle`](crate::Handle) into it.
///
/// `Pool` is a cheap handle (`Clone`); the pool shuts down when the last clone is dropped
/// or when [`shutdown_timeout`](Self::shutdown_timeout) is called on any clone. Dropping
/// never blocks: jobs still queued are cancelled (their handles yield a cancelled
/// `JoinError`), and running jobs finish on their threads, which then exit.
///
/// # Examples
///
/// ```
/// use weft::blocking::Pool;
///
/// let pool = Pool::builder().threads(2).name("hash").build().unwrap();
/// let digest = weft::run(async move {
///     // `await loop.run_in_executor(pool, hash, data)`
///     let data = vec![7u8; 1 << 16];
///     pool.spawn(move || data.iter().map(|&b| b as u64).sum::<u64>())
///         .expect("the pool has no queue bound")
///         .await
///         .unwrap()
/// });
/// assert_eq!(digest, 7 << 16);
/// ```
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    spawner: Spawner,
    config: Config,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Never blocks: see the type's docs.
        self.spawner.shutdown(Some(Instant::now()));
    }
}

impl Pool {
    /// A pool of at most `threads` threads, named `weft-pool-N`, with no queue bound.
    ///
    /// # Panics
    ///
    /// If `threads` is zero; [`Pool::builder`] reports that as an error instead.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(4);
    /// let h = pool.spawn(|| 2 + 2).unwrap();
    /// assert_eq!(weft::run(h).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn new(threads: usize) -> Pool {
        match Pool::builder().threads(threads).build() {
            Ok(pool) => pool,
            Err(e) => panic!("Pool::new({threads}): {e}"),
        }
    }

    /// A builder for a pool with a name, a queue bound or a keep-alive.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::builder().threads(2).queue_bound(100).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// Runs `func` on one of the pool's threads (asyncio's
    /// `loop.run_in_executor(pool, func)`); await the returned handle for its result.
    ///
    /// The job starts at once on an idle thread, or on a new thread if fewer than
    /// `threads` exist; otherwise it waits in FIFO order behind the jobs queued before it.
    /// After the pool has shut down the job is not run: its handle yields a cancelled
    /// `JoinError` whose `is_shutdown()` is true.
    ///
    /// # Errors
    ///
    /// [`QueueFull`], holding `func`, if the pool has a queue bound and that many jobs
    /// already wait for a thread. A pool without a bound never fails.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(1);
    /// let out = weft::run(async {
    ///     let a = pool.spawn(|| "first").unwrap();
    ///     let b = pool.spawn(|| "second").unwrap();
    ///     (a.await.unwrap(), b.await.unwrap())
    /// });
    /// assert_eq!(out, ("first", "second"));
    /// ```
    #[track_caller]
    pub fn spawn<F, R>(&self, func: F) -> Result<JoinHandle<R>, QueueFull<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let bound = self.shared.config.queue_bound.unwrap_or(usize::MAX);
        self.shared
            .spawner
            .spawn(func, None, Location::caller())
            .map_err(|func| QueueFull::new(func, bound))
    }

    /// The pool's thread and queue counters.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(2);
    /// assert_eq!(pool.metrics().num_busy_threads(), 0);
    /// ```
    pub fn metrics(&self) -> PoolMetrics {
        self.shared.spawner.metrics()
    }

    /// The most threads the pool runs at once.
    ///
    /// ```
    /// assert_eq!(weft::blocking::Pool::new(3).max_threads(), 3);
    /// ```
    pub fn max_threads(&self) -> usize {
        self.shared.config.max_threads
    }

    /// Shuts the pool down for every clone: queued jobs are cancelled, and running jobs are
    /// waited for at most `timeout`, after which their threads are detached (each exits
    /// when its job returns). Spawns after this are cancelled.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = weft::blocking::Pool::new(1);
    /// let h = pool.spawn(|| 5).unwrap();
    /// let other = pool.clone();
    /// pool.shutdown_timeout(Duration::from_secs(5));
    /// // The job either ran before the shutdown or was cancelled by it.
    /// match weft::run(h) {
    ///     Ok(v) => assert_eq!(v, 5),
    ///     Err(e) => assert!(e.is_shutdown()),
    /// }
    /// assert!(weft::run(other.spawn(|| 6).unwrap()).unwrap_err().is_shutdown());
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) {
        let deadline = Instant::now().checked_add(timeout);
        self.shared.spawner.shutdown(deadline);
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.shared.config.thread_name)
            .field("max_threads", &self.shared.config.max_threads)
            .field("queue_bound", &self.shared.config.queue_bound)
            .field("metrics", &self.metrics())
            .finish()
    }
}

/// Configures a [`Pool`]: its size, thread names, queue bound, keep-alive and stack size.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let pool = weft::blocking::Pool::builder()
///     .threads(4)
///     .name("db")
///     .queue_bound(64)
///     .keep_alive(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(pool.max_threads(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct PoolBuilder {
    threads: usize,
    name: String,
    queue_bound: Option<usize>,
    keep_alive: Option<Duration>,
    stack_size: Option<usize>,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        PoolBuilder::new()
    }
}

impl PoolBuilder {
    /// Defaults: one thread per CPU, named `weft-pool-N`, no queue bound, threads kept
    /// until shutdown, the platform's stack size.
    ///
    /// ```
    /// let pool = weft::blocking::PoolBuilder::new().build().unwrap();
    /// assert!(pool.max_threads() >= 1);
    /// ```
    pub fn new() -> PoolBuilder {
        PoolBuilder {
            threads: num_cpus::get(),
            name: "weft-pool".to_owned(),
            queue_bound: None,
            keep_alive: None,
            stack_size: None,
        }
    }

    /// The most threads that run jobs at once. Zero is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let pool = weft::blocking::Pool::builder().threads(8).build().unwrap();
    /// assert_eq!(pool.max_threads(), 8);
    /// ```
    pub fn threads(mut self, n: usize) -> PoolBuilder {
        self.threads = n;
        self
    }

    /// Name prefix of the pool's threads; each gets `-N` appended. A name with a NUL byte
    /// is rejected by [`build`](Self::build).
    ///
    /// ```
    /// let pool = weft::blocking::Pool::builder().threads(1).name("zip").build().unwrap();
    /// let name = weft::run(pool.spawn(|| std::thread::current().name().map(String::from)).unwrap());
    /// assert_eq!(name.unwrap().as_deref(), Some("zip-0"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> PoolBuilder {
        self.name = name.into();
        self
    }

    /// At most `bound` jobs may wait for a thread; [`Pool::spawn`] refuses more with
    /// [`QueueFull`]. Jobs that an idle or new thread takes at once do not count. Zero
    /// means a job is accepted only if a thread can take it right away.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::builder().threads(2).queue_bound(10).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn queue_bound(mut self, bound: usize) -> PoolBuilder {
        self.queue_bound = Some(bound);
        self
    }

    /// Idle threads exit after this long without work (default: never, until shutdown);
    /// new ones start again on demand.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = weft::blocking::Pool::builder().keep_alive(Duration::from_secs(1)).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn keep_alive(mut self, idle: Duration) -> PoolBuilder {
        self.keep_alive = Some(idle);
        self
    }

    /// Stack size of the pool's threads in bytes. Zero is rejected by
    /// [`build`](Self::build).
    ///
    /// ```
    /// let pool = weft::blocking::Pool::builder().thread_stack_size(1 << 20).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn thread_stack_size(mut self, bytes: usize) -> PoolBuilder {
        self.stack_size = Some(bytes);
        self
    }

    /// Makes the pool. No thread starts until the first job arrives.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero threads, a zero stack size or a name with a NUL byte.
    ///
    /// ```
    /// let err = weft::blocking::Pool::builder().threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// let err = weft::blocking::Pool::builder().name("a\0b").build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(self) -> io::Result<Pool> {
        if self.threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "threads(0): a blocking pool needs at least one thread to run its jobs",
            ));
        }
        if self.stack_size == Some(0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "thread_stack_size(0): a thread needs a non-empty stack",
            ));
        }
        crate::builder::check_thread_name("name", &self.name)?;
        let config = Config {
            thread_name: self.name,
            stack_size: self.stack_size,
            max_threads: self.threads,
            keep_alive: self.keep_alive,
            queue_bound: self.queue_bound,
        };
        Ok(Pool {
            shared: Arc::new(Shared {
                spawner: Spawner::new(config.clone()),
                config,
            }),
        })
    }
}
