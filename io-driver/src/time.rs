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
//!   while the driver is awake) make no syscall;
//! - a reset *moves* an armed entry, waker included, to its new tick (and notifies as an
//!   arming does): the task that parked on the old deadline may not poll again before the
//!   new one, and nothing else would wake it (tokio's `Sleep::reset` keeps the waker too).
//!   An entry that already fired needs nothing: its waker is on its way to the task, which
//!   re-polls and arms the new deadline;
//! - at shutdown the driver fires every entry and sets `shut_down`; from then on nothing
//!   is armed (it would never fire) and polls report the shutdown.
//!
//! No waker is cloned, dropped or woken while the mutex is held: each of those may run a
//! foreign executor's code, which may come back to this wheel (arm or drop a `Sleep`, read
//! `num_armed_timers`) and would deadlock on the non-reentrant mutex. Clones are taken
//! before locking, replaced or cancelled wakers are dropped after unlocking, and fired
//! ones are handed to the caller to wake once the lock is released.
//!
//! Why one wheel behind a lock rather than one per worker: the `timers` workload of the
//! `compare` benchmark is what settles it; see BENCHMARKS.md.

use crate::loom::{Mutex, MutexGuard};
use crate::reactor::{self, Reactor};
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use weft_timer::{Key, Wheel};

#[cfg(all(test, loom))]
mod loom_tests;

pub(crate) struct Timers {
    start: Instant,
    inner: Mutex<Inner>,
}

struct Inner {
    wheel: Wheel<Waker>,
    /// The tick the driver sleeps until: set by the driver before it waits (`u64::MAX`:
    /// nothing armed) and cleared to 0 after; lowered by an entry that arms an earlier tick,
    /// which then notifies the driver.
    sleep_until: u64,
    /// Set once, by the driver's `fire_all` at shutdown; never cleared. Checked under the
    /// lock by `register`, so no entry is armed after the wheel has been emptied for good.
    shut_down: bool,
}

/// The driver thread has shut down; the timer can never fire.
#[derive(Debug)]
pub(crate) struct ShutDown;

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            start: Instant::now(),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                sleep_until: 0,
                shut_down: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
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
        let tick = self.next_wake()?;
        let at = self.start + Duration::from_millis(tick);
        Some(at.saturating_duration_since(Instant::now()))
    }

    /// Driver, before waiting: records and returns the tick it will sleep until.
    fn next_wake(&self) -> Option<u64> {
        let mut inner = self.lock();
        let next = inner.wheel.next_deadline();
        inner.sleep_until = next.unwrap_or(u64::MAX);
        next
    }

    /// Driver, after waiting: fires every due timer into `wake`.
    pub(crate) fn after_wait(&self, wake: &mut Vec<Waker>) {
        self.fire(self.now_tick(), wake);
    }

    /// Driver, after waiting: fires every timer due by tick `now` into `wake`, for the
    /// caller to wake once the lock is released.
    fn fire(&self, now: u64, wake: &mut Vec<Waker>) {
        let mut inner = self.lock();
        inner.sleep_until = 0;
        inner.wheel.advance(now, |_, waker| wake.push(waker));
    }

    /// Shutdown: fires every armed timer into `wake` (their `Sleep`s then report the
    /// shutdown) and refuses every later arming.
    pub(crate) fn fire_all(&self, wake: &mut Vec<Waker>) {
        let mut inner = self.lock();
        inner.shut_down = true;
        inner.sleep_until = 0;
        inner.wheel.advance(u64::MAX, |_, waker| wake.push(waker));
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().wheel.len()
    }

    /// Arms `key` at `tick` with `waker`, or refreshes the waker of the armed entry.
    /// Returns whether the driver must be notified (the tick is earlier than the one it
    /// sleeps until).
    fn register(&self, key: &mut Option<Key>, tick: u64, waker: &Waker) -> Result<bool, ShutDown> {
        if let Some(armed) = *key {
            // The common re-poll: the entry is armed for this very task.
            let mut inner = self.lock();
            if inner
                .wheel
                .get_mut(armed)
                .is_some_and(|w| w.will_wake(waker))
            {
                return Ok(false);
            }
        }
        // Cloned with no lock held (module docs).
        let fresh = waker.clone();
        let mut inner = self.lock();
        if inner.shut_down {
            drop(inner);
            drop(fresh);
            return Err(ShutDown);
        }
        if let Some(armed) = key.and_then(|k| inner.wheel.get_mut(k)) {
            let old = std::mem::replace(armed, fresh);
            drop(inner);
            // Dropped after unlocking (module docs).
            drop(old);
            return Ok(false);
        }
        let new = inner.wheel.insert(tick, fresh);
        *key = Some(new);
        Ok(Self::lower_sleep_until(&mut inner, new))
    }

    /// Moves the armed entry `key` (waker and all) to `tick`. Returns whether the driver
    /// must be notified. An entry not armed (never, or already fired) is left alone: its
    /// task polls again before it waits.
    fn reset(&self, key: &mut Option<Key>, tick: u64) -> bool {
        let Some(armed) = *key else {
            return false;
        };
        let mut inner = self.lock();
        // Cancel and insert in one critical section: the driver never sees the entry gone,
        // and the waker never leaves the wheel, so it is neither dropped nor lost.
        let Some(waker) = inner.wheel.cancel(armed) else {
            *key = None;
            return false;
        };
        let new = inner.wheel.insert(tick, waker);
        *key = Some(new);
        Self::lower_sleep_until(&mut inner, new)
    }

    /// Disarms `key`, if armed.
    fn cancel(&self, key: &mut Option<Key>) {
        if let Some(armed) = key.take() {
            let waker = self.lock().wheel.cancel(armed);
            // Dropped after unlocking (module docs): the guard above is a temporary of the
            // statement, released before this line.
            drop(waker);
        }
    }

    /// Lowers `sleep_until` to the tick of the just-armed entry `key` if it is earlier;
    /// returns whether it did, which means the driver must be notified.
    fn lower_sleep_until(inner: &mut Inner, key: Key) -> bool {
        let tick = inner.wheel.deadline(key).expect("just armed");
        let notify = tick < inner.sleep_until;
        if notify {
            inner.sleep_until = tick;
        }
        notify
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

    /// Moves the deadline (earlier or later). An armed entry stays armed, with the waker
    /// of its last poll, and fires at the new deadline: a task waiting on it is woken then,
    /// even if it does not poll the entry again first (say the reset came from another
    /// thread while the task was parked).
    ///
    /// ```
    /// let now = std::time::Instant::now();
    /// let mut e = weft_io::TimerEntry::new(now + std::time::Duration::from_secs(60));
    /// e.reset(now);
    /// assert!(e.is_elapsed());
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(reactor) = &self.reactor {
            if reactor
                .timers
                .reset(&mut self.key, reactor.timers.tick_for(deadline))
            {
                reactor.notify();
            }
        }
    }

    fn disarm(&mut self) {
        if let Some(reactor) = &self.reactor {
            reactor.timers.cancel(&mut self.key);
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
        // The flag is set before the driver's last turn; `register` checks the wheel's own
        // shutdown mark under its lock as well, for an arming that races the final firing.
        if reactor.is_shut_down() {
            return Poll::Ready(Err(reactor::shut_down_error()));
        }
        let tick = reactor.timers.tick_for(self.deadline);
        match reactor.timers.register(&mut self.key, tick, cx.waker()) {
            Ok(true) => reactor.notify(),
            Ok(false) => {}
            Err(ShutDown) => return Poll::Ready(Err(reactor::shut_down_error())),
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
