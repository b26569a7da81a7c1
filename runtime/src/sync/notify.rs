//! `Notify`: wake one waiting task, or all of them; the building block of `Event`,
//! `Barrier` and hand-rolled conditions.
//!
//! # Protocol
//!
//! `state` = `generation << GEN_SHIFT | mode`, where `mode` is one of
//!
//! - `EMPTY`: nobody waits and no permit is stored;
//! - `WAITING`: the wait list is non-empty. Set and cleared only under the wait-list lock;
//! - `NOTIFIED`: a `notify_one` found nobody waiting and stored one permit, which the next
//!   `Notified` consumes. Set without the lock (a CAS from `EMPTY`) or under it (a waiter
//!   that gives back a notification it will not use); consumed by a CAS to `EMPTY`.
//!
//! and `generation` counts `notify_waiters` calls (changed only under the lock). A
//! `Notified` future reads the generation when it is *created*; if the generation has moved
//! when it is first polled, a `notify_waiters` happened in between and it completes. So a
//! future created before a `notify_waiters` call is woken by it even if it had not been
//! polled yet, which is what makes `let n = notify.notified(); if cond() { .. } n.await`
//! free of lost wakeups.
//!
//! `notify_one` touches the list only when it sees `WAITING`, under the lock. Under the lock
//! nobody else can leave `WAITING` (only lock holders do), so the wait list's front is the
//! waiter to notify. The notified node is unlinked with `notification = One` and woken; a
//! future dropped while holding an unconsumed `One` passes it on to the next waiter (or
//! stores it as the permit), so dropping a chosen waiter loses no wakeup.
//!
//! A `Notified` polled when its task has spent its cooperative budget still queues (or
//! takes the stored permit) before it yields, and completes on its next poll, so a task
//! that starts waiting later cannot take its turn; a `One` it holds that way is passed on
//! (with `notify_one`) if it is dropped first. Wakers are replaced and dropped only with
//! the wait-list lock released, since their `Drop` is user code that may use this
//! `Notify`.

use super::lock;
use super::wait_list::{WaitList, WakeList};
use crate::loom::{AtomicUsize, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use weft_io::coop;

/// Nobody waits and no permit is stored.
const EMPTY: usize = 0;
/// The wait list is non-empty; only changed under the wait-list lock.
const WAITING: usize = 1;
/// One `notify_one` permit is stored for the next waiter.
const NOTIFIED: usize = 2;
const MODE_MASK: usize = 3;
const GEN_SHIFT: usize = 2;

fn mode(s: usize) -> usize {
    s & MODE_MASK
}

fn generation(s: usize) -> usize {
    s >> GEN_SHIFT
}

/// How a waiter's turn came.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notification {
    /// Still waiting.
    None,
    /// Chosen by `notify_one`: the notification is this waiter's to use or pass on.
    One,
    /// Woken by `notify_waiters` with everyone else.
    All,
}

/// Wakes tasks waiting on it: [`notify_one`](Self::notify_one) wakes the longest waiting
/// task (or lets the next one through at once, if nobody waits), and
/// [`notify_waiters`](Self::notify_waiters) wakes every task waiting right now.
///
/// asyncio's `Event` and `Condition` can be built from it; weft has [`Event`](super::Event)
/// ready-made.
///
/// # Examples
///
/// A one-slot mailbox: the consumer waits until the producer has put something in.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weft::sync::Notify;
///
/// weft::run(async {
///     let slot = Arc::new(Mutex::new(None));
///     let notify = Arc::new(Notify::new());
///     let consumer = weft::spawn({
///         let (slot, notify) = (slot.clone(), notify.clone());
///         async move {
///             loop {
///                 if let Some(v) = slot.lock().unwrap().take() {
///                     return v;
///                 }
///                 notify.notified().await;
///             }
///         }
///     });
///     *slot.lock().unwrap() = Some("parcel");
///     notify.notify_one();
///     assert_eq!(consumer.await.unwrap(), "parcel");
/// });
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Notification>>,
}

impl Notify {
    /// A notify with nobody waiting and no stored permit.
    ///
    /// ```
    /// let n = weft::sync::Notify::new();
    /// # drop(n);
    /// ```
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A future that completes when this task is notified.
    ///
    /// It is woken by a [`notify_waiters`](Self::notify_waiters) call made any time after
    /// it was created (even before its first poll), and by a
    /// [`notify_one`](Self::notify_one) once it waits (or by a permit a `notify_one` left
    /// when nobody waited).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it leaves the wait list, and if `notify_one` had already
    /// chosen it, the notification goes to the next waiter (or is stored as the permit).
    ///
    /// ```
    /// let n = weft::sync::Notify::new();
    /// n.notify_one(); // stored: nobody waits yet
    /// weft::run(n.notified()); // completes at once
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            wait: WaitState::new(self),
        }
    }

    /// Wakes the task that has waited longest; if nobody waits, stores one permit so the
    /// next [`notified`](Self::notified) completes at once (several calls store only one).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let n = Arc::new(weft::sync::Notify::new());
    /// weft::run(async {
    ///     let waiter = weft::spawn({ let n = n.clone(); async move { n.notified().await } });
    ///     n.notify_one();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn notify_one(&self) {
        if self.try_store_permit() {
            return;
        }
        let mut list = lock(&self.waiters);
        if mode(self.state.load(SeqCst)) != WAITING {
            // The waiters left before we got the lock. Under the lock nobody can set
            // `WAITING`, so storing the permit cannot fail now.
            let stored = self.try_store_permit();
            debug_assert!(stored);
            return;
        }
        let node = list
            .pop_front()
            .expect("WAITING means the list is non-empty");
        node.value = Notification::One;
        let waker = node.waker.take();
        if list.is_empty() {
            self.state.fetch_and(!MODE_MASK, SeqCst);
        }
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Without the lock: stores the permit unless tasks wait. Returns false on `WAITING`.
    fn try_store_permit(&self) -> bool {
        let store = |s| (mode(s) != WAITING).then_some((s & !MODE_MASK) | NOTIFIED);
        self.state.fetch_update(SeqCst, SeqCst, store).is_ok()
    }

    /// Wakes every task waiting now (and every `Notified` created before this call). Does
    /// not store a permit: a task that starts waiting later waits for the next call.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let n = Arc::new(weft::sync::Notify::new());
    /// weft::run(async {
    ///     let waiters: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let n = n.clone();
    ///             let notified = n.notified_owned();
    ///             weft::spawn(notified)
    ///         })
    ///         .collect();
    ///     n.notify_waiters();
    ///     for w in waiters {
    ///         w.await.unwrap();
    ///     }
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = WakeList::new();
        let mut list = lock(&self.waiters);
        while let Some(node) = list.pop_front() {
            node.value = Notification::All;
            wakers.push(node.waker.take());
        }
        let next_generation = |s| {
            // The list is empty now: `WAITING` becomes `EMPTY`; a stored permit stays.
            let m = if mode(s) == WAITING { EMPTY } else { mode(s) };
            Some((generation(s).wrapping_add(1) << GEN_SHIFT) | m)
        };
        // Always applies (`next_generation` never refuses).
        let _ = self.state.fetch_update(SeqCst, SeqCst, next_generation);
        drop(list);
        wakers.wake_all();
    }

    /// One poll of a `Notified`. On completion, says how its turn came: `One` if it used
    /// a `notify_one` notification (a wakeup or the stored permit), which it must pass on
    /// if it is dropped before returning; `All` for a `notify_waiters` call.
    fn poll_notified(
        &self,
        key: &mut Option<usize>,
        created_at: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Notification> {
        if let Some(k) = *key {
            let (_list, how) = ready!(WaitList::poll_waiter(lock(&self.waiters), k, cx.waker()));
            *key = None;
            return Poll::Ready(how);
        }

        if let Some(how) = self.try_consume(created_at) {
            return Poll::Ready(how);
        }
        let mut list = lock(&self.waiters);
        let mut s = self.state.load(SeqCst);
        loop {
            if generation(s) != created_at {
                return Poll::Ready(Notification::All);
            }
            let next = match mode(s) {
                NOTIFIED => s & !MODE_MASK,
                WAITING => break,
                _ => s | WAITING,
            };
            match self.state.compare_exchange(s, next, SeqCst, SeqCst) {
                Ok(_) if mode(s) == NOTIFIED => return Poll::Ready(Notification::One),
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        *key = Some(list.push_back(Notification::None, cx.waker().clone()));
        Poll::Pending
    }

    /// Without the lock: completes if a `notify_waiters` happened since `created_at`
    /// (`All`), or takes the stored permit (`One`).
    fn try_consume(&self, created_at: usize) -> Option<Notification> {
        let consume = |s| {
            let permit = generation(s) == created_at && mode(s) == NOTIFIED;
            permit.then_some(s & !MODE_MASK)
        };
        match self.state.fetch_update(SeqCst, SeqCst, consume) {
            Ok(_) => Some(Notification::One),
            Err(s) if generation(s) != created_at => Some(Notification::All),
            Err(_) => None,
        }
    }

    /// A `Notified` is dropped while it has a node: leave, passing on an unused `One`.
    fn cancel(&self, key: usize) {
        let mut list = lock(&self.waiters);
        let node = list.remove(key);
        let mut waker = None;
        if node.value == Notification::One {
            // Chosen by `notify_one` but never completed: the notification is not lost.
            if let Some(next) = list.pop_front() {
                next.value = Notification::One;
                waker = next.waker.take();
            } else {
                // Nobody waits (so the mode is not `WAITING`): keep it as the permit.
                let stored = self.try_store_permit();
                debug_assert!(stored);
            }
        }
        if list.is_empty() && mode(self.state.load(SeqCst)) == WAITING {
            self.state.fetch_and(!MODE_MASK, SeqCst);
        }
        drop(list);
        // The node's own waker (there if it was still linked) goes only now, with the
        // lock released: its `Drop` may use this `Notify`.
        drop(node);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Like [`notified`](Self::notified), for an `Arc<Notify>`: a `'static` future to
    /// move into a task. It too counts as waiting from the moment it is created.
    ///
    /// # Cancel safety
    ///
    /// As [`notified`](Self::notified).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let n = Arc::new(weft::sync::Notify::new());
    /// let fut = n.clone().notified_owned();
    /// n.notify_waiters(); // the future was created before: it completes
    /// weft::run(fut);
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            wait: WaitState::new(&self),
            notify: self,
        }
    }
}

/// A waiter's progress, shared by `Notified` and `OwnedNotified`.
struct WaitState {
    /// The `notify_waiters` generation when the future was created.
    generation: usize,
    /// The waiter's node while it is queued.
    key: Option<usize>,
    /// Notified during a poll that had no cooperative budget left: the future completes
    /// on its next poll with budget. A held `One` is passed on if the future is dropped
    /// first.
    held: Option<Notification>,
    done: bool,
}

impl WaitState {
    fn new(notify: &Notify) -> WaitState {
        WaitState {
            generation: generation(notify.state.load(SeqCst)),
            key: None,
            held: None,
            done: false,
        }
    }

    fn poll(&mut self, notify: &Notify, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        // Out of budget, the task must yield; but it takes its place in the wait list
        // first (or its notification, if one is there), so a task that starts waiting
        // after it, while it yields, cannot take the next `notify_one` from it.
        let coop = coop::poll_proceed(cx);
        let how = match self.held {
            Some(how) => how,
            None => ready!(notify.poll_notified(&mut self.key, self.generation, cx)),
        };
        let Poll::Ready(coop) = coop else {
            // `poll_proceed` has already scheduled the task to run again.
            self.held = Some(how);
            return Poll::Pending;
        };
        coop.made_progress();
        self.held = None;
        self.done = true;
        Poll::Ready(())
    }

    fn cancel(&mut self, notify: &Notify) {
        if let Some(key) = self.key.take() {
            notify.cancel(key);
        }
        if self.held.take() == Some(Notification::One) {
            // Taken while out of budget and never returned: pass it on, as a dropped
            // waiter that `notify_one` chose does.
            notify.notify_one();
        }
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(SeqCst);
        let mode = match mode(s) {
            EMPTY => "empty",
            WAITING => "waiting",
            _ => "notified",
        };
        f.debug_struct("Notify").field("state", &mode).finish()
    }
}

/// The future of [`Notify::notified`].
///
/// # Cancel safety
///
/// Cancel safe: a notification given to a dropped `Notified` is passed on.
#[must_use = "futures do nothing unless `.await`ed"]
pub struct Notified<'a> {
    notify: &'a Notify,
    wait: WaitState,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.wait.poll(this.notify, cx)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.wait.cancel(self.notify);
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("waiting", &self.wait.key.is_some())
            .field("done", &self.wait.done)
            .finish()
    }
}

/// The future of [`Notify::notified_owned`]: a [`Notified`] that keeps its `Notify` alive.
///
/// # Cancel safety
///
/// Cancel safe: a notification given to a dropped `OwnedNotified` is passed on.
#[must_use = "futures do nothing unless `.await`ed"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    wait: WaitState,
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.wait.poll(&this.notify, cx)
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        self.wait.cancel(&self.notify);
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("waiting", &self.wait.key.is_some())
            .field("done", &self.wait.done)
            .finish()
    }
}
