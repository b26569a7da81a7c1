//! `Barrier`: `n` tasks wait until all `n` have arrived (asyncio's `Barrier`).
//!
//! Arrivals are counted under a mutex, per generation. The `n`-th arrival starts the next
//! generation and calls `notify_waiters`; every earlier arrival created its `Notified`
//! while it still held the mutex, before the leader could bump the generation, so the
//! leader's `notify_waiters` (made after) is guaranteed to wake it. Only the barrier calls
//! `notify_waiters`, and generations end in order, so a completed `Notified` means this
//! waiter's generation is over.

use super::lock;
use super::notify::Notify;
use crate::loom::Mutex;
use std::fmt;

/// Makes `n` tasks wait for each other: each [`wait`](Self::wait) returns once `n` tasks
/// have called it; then the barrier resets for the next round. One of the `n` is told it
/// is the leader.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Barrier;
///
/// weft::run(async {
///     let barrier = Arc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             weft::spawn(async move { b.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for t in tasks {
///         leaders += t.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1);
/// });
/// ```
pub struct Barrier {
    n: usize,
    state: Mutex<Round>,
    notify: Notify,
}

struct Round {
    /// Tasks that arrived in the current generation.
    arrived: usize,
    generation: u64,
}

/// What [`Barrier::wait`] returns: whether this task was the round's leader.
///
/// # Examples
///
/// ```
/// let b = weft::sync::Barrier::new(1);
/// assert!(weft::run(b.wait()).is_leader());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one task per round: the last to arrive.
    ///
    /// ```
    /// let b = weft::sync::Barrier::new(1);
    /// assert!(weft::run(b.wait()).is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`n == 0` behaves as 1: every `wait` returns at once).
    ///
    /// ```
    /// let b = weft::sync::Barrier::new(4);
    /// # drop(b);
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::new(),
        }
    }

    /// Waits until `n` tasks have called `wait` in this round.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a task counts as arrived from the first poll, and dropping the
    /// future does not take that back, so the round may complete with one task fewer
    /// actually waiting.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let b = Arc::new(weft::sync::Barrier::new(2));
    /// weft::run(async {
    ///     let other = weft::spawn({ let b = b.clone(); async move { b.wait().await } });
    ///     let mine = b.wait().await;
    ///     let theirs = other.await.unwrap();
    ///     assert!(mine.is_leader() != theirs.is_leader());
    /// });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let notified = {
            let mut round = lock(&self.state);
            round.arrived += 1;
            if round.arrived == self.n {
                round.arrived = 0;
                round.generation = round.generation.wrapping_add(1);
                drop(round);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock: the leader's `notify_waiters` comes after it.
            self.notify.notified()
        };
        notified.await;
        BarrierWaitResult(false)
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let round = lock(&self.state);
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &round.arrived)
            .field("generation", &round.generation)
            .finish()
    }
}
