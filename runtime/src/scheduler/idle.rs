//! Which workers are parked, which are searching, and whom to wake.
//!
//! One atomic word counts workers that are *unparked* (running or searching) and workers
//! that are *searching* (looking for work to steal). A mutex-protected list names the
//! parked ones.
//!
//! The protocol, Go's "spinning threads" idea:
//! - At most half the workers search at once, so an idle spell does not turn into every
//!   worker hammering every other worker's deque.
//! - Whoever makes work available calls [`Idle::worker_to_notify`]. It wakes a parked worker
//!   only if *no* worker is searching (a searcher will find the work) and someone is
//!   parked. The woken worker starts out counted as searching, so a burst of pushes wakes
//!   exactly one worker, not one per push: no thundering herd.
//! - A searcher that finds work stops searching; if it was the last searcher it wakes one
//!   more worker (there may be more work where it found some).
//! - A worker parks by first registering as parked; if it was the last searcher it must
//!   then look at every queue once more and wake a worker if it finds anything. This
//!   re-check is what makes a push that raced with the last searcher's decision to park
//!   impossible to lose: either the pusher saw `searching == 0` and woke someone, or the
//!   searcher's re-check (after its `SeqCst` decrement) sees the pushed task.

use crate::loom::{AtomicUsize, Mutex};
use std::sync::atomic::Ordering::SeqCst;

const SEARCH_MASK: usize = (1 << 16) - 1;
const UNPARK_SHIFT: usize = 16;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;

/// The most workers a runtime can have: the searching count has 16 bits.
pub(crate) const MAX_WORKERS: usize = SEARCH_MASK;

pub(crate) struct Idle {
    /// `searching` in the low 16 bits, `unparked` above. Written only with `SeqCst`
    /// read-modify-writes; `unparked` changes only under `sleepers`' lock.
    state: AtomicUsize,
    /// Indices of parked workers. A worker is in here exactly while it is parked (or about
    /// to park) and has not been chosen by `worker_to_notify`.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCH_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARK_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers <= MAX_WORKERS);
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn should_notify(&self) -> bool {
        let s = self.state.load(SeqCst);
        searching(s) == 0 && unparked(s) < self.num_workers
    }

    /// Picks a parked worker to wake for new work, counting it as unparked and searching,
    /// or returns `None` if a searcher exists or nobody is parked.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers.lock().unwrap();
        if !self.should_notify() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(1 | UNPARK_ONE, SeqCst);
        Some(worker)
    }

    /// A worker without local work asks to search. Refused when half the workers already
    /// search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * searching(s) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. Returns true if it was the last searcher, in which case the
    /// caller must wake another worker.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// Registers `worker` as parked. Returns true if it was the last searcher, in which
    /// case it must re-check all queues before sleeping.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        let dec = UNPARK_ONE + is_searching as usize;
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && searching(prev) == 1
    }

    /// A parked worker that found work itself (events in the selector) counts itself
    /// unparked and searching, as `worker_to_notify` would have counted it. Returns false
    /// if a notifier chose it meanwhile (and so counted it already).
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap();
        let Some(at) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(at);
        self.state.fetch_add(1 | UNPARK_ONE, SeqCst);
        true
    }

    /// True while `worker` is registered as parked (not yet chosen to wake).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().unwrap().contains(&worker)
    }

    /// Workers not parked right now.
    pub(crate) fn num_unparked(&self) -> usize {
        unparked(self.state.load(SeqCst))
    }

    /// Workers searching right now.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn num_searching(&self) -> usize {
        searching(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_pushes_wakes_one_worker() {
        let idle = Idle::new(4);
        for w in 0..4 {
            assert!(!idle.transition_worker_to_parked(w, false));
        }
        assert_eq!(idle.num_unparked(), 0);
        let first = idle.worker_to_notify();
        assert!(first.is_some());
        // The woken worker counts as searching: more pushes wake nobody.
        assert_eq!(idle.worker_to_notify(), None);
        assert_eq!(idle.num_searching(), 1);
        // It finds work; as the last searcher it must wake another.
        assert!(idle.transition_worker_from_searching());
        assert!(idle.worker_to_notify().is_some());
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_parked(0, true));
        assert!(idle.transition_worker_to_parked(1, true));
    }

    #[test]
    fn nobody_is_woken_while_all_run() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None);
    }
}
