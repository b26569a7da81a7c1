//! `Timers`: the driver side of the timer protocol, a `weft_timer::Wheel` of wakers behind
//! a mutex that no other type locks. The reactor owns one and calls [`Timers::before_wait`]
//! and [`Timers::after_wait`] around each `wait`; a [`TimerEntry`](super::entry::TimerEntry)
//! calls [`Timers::arm`], [`Timers::reset`] and [`Timers::cancel`] and notifies the
//! reactor when they say so. This file knows nothing of the reactor or the selector.
//!
//! Ticks are whole milliseconds since the `Timers` was created. A deadline maps to the tick
//! at or *after* it (rounded up), and the driver fires a tick only once the clock has
//! reached it, so no timer fires early.
//!
//! The protocol between entries and the driver thread (all under the wheel's mutex):
//! - before waiting (`before_wait`), the driver stores the tick it will sleep until in
//!   `sleep_until` (`u64::MAX`: no timer armed) and computes its `wait` timeout from it;
//! - after waiting (`after_wait`) it sets `sleep_until = 0` ("awake, will look again"),
//!   advances the wheel to the current tick and hands back what fired, to be woken in one
//!   batch with the I/O wakes;
//! - an entry that arms a tick earlier than `sleep_until` lowers it, and `arm` returns
//!   `true`: the caller must then notify the selector, so the driver re-computes its
//!   timeout. Later ticks (or any tick while the driver is awake) return `false` and cost
//!   no syscall;
//! - a `reset` *moves* an armed entry, waker included, to its new tick (and asks for a
//!   notification as an arming does): the task that parked on the old deadline may not
//!   poll again before the new one, and nothing else would wake it (tokio's `Sleep::reset`
//!   keeps the waker too). An entry that already fired needs nothing: its waker is on its
//!   way to the task, which re-polls and arms the new deadline;
//! - at shutdown the driver fires every entry (`shutdown`) and sets `shut_down`; from then
//!   on nothing is armed (it would never fire) and `arm` reports [`ShutDown`].
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
use std::task::Waker;
use std::time::{Duration, Instant};
use weft_timer::{Key, Wheel};

#[cfg(all(test, loom))]
mod loom_tests;

/// The timer wheel of one reactor and the driver's sleep, behind one lock.
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
    /// Set once, by the driver's `shutdown`; never cleared. Checked under the lock by
    /// `arm`, so no entry is armed after the wheel has been emptied for good.
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

    /// Timers armed now.
    pub(crate) fn len(&self) -> usize {
        self.lock().wheel.len()
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
}

/// The driver thread's side: once around each `wait`, and once at shutdown.
impl Timers {
    /// Driver, before waiting: how long it may sleep (`None`: until an event or a
    /// notification).
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

    /// Driver, after waiting: moves the waker of every due timer into `wake`, for the
    /// caller to wake once it holds no lock.
    pub(crate) fn after_wait(&self, wake: &mut Vec<Waker>) {
        self.fire(self.now_tick(), wake);
    }

    /// Driver, after waiting: fires every timer due by tick `now` into `wake`.
    fn fire(&self, now: u64, wake: &mut Vec<Waker>) {
        let mut inner = self.lock();
        inner.sleep_until = 0;
        inner.wheel.advance(now, |_, waker| wake.push(waker));
    }

    /// Driver, at shutdown: fires every armed timer into `wake` (their entries then report
    /// the shutdown) and refuses every later arming.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        let mut inner = self.lock();
        inner.shut_down = true;
        inner.sleep_until = 0;
        inner.wheel.advance(u64::MAX, |_, waker| wake.push(waker));
    }
}

/// The entries' side, from any thread.
impl Timers {
    /// Arms `key` at `deadline` with `waker`, or refreshes the waker of the armed entry.
    /// Returns whether the driver must be notified (the deadline is earlier than the one it
    /// sleeps until), or [`ShutDown`] once the driver has fired its last timers.
    #[must_use = "a `true` means the driver sleeps past this deadline until it is notified"]
    pub(crate) fn arm(
        &self,
        key: &mut Option<Key>,
        deadline: Instant,
        waker: &Waker,
    ) -> Result<bool, ShutDown> {
        self.arm_tick(key, self.tick_for(deadline), waker)
    }

    /// `arm` at a tick.
    fn arm_tick(&self, key: &mut Option<Key>, tick: u64, waker: &Waker) -> Result<bool, ShutDown> {
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

    /// Arms a new entry at `deadline` with `waker` itself (no clone), into `key`, which
    /// must be empty. Returns what [`arm`](Self::arm) returns.
    #[must_use = "a `true` means the driver sleeps past this deadline until it is notified"]
    pub(crate) fn insert(
        &self,
        key: &mut Option<Key>,
        deadline: Instant,
        waker: Waker,
    ) -> Result<bool, ShutDown> {
        debug_assert!(key.is_none(), "insert into an armed key");
        let tick = self.tick_for(deadline);
        let mut inner = self.lock();
        if inner.shut_down {
            drop(inner);
            // Dropped after unlocking (module docs).
            drop(waker);
            return Err(ShutDown);
        }
        let new = inner.wheel.insert(tick, waker);
        *key = Some(new);
        Ok(Self::lower_sleep_until(&mut inner, new))
    }

    /// Moves the armed entry `key` (waker and all) to `deadline`. Returns whether the
    /// driver must be notified. An entry not armed (never, or already fired) is left alone:
    /// its task polls again before it waits.
    #[must_use = "a `true` means the driver sleeps past this deadline until it is notified"]
    pub(crate) fn reset(&self, key: &mut Option<Key>, deadline: Instant) -> bool {
        self.reset_tick(key, self.tick_for(deadline))
    }

    /// `reset` to a tick.
    fn reset_tick(&self, key: &mut Option<Key>, tick: u64) -> bool {
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
    pub(crate) fn cancel(&self, key: &mut Option<Key>) {
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
