//! The owned-task list: every live task of a runtime, so shutdown can reach tasks that sit
//! in no queue (waiting on I/O, a timer, a channel).
//!
//! It is sharded by task id to keep spawn and completion off one lock. Each shard is an
//! intrusive doubly linked list through `Header::owned`; the links of a task are read and
//! written only under its shard's lock. The list holds one reference to each task in it.
//!
//! Shutdown closes every shard (under its lock) and pops tasks one at a time, so a spawn
//! racing shutdown either lands before the close (and is popped) or sees the shard closed
//! (and is cancelled by the spawner).

use super::header::{Header, Pointers, Task};
use crate::loom::{Mutex, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::ptr::NonNull;

pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
}

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
}

// SAFETY: the raw pointers in a shard are only followed under its lock, and the tasks they
// point to are Send + Sync (see `Task`).
unsafe impl Send for Shard {}

/// # Safety
/// The caller holds the shard lock of the list `task` is in (or is being added to).
unsafe fn ptrs<'a>(task: NonNull<Header>) -> &'a Pointers {
    // SAFETY: the list holds a reference to every task in it, so the header is alive.
    unsafe { &Header::from_ptr(task).owned }
}

/// # Safety
/// As `ptrs`; the shard lock gives exclusive access to the links.
unsafe fn get(cell: &UnsafeCell<Option<NonNull<Header>>>) -> Option<NonNull<Header>> {
    // SAFETY: exclusive access under the shard lock.
    cell.with(|p| unsafe { *p })
}

/// # Safety
/// As `get`.
unsafe fn set(cell: &UnsafeCell<Option<NonNull<Header>>>, value: Option<NonNull<Header>>) {
    // SAFETY: exclusive access under the shard lock.
    cell.with_mut(|p| unsafe { *p = value })
}

impl Shard {
    fn push_front(&mut self, task: NonNull<Header>) {
        // SAFETY: we hold this shard's lock (`&mut self` comes from the guard).
        unsafe {
            let links = ptrs(task);
            set(&links.prev, None);
            set(&links.next, self.head);
            if let Some(head) = self.head {
                set(&ptrs(head).prev, Some(task));
            }
        }
        self.head = Some(task);
        self.len += 1;
    }

    /// Unlinks `task` if it is in this shard; returns whether it was.
    fn remove(&mut self, task: NonNull<Header>) -> bool {
        // SAFETY: we hold this shard's lock; `task` is alive (caller holds a reference).
        unsafe {
            let links = ptrs(task);
            let prev = get(&links.prev);
            let next = get(&links.next);
            match prev {
                Some(prev) => set(&ptrs(prev).next, next),
                None if self.head == Some(task) => self.head = next,
                // Neither linked behind another task nor the head: not in the list.
                None => return false,
            }
            if let Some(next) = next {
                set(&ptrs(next).prev, prev);
            }
            set(&links.prev, None);
            set(&links.next, None);
        }
        self.len -= 1;
        true
    }

    fn pop_front(&mut self) -> Option<NonNull<Header>> {
        let head = self.head?;
        self.remove(head);
        Some(head)
    }
}

impl OwnedTasks {
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let n = shards.max(1).next_power_of_two();
        let shards = (0..n)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    head: None,
                    len: 0,
                    closed: false,
                }))
            })
            .collect();
        OwnedTasks {
            shards,
            mask: n - 1,
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[(header.id.as_u64() as usize) & self.mask]
    }

    /// Adds a new task; the list takes over `task`'s reference. Fails (giving the task
    /// back) once the list is closed.
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let mut shard = self.shard(task.header()).lock().unwrap();
        if shard.closed {
            return Err(task);
        }
        shard.push_front(task.into_raw());
        Ok(())
    }

    /// Removes a completed task; returns true if it was in the list (the caller then owns
    /// the list's reference).
    pub(crate) fn remove(&self, task: NonNull<Header>) -> bool {
        // SAFETY: the caller (a completing task) holds a reference.
        let header = unsafe { Header::from_ptr(task) };
        self.shard(header).lock().unwrap().remove(task)
    }

    /// Closes the list to new tasks and cancels every task in it. Safe to call more than
    /// once and from several threads.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            loop {
                let task = {
                    let mut shard = shard.lock().unwrap();
                    shard.closed = true;
                    shard.pop_front()
                };
                // Run user code (future drops) with the lock released.
                match task {
                    // SAFETY: popping transferred the list's reference to us.
                    Some(task) => unsafe { Task::from_raw(task) }.shutdown(),
                    None => break,
                }
            }
        }
    }

    /// Tasks alive now (spawned and not yet completed).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap().len).sum()
    }
}
