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

use super::LockGuard;
use slab::Slab;
use std::task::{Poll, Waker};

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

/// Makes `waker` the one `slot` wakes, unless the stored one already wakes the same task.
/// Returns the waker it replaced, for the caller to drop *after* releasing its lock: a
/// waker's `Drop` is user code, which may use the very primitive whose lock is held.
#[must_use = "drop the old waker after releasing the lock"]
pub(crate) fn refresh_waker(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    if slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
        return None;
    }
    slot.replace(waker.clone())
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

    /// [`poll_waiter`](Self::poll_waiter) for a list kept inside a larger locked state:
    /// `Ok(value)` (node freed) if `key` was unlinked; otherwise refreshes its waker and
    /// returns `Err` of the waker it replaced, which the caller drops after unlocking.
    pub(crate) fn check_waiter(&mut self, key: usize, waker: &Waker) -> Result<T, Option<Waker>> {
        let node = &mut self.nodes[key];
        if node.linked {
            return Err(refresh_waker(&mut node.waker, waker));
        }
        let node = self.nodes.remove(key);
        debug_assert!(node.waker.is_none(), "an unlinked node's waker was taken");
        Ok(node.value)
    }

    /// One poll of the queued waiter `key`, by its future, with the list's lock held in
    /// `list`:
    ///
    /// - still linked (waiting): makes `waker` the one to wake, releases the lock, then
    ///   drops the waker it replaced (its `Drop` is user code that may use this very
    ///   primitive) and returns `Pending`;
    /// - unlinked (its turn came, or the primitive closed): frees the node and returns its
    ///   `value` with the lock still held, for the caller to finish under it. Whoever
    ///   unlinked the node took its waker to wake it, so nothing is dropped under the lock.
    ///
    /// The caller forgets `key` once this is `Ready`: the key may be reused at once.
    ///
    /// # Panics
    ///
    /// If `key` was freed: a bug in the primitive, never caused by its user.
    pub(crate) fn poll_waiter<'a>(
        mut list: LockGuard<'a, WaitList<T>>,
        key: usize,
        waker: &Waker,
    ) -> Poll<(LockGuard<'a, WaitList<T>>, T)> {
        let node = &mut list.nodes[key];
        if node.linked {
            let old = refresh_waker(&mut node.waker, waker);
            drop(list);
            drop(old);
            return Poll::Pending;
        }
        let node = list.nodes.remove(key);
        debug_assert!(node.waker.is_none(), "an unlinked node's waker was taken");
        Poll::Ready((list, node.value))
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
    use crate::loom::Mutex;
    use crate::sync::lock;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

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
        assert!(!list.nodes[a].linked);
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

    /// A waker that records, when dropped, whether the list's lock was free then.
    struct LockProbe {
        list: Arc<Mutex<WaitList<u32>>>,
        dropped_unlocked: Arc<AtomicUsize>,
    }

    impl Wake for LockProbe {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for LockProbe {
        fn drop(&mut self) {
            if self.list.try_lock().is_ok() {
                self.dropped_unlocked.fetch_add(1, SeqCst);
            }
        }
    }

    #[test]
    fn poll_waiter_refreshes_the_waker_and_drops_the_old_one_unlocked() {
        let list = Arc::new(Mutex::new(WaitList::new()));
        let dropped_unlocked = Arc::new(AtomicUsize::new(0));
        let probe = Waker::from(Arc::new(LockProbe {
            list: list.clone(),
            dropped_unlocked: dropped_unlocked.clone(),
        }));
        let key = lock(&list).push_back(7, probe);
        // Still linked: pending, and the probe (replaced) went after the lock was released.
        let poll = WaitList::poll_waiter(lock(&list), key, Waker::noop());
        assert!(poll.is_pending());
        assert_eq!(dropped_unlocked.load(SeqCst), 1);
        // The same task's waker again: nothing is replaced.
        assert!(WaitList::poll_waiter(lock(&list), key, Waker::noop()).is_pending());
        // Its turn came: the value comes back with the lock held, and the node is freed.
        let popped = lock(&list).pop_front().map(|n| n.waker.take().is_some());
        assert_eq!(popped, Some(true));
        match WaitList::poll_waiter(lock(&list), key, Waker::noop()) {
            Poll::Ready((guard, value)) => {
                assert_eq!(value, 7);
                assert!(guard.is_empty() && guard.nodes.is_empty());
            }
            Poll::Pending => panic!("an unlinked waiter's turn has come"),
        };
    }
}
