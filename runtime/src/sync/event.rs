//! `Event`: asyncio's `Event`, a flag that tasks can wait to become set.
//!
//! The flag is an atomic; waiting is a `Notify`. `set` stores the flag and then calls
//! `notify_waiters`; `wait` creates its `Notified` *before* it reads the flag. Since a
//! `Notified` counts as waiting from its creation (see `notify.rs`), a `set` that lands
//! after the read wakes it, and one that lands before is seen by the read: no wakeup is
//! lost. `notify_waiters` is only ever called by `set`, so a completed `Notified` means the
//! event was set after `wait` started, even if it was cleared again since; like asyncio,
//! such a waiter returns.

use super::notify::Notify;
use crate::loom::AtomicBool;
use std::fmt;
use std::sync::atomic::Ordering::SeqCst;

/// A flag that tasks can wait on (asyncio's `Event`): [`wait`](Self::wait) completes once
/// the event is [`set`](Self::set), at once if it already is, until it is
/// [`clear`](Self::clear)ed.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Event;
///
/// weft::run(async {
///     let ready = Arc::new(Event::new());
///     let waiters: Vec<_> = (0..3)
///         .map(|i| {
///             let ready = ready.clone();
///             weft::spawn(async move {
///                 ready.wait().await;
///                 i
///             })
///         })
///         .collect();
///     ready.set();
///     for w in waiters {
///         w.await.unwrap();
///     }
///     assert!(ready.is_set());
/// });
/// ```
pub struct Event {
    flag: AtomicBool,
    notify: Notify,
}

impl Event {
    /// A new event, not set.
    ///
    /// ```
    /// assert!(!weft::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event {
            flag: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    /// Sets the event and wakes every task waiting on it. Later `wait`s complete at once
    /// until [`clear`](Self::clear).
    ///
    /// ```
    /// let e = weft::sync::Event::new();
    /// e.set();
    /// weft::run(e.wait());
    /// ```
    pub fn set(&self) {
        self.flag.store(true, SeqCst);
        self.notify.notify_waiters();
    }

    /// Clears the event: later `wait`s wait for the next [`set`](Self::set). Tasks already
    /// woken by a `set` still return.
    ///
    /// ```
    /// let e = weft::sync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.flag.store(false, SeqCst);
    }

    /// True while the event is set.
    ///
    /// ```
    /// let e = weft::sync::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.flag.load(SeqCst)
    }

    /// Waits until the event is set (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops this task from waiting.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let e = Arc::new(weft::sync::Event::new());
    /// weft::run(async {
    ///     let w = weft::spawn({ let e = e.clone(); async move { e.wait().await } });
    ///     e.set();
    ///     w.await.unwrap();
    /// });
    /// ```
    pub async fn wait(&self) {
        let notified = self.notify.notified();
        if self.is_set() {
            return;
        }
        notified.await;
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
