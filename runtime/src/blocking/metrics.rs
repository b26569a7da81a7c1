//! `PoolMetrics`: a snapshot of a blocking pool's counters.

/// Counters of a blocking pool, read at one instant (under the pool's lock, so they agree
/// with each other).
///
/// Returned by [`Pool::metrics`](super::Pool::metrics) for a standalone pool and by
/// [`RuntimeMetrics::blocking_pool`](crate::RuntimeMetrics::blocking_pool) for the runtime's
/// own `spawn_blocking` pool.
///
/// # Examples
///
/// ```
/// let pool = weft::blocking::Pool::new(2);
/// let m = pool.metrics();
/// // Threads start on demand, so a new pool has none.
/// assert_eq!(m.num_threads(), 0);
/// assert_eq!(m.queue_depth(), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolMetrics {
    pub(crate) num_threads: usize,
    pub(crate) num_idle_threads: usize,
    pub(crate) queue_depth: usize,
}

impl PoolMetrics {
    /// Threads alive: running a job, about to, or idle.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(1);
    /// weft::run(pool.spawn(|| ()).unwrap()).unwrap();
    /// // The thread stays, idle, until the pool shuts down.
    /// assert_eq!(pool.metrics().num_threads(), 1);
    /// ```
    pub fn num_threads(&self) -> usize {
        self.num_threads
    }

    /// Threads waiting for work (they exit once their keep-alive runs out).
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(1);
    /// assert_eq!(pool.metrics().num_idle_threads(), 0);
    /// ```
    pub fn num_idle_threads(&self) -> usize {
        self.num_idle_threads
    }

    /// Threads running a job or about to start one: `num_threads - num_idle_threads`.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(1);
    /// assert_eq!(pool.metrics().num_busy_threads(), 0);
    /// ```
    pub fn num_busy_threads(&self) -> usize {
        self.num_threads - self.num_idle_threads
    }

    /// Jobs queued and not yet started. Beyond the thread cap, jobs wait here in FIFO
    /// order.
    ///
    /// ```
    /// let pool = weft::blocking::Pool::new(1);
    /// assert_eq!(pool.metrics().queue_depth(), 0);
    /// ```
    pub fn queue_depth(&self) -> usize {
        self.queue_depth
    }
}
