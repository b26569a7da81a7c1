//! `oneshot`: one value, sent once, from one task to another; asyncio's `Future` split
//! into its two halves.
//!
//! | asyncio | weft |
//! |---|---|
//! | `fut = loop.create_future()` | `let (tx, rx) = oneshot::channel()` |
//! | `fut.set_result(v)` | `tx.send(Ok(v))` (or `tx.send(v)` for a plain value) |
//! | `fut.set_exception(e)` | `tx.send(Err(e))` with `T = Result<V, E>` |
//! | `fut.cancel()` | `drop(tx)`: the receiver gets [`RecvError`] |
//! | `await fut` | `rx.await` |
//! | `fut.done()` | [`Sender::is_closed`] / [`Receiver::try_recv`] |
//!
//! # Protocol
//!
//! One allocation shared by both halves holds a state word, the value slot and two waker
//! slots. The state bits:
//!
//! - `COMPLETE`: the sender is done: it stored a value (`value` is `Some`) or it was
//!   dropped without sending (`value` is `None`). Set once, by the sender, and only while
//!   `CLOSED` is clear: a sender that finds `CLOSED` takes its value back instead.
//! - `CLOSED`: the receiver closed or was dropped: a send will fail. Set once, by the
//!   receiver.
//! - `RX_WAKER`: `rx_waker` holds the receiver's waker, to be woken at `COMPLETE`.
//! - `TX_WAKER`: `tx_waker` holds the sender's waker (from `Sender::closed`), to be woken
//!   at `CLOSED`.
//!
//! Who owns what:
//! - `value`: the sender, until it sets `COMPLETE`; then the receiver.
//! - `rx_waker`: the receiver while `RX_WAKER` is clear. While it is set, both sides may
//!   only read it (the sender to wake it, the receiver to compare it); the receiver takes
//!   it back by clearing `RX_WAKER` with a CAS that fails once `COMPLETE` is set. After
//!   `COMPLETE` the receiver never touches it again.
//! - `tx_waker`: the same, mirrored: the sender's while `TX_WAKER` is clear, read-only
//!   while set, reclaimed by a CAS that fails once `CLOSED` is set.
//!
//! A side that is done with the channel drops its own waker at once, not with the
//! allocation (the other half may live on for long, and a waker can keep a whole task
//! alive): once `CLOSED` is set without `COMPLETE`, the sender can never complete, so it
//! never reads `rx_waker` again and the receiver takes its waker back; once the sender's
//! `COMPLETE` went in before `CLOSED`, the receiver's close never reads `tx_waker`, and the
//! sender takes its waker back. In the other two cases the other side may be reading the
//! slot right then, and the waker goes with the allocation, which that side is about to
//! let go of.
//!
//! A waiting side stores its waker, then sets its bit with one read-modify-write; the
//! other side finishes with one read-modify-write too. Whichever comes second sees the
//! other's bit: either the finisher sees the waker bit and wakes it, or the waiter sees
//! the finish and does not wait. No wakeup is lost.

use crate::loom::{Arc, AtomicUsize, UnsafeCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{AcqRel, Acquire};

use std::task::{ready, Context, Poll, Waker};
use weft_io::coop;

/// The sender finished: a value is stored, or it was dropped. Set once, by the sender,
/// only while `CLOSED` is clear.
const COMPLETE: usize = 1 << 0;
/// The receiver closed or was dropped. Set once, by the receiver.
const CLOSED: usize = 1 << 1;
/// `rx_waker` holds a waker for the sender to wake. Set and cleared by the receiver.
const RX_WAKER: usize = 1 << 2;
/// `tx_waker` holds a waker for the receiver to wake. Set and cleared by the sender.
const TX_WAKER: usize = 1 << 3;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the state word decides, at every moment, which one side may touch each slot
// (see the module docs); the value only moves from one thread to another, so `T: Send`
// suffices for both.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

/// Makes a oneshot channel: the [`Sender`] sends one value, the [`Receiver`] (a future)
/// gets it.
///
/// # Examples
///
/// ```
/// use weft::sync::oneshot;
///
/// weft::run(async {
///     let (tx, rx) = oneshot::channel();
///     weft::spawn(async move {
///         // `fut.set_result(42)`
///         let _ = tx.send(42);
///     });
///     assert_eq!(rx.await.unwrap(), 42);
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

/// The sending half: sends one value with [`send`](Self::send), or, dropped unsent,
/// tells the receiver that no value will come (asyncio's `fut.cancel()`).
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::oneshot::channel::<u8>();
/// drop(tx);
/// assert!(weft::run(rx).is_err());
/// ```
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// The receiving half: a future of the value (asyncio's `await fut`).
///
/// # Cancel safety
///
/// Awaiting `&mut receiver` is cancel safe: a value sent while the `.await` was dropped
/// stays in the channel for the next poll or [`try_recv`](Self::try_recv). Dropping the
/// receiver itself closes the channel, and a value sent before is dropped with it.
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::oneshot::channel();
/// tx.send("hello").unwrap();
/// assert_eq!(weft::run(rx).unwrap(), "hello");
/// ```
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// The sender was dropped without sending: no value will come (asyncio's
/// `CancelledError` on a cancelled future).
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::oneshot::channel::<()>();
/// drop(tx);
/// let err = weft::run(rx).unwrap_err();
/// assert!(err.to_string().contains("dropped"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the oneshot sender was dropped without sending a value (the operation it stood \
             for was cancelled or failed): treat it as cancellation",
        )
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned no value.
///
/// # Examples
///
/// ```
/// use weft::sync::oneshot::{channel, TryRecvError};
/// let (tx, mut rx) = channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet; the sender may still send one.
    Empty,
    /// No value will come: the sender was dropped unsent, the receiver was closed, or the
    /// value was already taken.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => {
                f.write_str("no value has been sent yet: `.await` the receiver to wait for it")
            }
            TryRecvError::Closed => f.write_str(
                "no value will come: the sender was dropped unsent, the receiver was closed, \
                 or the value was already received",
            ),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl<T> Inner<T> {
    /// Sender side: sets `COMPLETE` unless `CLOSED`; wakes the receiver if it waits.
    /// Returns false (and sets nothing) if the receiver has closed.
    fn complete(&self) -> bool {
        let set = |s| (s & CLOSED == 0).then_some(s | COMPLETE);
        let Ok(s) = self.state.fetch_update(AcqRel, Acquire, set) else {
            return false;
        };
        if s & RX_WAKER != 0 {
            // SAFETY: RX_WAKER was set when we set COMPLETE, so the slot holds the
            // receiver's waker and it will never write the slot again: shared read.
            self.rx_waker
                .with(|w| unsafe { &*w }.as_ref().map(Waker::wake_by_ref));
        }
        if s & TX_WAKER != 0 {
            // Our `closed()` waker will never be woken: `CLOSED` was clear when COMPLETE
            // went in, so the receiver's close sees COMPLETE and leaves the slot alone.
            self.state.fetch_and(!TX_WAKER, AcqRel);
            // SAFETY: as just said, the receiver never reads `tx_waker` again, and only
            // the sender (this call, consuming it) writes it.
            drop(self.tx_waker.with_mut(|w| unsafe { (*w).take() }));
        }
        true
    }

    /// Receiver side, letting go of the channel after `CLOSED` was set and while
    /// `COMPLETE` is clear: drops the receiver's waker now, since the sender can no
    /// longer complete and so will never wake (or read) it.
    ///
    /// # Safety
    /// Only the receiver may call this, and only after it set `CLOSED` and saw `COMPLETE`
    /// clear (in the same or a later state).
    unsafe fn drop_rx_waker(&self) {
        if self.state.fetch_and(!RX_WAKER, AcqRel) & RX_WAKER == 0 {
            return;
        }
        // SAFETY: the sender reads `rx_waker` only after setting COMPLETE, which it can no
        // longer do once CLOSED is set (the caller's contract); the receiver is the only
        // writer.
        drop(self.rx_waker.with_mut(|w| unsafe { (*w).take() }));
    }

    /// Receiver side: sets `CLOSED`; wakes the sender if it waits in `closed()`.
    fn close(&self) -> usize {
        let prev = self.state.fetch_or(CLOSED, AcqRel);
        if prev & (TX_WAKER | COMPLETE) == TX_WAKER {
            // SAFETY: TX_WAKER was set when we set CLOSED, so the slot holds the sender's
            // waker and it will never write the slot again: shared read.
            self.tx_waker
                .with(|w| unsafe { &*w }.as_ref().map(Waker::wake_by_ref));
        }
        prev
    }

    /// Receiver side, after seeing `COMPLETE`: takes the value.
    fn take_value(&self) -> Option<T> {
        // SAFETY: COMPLETE is set, so the value slot belongs to the receiver, whose
        // `&mut self` makes this the only access.
        self.value.with_mut(|v| unsafe { (*v).take() })
    }

    /// Registers `waker` in a slot guarded by `bit`, which the other side stops honouring
    /// once `done` is set. Returns false if `done` was set first (nothing is waited for).
    ///
    /// # Safety
    /// Only the side that owns `slot` while `bit` is clear may call this, and only from
    /// one thread at a time (`&mut` on its handle).
    unsafe fn register(
        &self,
        slot: &UnsafeCell<Option<Waker>>,
        bit: usize,
        done: usize,
        waker: &Waker,
    ) -> bool {
        let s = self.state.load(Acquire);
        if s & done != 0 {
            return false;
        }
        if s & bit != 0 {
            // SAFETY: `bit` is set: a shared read of the slot, as the other side may do.
            let same = slot.with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
            if same {
                return true;
            }
            // Take the slot back; fails once `done` is set (the other side may be reading).
            let take_back = |s| (s & done == 0).then_some(s & !bit);
            if self.state.fetch_update(AcqRel, Acquire, take_back).is_err() {
                return false;
            }
        }
        // SAFETY: `bit` is clear, so the slot is ours alone (the caller's contract).
        let old = slot.with_mut(|w| unsafe { (*w).replace(waker.clone()) });
        drop(old);
        let prev = self.state.fetch_or(bit, AcqRel);
        prev & done == 0
    }
}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        self.inner
            .as_deref()
            .expect("the inner state is only taken by `send`, which consumes the sender")
    }

    /// Sends `value`, completing the receiver (asyncio's `fut.set_result(value)`; send an
    /// `Err` through a `Result` channel for `set_exception`).
    ///
    /// # Errors
    ///
    /// `Err(value)`, the value handed back, if the receiver was dropped or closed: nobody
    /// will receive it, so the work that produced it may stop, or use the value elsewhere.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self
            .inner
            .take()
            .expect("a sender holds its state until send consumes it");
        // SAFETY: COMPLETE is clear (only this sender sets it, and it has not), so the
        // value slot is the sender's.
        inner.value.with_mut(|v| unsafe { *v = Some(value) });
        if inner.complete() {
            return Ok(());
        }
        // The receiver is gone: take the value back (COMPLETE was not set, it is ours).
        // SAFETY: as above.
        let value = inner.value.with_mut(|v| unsafe { (*v).take() });
        Err(value.expect("we stored it just above"))
    }

    /// True once the receiver was dropped or closed: a send would fail.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().state.load(Acquire) & CLOSED != 0
    }

    /// Waits until the receiver is dropped or closed: the result is no longer wanted, so
    /// the work producing it can stop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let (mut tx, rx) = weft::sync::oneshot::channel::<()>();
    /// weft::run(async move {
    ///     let watcher = weft::spawn(async move { tx.closed().await });
    ///     drop(rx);
    ///     watcher.await.unwrap();
    /// });
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls whether the receiver is gone, registering `cx`'s waker if not.
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let (mut tx, rx) = weft::sync::oneshot::channel::<()>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// drop(rx);
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let inner = self.inner();
        // SAFETY: the sender owns `tx_waker` while TX_WAKER is clear, and `&mut self`
        // keeps this to one thread.
        if unsafe { inner.register(&inner.tx_waker, TX_WAKER, CLOSED, cx.waker()) } {
            return Poll::Pending;
        }
        coop.made_progress();
        Poll::Ready(())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Dropped unsent: COMPLETE with no value tells the receiver so.
            inner.complete();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.inner.as_ref().map(|_| self.is_closed()))
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet: `.await` the receiver to wait for
    /// the value, or retry later.
    ///
    /// [`TryRecvError::Closed`] if nothing ever will be (the sender was dropped unsent, or
    /// this receiver was closed first), or the value was already taken: stop asking.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::oneshot::channel();
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner.as_deref() else {
            return Err(TryRecvError::Closed);
        };
        let s = inner.state.load(Acquire);
        if s & COMPLETE != 0 {
            let value = inner.take_value();
            self.inner = None;
            return value.ok_or(TryRecvError::Closed);
        }
        if s & CLOSED != 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// True once the receiver has produced its result (awaited to completion, or a value
    /// taken with [`try_recv`](Self::try_recv)): it must not be polled again.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::oneshot::channel();
    /// assert!(!rx.is_terminated());
    /// tx.send(1).unwrap();
    /// assert_eq!(weft::run(&mut rx), Ok(1));
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// True if there is no value to take right now: nothing was sent yet, the sender was
    /// dropped unsent, or the receiver already took its result. A value sent before a
    /// [`close`](Self::close) still counts (it can be taken).
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(5).unwrap();
    /// assert!(!rx.is_empty());
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(inner) = self.inner.as_deref() else {
            return true;
        };
        if inner.state.load(Acquire) & COMPLETE == 0 {
            return true;
        }
        // SAFETY: COMPLETE is set, so the value slot belongs to the receiver, and `&self`
        // on the receiver rules out its own writes (they all take `&mut self`).
        inner.value.with(|v| unsafe { (*v).is_none() })
    }

    /// Closes the channel without dropping the receiver: a later send fails, and a value
    /// sent before can still be taken with [`try_recv`](Self::try_recv) (or by awaiting).
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        if let Some(inner) = self.inner.as_deref() {
            inner.close();
        }
    }

    /// Receives from synchronous code, blocking the thread until the value arrives or the
    /// sender is dropped. Use it in `spawn_blocking` jobs or plain threads, never inside a
    /// task (it would block the worker).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending: no value will come; treat
    /// it as the operation being cancelled.
    ///
    /// # Panics
    ///
    /// Inside a runtime (in a task, or inside `block_on`), with a message naming the async
    /// form to use instead.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(8).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(8));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        super::park::block_on("oneshot::Receiver::blocking_recv", "receiver.await", self)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .as_deref()
            .expect("oneshot::Receiver polled after it returned its result");
        let coop = ready!(coop::poll_proceed(cx));
        let s = inner.state.load(Acquire);
        let s = if s & COMPLETE == 0 && s & CLOSED == 0 {
            // SAFETY: the receiver owns `rx_waker` while RX_WAKER is clear, and
            // `&mut self` keeps this to one thread.
            if unsafe { inner.register(&inner.rx_waker, RX_WAKER, COMPLETE, cx.waker()) } {
                return Poll::Pending;
            }
            inner.state.load(Acquire)
        } else {
            s
        };
        coop.made_progress();
        let out = if s & COMPLETE != 0 {
            inner.take_value().ok_or(RecvError(()))
        } else {
            // Closed by `close()` before anything was sent.
            // SAFETY: we are the receiver; CLOSED is set and COMPLETE clear in `s`.
            unsafe { inner.drop_rx_waker() };
            Err(RecvError(()))
        };
        this.inner = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if inner.close() & COMPLETE != 0 {
                // Drop a sent value here, not whenever the sender's reference goes.
                drop(inner.take_value());
            } else {
                // Nobody will wake our waker now: drop it here too.
                // SAFETY: we are the receiver; we just set CLOSED and saw COMPLETE clear.
                unsafe { inner.drop_rx_waker() };
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.as_ref().map(|i| i.state.load(Acquire));
        f.debug_struct("oneshot::Receiver")
            .field("sent", &state.map(|s| s & COMPLETE != 0))
            .field("closed", &state.map(|s| s & CLOSED != 0))
            .finish()
    }
}
