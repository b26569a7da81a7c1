//! The state a task group shares with its children, and the protocol that cancels the
//! siblings at the first failure. Generic over the handle that cancels a child, so the
//! loom models can drive it with a stand-in for `AbortHandle`.
//!
//! # Protocol
//!
//! Everything below `state` is changed under its mutex; `cancelling` is also read without
//! it.
//!
//! - A child is *reserved* (its slot is `Starting`, `live` counts it) before it is
//!   spawned, then *registered* with its cancel handle once spawned (`Running`). A child
//!   can finish before it is registered: registration then finds `Done` and drops the
//!   handle.
//! - The first failure (an `Err` or a panic) sets `failed` and `cancelling`, and takes
//!   the handles of every `Running` child to cancel them after unlocking. A child
//!   reserved but not yet registered at that moment is cancelled by its registration,
//!   which finds `failed` set. Under the one lock, either the failure saw the handle or
//!   the registration saw the failure: no child is missed. (The loom model
//!   `task_group_cancel_on_failure_reaches_a_child_being_spawned` checks this.)
//! - `cancelling` is read by a child at each poll: once set, it stops without polling
//!   its future again. So a child spawned after the first failure never runs (it starts
//!   cancelled), even before its cancel handle takes effect.
//! - A child reports its end exactly once, from its drop: its value, its failure, or
//!   (dropped without finishing: aborted, or its runtime shut down) cancelled. The last
//!   one to end (`live` reaching zero) wakes the joiner.
//! - The joiner finishes only at `live == 0`, and in that same critical section sets
//!   `closed` and `cancelling`: a child spawned later (through a handle kept elsewhere)
//!   starts cancelled and nobody waits for it. Dropping the group unjoined does the same
//!   and cancels every child still running.
//!
//! Handles, values and wakers are dropped after the lock is released: their `Drop` is
//! user code (or, for a task handle, may free a task).

use super::error::{Failure, GroupError};
use crate::loom::{AtomicBool, Mutex};
use crate::sync::lock;
use crate::sync::wait_list::refresh_waker;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::task::{Context, Poll, Waker};

/// Cancels one child: `AbortHandle::abort` in the runtime, a flag in the loom models.
pub(crate) trait Cancel {
    fn cancel(&self);
}

impl Cancel for crate::task::AbortHandle {
    fn cancel(&self) {
        self.abort();
    }
}

/// How a child ended.
pub(crate) enum Outcome<T, E> {
    Value(T),
    Failed(Failure<E>),
    /// Dropped before it finished: aborted (by the group or through its handle), stopped
    /// at a poll after the group started cancelling, or its runtime shut down.
    Cancelled,
}

enum Slot<T, H> {
    /// Reserved; its handle is not registered yet.
    Starting,
    /// Running; `None` once the handle was taken to cancel it.
    Running(Option<H>),
    /// Ended: its value, or `None` if it failed or was cancelled.
    Done(Option<T>),
}

pub(crate) struct Shared<T, E, H> {
    /// Set once (`Release`) at the first failure, at `join`'s end or at the group's drop;
    /// children read it (`Acquire`) at each poll and stop once it is set.
    cancelling: AtomicBool,
    state: Mutex<State<T, E, H>>,
}

struct State<T, E, H> {
    children: Vec<Slot<T, H>>,
    failures: Vec<Failure<E>>,
    cancelled: usize,
    /// Reserved children that have not ended.
    live: usize,
    /// A child failed: every other is being cancelled.
    failed: bool,
    /// Joined or dropped: nobody waits for children any more.
    closed: bool,
    joiner: Option<Waker>,
}

impl<T, E, H: Cancel> Shared<T, E, H> {
    pub(crate) fn new() -> Self {
        Shared {
            cancelling: AtomicBool::new(false),
            state: Mutex::new(State {
                children: Vec::new(),
                failures: Vec::new(),
                cancelled: 0,
                live: 0,
                failed: false,
                closed: false,
                joiner: None,
            }),
        }
    }

    /// True once children must stop (a failure, or nobody waits for them any more).
    pub(crate) fn is_cancelling(&self) -> bool {
        self.cancelling.load(Acquire)
    }

    /// Counts a child about to be spawned; returns its index.
    pub(crate) fn reserve(&self) -> usize {
        let mut state = lock(&self.state);
        state.live += 1;
        state.children.push(Slot::Starting);
        state.children.len() - 1
    }

    /// Registers the spawned child's handle; cancels it instead if the group is
    /// cancelling already.
    pub(crate) fn register(&self, index: usize, handle: H) {
        let mut state = lock(&self.state);
        if state.failed || state.closed {
            drop(state);
            handle.cancel();
            return;
        }
        let slot = &mut state.children[index];
        if matches!(slot, Slot::Starting) {
            *slot = Slot::Running(Some(handle));
            return;
        }
        // It ended already; its handle is of no use.
        drop(state);
        drop(handle);
    }

    /// A child ended; see the module docs.
    pub(crate) fn finish(&self, index: usize, outcome: Outcome<T, E>) {
        let mut state = lock(&self.state);
        let mut to_cancel = Vec::new();
        let done = match outcome {
            Outcome::Value(value) => Slot::Done(Some(value)),
            Outcome::Failed(failure) => {
                state.failures.push(failure);
                if !state.failed {
                    state.failed = true;
                    self.cancelling.store(true, Release);
                    to_cancel = take_handles(&mut state.children);
                }
                Slot::Done(None)
            }
            Outcome::Cancelled => {
                state.cancelled += 1;
                Slot::Done(None)
            }
        };
        let old = std::mem::replace(&mut state.children[index], done);
        state.live -= 1;
        let joiner = if state.live == 0 {
            state.joiner.take()
        } else {
            None
        };
        drop(state);
        drop(old);
        for handle in to_cancel {
            handle.cancel();
        }
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    /// The group is dropped without being joined: cancels every child still running.
    pub(crate) fn close(&self) {
        let mut state = lock(&self.state);
        state.closed = true;
        self.cancelling.store(true, Release);
        let to_cancel = take_handles(&mut state.children);
        let joiner = state.joiner.take();
        drop(state);
        for handle in to_cancel {
            handle.cancel();
        }
        drop(joiner);
    }

    /// Children reserved and not ended.
    pub(crate) fn live(&self) -> usize {
        lock(&self.state).live
    }

    /// `join`'s poll: pending while a child lives; then closes the group and collects.
    pub(crate) fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, GroupError<E>>> {
        let mut state = lock(&self.state);
        if state.live > 0 {
            let old = refresh_waker(&mut state.joiner, cx.waker());
            drop(state);
            drop(old);
            return Poll::Pending;
        }
        state.closed = true;
        self.cancelling.store(true, Release);
        let children = std::mem::take(&mut state.children);
        let failures = std::mem::take(&mut state.failures);
        let cancelled = state.cancelled;
        drop(state);
        let values = children.into_iter().filter_map(|slot| match slot {
            Slot::Done(value) => value,
            Slot::Starting | Slot::Running(_) => {
                unreachable!("no child is live when the group is joined")
            }
        });
        if failures.is_empty() {
            Poll::Ready(Ok(values.collect()))
        } else {
            Poll::Ready(Err(GroupError {
                failures,
                cancelled,
            }))
        }
    }
}

/// Takes the handles of every running child, to cancel them after unlocking.
fn take_handles<T, H>(children: &mut [Slot<T, H>]) -> Vec<H> {
    children
        .iter_mut()
        .filter_map(|slot| match slot {
            Slot::Running(handle) => handle.take(),
            _ => None,
        })
        .collect()
}
