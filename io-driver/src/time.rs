//! Timers fired by the driver thread: a `weft_timer::Wheel` of wakers behind a mutex, and
//! `TimerEntry`, the registration a `Sleep` holds.
//!
//! Ticks are whole milliseconds since the reactor was created. A deadline maps to the tick
//! at or *after* it (rounded up), and the driver fires a tick only once the clock has
//! reached it, so no timer fires early.
//!
//! The protocol between entries and the driver thread (all under the wheel's mutex):
//! - before waiting, the driver stores the tick it will sleep until in `sleep_until`
//!   (`u64::MAX`: no timer armed) and computes its `wait` timeout from it;
//! - after waiting it sets `sleep_until = 0` ("awake, will look again"), advances the wheel
//!   to the current tick and wakes what fired, in one batch with the I/O wakes;
//! - an entry that arms a tick earlier than `sleep_until` lowers it and calls
//!   `Poller::notify()`, so the driver re-computes its timeout; later ticks (or any tick
//!   while the driver is awake) make no syscall.
//!
//! Why one wheel behind a lock rather than one per worker: the `timers` workload of the
//! `compare` benchmark is what settles it; see BENCHMARKS.md.

use crate::reactor::{self, Reactor};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use weft_timer::{Key, Wheel};

pub(crate) struct Timers {
    start: Instant,
    inner: Mutex<Inner>,
}

struct Inner {
    wheel: Wheel<Waker>,
    sleep_until: u64,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            start: Instant::now(),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                sleep_until: 0,
            }),
        }
    }

    /// The current tick (whole milliseconds since start, rounded down).
    fn now_tick(&self) -> u64 {
        Instant::now()
            .saturating_duration_since(self.start)
            .as_millis() as u64
    }

    /// The first tick at or after `deadline` (rounded up).
    fn tick_for(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis() as u64;
        if since > Duration::from_millis(ms) {
            ms.saturating_add(1)
        } else {
            ms
        }
    }

    /// Driver, before waiting: how long it may sleep.
    pub(crate) fn before_wait(&self) -> Option<Duration> {
        let mut inner = self.inner.lock().unwrap();
        let next = inner.wheel.next_deadline();
        inner.sleep_until = next.unwrap_or(u64::MAX);
        let tick = next?;
        let at = self.start + Duration::from_millis(tick);
        Some(at.saturating_duration_since(Instant::now()))
    }

    /// Driver, after waiting: fires every due timer into `wake`.
    pub(crate) fn after_wait(&self, wake: &mut Vec<Waker>) {
        let now = self.now_tick();
        let mut inner = self.inner.lock().unwrap();
        inner.sleep_until = 0;
        inner.wheel.advance(now, |_, waker| wake.push(waker));
    }

    /// Shutdown: wakes every armed timer (their `Sleep`s then report the shutdown).
    pub(crate) fn fire_all(&self, wake: &mut Vec<Waker>) {
        let mut inner = self.inner.lock().unwrap();
        inner.sleep_until = 0;
        inner.wheel.advance(u64::MAX, |_, waker| wake.push(waker));
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().unwrap().wheel.len()
    }
}

/// A timer registration, as held by `weft::time::Sleep`. It binds to the current runtime's
/// reactor when it is first armed, arms itself lazily (a timer that is never polled, or polled only
/// after its deadline, never touches the wheel), and disarms on drop, from any thread.
pub struct TimerEntry {
    reactor: Option<Arc<Reactor>>,
    deadline: Instant,
    key: Option<Key>,
}

impl TimerEntry {
    /// An entry for `deadline`, not yet armed.
    ///
    /// ```
    /// let e = weft_io::TimerEntry::new(std::time::Instant::now());
    /// assert!(e.is_elapsed());
    /// ```
    pub fn new(deadline: Instant) -> TimerEntry {
        // Bound to a reactor only when first armed: an entry that is never armed (a
        // `timeout` whose future is ready at once) costs no lookup and no reference count.
        TimerEntry {
            reactor: None,
            deadline,
            key: None,
        }
    }

    /// The deadline.
    ///
    /// ```
    /// let at = std::time::Instant::now();
    /// assert_eq!(weft_io::TimerEntry::new(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the clock has reached the deadline.
    ///
    /// ```
    /// let later = std::time::Instant::now() + std::time::Duration::from_secs(60);
    /// assert!(!weft_io::TimerEntry::new(later).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline; the entry re-arms at its next poll.
    ///
    /// ```
    /// let now = std::time::Instant::now();
    /// let mut e = weft_io::TimerEntry::new(now + std::time::Duration::from_secs(60));
    /// e.reset(now);
    /// assert!(e.is_elapsed());
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.deadline = deadline;
    }

    fn disarm(&mut self) {
        if let (Some(key), Some(reactor)) = (self.key.take(), &self.reactor) {
            let waker = reactor.timers.inner.lock().unwrap().wheel.cancel(key);
            // Drop the waker outside the lock: dropping may run arbitrary code.
            drop(waker);
        }
    }

    /// `Ready` once the deadline has passed; otherwise arms the timer (or refreshes its
    /// waker) and returns `Pending`.
    ///
    /// # Panics
    ///
    /// If polled outside a weft runtime (there is no driver to fire it).
    ///
    /// # Errors
    ///
    /// Returns `Ready(Err)` if the runtime's driver has shut down.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut e = weft_io::TimerEntry::new(std::time::Instant::now());
    ///     std::future::poll_fn(|cx| e.poll_elapsed(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.is_elapsed() {
            self.disarm();
            return Poll::Ready(Ok(()));
        }
        if self.reactor.is_none() {
            match reactor::current() {
                Ok(r) => self.reactor = Some(r),
                Err(_) => panic!(
                    "a weft timer was polled outside a weft runtime: await sleeps and timeouts \
                     inside a task or Runtime::block_on"
                ),
            }
        }
        let reactor = self.reactor.as_ref().expect("bound just above");
        if reactor.is_shut_down() {
            return Poll::Ready(Err(reactor::shut_down_error()));
        }
        let timers = &reactor.timers;
        let mut inner = timers.inner.lock().unwrap();
        if let Some(waker) = self.key.and_then(|k| inner.wheel.get_mut(k)) {
            if !waker.will_wake(cx.waker()) {
                let old = std::mem::replace(waker, cx.waker().clone());
                // Drop the replaced waker outside the lock: its drop may run arbitrary code
                // (a foreign executor's), which could come back to this wheel.
                drop(inner);
                drop(old);
            }
            return Poll::Pending;
        }
        let key = inner
            .wheel
            .insert(timers.tick_for(self.deadline), cx.waker().clone());
        self.key = Some(key);
        let tick = inner.wheel.deadline(key).expect("just inserted");
        let notify = tick < inner.sleep_until;
        if notify {
            inner.sleep_until = tick;
        }
        drop(inner);
        if notify {
            reactor.notify();
        }
        Poll::Pending
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.disarm();
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry")
            .field("deadline", &self.deadline)
            .field("armed", &self.key.is_some())
            .finish()
    }
}
