//! `watch`: one value that changes over time, and receivers that wait for it to change
//! (tokio's `watch`, with its semantics): configuration reloads, state broadcasts, "the
//! latest reading" of a sensor.
//!
//! Unlike [`broadcast`](super::broadcast), only the newest value is kept: a receiver that
//! looks less often than the value changes sees the latest value, never a backlog. Each
//! receiver remembers the version it has seen; [`Receiver::changed`] waits until there is
//! a newer one and marks it seen.
//!
//! # Protocol
//!
//! - `value` (a reader-writer lock) holds the value. Senders write it under the write
//!   lock; receivers borrow it under the read lock ([`Ref`] holds that lock, so keep it
//!   briefly, and never across an `.await`).
//! - `state` = `version << 1 | CLOSED`. A sender that changed the value adds one version
//!   *while it still holds the write lock*, so a reader that reads the version under the
//!   read lock ([`Receiver::borrow_and_update`]) sees the version of the value it reads.
//!   The last sender to go sets `CLOSED` (never cleared).
//! - After a version bump or the close, the sender calls `changed.notify_waiters()`. A
//!   waiting receiver creates its `Notified` *before* it reads `state`: a `Notify` wakes
//!   every `Notified` created before a `notify_waiters`, polled or not, so either the
//!   receiver reads the new state or it is woken by the notification. No change is
//!   missed.
//! - `rx_count` counts receivers; the last one to go calls `no_receivers.notify_waiters()`
//!   for [`Sender::closed`], which checks the count the same way.

pub mod error;

#[cfg(all(test, loom))]
mod loom_tests;

use self::error::{RecvError, SendError};
use crate::loom::{Arc, AtomicUsize};
use crate::sync::Notify;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

#[cfg(loom)]
use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// `state`: every sender is gone. Set once, by the last sender's drop.
const CLOSED: usize = 1;
/// `state`: one version. Added by a sender that changed the value, under the write lock.
const VERSION: usize = 2;

fn version(state: usize) -> usize {
    state & !CLOSED
}

/// Makes a watch channel holding `init`, with one receiver (which counts `init` as seen).
///
/// # Examples
///
/// ```
/// use weft::sync::watch;
///
/// weft::run(async {
///     let (tx, mut rx) = watch::channel("v1");
///     let reader = weft::spawn(async move {
///         rx.changed().await.unwrap();
///         *rx.borrow_and_update()
///     });
///     tx.send("v2").unwrap();
///     assert_eq!(reader.await.unwrap(), "v2");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(init);
    let rx = tx.subscribe();
    (tx, rx)
}

/// Changes the value and notifies the receivers; clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::watch::channel(1);
/// tx.send_modify(|v| *v += 1);
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Watches the value: borrow it, or wait for it to change.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::watch::channel(0);
/// tx.send(5).unwrap();
/// assert!(rx.has_changed().unwrap());
/// assert_eq!(*rx.borrow_and_update(), 5);
/// assert!(!rx.has_changed().unwrap());
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    version: usize,
}

/// A borrow of the value, holding the channel's read lock: senders wait while it lives,
/// so drop it soon (and never hold it across an `.await`).
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft::sync::watch::channel(String::from("config"));
/// {
///     let value = rx.borrow();
///     assert_eq!(value.len(), 6);
/// } // released here: a send may proceed
/// tx.send(String::new()).unwrap();
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

struct Shared<T> {
    value: RwLock<T>,
    /// `version << 1 | CLOSED`; see the module docs.
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Woken at each new version and at the close.
    changed: Notify,
    /// Woken when the last receiver goes.
    no_receivers: Notify,
}

impl<T> Shared<T> {
    /// The read lock. Poisoning is ignored: a panic in a sender's `modify` leaves the
    /// value as the closure left it, unannounced (the version is not bumped), which is
    /// what a reader would see had the closure returned `false`.
    fn read(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> Ref<'_, T> {
    /// True if the value borrowed is newer than the one its receiver had seen before
    /// this borrow (always false for a borrow through the [`Sender`]).
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> Sender<T> {
    /// A sender holding `init`, with no receiver yet (make them with
    /// [`subscribe`](Self::subscribe)).
    ///
    /// ```
    /// let tx = weft::sync::watch::Sender::new(3);
    /// let rx = tx.subscribe();
    /// assert_eq!(*rx.borrow(), 3);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        Sender {
            shared: Arc::new(Shared {
                value: RwLock::new(init),
                state: AtomicUsize::new(0),
                rx_count: AtomicUsize::new(0),
                tx_count: AtomicUsize::new(1),
                changed: Notify::new(),
                no_receivers: Notify::new(),
            }),
        }
    }

    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`], holding `value`, if there is no receiver: the value is not stored.
    /// Use [`send_replace`](Self::send_replace) to store it regardless (for receivers
    /// that subscribe later).
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(*tx.borrow(), 1);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value, notifies the receivers (if any), and returns the old value.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|v| std::mem::swap(v, &mut value));
        value
    }

    /// Changes the value in place and notifies the receivers (if any).
    ///
    /// `modify` runs under the channel's write lock: it must not use this channel.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Runs `modify` on the value; if it returns true, notifies the receivers (a new
    /// version). Returns what `modify` returned. If `modify` panics, the receivers are not
    /// notified (the value stays as the closure left it).
    ///
    /// `modify` runs under the channel's write lock: it must not use this channel.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(5);
    /// assert!(!tx.send_if_modified(|v| if *v > 10 { *v = 10; true } else { false }));
    /// assert!(!rx.has_changed().unwrap(), "unchanged: nobody is woken");
    /// assert!(tx.send_if_modified(|v| { *v = 11; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut value = self.shared.write();
        if !modify(&mut value) {
            return false;
        }
        // Under the write lock: a reader that reads the version under the read lock sees
        // the version of the value it reads.
        self.shared.state.fetch_add(VERSION, AcqRel);
        drop(value);
        self.shared.changed.notify_waiters();
        true
    }

    /// Borrows the value (holding the read lock: receivers' borrows go on, sends wait).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.read(),
            has_changed: false,
        }
    }

    /// A new receiver, which counts the current value as seen.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// let rx2 = tx.subscribe();
    /// assert!(!rx2.has_changed().unwrap());
    /// assert_eq!(*rx2.borrow(), 1);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Relaxed);
        let version = version(self.shared.state.load(Acquire));
        Receiver {
            shared: self.shared.clone(),
            version,
        }
    }

    /// Live receivers.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Acquire)
    }

    /// Live senders (this one included).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(());
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Acquire)
    }

    /// True if there is no receiver: a [`send`](Self::send) would fail.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes once there is no receiver (now, or when the last one goes): nobody is
    /// interested in the value any more, so the work producing it can stop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(());
    /// weft::run(async move {
    ///     let producer = weft::spawn(async move { tx.closed().await });
    ///     drop(rx);
    ///     producer.await.unwrap();
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

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(());
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        self.shared.state.fetch_or(CLOSED, AcqRel);
        self.shared.changed.notify_waiters();
    }
}

impl<T: Default> Default for Sender<T> {
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .field("receiver_count", &self.receiver_count())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Borrows the value, without marking it seen ([`Ref::has_changed`] says whether it
    /// is newer than the one seen). Holds the read lock while the `Ref` lives.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert!(rx.has_changed().unwrap(), "borrow does not mark it seen");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let current = version(self.shared.state.load(Acquire));
        Ref {
            guard,
            has_changed: current != self.version,
        }
    }

    /// Borrows the value and marks it seen, so [`changed`](Self::changed) waits for the
    /// next version.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        // Read under the read lock: the version of the value in `guard` (see the module
        // docs).
        let current = version(self.shared.state.load(Acquire));
        let has_changed = current != self.version;
        self.version = current;
        Ref { guard, has_changed }
    }

    /// True if there is a version this receiver has not seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone (even if the last value was not seen:
    /// borrow it to read it). Stop waiting for changes.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(0);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Acquire);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(version(state) != self.version)
    }

    /// Makes the next [`changed`](Self::changed) complete at once, as if a new version
    /// had been sent.
    ///
    /// ```
    /// let (_tx, mut rx) = weft::sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(VERSION);
    }

    /// Marks the current version seen without borrowing it.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = version(self.shared.state.load(Acquire));
    }

    /// Waits until there is a version this receiver has not seen, and marks it seen
    /// (completes at once if there is one already). Read it with
    /// [`borrow`](Self::borrow) afterwards.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and the current version was already seen:
    /// no change will come, so stop waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no version was marked
    /// seen.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(0);
    /// weft::run(async move {
    ///     weft::spawn(async move { tx.send(1).unwrap() });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 1);
    /// });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            // Created before the look at `state`: a change after the look still wakes us.
            let notified = self.shared.changed.notified();
            if let Some(done) = look_for_change(&self.shared, &mut self.version) {
                return done;
            }
            notified.await;
        }
    }

    /// Waits until the value satisfies `f`, checking the current value first; returns a
    /// borrow of the value that did (marked seen).
    ///
    /// `f` runs under the read lock: it must not use this channel's sender.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before a value satisfied `f` (the last value
    /// is checked first): it never will.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only leaves the versions it looked at marked
    /// seen.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(0);
    /// weft::run(async move {
    ///     weft::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///             weft::task::yield_now().await;
    ///         }
    ///     });
    ///     let v = rx.wait_for(|v| *v >= 3).await.unwrap();
    ///     assert!(*v >= 3);
    /// });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let mut first = true;
        loop {
            // Created before the look: a change after it still wakes us.
            let notified = self.shared.changed.notified();
            {
                let guard = self.shared.read();
                let state = self.shared.state.load(Acquire);
                let has_changed = version(state) != self.version;
                self.version = version(state);
                // The current value is checked first; after that, each new version.
                if (first || has_changed) && f(&guard) {
                    return Ok(Ref { guard, has_changed });
                }
                if state & CLOSED != 0 {
                    return Err(RecvError(()));
                }
            }
            first = false;
            notified.await;
        }
    }

    /// True once every sender is gone.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.load(Acquire) & CLOSED != 0
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = weft::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// One look at `state` for a receiver that has seen `seen`: `Some(Ok)` (and marked seen)
/// if there is a new version, `Some(Err)` if closed with none, `None` to wait.
fn look_for_change<T>(shared: &Shared<T>, seen: &mut usize) -> Option<Result<(), RecvError>> {
    let state = shared.state.load(Acquire);
    if version(state) != *seen {
        *seen = version(state);
        return Some(Ok(()));
    }
    if state & CLOSED != 0 {
        return Some(Err(RecvError(())));
    }
    None
}

impl<T> Clone for Receiver<T> {
    /// A receiver that has seen what this one has.
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &*self.borrow())
            .field("has_changed", &self.has_changed().unwrap_or(false))
            .finish()
    }
}
