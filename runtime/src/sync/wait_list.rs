//! A FIFO list of waiting futures, kept under its primitive's mutex.
//!
//! Every sync primitive that makes tasks wait (semaphore, notify) keeps them in one of
//! these, in arrival order, so wakeups are fair. A waiter is a node in a slab, linked into a
//! doubly linked list by slab keys; its future remembers its key. That gives O(1) push,
//! pop, and removal from the middle (a future dropped while queued), with no unsafe code:
//! keys are indices, not pointers.
//!
//! A node has two lives: *linked* (waiting, in FIFO order) and *unlinked* (its turn came:
//! a notifier popped it and recorded the outcome in `value`, or the primitive closed).
//! Only the waiting future frees its node, by key, so a key can never be reused while its
//! future still holds it: no ABA, no generation counter needed.

use slab::Slab;
use std::task::Waker;

/// No node: the end of the list.
const NIL: usize = usize::MAX;

pub(crate) struct WaitList<T> {
    nodes: Slab<Node<T>>,
    head: usize,
    tail: usize,
    /// Linked nodes (unlinked ones still occupy the slab until their future frees them).
    linked: usize,
}

pub(crate) struct Node<T> {
    /// The primitive's per-waiter data (permits wanted and granted, how it was notified).
    pub(crate) value: T,
    /// Woken when the node's turn comes; refreshed by the future on each pending poll.
    pub(crate) waker: Option<Waker>,
    linked: bool,
    prev: usize,
    next: usize,
}

impl<T> Node<T> {
    /// True while the node waits in the list.
    pub(crate) fn is_linked(&self) -> bool {
        self.linked
    }

    /// Makes `waker` the one to wake, unless the stored one already wakes the same task.
    /// Returns the waker it replaced, for the caller to drop *after* releasing the lock:
    /// a waker's `Drop` is user code, which may use the very primitive whose lock we hold.
    #[must_use = "drop the old waker after releasing the lock"]
    pub(crate) fn refresh_waker(&mut self, waker: &Waker) -> Option<Waker> {
        if self.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return None;
        }
        self.waker.replace(waker.clone())
    }
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> WaitList<T> {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            linked: 0,
        }
    }

    /// True if no node is linked.
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Number of linked nodes.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    /// Links a new node at the back; returns its key.
    pub(crate) fn push_back(&mut self, value: T, waker: Waker) -> usize {
        let key = self.nodes.insert(Node {
            value,
            waker: Some(waker),
            linked: true,
            prev: self.tail,
            next: NIL,
        });
        match self.tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        self.linked += 1;
        key
    }

    /// The first linked node.
    pub(crate) fn front_mut(&mut self) -> Option<&mut Node<T>> {
        match self.head {
            NIL => None,
            head => Some(&mut self.nodes[head]),
        }
    }

    /// Unlinks the first node (it stays allocated for its future to find); returns it.
    pub(crate) fn pop_front(&mut self) -> Option<&mut Node<T>> {
        let head = self.head;
        if head == NIL {
            return None;
        }
        self.unlink(head);
        Some(&mut self.nodes[head])
    }

    /// The node of `key`.
    ///
    /// # Panics
    ///
    /// If `key` was freed: a bug in the primitive, never caused by its user.
    pub(crate) fn get_mut(&mut self, key: usize) -> &mut Node<T> {
        &mut self.nodes[key]
    }

    /// Unlinks `key` if it is linked; returns whether it was.
    pub(crate) fn unlink(&mut self, key: usize) -> bool {
        let node = &mut self.nodes[key];
        if !node.linked {
            return false;
        }
        node.linked = false;
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        match prev {
            NIL => self.head = next,
            prev => self.nodes[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.nodes[next].prev = prev,
        }
        self.linked -= 1;
        true
    }

    /// Unlinks (if needed) and frees `key`; returns its node.
    pub(crate) fn remove(&mut self, key: usize) -> Node<T> {
        self.unlink(key);
        self.nodes.remove(key)
    }
}

/// Wakers collected under a lock, to be woken after it is released: a woken task may run
/// at once on another worker and would only block on the lock we still hold.
///
/// The first few are kept inline: a release usually wakes one waiter, and allocating a
/// vector for it under a contended lock would cost more than the wake.
pub(crate) struct WakeList {
    inline: [Option<Waker>; INLINE_WAKERS],
    len: usize,
    spill: Vec<Waker>,
}

/// Wakers a `WakeList` holds without allocating.
const INLINE_WAKERS: usize = 4;

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList {
            inline: [const { None }; INLINE_WAKERS],
            len: 0,
            spill: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.len < INLINE_WAKERS {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes them all. Call with no lock held.
    pub(crate) fn wake_all(self) {
        for waker in self.inline.into_iter().flatten() {
            waker.wake();
        }
        for waker in self.spill {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn keys(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = list.head;
        while cur != NIL {
            out.push(list.nodes[cur].value);
            cur = list.nodes[cur].next;
        }
        out
    }

    #[test]
    fn fifo_with_removal_from_the_middle() {
        let mut list = WaitList::new();
        let w = Waker::noop();
        let a = list.push_back(1, w.clone());
        let b = list.push_back(2, w.clone());
        let c = list.push_back(3, w.clone());
        assert_eq!(keys(&mut list), [1, 2, 3]);
        list.remove(b);
        assert_eq!(keys(&mut list), [1, 3]);
        assert_eq!(list.pop_front().map(|n| n.value), Some(1));
        assert!(!list.get_mut(a).is_linked());
        assert_eq!(list.len(), 1);
        list.remove(a);
        list.remove(c);
        assert!(list.is_empty());
        assert!(list.front_mut().is_none());
        // Freed keys are reused, and the list is still consistent.
        let d = list.push_back(4, w.clone());
        assert_eq!(keys(&mut list), [4]);
        list.remove(d);
    }
}
