//! The bounded channel: `Sender`, `Receiver`, and the reserved-slot `Permit`s.

use super::chan::{self, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use super::permit::{OwnedPermit, Permit, PermitIterator};
use crate::sync::TryAcquireError;
use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Makes a bounded channel: at most `capacity` messages wait in it; a sender that finds
/// it full waits (asyncio's `Queue(maxsize=capacity)`).
///
/// # Panics
///
/// If `capacity` is zero (a rendezvous channel is not supported; use capacity 1).
///
/// # Examples
///
/// ```
/// use weft::sync::mpsc;
///
/// weft::run(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     for i in 0..3 {
///         let tx = tx.clone();
///         weft::spawn(async move { tx.send(i).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(v) = rx.recv().await {
///         got.push(v);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel(0): a bounded channel needs a capacity of at least 1"
    );
    assert!(
        capacity <= crate::sync::Semaphore::MAX_PERMITS,
        "mpsc::channel({capacity}): the capacity exceeds Semaphore::MAX_PERMITS"
    );
    let (tx, rx) = chan::channel(Some(capacity));
    (Sender { tx }, Receiver { rx, capacity })
}

/// Sends messages into a bounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(1);
/// weft::run(async move {
///     tx.send("a").await.unwrap();
///     assert_eq!(rx.recv().await, Some("a"));
/// });
/// ```
pub struct Sender<T> {
    tx: Tx<T>,
}

/// Receives the messages of a bounded channel (asyncio's `await queue.get()`); also a
/// [`Stream`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(4);
/// tx.try_send(1).unwrap();
/// drop(tx);
/// assert_eq!(weft::run(rx.recv()), Some(1));
/// assert_eq!(weft::run(rx.recv()), None);
/// ```
pub struct Receiver<T> {
    rx: Rx<T>,
    capacity: usize,
}

impl<T> Sender<T> {
    pub(super) fn chan(&self) -> &Chan<T> {
        &self.tx
    }

    fn capacity_sem(&self) -> &crate::sync::Semaphore {
        self.tx
            .capacity
            .as_ref()
            .expect("a bounded channel has a capacity semaphore")
    }

    /// Sends `value`, waiting for room if the channel is full (asyncio's
    /// `await queue.put(value)`).
    ///
    /// # Errors
    ///
    /// [`SendError`], holding `value`, if the receiver was dropped or closed (before or
    /// while this waited for room): nobody will receive from this channel again, so stop
    /// sending on it.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the message was not sent and is
    /// dropped with it; the sender loses its place in the queue for room. Use
    /// [`reserve`](Self::reserve) to wait for room without risking the message.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// weft::run(async move {
    ///     tx.send(1).await.unwrap();
    ///     let t = weft::spawn({ let tx = tx.clone(); async move { tx.send(2).await } });
    ///     assert_eq!(rx.recv().await, Some(1)); // makes room for the waiting send
    ///     t.await.unwrap().unwrap();
    ///     assert_eq!(rx.recv().await, Some(2));
    /// });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.capacity_sem().acquire().await {
            Ok(slot) => self.push_into(slot, value).map_err(SendError),
            Err(_) => Err(SendError(value)),
        }
    }

    /// Queues `value` in the slot just taken (no `Permit` counted: the message is here
    /// already); gives it back if the receiver closed meanwhile.
    fn push_into(&self, slot: crate::sync::SemaphorePermit<'_>, value: T) -> Result<(), T> {
        self.tx.push(value)?;
        // The slot travels with the message; the receiver releases it.
        slot.forget();
        Ok(())
    }

    /// Turns a capacity slot into a counted `Permit`-to-be; false (and the slot released)
    /// if the receiver closed meanwhile: a reservation that completes after the close
    /// fails, as one still waiting does.
    fn grant(&self, slot: crate::sync::SemaphorePermit<'_>) -> bool {
        if !self.tx.grant_permit() {
            return false;
        }
        // The slot travels with the permit, then its message; the receiver releases it.
        slot.forget();
        true
    }

    /// Sends `value` if there is room right now (asyncio's `queue.put_nowait`).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`], holding `value`, if the channel has no room right now: retry
    /// later, `.await` [`send`](Self::send) to wait for room, or shed the message.
    ///
    /// [`TrySendError::Closed`], holding `value`, if the receiver was dropped or closed:
    /// stop sending on this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).is_err());
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.capacity_sem().try_acquire() {
            Ok(slot) => self.push_into(slot, value).map_err(TrySendError::Closed),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends from synchronous code, blocking the thread while the channel is full. For
    /// plain threads and `spawn_blocking` jobs; never call it inside a task.
    ///
    /// # Errors
    ///
    /// [`SendError`], holding `value`, if the receiver was dropped or closed (before or
    /// while this waited for room): nobody will receive from this channel again, so stop
    /// sending on it.
    ///
    /// # Panics
    ///
    /// Inside a runtime (in a task, or inside `block_on`), with a message naming the async
    /// form to use instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(9).unwrap());
    /// assert_eq!(weft::run(rx.recv()), Some(9));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::park::block_on(
            "mpsc::Sender::blocking_send",
            "send(value).await",
            self.send(value),
        )
    }

    /// Waits for room for one message and reserves it. A message sent through the permit
    /// is delivered even if the receiver closes in between.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver was dropped or closed before the reservation completed
    /// (also while it waited for room): nothing can be sent on this channel any more, so
    /// stop sending.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no capacity (it loses its place in the
    /// queue for room).
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// weft::run(async move {
    ///     tx.reserve().await.unwrap().send(5);
    ///     assert_eq!(rx.recv().await, Some(5));
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match self
            .capacity_sem()
            .acquire()
            .await
            .map(|slot| self.grant(slot))
        {
            Ok(true) => Ok(Permit { chan: &self.tx }),
            Ok(false) | Err(_) => Err(SendError(())),
        }
    }

    /// Reserves room for one message if there is some right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel has no room right now: retry later, or
    /// `.await` [`reserve`](Self::reserve) to wait for room.
    ///
    /// [`TrySendError::Closed`] if the receiver was dropped or closed: stop sending on this
    /// channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
    /// let p = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().is_err());
    /// drop(p); // gives the slot back
    /// assert!(tx.try_reserve().is_ok());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self
            .capacity_sem()
            .try_acquire()
            .map(|slot| self.grant(slot))
        {
            Ok(true) => Ok(Permit { chan: &self.tx }),
            Ok(false) | Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// Like [`reserve`](Self::reserve), but the permit owns the sender, for moving into
    /// another task.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver was dropped or closed before the reservation
    /// completed: stop sending on this channel. The sender is dropped with the error (clone
    /// it first to keep one).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`reserve`](Self::reserve), but the sender is dropped with the
    /// future.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// weft::run(async move {
    ///     let permit = tx.reserve_owned().await.unwrap();
    ///     weft::spawn(async move { permit.send(3); }).await.unwrap();
    ///     assert_eq!(rx.recv().await, Some(3));
    /// });
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        match self
            .capacity_sem()
            .acquire()
            .await
            .map(|slot| self.grant(slot))
        {
            Ok(true) => {}
            Ok(false) | Err(_) => return Err(SendError(())),
        }
        Ok(OwnedPermit { sender: Some(self) })
    }

    /// Like [`try_reserve`](Self::try_reserve), with a permit that owns the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`], holding the sender, if the channel has no room right now:
    /// retry with it later, or `.await` [`reserve_owned`](Self::reserve_owned).
    ///
    /// [`TrySendError::Closed`], holding the sender, if the receiver was dropped or closed:
    /// stop sending on this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// # drop(permit);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        let taken = self
            .capacity_sem()
            .try_acquire()
            .map(|slot| self.grant(slot));
        match taken {
            Ok(true) => Ok(OwnedPermit { sender: Some(self) }),
            Ok(false) | Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for room.
    ///
    /// Needs a runtime context (for the timer), as [`time::timeout`](crate::time::timeout)
    /// does.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`], holding `value`, if no room came within `timeout`:
    /// the receiver is not keeping up; retry, or shed the message.
    ///
    /// [`SendTimeoutError::Closed`], holding `value`, if the receiver was dropped or
    /// closed: stop sending on this channel.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Self::send): dropping the future drops the message unsent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::sync::mpsc::{channel, error::SendTimeoutError};
    /// weft::run(async {
    ///     let (tx, mut rx) = channel(1);
    ///     tx.send_timeout(1, Duration::from_secs(5)).await.unwrap();
    ///     // Full, and nobody receives: the second send gives up.
    ///     let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    ///     assert!(matches!(err, SendTimeoutError::Timeout(2)));
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.capacity_sem().acquire()).await {
            Ok(Ok(slot)) => self
                .push_into(slot, value)
                .map_err(SendTimeoutError::Closed),
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Waits for room for `n` messages and reserves it all at once; the iterator hands
    /// out one [`Permit`] per slot, and dropping it gives back the slots not handed out.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver was dropped or closed before the reservation
    /// completed, or if `n` exceeds [`max_capacity`](Self::max_capacity) (it could never
    /// be granted): stop sending, or reserve fewer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`reserve`](Self::reserve): no capacity is lost, the place in the
    /// queue for room is.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(2);
    /// weft::run(async move {
    ///     let mut permits = tx.reserve_many(2).await.unwrap();
    ///     assert!(tx.try_send(0).is_err(), "both slots are reserved");
    ///     permits.next().unwrap().send(1);
    ///     permits.next().unwrap().send(2);
    ///     assert!(permits.next().is_none());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    /// });
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        match self.capacity_sem().acquire_many(n).await {
            Ok(slots) if self.tx.grant_permits(n) => {
                // The slots travel with the permits; the receiver (or a permit's drop)
                // releases each.
                slots.forget();
                Ok(PermitIterator::new(&self.tx, n))
            }
            Ok(_) | Err(_) => Err(SendError(())),
        }
    }

    /// Reserves room for `n` messages if there is that much right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if there is less room than `n` right now (or `n` exceeds
    /// [`max_capacity`](Self::max_capacity)): retry later, or reserve fewer.
    ///
    /// [`TrySendError::Closed`] if the receiver was dropped or closed: stop sending.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(2);
    /// assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2);
    /// assert!(tx.try_reserve_many(3).is_err());
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        match self.capacity_sem().try_acquire_many(n) {
            Ok(slots) if self.tx.grant_permits(n) => {
                slots.forget();
                Ok(PermitIterator::new(&self.tx, n))
            }
            Ok(_) | Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// The capacity the channel was made with (what [`capacity`](Self::capacity) is when
    /// nothing is queued or reserved).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(5);
    /// let _p = tx.try_reserve().unwrap();
    /// assert_eq!((tx.max_capacity(), tx.capacity()), (5, 4));
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.tx.max_capacity
    }

    /// A [`WeakSender`]: it can send only after [`upgrade`](WeakSender::upgrade), and it
    /// does not keep the channel open: once every `Sender` is gone the receiver sees the
    /// end, and upgrading fails.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx.downgrade(),
        }
    }

    /// Live `Sender`s of this channel (this one included).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// Live [`WeakSender`]s of this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }

    /// Completes once the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::channel::<()>(1);
    /// weft::run(async move {
    ///     let watcher = weft::spawn(async move { tx.closed().await });
    ///     drop(rx);
    ///     watcher.await.unwrap();
    /// });
    /// ```
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// True once the receiver was dropped or closed.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::channel::<()>(1);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Room left right now: the capacity minus messages queued or reserved.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity_sem().available_permits()
    }

    /// True if both senders feed the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
        }
    }
}

/// A sender that does not keep the channel open (tokio's `WeakSender`): made by
/// [`Sender::downgrade`], it must be [upgraded](Self::upgrade) to send, which fails once
/// every [`Sender`] is gone.
///
/// Use it where a task should be able to send while others do, without being the reason
/// the receiver never sees the end (a registry of subscribers, a back-reference).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(1);
/// let weak = tx.downgrade();
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(weft::run(rx.recv()), None::<u8>, "the weak sender kept nothing open");
/// ```
pub struct WeakSender<T> {
    tx: WeakTx<T>,
}

impl<T> WeakSender<T> {
    /// A [`Sender`] again, or `None` if every `Sender` is gone (the channel has ended).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().try_send(1).unwrap();
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.tx.upgrade().map(|tx| Sender { tx })
    }

    /// Live `Sender`s of this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// Live `WeakSender`s of this channel (this one included).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<()>(1);
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::WeakSender")
            .field("strong_count", &self.strong_count())
            .finish()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Waits for the next message (asyncio's `await queue.get()`); `None` once the channel
    /// is empty and every sender is gone, or once it is empty after a
    /// [`close`](Self::close) and no [`Permit`] reserved before the close is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message was taken.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(2);
    /// tx.try_send(7).unwrap();
    /// assert_eq!(weft::run(rx.recv()), Some(7));
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// Polls for the next message, registering `cx`'s waker if there is none yet.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(rx.poll_recv(&mut cx).is_pending());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Waits for at least one message, then moves up to `limit` of those waiting into
    /// `buffer` (after what it holds); returns how many it moved. Returns 0 only when
    /// `limit` is 0 or the channel has ended (as [`recv`](Self::recv) returning `None`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message was taken.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(8);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// drop(tx);
    /// let mut buf = Vec::new();
    /// weft::run(async {
    ///     assert_eq!(rx.recv_many(&mut buf, 2).await, 2);
    ///     assert_eq!(rx.recv_many(&mut buf, 2).await, 1);
    ///     assert_eq!(rx.recv_many(&mut buf, 2).await, 0, "ended");
    /// });
    /// assert_eq!(buf, [0, 1, 2]);
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Polls for [`recv_many`](Self::recv_many), registering `cx`'s waker if no message
    /// is waiting yet.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let (tx, mut rx) = weft::sync::mpsc::channel(4);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut buf = Vec::new();
    /// assert!(rx.poll_recv_many(&mut cx, &mut buf, 4).is_pending());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 4), Poll::Ready(1));
    /// ```
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// True once the channel is closed for sending: the receiver [closed](Self::close) it
    /// or every sender is gone. Messages sent before may still be waiting.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel::<()>(1);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// Takes a message if one is waiting (asyncio's `queue.get_nowait()`).
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if no message is waiting right now (after a
    /// [`close`](Self::close): while a permit reserved before it is outstanding): `.await`
    /// [`recv`](Self::recv) to wait for one, or retry later.
    ///
    /// [`TryRecvError::Disconnected`] if none ever will come (every sender is gone, or the
    /// channel was closed and no such permit is left): stop receiving.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// assert!(rx.try_recv().is_err());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Receives from synchronous code, blocking the thread until a message arrives. For
    /// plain threads and `spawn_blocking` jobs; never call it inside a task.
    ///
    /// # Panics
    ///
    /// Inside a runtime (in a task, or inside `block_on`), with a message naming the async
    /// form to use instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// std::thread::spawn(move || weft::run(tx.send(4)).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(4));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        self.rx.blocking_recv("mpsc::Receiver::blocking_recv")
    }

    /// Closes the channel for sending (asyncio's `queue.shutdown()`): sends and
    /// reservations fail from now on, senders waiting for room are woken with an error,
    /// and the messages already in the channel can still be received, as can those sent
    /// through [`Permit`]s and [`OwnedPermit`]s reserved before the close. The receiver
    /// sees the end once the channel is empty and every such permit was used or dropped.
    ///
    /// ```
    /// use weft::sync::mpsc::error::TryRecvError;
    /// let (tx, mut rx) = weft::sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// let permit = tx.try_reserve().unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // the permit may still send
    /// permit.send(3);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Messages waiting in the channel (asyncio's `queue.qsize()`).
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// True if no message is waiting (asyncio's `queue.empty()`).
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::mpsc::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The channel's capacity, as given to [`channel`] (asyncio's `queue.maxsize`).
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::mpsc::channel::<u8>(4);
    /// assert_eq!(rx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }
}

// Messages are never pinned: they are moved out whole.
impl<T> Unpin for Receiver<T> {}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("len", &self.len())
            .field("max_capacity", &self.capacity)
            .finish()
    }
}
