//! The task state word: one `AtomicUsize` holding six flag bits and a reference count.
//!
//! Every transition is a single read-modify-write on this word, so the owner of each part
//! of a task (the future, the output, the join waker slot) is always decided by one atomic
//! operation, never by a lock.
//!
//! Who owns what:
//! - The **stage** (future or output) belongs to whoever set `RUNNING`, until `COMPLETE` is
//!   set. After that it belongs to the `JoinHandle` if `JOIN_INTEREST` was set at
//!   completion, else to the completing thread, which drops the output at once.
//! - The **join waker slot** belongs to the `JoinHandle` while `JOIN_WAKER` is clear, and to
//!   the task (read only, to wake it) while `JOIN_WAKER` is set.
//! - A task sits in at most one run queue at a time: only the transition that sets
//!   `NOTIFIED` on an idle task creates a `Notified` (and a reference for it).

use crate::loom::AtomicUsize;
use std::fmt;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

/// The future is being polled (or cancelled) by the thread that set this bit. Set by
/// `transition_to_running`/`transition_to_shutdown`; cleared by `transition_to_idle` or
/// `transition_to_complete`, by that same thread.
pub(crate) const RUNNING: usize = 1 << 0;

/// The task finished: its output (a value, a panic or a cancellation) is stored, and its
/// future has been dropped. Set once by `transition_to_complete`; never cleared.
pub(crate) const COMPLETE: usize = 1 << 1;

/// The task must be polled again. Set by a wake (or abort); cleared when a worker starts to
/// poll the task. When set on an idle task, that task is in (or on its way into) exactly
/// one run queue.
pub(crate) const NOTIFIED: usize = 1 << 2;

/// Cancellation was requested (`abort()` or runtime shutdown). Set by any thread; the
/// future is dropped by the next thread to own `RUNNING`. Cleared at completion if the
/// future finished on its own first, so it stays set only on a cancelled task.
pub(crate) const CANCELLED: usize = 1 << 3;

/// A `JoinHandle` exists. Set at spawn; cleared once, when the handle is dropped.
pub(crate) const JOIN_INTEREST: usize = 1 << 4;

/// The join waker slot holds a waker that the task will wake on completion. Set and
/// cleared by the `JoinHandle` while the task is not complete; cleared by the task after it
/// has woken the waker.
pub(crate) const JOIN_WAKER: usize = 1 << 5;

/// Every flag bit above. A new flag joins this list, and the reference count moves up to
/// make room for it.
const FLAGS: usize = RUNNING | COMPLETE | NOTIFIED | CANCELLED | JOIN_INTEREST | JOIN_WAKER;

/// The reference count sits in the bits above the flags.
const REF_SHIFT: usize = (usize::BITS - FLAGS.leading_zeros()) as usize;
const REF_ONE: usize = 1 << REF_SHIFT;

// The flags are the low bits, with no gap, so the count never overlaps one.
const _: () = assert!(FLAGS == REF_ONE - 1);

/// Three references at spawn: the owned-task list, the first `Notified`, the `JoinHandle`.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

pub(crate) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the caller of `transition_to_running` must do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Success,
    /// `RUNNING` is ours but cancellation was requested: drop the future instead.
    Cancelled,
    /// The task already completed (shutdown got there first): drop the `Notified`'s
    /// reference and do nothing else.
    Failed,
}

/// What the caller of `transition_to_idle` must do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle now: drop the poller's reference.
    Ok,
    /// Woken while being polled: reschedule, reusing the poller's reference.
    OkNotified,
    /// Cancelled while being polled: `RUNNING` is still ours, cancel the task.
    Cancelled,
}

/// What a by-value wake must do with the waker's reference.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// The reference was dropped; the task is running, queued or complete.
    DoNothing,
    /// The reference now belongs to a new `Notified`: submit it to the scheduler.
    Submit,
    /// The reference was the last one: free the task.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Acquire))
    }

    /// Applies `f` until it wins the race; `f` returning `None` leaves the word as it is.
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut cur = self.word.load(Acquire);
        loop {
            let (out, next) = f(Snapshot(cur));
            let Some(next) = next else { return out };
            match self
                .word
                .compare_exchange_weak(cur, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => cur = actual,
            }
        }
    }

    /// A worker dequeued the task's `Notified`: claim `RUNNING` if the task is idle.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|s| {
            if s.is_running() || s.is_complete() {
                return (ToRunning::Failed, None);
            }
            debug_assert!(s.is_notified());
            let next = Snapshot((s.0 & !NOTIFIED) | RUNNING);
            let action = if s.is_cancelled() {
                ToRunning::Cancelled
            } else {
                ToRunning::Success
            };
            (action, Some(next))
        })
    }

    /// The future returned `Pending`: release `RUNNING` unless cancellation arrived.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            let next = Snapshot(s.0 & !RUNNING & !NOTIFIED);
            if s.is_notified() {
                // The poller's reference becomes the new Notified's: NOTIFIED stays set.
                (ToIdle::OkNotified, Some(Snapshot(next.0 | NOTIFIED)))
            } else {
                (ToIdle::Ok, Some(next))
            }
        })
    }

    /// The output is stored: publish it. Returns the state after the transition.
    /// `cancelled` says whether the output is a cancellation; if not, a late `CANCELLED`
    /// request is cleared, since abort on a finished task is a no-op.
    pub(crate) fn transition_to_complete(&self, cancelled: bool) -> Snapshot {
        self.fetch_update(|s| {
            debug_assert!(s.is_running() && !s.is_complete());
            let mut next = (s.0 & !RUNNING) | COMPLETE;
            if !cancelled {
                next &= !CANCELLED;
            }
            (Snapshot(next), Some(Snapshot(next)))
        })
    }

    /// `wake_by_ref`: returns true if the caller must submit a new `Notified`, for which a
    /// reference has been added.
    pub(crate) fn transition_to_notified_by_ref(&self) -> bool {
        self.fetch_update(|s| {
            if s.is_complete() || s.is_notified() {
                (false, None)
            } else if s.is_running() {
                (false, Some(Snapshot(s.0 | NOTIFIED)))
            } else {
                (true, Some(Snapshot((s.0 | NOTIFIED) + REF_ONE)))
            }
        })
    }

    /// `wake` (by value): the waker's reference either becomes the new `Notified`'s or is
    /// dropped.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update(|s| {
            debug_assert!(s.ref_count() > 0);
            if s.is_running() {
                // The poller holds a reference, so this cannot be the last one.
                (
                    ToNotified::DoNothing,
                    Some(Snapshot((s.0 | NOTIFIED) - REF_ONE)),
                )
            } else if s.is_complete() || s.is_notified() {
                let next = Snapshot(s.0 - REF_ONE);
                let action = if next.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (action, Some(next))
            } else {
                (ToNotified::Submit, Some(Snapshot(s.0 | NOTIFIED)))
            }
        })
    }

    /// `abort()` from any thread: returns true if the caller must submit a new `Notified`
    /// (a reference has been added) so a worker drops the future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update(|s| {
            if s.is_complete() || s.is_cancelled() {
                (false, None)
            } else if s.is_running() || s.is_notified() {
                // The poller, or the worker that dequeues it, will see CANCELLED.
                (false, Some(Snapshot(s.0 | CANCELLED | NOTIFIED)))
            } else {
                (true, Some(Snapshot((s.0 | CANCELLED | NOTIFIED) + REF_ONE)))
            }
        })
    }

    /// Runtime shutdown: request cancellation, and claim `RUNNING` if the task is idle.
    /// Returns true if the caller now owns the task and must cancel it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|s| {
            let idle = !s.is_running() && !s.is_complete();
            let mut next = s.0 | CANCELLED;
            if idle {
                next |= RUNNING;
            }
            if s.is_complete() {
                return (false, None);
            }
            (idle, Some(Snapshot(next)))
        })
    }

    /// The `JoinHandle` is being dropped. Returns `(drop_output, drop_waker)`: whether the
    /// handle must drop the stored output, and whether it owns (and must clear) the join
    /// waker slot.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (bool, bool) {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested());
            if s.is_complete() {
                let next = Snapshot(s.0 & !JOIN_INTEREST);
                // With JOIN_WAKER set, the task is about to wake and then drop the waker.
                ((true, !s.is_join_waker_set()), Some(next))
            } else {
                let next = Snapshot(s.0 & !JOIN_INTEREST & !JOIN_WAKER);
                ((false, true), Some(next))
            }
        })
    }

    /// The `JoinHandle` stored a waker in the slot: publish it. Fails with the current
    /// state if the task completed first (the handle then clears the slot itself).
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            let next = Snapshot(s.0 | JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// The `JoinHandle` wants to replace its waker: take the slot back. Fails if the task
    /// completed (the slot then belongs to the task until it clears `JOIN_WAKER`).
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            let next = Snapshot(s.0 & !JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// The task woke the join waker after completing: hand the slot back. Returns the new
    /// state; if `JOIN_INTEREST` is gone, the task must drop the waker itself.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed is enough: a new reference is made from an existing one, which keeps the
        // task alive; only the decrement that frees needs to synchronize.
        let prev = self.word.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            // Billions of leaked wakers: the count would wrap into the flags.
            std::process::abort();
        }
    }

    /// Drops `n` references; returns true if they were the last.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        let prev = Snapshot(self.word.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n, "task reference count underflow");
        prev.ref_count() == n
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .field("flags", &(self.0 & FLAGS))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn initial_state_has_three_references_and_is_queued() {
        let s = State::new().load();
        assert_eq!(s.ref_count(), 3);
        assert!(s.is_notified() && s.is_join_interested());
        assert!(!s.is_running() && !s.is_complete() && !s.is_cancelled());
    }

    #[test]
    fn wake_while_running_only_sets_notified() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert!(!state.transition_to_notified_by_ref());
        assert_eq!(state.transition_to_idle(), ToIdle::OkNotified);
        assert!(state.load().is_notified());
        assert_eq!(state.load().ref_count(), 3);
    }

    #[test]
    fn abort_of_idle_task_asks_for_a_schedule() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert_eq!(state.transition_to_idle(), ToIdle::Ok);
        assert!(state.transition_to_notified_and_cancel());
        assert_eq!(state.load().ref_count(), 4);
        assert_eq!(state.transition_to_running(), ToRunning::Cancelled);
        // A second abort is a no-op.
        assert!(!state.transition_to_notified_and_cancel());
    }

    #[test]
    fn completion_clears_a_late_cancel_request() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), ToRunning::Success);
        assert!(!state.transition_to_notified_and_cancel());
        let s = state.transition_to_complete(false);
        assert!(s.is_complete() && !s.is_cancelled() && !s.is_running());
    }

    #[test]
    fn shutdown_claims_only_idle_tasks() {
        let state = State::new();
        assert!(state.transition_to_shutdown());
        assert!(state.load().is_running() && state.load().is_cancelled());
        // The queued Notified then finds the task taken.
        state.transition_to_complete(true);
        assert_eq!(state.transition_to_running(), ToRunning::Failed);
        assert!(!state.transition_to_shutdown());
    }

    #[test]
    fn join_handle_drop_before_and_after_completion() {
        let state = State::new();
        assert_eq!(state.transition_to_join_handle_dropped(), (false, true));
        let state = State::new();
        state.transition_to_running();
        state.set_join_waker().unwrap();
        state.transition_to_complete(false);
        assert_eq!(state.transition_to_join_handle_dropped(), (true, false));
    }
}
