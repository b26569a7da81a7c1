//! `QueueFull`: a bounded pool refused a job.

use std::fmt;

/// A [`Pool`](super::Pool) built with a [`queue_bound`](super::PoolBuilder::queue_bound)
/// refused a job because that many jobs already wait for a thread. The job is handed back
/// untouched: run it elsewhere, retry later, or shed the load.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
/// use weft::blocking::Pool;
///
/// let pool = Pool::builder().threads(1).queue_bound(1).build().unwrap();
/// let (release, gate) = mpsc::channel::<()>();
/// let (started_tx, started) = mpsc::channel();
/// // One job occupies the only thread...
/// let busy = pool.spawn(move || { started_tx.send(()).unwrap(); gate.recv().unwrap() }).unwrap();
/// started.recv().unwrap();
/// // ...one waits in the queue...
/// let queued = pool.spawn(|| 2).unwrap();
/// // ...and the next one is refused, and handed back.
/// let err = pool.spawn(|| 3).unwrap_err();
/// assert_eq!(err.bound(), 1);
/// assert_eq!((err.into_inner())(), 3);
/// release.send(()).unwrap();
/// # drop((busy, queued));
/// ```
pub struct QueueFull<F> {
    func: F,
    bound: usize,
}

impl<F> QueueFull<F> {
    pub(crate) fn new(func: F, bound: usize) -> QueueFull<F> {
        QueueFull { func, bound }
    }

    /// The refused job.
    ///
    /// ```
    /// # let pool = weft::blocking::Pool::builder().threads(1).queue_bound(0).build().unwrap();
    /// # let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// # let (s_tx, s) = std::sync::mpsc::channel();
    /// # let _busy = pool.spawn(move || { s_tx.send(()).unwrap(); rx.recv().unwrap() }).unwrap();
    /// # s.recv().unwrap();
    /// if let Err(full) = pool.spawn(|| "ran inline instead") {
    ///     let job = full.into_inner();
    ///     assert_eq!(job(), "ran inline instead");
    /// }
    /// # tx.send(()).unwrap();
    /// ```
    pub fn into_inner(self) -> F {
        self.func
    }

    /// The pool's queue bound that was reached.
    ///
    /// ```
    /// # let pool = weft::blocking::Pool::builder().threads(1).queue_bound(0).build().unwrap();
    /// # let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// # let (s_tx, s) = std::sync::mpsc::channel();
    /// # let _busy = pool.spawn(move || { s_tx.send(()).unwrap(); rx.recv().unwrap() }).unwrap();
    /// # s.recv().unwrap();
    /// assert_eq!(pool.spawn(|| ()).unwrap_err().bound(), 0);
    /// # tx.send(()).unwrap();
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl<F> fmt::Debug for QueueFull<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueFull")
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Display for QueueFull<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the blocking pool is full: all its threads are busy and {} job(s) already wait \
             in its queue; retry later, shed the load, run the job (QueueFull::into_inner) \
             elsewhere, or build the pool with more threads or a larger queue_bound",
            self.bound
        )
    }
}

impl<F> std::error::Error for QueueFull<F> {}
