//! The state both channel flavours share, and the receiving side's logic.
//!
//! # Protocol
//!
//! - `shared` (a mutex) holds the message queue and the receiver's waker. A sender pushes
//!   and takes the waker under the lock, then wakes it after unlocking. The receiver, with
//!   the lock held, either takes the whole queue (swapping it with its own empty buffer, so
//!   it locks once per batch, not once per message), or sees the channel ended, or stores
//!   its waker. Since both sides decide under one lock, a push can never fall between the
//!   receiver's last look and its sleep. Wakers are replaced, dropped and woken only
//!   after the lock is released: a waker's `Drop` or `wake` is user code, which may use
//!   this channel.
//! - `tx_count` counts live senders (clones included). The sender that takes it to zero
//!   then takes the lock and wakes the receiver. The receiver reads it under the lock: a
//!   zero there means every push has happened (each came before its sender's decrement)
//!   and is in the queue it just looked at. A weak sender upgrades only by a CAS from a
//!   non-zero count, so once the count reached zero (and the receiver may have seen the
//!   end) no sender can come back. `weak_count` only counts weak senders, for users.
//! - `state` = `permits << 1 | CLOSED`. `CLOSED` is set under the lock by `close` (or the
//!   receiver's drop); plain pushes check it under the lock and fail once it is set.
//!   `permits` counts the `Permit`s and `OwnedPermit`s outstanding: each was granted (a
//!   CAS that fails once `CLOSED` is set) before the close, so its message is still
//!   delivered after it. The receiver, under the lock, sees the end only at
//!   `state == CLOSED` (closed, no permit left) with an empty queue. A permit that sends
//!   pushes and decrements under the lock, so the receiver sees both or neither; a permit
//!   dropped unused decrements without the lock, and the one that leaves `CLOSED` alone
//!   then takes the lock and wakes the receiver. Either the receiver read the count
//!   after that decrement (and sees the end), or it stored its waker under the lock
//!   before the dropper took the lock (and is woken). One atomic word holds both, so a
//!   grant and a close are ordered by that word alone.
//! - `rx_gone` (under the lock) is set when the receiver is dropped: a permit's message
//!   then has nobody to go to and is handed back to be dropped by its sender.
//! - A bounded channel's capacity is a `Semaphore`: a sender holds one permit per message
//!   from `reserve` until the receiver takes the message out of the channel, which
//!   releases the permit. Closing the receiver closes the semaphore, so senders waiting
//!   for capacity fail instead of waiting forever.
//!   (Releasing in batches would be cheaper on a full channel, but a receiver that stops
//!   polling would then keep room that senders are promised, which can deadlock a
//!   pipeline that relies on the exact capacity; so each message gives its slot back as
//!   it is received.)
//!   `send` and `try_send` take a slot and push at once without counting a permit: if the
//!   receiver closed in between, the send fails and the message is handed back.

use super::error::TryRecvError;
use crate::loom::{Arc, AtomicUsize, Mutex};
use crate::sync::wait_list::refresh_waker;
use crate::sync::{lock, LockGuard, Notify, Semaphore};
use std::collections::VecDeque;
use std::future::Future;
use std::ops::Deref;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::task::{ready, Context, Poll, Waker};
use weft_io::coop;

/// `state`: the receiver closed (or was dropped). Set once, under the lock, by `close`;
/// never cleared.
const CLOSED: usize = 1;

/// `state`: one outstanding permit. Added by a grant while `CLOSED` is clear; taken off
/// by the permit's send (under the lock) or drop (without it).
const PERMIT: usize = 2;

pub(super) struct Chan<T> {
    shared: Mutex<Shared<T>>,
    tx_count: AtomicUsize,
    /// Live `WeakSender`s; informational only (they keep the allocation, not the channel).
    weak_count: AtomicUsize,
    /// `permits << 1 | CLOSED`; see the module docs.
    state: AtomicUsize,
    /// Capacity permits of a bounded channel; `None` for an unbounded one.
    pub(super) capacity: Option<Semaphore>,
    /// The capacity given to `channel` (0 for an unbounded channel).
    pub(super) max_capacity: usize,
    /// Woken when the receiver closes, for `Sender::closed`.
    closed_notify: Notify,
}

struct Shared<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    /// The receiver was dropped: nobody will take a message again.
    rx_gone: bool,
}

/// What the receiver learned from one look at the channel.
enum TryPop<T> {
    Value(T),
    Empty,
    Ended,
}

/// Makes a channel (bounded if `capacity` is given) with one sender and its receiver.
pub(super) fn channel<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>) {
    let chan = Chan::new(capacity);
    let rx = Rx {
        chan: chan.clone(),
        buf: VecDeque::new(),
    };
    (Tx { chan }, rx)
}

impl<T> Chan<T> {
    fn new(capacity: Option<usize>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            shared: Mutex::new(Shared {
                queue: VecDeque::new(),
                rx_waker: None,
                rx_gone: false,
            }),
            tx_count: AtomicUsize::new(1),
            weak_count: AtomicUsize::new(0),
            state: AtomicUsize::new(0),
            capacity: capacity.map(Semaphore::new),
            max_capacity: capacity.unwrap_or(0),
            closed_notify: Notify::new(),
        })
    }

    /// Queues a message and wakes the receiver; gives the message back if the receiver
    /// has closed.
    pub(super) fn push(&self, value: T) -> Result<(), T> {
        let shared = lock(&self.shared);
        if self.state.load(Relaxed) & CLOSED != 0 {
            return Err(value);
        }
        Self::push_and_wake(shared, value);
        Ok(())
    }

    /// Queues `value` under the held lock, then wakes the receiver with it released.
    fn push_and_wake(mut shared: LockGuard<'_, Shared<T>>, value: T) {
        shared.queue.push_back(value);
        let waker = shared.rx_waker.take();
        drop(shared);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Counts a new permit; false (and nothing counted) if the receiver has closed.
    pub(super) fn grant_permit(&self) -> bool {
        self.grant_permits(1)
    }

    /// Counts `n` new permits at once; false (and nothing counted) if the receiver has
    /// closed.
    pub(super) fn grant_permits(&self, n: usize) -> bool {
        self.state
            .fetch_update(AcqRel, Acquire, |s| {
                (s & CLOSED == 0).then_some(s + n * PERMIT)
            })
            .is_ok()
    }

    /// A permit's message: queued even after a close (the permit was granted before it),
    /// and the permit stops counting. Gives the message back if the receiver is gone.
    pub(super) fn send_permit(&self, value: T) -> Result<(), T> {
        let shared = lock(&self.shared);
        // Under the lock with the push: the receiver sees the message and the permit's
        // end together.
        self.state.fetch_sub(PERMIT, AcqRel);
        if shared.rx_gone {
            return Err(value);
        }
        Self::push_and_wake(shared, value);
        Ok(())
    }

    /// A permit went unused. The last one after a close wakes the receiver to see the
    /// end.
    pub(super) fn release_permit(&self) {
        self.release_permits(1);
    }

    /// `n` permits went unused; as `release_permit`.
    pub(super) fn release_permits(&self, n: usize) {
        if n == 0 || self.state.fetch_sub(n * PERMIT, AcqRel) != CLOSED | (n * PERMIT) {
            return;
        }
        let waker = lock(&self.shared).rx_waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    /// Completes once the receiver has closed.
    pub(super) async fn closed(&self) {
        // Created before the check: a close after it still wakes us (see `Notify`).
        let notified = self.closed_notify.notified();
        if self.is_closed() {
            return;
        }
        notified.await;
    }

    /// Live senders (weak ones not counted).
    pub(super) fn strong_count(&self) -> usize {
        self.tx_count.load(Acquire)
    }

    /// Live weak senders.
    pub(super) fn weak_count(&self) -> usize {
        self.weak_count.load(Acquire)
    }

    /// Takes `n` capacity permits back after messages left the channel.
    pub(super) fn release_capacity(&self, n: usize) {
        if n == 0 {
            return;
        }
        if let Some(sem) = &self.capacity {
            sem.release(n);
        }
    }
}

/// A sender's hold on the channel, the same for both flavours: it counts in `tx_count`
/// from its creation (or clone) to its drop, and the last one to go wakes the receiver to
/// see the end.
pub(super) struct Tx<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Tx<T> {
    /// True if both feed the same channel.
    pub(super) fn same_channel(&self, other: &Tx<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A handle that does not keep the channel open.
    pub(super) fn downgrade(&self) -> WeakTx<T> {
        self.chan.weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

/// A sender that does not count in `tx_count`: the channel ends when the last `Tx` goes,
/// whatever the weak ones do.
pub(super) struct WeakTx<T> {
    chan: Arc<Chan<T>>,
}

impl<T> WeakTx<T> {
    /// A sender again, unless every sender is gone (then the receiver may already have
    /// seen the end, and the channel must stay ended).
    pub(super) fn upgrade(&self) -> Option<Tx<T>> {
        self.chan
            .tx_count
            .fetch_update(Relaxed, Relaxed, |n| (n != 0).then_some(n + 1))
            .ok()
            .map(|_| Tx {
                chan: self.chan.clone(),
            })
    }
}

impl<T> Deref for WeakTx<T> {
    type Target = Chan<T>;

    fn deref(&self) -> &Chan<T> {
        &self.chan
    }
}

impl<T> Clone for WeakTx<T> {
    fn clone(&self) -> Self {
        self.chan.weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakTx<T> {
    fn drop(&mut self) {
        self.chan.weak_count.fetch_sub(1, Relaxed);
    }
}

impl<T> Deref for Tx<T> {
    type Target = Chan<T>;

    fn deref(&self) -> &Chan<T> {
        &self.chan
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Self {
        self.chan.tx_count.fetch_add(1, Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Tx<T> {
    fn drop(&mut self) {
        if self.chan.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let waker = lock(&self.chan.shared).rx_waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving side, the same for both flavours: the channel and a local batch of
/// messages already taken from it.
pub(super) struct Rx<T> {
    chan: Arc<Chan<T>>,
    buf: VecDeque<T>,
}

impl<T> Rx<T> {
    /// One message left the channel: its slot goes back to the senders.
    fn took_one(&mut self) {
        self.chan.release_capacity(1);
    }

    /// One look: a message, or nothing yet (storing `waker`, if given), or the end.
    fn pop(&mut self, waker: Option<&Waker>) -> TryPop<T> {
        if let Some(value) = self.buf.pop_front() {
            self.took_one();
            return TryPop::Value(value);
        }
        let mut shared = lock(&self.chan.shared);
        if !shared.queue.is_empty() {
            std::mem::swap(&mut shared.queue, &mut self.buf);
            drop(shared);
            self.took_one();
            return TryPop::Value(self.buf.pop_front().expect("just swapped in a batch"));
        }
        // Closed with no permit left to send, or no sender left (a permit holds one).
        if self.chan.tx_count.load(Acquire) == 0 || self.chan.state.load(Acquire) == CLOSED {
            return TryPop::Ended;
        }
        let Some(waker) = waker else {
            return TryPop::Empty;
        };
        let old = refresh_waker(&mut shared.rx_waker, waker);
        drop(shared);
        // Dropped without the lock: its `Drop` may use this channel.
        drop(old);
        TryPop::Empty
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(coop::poll_proceed(cx));
        match self.pop(Some(cx.waker())) {
            TryPop::Value(value) => {
                coop.made_progress();
                Poll::Ready(Some(value))
            }
            TryPop::Ended => {
                coop.made_progress();
                Poll::Ready(None)
            }
            TryPop::Empty => Poll::Pending,
        }
    }

    /// `poll_recv` as a future. Not an `async fn`: the public `recv` awaits this
    /// directly, without a second state machine around it.
    pub(super) fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        std::future::poll_fn(|cx| self.poll_recv(cx))
    }

    /// Moves up to `limit` messages into `out`: at least one, waiting for it, unless the
    /// channel has ended (then 0) or `limit` is 0.
    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(coop::poll_proceed(cx));
        match self.pop(Some(cx.waker())) {
            TryPop::Value(value) => out.push(value),
            TryPop::Ended => {
                coop.made_progress();
                return Poll::Ready(0);
            }
            TryPop::Empty => return Poll::Pending,
        }
        coop.made_progress();
        // The rest come from the batch `pop` just swapped in (no lock), then at most one
        // more batch from the channel.
        let mut taken = 1;
        let mut swapped = false;
        while taken < limit {
            if let Some(value) = self.buf.pop_front() {
                out.push(value);
                taken += 1;
                continue;
            }
            if swapped {
                break;
            }
            swapped = true;
            let mut shared = lock(&self.chan.shared);
            if shared.queue.is_empty() {
                break;
            }
            std::mem::swap(&mut shared.queue, &mut self.buf);
        }
        // The first message's slot went back in `pop`; the others' go back together.
        self.chan.release_capacity(taken - 1);
        Poll::Ready(taken)
    }

    /// True once the receiver closed or every sender is gone: nothing new can be sent
    /// (messages already queued may still be waiting).
    pub(super) fn is_closed(&self) -> bool {
        self.chan.state.load(Acquire) & CLOSED != 0 || self.chan.tx_count.load(Acquire) == 0
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.pop(None) {
            TryPop::Value(v) => Ok(v),
            TryPop::Empty => Err(TryRecvError::Empty),
            TryPop::Ended => Err(TryRecvError::Disconnected),
        }
    }

    /// `recv` for synchronous code; `call` names the public method for the panic message
    /// inside a runtime.
    #[track_caller]
    pub(super) fn blocking_recv(&mut self, call: &str) -> Option<T> {
        crate::sync::park::block_on(call, "recv().await", self.recv())
    }

    /// Closes the channel for sending; messages already in it, and those of permits
    /// granted before, can still be received.
    pub(super) fn close(&mut self) {
        let shared = lock(&self.chan.shared);
        self.chan.state.fetch_or(CLOSED, AcqRel);
        drop(shared);
        if let Some(sem) = &self.chan.capacity {
            sem.close();
        }
        self.chan.closed_notify.notify_waiters();
    }

    /// Messages waiting to be received.
    pub(super) fn len(&self) -> usize {
        self.buf.len() + lock(&self.chan.shared).queue.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.close();
        let mut shared = lock(&self.chan.shared);
        shared.rx_gone = true;
        // Undelivered messages and the receiver's waker go now, rather than whenever the
        // last sender does; and outside the lock, since their `Drop`s may use the channel.
        let queued = std::mem::take(&mut shared.queue);
        let waker = shared.rx_waker.take();
        drop(shared);
        drop(queued);
        drop(waker);
    }
}
