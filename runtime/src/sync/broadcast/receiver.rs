//! The receiving side of a broadcast channel: `Receiver` and its `Recv` future. The
//! protocol is in the parent module's docs.

use super::error::{RecvError, TryRecvError};
use super::{new_receiver, Shared, Slot};
use crate::loom::Arc;
use crate::sync::{lock, LockGuard};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};
use weft_io::coop;

/// Receives every value sent after it subscribed; see the [module docs](super).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::broadcast::channel(4);
/// tx.send(String::from("hello")).unwrap();
/// assert_eq!(weft::run(rx.recv()).unwrap(), "hello");
/// ```
pub struct Receiver<T> {
    pub(super) shared: Arc<Shared<T>>,
    /// The position of the next value this receiver reads.
    next: u64,
}

/// Clones the value in `slot`, which holds position `*next`, and counts the receiver at
/// `*next` as having read it.
fn take_from<T: Clone>(next: &mut u64, mut slot: LockGuard<'_, Slot<T>>) -> T {
    let value = slot
        .val
        .as_ref()
        .expect("a slot at a receiver's position holds its value until every reader read it")
        .clone();
    *next += 1;
    slot.rem -= 1;
    let last = if slot.rem == 0 { slot.val.take() } else { None };
    drop(slot);
    // The last reader lets the value go, outside the lock.
    drop(last);
    value
}

/// What one look at the channel found, for a receiver.
enum Look<T> {
    Value(T),
    Err(TryRecvError),
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Receiver<T> {
        Receiver { shared, next }
    }

    /// Reads the value at `self.next` if there is one (cloning it); otherwise says why
    /// not. With `waiter`, a receiver that finds nothing new queues in `tail` under the
    /// same lock (storing its key there), so no send can slip in between.
    fn look(&mut self, waiter: Option<(&Waker, &mut Option<usize>)>) -> Look<T>
    where
        T: Clone,
    {
        let shared = &*self.shared;
        let slot = lock(shared.slot(self.next));
        if slot.pos == self.next {
            return Look::Value(take_from(&mut self.next, slot));
        }
        drop(slot);
        let mut tail = lock(&shared.tail);
        let slot = lock(shared.slot(self.next));
        if slot.pos == self.next {
            drop(tail);
            return Look::Value(take_from(&mut self.next, slot));
        }
        drop(slot);
        if self.next < tail.pos {
            // Our value was overwritten: the slot holds a later one.
            let oldest = tail.pos - shared.capacity();
            let missed = oldest - self.next;
            self.next = oldest;
            return Look::Err(TryRecvError::Lagged(missed));
        }
        if tail.closed {
            return Look::Err(TryRecvError::Closed);
        }
        if let Some((waker, key)) = waiter {
            debug_assert!(key.is_none(), "a receiver queues once per wait");
            *key = Some(tail.waiters.push_back((), waker.clone()));
        }
        Look::Err(TryRecvError::Empty)
    }

    /// Waits for the next value and returns a clone of it.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged(n)`](RecvError::Lagged) if this receiver fell more than the
    /// capacity behind: `n` values were lost to it. Receive again to go on from the oldest
    /// value kept (or give the channel more capacity).
    ///
    /// [`RecvError::Closed`] once every sender is gone and every value kept for this
    /// receiver was read: stop receiving.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no value was taken, and
    /// the next `recv` returns the value this one would have.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::broadcast::channel(4);
    /// weft::run(async move {
    ///     weft::spawn(async move { tx.send(7).unwrap() });
    ///     assert_eq!(rx.recv().await, Ok(7));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            key: None,
        }
    }

    /// Takes the next value if there is one right now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if no new value was sent: `.await` [`recv`](Self::recv) to
    /// wait for one.
    ///
    /// [`TryRecvError::Lagged(n)`](TryRecvError::Lagged) and [`TryRecvError::Closed`] as
    /// for [`recv`](Self::recv).
    ///
    /// ```
    /// use weft::sync::broadcast::error::TryRecvError;
    /// let (tx, mut rx) = weft::sync::broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        match self.look(None) {
            Look::Value(v) => Ok(v),
            Look::Err(e) => Err(e),
        }
    }

    /// Receives from synchronous code, blocking the thread until a value comes. For plain
    /// threads and `spawn_blocking` jobs; never call it inside a task.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Panics
    ///
    /// Inside a runtime (in a task, or inside `block_on`), with a message naming the async
    /// form to use instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::broadcast::channel(1);
    /// std::thread::spawn(move || tx.send(3).unwrap()).join().unwrap();
    /// assert_eq!(rx.blocking_recv(), Ok(3));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError>
    where
        T: Clone,
    {
        crate::sync::park::block_on(
            "broadcast::Receiver::blocking_recv",
            "recv().await",
            self.recv(),
        )
    }

    /// A new receiver of the same channel, starting at the values sent from now on (not
    /// at this one's position).
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Values sent that this receiver has not read yet (lost ones included: more than
    /// the capacity means its next receive reports [`Lagged`](RecvError::Lagged)).
    ///
    /// ```
    /// let (tx, rx) = weft::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        (lock(&self.shared.tail).pos - self.next) as usize
    }

    /// True if this receiver has read every value sent.
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once every sender is gone (values may still be waiting for this receiver).
    ///
    /// ```
    /// let (tx, rx) = weft::sync::broadcast::channel::<u8>(4);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.tail).closed
    }

    /// True if both receive from the same channel.
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::broadcast::channel::<()>(1);
    /// assert!(rx.same_channel(&rx.resubscribe()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Stops counting as a reader of the values kept for this receiver. Returns whether it
    /// was the last receiver, and the values nobody needs any more, for the caller to drop
    /// after every lock is released (a value's `Drop` is user code).
    fn let_go(&mut self) -> (bool, Vec<T>) {
        let shared = &*self.shared;
        let mut released = Vec::new();
        let mut tail = lock(&shared.tail);
        tail.rx_cnt -= 1;
        let from = self.next.max(tail.pos.saturating_sub(shared.capacity()));
        for pos in from..tail.pos {
            let mut slot = lock(shared.slot(pos));
            if slot.pos == pos {
                slot.rem -= 1;
                if slot.rem == 0 {
                    released.extend(slot.val.take());
                }
            }
        }
        self.next = tail.pos;
        (tail.rx_cnt == 0, released)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (last, released) = self.let_go();
        drop(released);
        if last {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("len", &self.len())
            .finish()
    }
}

/// The future of [`Receiver::recv`].
///
/// # Cancel safety
///
/// Cancel safe: dropping it leaves the wait queue, and no value was taken.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::broadcast::channel(1);
/// tx.send(1).unwrap();
/// let recv: weft::sync::broadcast::Recv<'_, i32> = rx.recv();
/// assert_eq!(weft::run(recv), Ok(1));
/// ```
#[must_use = "futures do nothing unless `.await`ed"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    /// Our node in `tail.waiters` while queued.
    key: Option<usize>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Holds no self-reference: `Recv` is `Unpin`.
        let this = self.get_mut();
        let coop = ready!(coop::poll_proceed(cx));
        if let Some(key) = this.key {
            let mut tail = lock(&this.receiver.shared.tail);
            let still_queued = tail.waiters.check_waiter(key, cx.waker());
            drop(tail);
            if let Err(old_waker) = still_queued {
                // Dropped outside the lock: its `Drop` is user code.
                drop(old_waker);
                return Poll::Pending;
            }
            // A send or the close unlinked us: look again.
            this.key = None;
        }
        let out = match this.receiver.look(Some((cx.waker(), &mut this.key))) {
            Look::Value(v) => Ok(v),
            Look::Err(TryRecvError::Empty) => return Poll::Pending,
            Look::Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Look::Err(TryRecvError::Closed) => Err(RecvError::Closed),
        };
        coop.made_progress();
        Poll::Ready(out)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut tail = lock(&self.receiver.shared.tail);
            let node = tail.waiters.remove(key);
            drop(tail);
            // Its waker's `Drop` is user code: outside the lock.
            drop(node);
        }
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv")
            .field("queued", &self.key.is_some())
            .finish()
    }
}
