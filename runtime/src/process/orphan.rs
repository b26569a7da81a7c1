//! Children dropped before they were reaped: they are still reaped, so no zombie stays
//! behind (tokio's orphan queue).
//!
//! A dropped, unreaped child becomes a task of the current runtime that waits for its exit
//! (on the same pidfd or `SIGCHLD` listener its `Child` had) and reaps it. Where that is
//! impossible (dropped outside a runtime, or the runtime is shutting down and drops the
//! task), the child goes into [`QUEUE`], which is swept with non-blocking `waitpid`s at the
//! next spawn, wait or drop of any child.

use super::watch::Reaper;
use std::future::poll_fn;
use std::sync::{Mutex, PoisonError};

/// Orphans no task waits for. Any thread pushes and sweeps, under the lock; a sweep is one
/// `waitpid(pid, WNOHANG)` per orphan.
static QUEUE: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Takes ownership of an unreaped child and makes sure it is reaped.
pub(super) fn adopt(mut reaper: Reaper) {
    if let Ok(Some(_)) = reaper.child.try_wait() {
        sweep();
        return;
    }
    match crate::Handle::try_current() {
        Ok(handle) if !handle.is_shutdown() => {
            let mut orphan = Orphan(Some(reaper));
            // Detached: the task reaps the child when it exits. If the runtime drops the
            // task instead, `Orphan::drop` queues the child.
            drop(handle.spawn(async move {
                if let Some(reaper) = orphan.0.as_mut() {
                    if poll_fn(|cx| reaper.poll_wait(cx)).await.is_ok() {
                        // Reaped: nothing left to queue.
                        drop(orphan.0.take());
                    }
                }
            }));
        }
        _ => queue(reaper.child),
    }
    sweep();
}

/// Reaps every queued orphan that has exited.
pub(super) fn sweep() {
    let mut queue = QUEUE.lock().unwrap_or_else(PoisonError::into_inner);
    // An error (`ECHILD`: someone else reaped it) also means there is nothing left to reap.
    queue.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

fn queue(child: std::process::Child) {
    QUEUE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(child);
}

/// An orphan a task waits for; queued if the task is dropped first.
struct Orphan(Option<Reaper>);

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(reaper) = self.0.take() {
            queue(reaper.child);
        }
    }
}
