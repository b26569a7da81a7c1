//! The unbounded channel: `UnboundedSender` and `UnboundedReceiver`.

use super::chan::{self, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError};
use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Makes an unbounded channel: sends never wait (asyncio's `Queue()` with no `maxsize`).
///
/// Nothing limits how far senders can get ahead of the receiver, so memory grows with the
/// backlog; prefer a bounded [`channel`](super::channel) when producers can outpace the
/// consumer.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
///     tx.send("no waiting").unwrap();
///     assert_eq!(rx.recv().await, Some("no waiting"));
/// });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(None);
    (UnboundedSender { tx }, UnboundedReceiver { rx })
}

/// Sends messages into an unbounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
pub struct UnboundedSender<T> {
    tx: Tx<T>,
}

/// Receives the messages of an unbounded channel; also a [`Stream`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(weft::run(rx.recv()), Some(1));
/// assert_eq!(weft::run(rx.recv()), None);
/// ```
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting (asyncio's `queue.put_nowait(value)`).
    ///
    /// # Errors
    ///
    /// [`SendError`], holding `value`, if the receiver was dropped or closed: nobody will
    /// receive from this channel again, so stop sending on it.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.tx.push(value).map_err(SendError)
    }

    /// Completes once the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::unbounded_channel::<()>();
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
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// True if both senders feed the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A [`WeakUnboundedSender`], which does not keep the channel open.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx.downgrade(),
        }
    }

    /// Live `UnboundedSender`s of this channel (this one included).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// Live [`WeakUnboundedSender`]s of this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

/// An unbounded sender that does not keep the channel open; see
/// [`WeakSender`](super::WeakSender).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakUnboundedSender<T> {
    tx: WeakTx<T>,
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`] again, or `None` if every one is gone (the channel has
    /// ended).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.tx.upgrade().map(|tx| UnboundedSender { tx })
    }

    /// Live `UnboundedSender`s of this channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// Live `WeakUnboundedSender`s of this channel (this one included).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::WeakUnboundedSender")
            .field("strong_count", &self.strong_count())
            .finish()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> UnboundedReceiver<T> {
    /// Waits for the next message; `None` once every sender is gone (or the receiver was
    /// closed) and the channel is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message was taken.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(7).unwrap();
    /// assert_eq!(weft::run(rx.recv()), Some(7));
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// Polls for the next message, registering `cx`'s waker if there is none yet.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(rx.poll_recv(&mut cx).is_pending());
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Waits for at least one message, then moves up to `limit` of those waiting into
    /// `buffer`; returns how many. 0 only when `limit` is 0 or the channel has ended.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message was taken.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let mut buf = vec![0];
    /// assert_eq!(weft::run(rx.recv_many(&mut buf, 10)), 2);
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
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut buf = Vec::new();
    /// tx.send(1).unwrap();
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

    /// True once the channel is closed for sending: the receiver closed it or every
    /// sender is gone. Messages sent before may still be waiting.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel::<()>();
    /// assert!(!rx.is_closed());
    /// rx.close();
    /// assert!(rx.is_closed());
    /// # drop(tx);
    /// ```
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// Takes a message if one is waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if no message is waiting right now: `.await`
    /// [`recv`](Self::recv) to wait for one, or retry later.
    ///
    /// [`TryRecvError::Disconnected`] if none ever will come (every sender is gone, or the
    /// receiver was closed, and the channel is empty): stop receiving.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
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
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || tx.send(4).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(4));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        self.rx
            .blocking_recv("mpsc::UnboundedReceiver::blocking_recv")
    }

    /// Closes the channel for sending; messages already in it can still be received.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Messages waiting in the channel.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::mpsc::unbounded_channel();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// True if no message is waiting.
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::mpsc::unbounded_channel::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// Messages are never pinned: they are moved out whole.
impl<T> Unpin for UnboundedReceiver<T> {}

impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedReceiver")
            .field("len", &self.len())
            .finish()
    }
}
