//! `broadcast`: every receiver sees every value sent after it subscribed (a fan-out,
//! tokio's `broadcast` with its semantics, `Lagged` included).
//!
//! | asyncio / tokio | weft |
//! |---|---|
//! | one `Queue` per listener, each `put` to all | `let (tx, rx) = broadcast::channel(cap)`; `tx.send(v)` |
//! | add a listener | [`Sender::subscribe`] / [`Receiver::resubscribe`] |
//! | `await q.get()` | `rx.recv().await` (`T: Clone`: each receiver gets its own copy) |
//! | a listener too slow to keep up | [`RecvError::Lagged(n)`](error::RecvError::Lagged), then the oldest value kept |
//!
//! The channel keeps at most `cap` values whatever the receivers do: a value stays until
//! every receiver that was subscribed when it was sent has read it (or gone), or until a
//! newer value needs its slot. A receiver that falls more than `cap` values behind loses
//! the oldest ones: its next receive is `Err(Lagged(n))` with the number it missed, and the
//! one after that returns the oldest value still kept. When every sender is gone,
//! receivers get the values still kept for them and then `Closed`.
//!
//! # Protocol
//!
//! - `buffer` is a ring of `cap` slots, each behind its own mutex, holding the position
//!   (the send count) of the value it holds, the value, and `rem`: how many receivers
//!   subscribed at the send have not read it yet. The value is dropped when `rem` reaches
//!   zero, so a value nobody still needs does not stay alive until it is overwritten.
//! - `tail` (a mutex) holds the next position to write, the receiver count, `closed`, and
//!   the receivers waiting for a value. A sender writes the slot while holding `tail`
//!   (lock order: `tail`, then a slot), bumps the position, unlinks every waiter and wakes
//!   them after unlocking. The old value of the slot is dropped after unlocking too: a
//!   value's `Drop` is user code, which may use this channel.
//! - A receiver at position `next` locks slot `next % cap`: if the slot holds position
//!   `next`, it clones the value there (holding only that slot's lock) and moves on.
//!   Otherwise it takes `tail` and looks again: a value written meanwhile is read; a slot
//!   holding a *later* position while `next < tail` means the value was overwritten
//!   (lagged: jump to the oldest position kept, `tail - cap`); `next == tail` means
//!   nothing new: `Closed` if closed, else the receiver queues under `tail`. Since a send
//!   needs `tail` too, no send can fall between that look and the queueing.
//! - A dropped receiver decrements `rem` of every kept value it had not read, under
//!   `tail`, so `len` and memory do not wait for those values to be overwritten.
//! - The last sender to go sets `closed` under `tail` and wakes every waiter.
//!
//! Cloning happens under the slot's lock (the value is shared, not moved), so `T: Clone`
//! must not use this channel from `clone`. One mutex per slot (rather than a reader-writer
//! lock) keeps `Sender<T>: Sync` for any `T: Send`: concurrent receivers never clone the
//! same value at once, so `T` need not be `Sync`.

pub mod error;
mod receiver;

#[cfg(all(test, loom))]
mod loom_tests;

#[cfg(doc)]
use self::error::RecvError;
use self::error::SendError;
pub use self::receiver::{Receiver, Recv};
use super::lock;
use super::wait_list::{WaitList, WakeList};
use crate::loom::{Arc, AtomicUsize, Mutex};
use crate::sync::Notify;
use std::fmt;
use std::sync::atomic::Ordering::{AcqRel, Relaxed};

/// Makes a broadcast channel that keeps at most `capacity` values, with one receiver.
/// More receivers come from [`Sender::subscribe`].
///
/// # Panics
///
/// If `capacity` is zero, or above `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// use weft::sync::broadcast;
///
/// weft::run(async {
///     let (tx, mut rx1) = broadcast::channel(16);
///     let mut rx2 = tx.subscribe();
///     tx.send("shutdown").unwrap();
///     assert_eq!(rx1.recv().await.unwrap(), "shutdown");
///     assert_eq!(rx2.recv().await.unwrap(), "shutdown");
/// });
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

/// Sends values to every [`Receiver`]; clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::broadcast::channel(2);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

pub(super) struct Shared<T> {
    buffer: Box<[Mutex<Slot<T>>]>,
    tail: Mutex<Tail>,
    /// Live senders; the one that takes it to zero closes the channel.
    num_tx: AtomicUsize,
    /// Woken when the last receiver goes, for `Sender::closed`.
    no_receivers: Notify,
}

pub(super) struct Slot<T> {
    /// The position of the value held (or of the one that was, if `rem` reached zero);
    /// `NEVER` until the first write.
    pos: u64,
    /// Receivers subscribed at the send that have not read this value yet.
    rem: usize,
    val: Option<T>,
}

/// A slot's position before its first write: matches no receiver's `next`.
const NEVER: u64 = u64::MAX;

pub(super) struct Tail {
    /// The position the next send writes.
    pos: u64,
    rx_cnt: usize,
    /// Every sender is gone. Set once, under this lock.
    closed: bool,
    /// Receivers waiting for the value at `pos`; every send and the close unlink them all.
    waiters: WaitList<()>,
}

impl<T> Shared<T> {
    pub(super) fn capacity(&self) -> u64 {
        self.buffer.len() as u64
    }

    pub(super) fn slot(&self, pos: u64) -> &Mutex<Slot<T>> {
        &self.buffer[(pos % self.capacity()) as usize]
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet; values sent before the first
    /// [`subscribe`](Self::subscribe) fail with [`SendError`].
    ///
    /// # Panics
    ///
    /// If `capacity` is zero, or above `usize::MAX / 2`.
    ///
    /// ```
    /// let tx = weft::sync::broadcast::Sender::<u8>::new(8);
    /// assert!(tx.send(1).is_err());
    /// let mut rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        assert!(
            capacity > 0,
            "broadcast::channel(0): a broadcast channel needs a capacity of at least 1"
        );
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast::channel({capacity}): the capacity must be at most usize::MAX / 2"
        );
        let buffer = (0..capacity)
            .map(|_| {
                Mutex::new(Slot {
                    pos: NEVER,
                    rem: 0,
                    val: None,
                })
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                buffer,
                tail: Mutex::new(Tail {
                    pos: 0,
                    rx_cnt: 0,
                    closed: false,
                    waiters: WaitList::new(),
                }),
                num_tx: AtomicUsize::new(1),
                no_receivers: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every current receiver; returns how many there are. Never waits:
    /// if the channel is full, the oldest value is overwritten (receivers that had not
    /// read it get [`Lagged`](RecvError::Lagged)).
    ///
    /// # Errors
    ///
    /// [`SendError`], holding `value`, if there is no receiver: nobody would ever see it,
    /// so it is not stored. Subscribe first, or ignore the error if nobody listening is
    /// fine.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::broadcast::channel(4);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.send("to both"), Ok(2));
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &*self.shared;
        let mut tail = lock(&shared.tail);
        if tail.rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let old = {
            let mut slot = lock(shared.slot(pos));
            slot.pos = pos;
            slot.rem = tail.rx_cnt;
            slot.val.replace(value)
        };
        tail.pos += 1;
        let receivers = tail.rx_cnt;
        let wakers = unlink_all(&mut tail.waiters);
        drop(tail);
        wakers.wake_all();
        drop(old);
        Ok(receivers)
    }

    /// A new receiver, which sees the values sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2), "1 was sent before it subscribed");
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Live receivers.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::broadcast::channel::<()>(4);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared.tail).rx_cnt
    }

    /// Values kept in the channel: those not yet read by every receiver subscribed when
    /// they were sent, and not yet overwritten. At most the capacity.
    ///
    /// ```
    /// let (tx, mut rx1) = weft::sync::broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx1.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2, "rx2 has not read the first value yet");
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let shared = &*self.shared;
        let tail = lock(&shared.tail);
        let oldest = tail.pos.saturating_sub(shared.capacity());
        // `rem` is zero for a prefix of the kept window and non-zero after it: a receiver
        // that has not read a value has not read the later ones either, and was
        // subscribed when they were sent. So binary-search for the first value still
        // needed.
        let (mut lo, mut hi) = (oldest, tail.pos);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if lock(shared.slot(mid)).rem == 0 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (tail.pos - lo) as usize
    }

    /// True if no value is kept (see [`len`](Self::len)).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both send into the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::broadcast::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once there is no receiver (now, or when the last one goes).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::broadcast::channel::<()>(1);
    /// weft::run(async move {
    ///     let watcher = weft::spawn(async move { tx.closed().await });
    ///     drop(rx);
    ///     watcher.await.unwrap();
    /// });
    /// ```
    pub async fn closed(&self) {
        loop {
            // Created before the check: a last receiver going after it still wakes us.
            let notified = self.shared.no_receivers.notified();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Unlinks every waiting receiver and collects their wakers.
pub(super) fn unlink_all(waiters: &mut WaitList<()>) -> WakeList {
    let mut wakers = WakeList::new();
    while let Some(node) = waiters.pop_front() {
        wakers.push(node.waker.take());
    }
    wakers
}

pub(super) fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut tail = lock(&shared.tail);
    tail.rx_cnt += 1;
    Receiver::new(shared.clone(), tail.pos)
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.num_tx.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.num_tx.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let mut tail = lock(&self.shared.tail);
        tail.closed = true;
        let wakers = unlink_all(&mut tail.waiters);
        drop(tail);
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("capacity", &self.shared.buffer.len())
            .field("receiver_count", &self.receiver_count())
            .finish()
    }
}
