//! The seat at the selector: who may *block* in it.
//!
//! A readiness event costs a cross-thread hand-off when the thread that waits in
//! `epoll_wait` is not the one that runs the woken task: the `weft-io` thread wakes, puts the
//! task in the global queue, and unparks a worker, two context switches per event. So the
//! seat goes to whoever can use the event best:
//!
//! - a **worker** about to park takes the seat and parks *in the selector* (up to the
//!   earliest timer). An event then wakes that worker directly, it queues the woken tasks
//!   locally and runs them: one context switch, none for the `weft-io` thread. A busy
//!   worker also takes the seat now and then for a non-blocking look (its maintenance tick)
//!   and runs what it found;
//! - the **`weft-io` thread** is the fallback. It watches the seat and takes it only when
//!   no worker has taken it for a whole [`GRACE`] (every worker busy in a long poll, or a
//!   runtime with no workers at all), so I/O and timers never wait on a busy worker for
//!   longer. A worker that wants the seat back asks (`WANTED`) and notifies the selector;
//!   the `weft-io` thread then gives it up;
//! - an **idle** runtime: a worker waits in the selector and the `weft-io` thread sleeps
//!   without a timeout (`io_asleep`), woken by the first worker that gives the seat up. No
//!   periodic wakeup.
//!
//! The state word (every change a `SeqCst` read-modify-write):
//! - `HELD`: someone holds the seat. Set by `try_take` (worker) or `try_take_io`; cleared
//!   by the holder's release.
//! - `BY_IO`: the holder is the `weft-io` thread. Set and cleared with `HELD`.
//! - `BLOCKING`: the holding worker is (about to be) blocked in the selector, so the runtime
//!   is idle. Set by that worker; cleared by its release.
//! - `WANTED`: a worker asked the `weft-io` thread for the seat. Set by the worker while
//!   `BY_IO` holds; cleared by the `weft-io` thread's release.
//! - `ASLEEP`: the `weft-io` thread sleeps without a timeout. Set by it, with a
//!   compare-and-swap from a state it saw with `HELD | BLOCKING`; cleared by the release
//!   that then unparks it (or by the `weft-io` thread itself after a spurious wakeup).
//!   Being in the same word, the sleep and the release are ordered: either the
//!   compare-and-swap fails on the release (no sleep), or the release sees `ASLEEP`.
//! - the generation above them, bumped by every take: the `weft-io` thread tells a seat
//!   that was taken and given back between two of its looks from one nobody took.

use crate::loom::{AtomicUsize, Mutex};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// Someone holds the seat.
const HELD: usize = 1 << 0;
/// The holder is the `weft-io` thread (else a worker).
const BY_IO: usize = 1 << 1;
/// The holding worker waits in the selector: the runtime is idle.
const BLOCKING: usize = 1 << 2;
/// A worker asked the `weft-io` thread to give the seat up.
const WANTED: usize = 1 << 3;
/// The `weft-io` thread sleeps without a timeout; the release must unpark it.
const ASLEEP: usize = 1 << 4;
/// One generation: bumped by every take.
const GEN_ONE: usize = 1 << 5;
const FLAGS: usize = GEN_ONE - 1;

/// How long the seat may stay untaken while workers are busy before the `weft-io` thread
/// takes it: 1 ms, the timer wheel's resolution, so a timer is never late by more than a
/// tick for lack of a driver. While workers are busy the `weft-io` thread looks this often
/// (1 000 wakeups a second, against tens of thousands of events).
pub(crate) const GRACE: Duration = Duration::from_millis(1);

/// What the `weft-io` thread should do next, from one look at the seat.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IoNext {
    /// The seat is taken and given back as it should be: look again after [`GRACE`].
    Watch,
    /// Nobody took the seat for a whole grace period: the `weft-io` thread now holds it
    /// and drives the selector until a worker wants it.
    Drive,
    /// A worker waits in the selector: sleep until a worker gives the seat up.
    Sleep,
}

/// Unparks the `weft-io` thread (its `Thread::unpark`).
pub(crate) type Unpark = Box<dyn Fn() + Send + Sync>;

pub(crate) struct Seat {
    state: AtomicUsize,
    /// Unparks the `weft-io` thread. Set once when it starts.
    io_unpark: Mutex<Option<Unpark>>,
}

impl Seat {
    pub(crate) fn new() -> Seat {
        Seat {
            state: AtomicUsize::new(0),
            io_unpark: Mutex::new(None),
        }
    }

    /// A worker takes the seat if nobody holds it.
    pub(crate) fn try_take(&self) -> bool {
        self.state
            .fetch_update(SeqCst, SeqCst, |s| {
                (s & HELD == 0).then_some((s & !FLAGS) + GEN_ONE + HELD)
            })
            .is_ok()
    }

    /// The holding worker is about to wait in the selector (the runtime is idle).
    pub(crate) fn set_blocking(&self) {
        self.state.fetch_or(BLOCKING, SeqCst);
    }

    /// The holding worker is back from the selector (it still holds the seat).
    pub(crate) fn clear_blocking(&self) {
        self.state.fetch_and(!BLOCKING, SeqCst);
    }

    /// The holding worker gives the seat up; wakes the `weft-io` thread if it sleeps
    /// without a timeout, so it watches the seat again.
    pub(crate) fn release(&self) {
        let prev = self.state.fetch_and(!(HELD | BLOCKING | ASLEEP), SeqCst);
        if prev & ASLEEP != 0 {
            self.unpark_io();
        }
    }

    /// A worker asks the `weft-io` thread for the seat. Returns true if it holds it (the
    /// caller then notifies the selector so the `weft-io` thread sees the request).
    pub(crate) fn request_from_io(&self) -> bool {
        self.state
            .fetch_update(SeqCst, SeqCst, |s| {
                (s & (HELD | BY_IO) == HELD | BY_IO && s & WANTED == 0).then_some(s | WANTED)
            })
            .is_ok()
    }

    /// True if the seat is held by the `weft-io` thread.
    pub(crate) fn held_by_io(&self) -> bool {
        self.state.load(SeqCst) & (HELD | BY_IO) == HELD | BY_IO
    }

    /// The `weft-io` thread, while it drives: true once a worker wants the seat.
    pub(crate) fn is_wanted(&self) -> bool {
        self.state.load(SeqCst) & WANTED != 0
    }

    /// The `weft-io` thread gives the seat up (a worker wants it, or shutdown).
    pub(crate) fn release_io(&self) {
        self.state.fetch_and(!(HELD | BY_IO | WANTED), SeqCst);
    }

    /// The `weft-io` thread, at start: how to unpark it, for `unpark_io`.
    pub(crate) fn set_io_unpark(&self, unpark: Unpark) {
        *self.io_unpark.lock().unwrap() = Some(unpark);
    }

    /// Wakes the `weft-io` thread (a release while it sleeps, or shutdown).
    pub(crate) fn unpark_io(&self) {
        if let Some(unpark) = &*self.io_unpark.lock().unwrap() {
            unpark();
        }
    }

    /// The generation now, for the `weft-io` thread's first look.
    pub(crate) fn generation(&self) -> usize {
        self.state.load(SeqCst) & !FLAGS
    }

    /// The `weft-io` thread's look at the seat, `seen` being the generation of its last
    /// look (updated here). Takes the seat for the `weft-io` thread if nobody took it
    /// since (`Drive`), or says the runtime is idle (`Sleep`: the caller then calls
    /// [`sleep_io`](Self::sleep_io) with the same `seen`).
    pub(crate) fn look(&self, seen: &mut usize) -> IoNext {
        let s = self.state.load(SeqCst);
        if s & !FLAGS != *seen {
            *seen = s & !FLAGS;
            return IoNext::Watch;
        }
        if s & HELD == 0 {
            let taken = self
                .state
                .compare_exchange(s, s + GEN_ONE + HELD + BY_IO, SeqCst, SeqCst)
                .is_ok();
            *seen = self.generation();
            return if taken { IoNext::Drive } else { IoNext::Watch };
        }
        if s & BLOCKING != 0 {
            return IoNext::Sleep;
        }
        IoNext::Watch
    }

    /// The `weft-io` thread sleeps until a worker releases the seat, unless the seat
    /// changed since the look that said `Sleep` (then it returns at once). `park` parks
    /// the thread.
    pub(crate) fn sleep_io(&self, seen: usize, park: impl FnOnce()) {
        let asleep = self.state.fetch_update(SeqCst, SeqCst, |s| {
            (s & !FLAGS == seen && s & (HELD | BLOCKING | BY_IO) == HELD | BLOCKING)
                .then_some(s | ASLEEP)
        });
        if asleep.is_ok() {
            park();
            // After a spurious wakeup the flag may still be set: the next look decides.
            self.state.fetch_and(!ASLEEP, SeqCst);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_generation_counts_takes() {
        let seat = Seat::new();
        let g0 = seat.generation();
        assert!(seat.try_take());
        assert!(!seat.try_take());
        seat.release();
        assert!(seat.try_take());
        seat.release();
        assert_eq!(seat.generation(), g0 + 2 * GEN_ONE);
    }

    #[test]
    fn the_io_thread_takes_the_seat_only_after_a_look_with_no_take_between() {
        let seat = Seat::new();
        let mut seen = usize::MAX;
        // The first look only learns the generation.
        assert_eq!(seat.look(&mut seen), IoNext::Watch);
        assert!(seat.try_take());
        seat.release();
        // A worker took and released it since: keep watching.
        assert_eq!(seat.look(&mut seen), IoNext::Watch);
        // Nobody took it for a whole look: the io thread drives.
        assert_eq!(seat.look(&mut seen), IoNext::Drive);
        assert!(seat.held_by_io());
        assert!(!seat.try_take());
        assert!(seat.request_from_io());
        assert!(seat.is_wanted());
        assert!(!seat.request_from_io(), "one request is enough");
        seat.release_io();
        assert!(seat.try_take());
    }

    #[test]
    fn a_worker_waiting_in_the_selector_lets_the_io_thread_sleep() {
        let seat = Seat::new();
        let mut seen = seat.generation();
        assert!(seat.try_take());
        seat.set_blocking();
        assert_eq!(seat.look(&mut seen), IoNext::Watch);
        assert_eq!(seat.look(&mut seen), IoNext::Sleep);
        let mut parked = false;
        seat.sleep_io(seen, || parked = true);
        assert!(parked);
        // A release before the sleep's re-check keeps the io thread awake.
        seat.release();
        let mut parked = false;
        seat.sleep_io(seen, || parked = true);
        assert!(!parked);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! The seat's protocol under loom: the `weft-io` thread never sleeps without a
    //! timeout while nobody waits in the selector, and at most one thread holds the seat.

    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// A worker waits in the selector, then wakes and gives the seat up, while the `weft-io`
    /// thread looks and decides to sleep: it must not sleep through the release (loom
    /// reports a deadlock if it does: nobody would unpark it).
    #[test]
    fn io_thread_sleep_vs_worker_release() {
        loom::model(|| {
            let seat = Arc::new(Seat::new());
            assert!(seat.try_take());
            seat.set_blocking();
            let io = {
                let seat = seat.clone();
                thread::spawn(move || {
                    let me = thread::current();
                    seat.set_io_unpark(Box::new(move || me.unpark()));
                    let mut seen = seat.generation();
                    // Looks until it either sleeps once (and is woken) or sees the seat free.
                    loop {
                        match seat.look(&mut seen) {
                            IoNext::Sleep => {
                                seat.sleep_io(seen, thread::park);
                                return;
                            }
                            IoNext::Drive => {
                                seat.release_io();
                                return;
                            }
                            IoNext::Watch => {
                                if seat.state.load(SeqCst) & HELD == 0 {
                                    return;
                                }
                                thread::yield_now();
                            }
                        }
                    }
                })
            };
            // The worker wakes and releases once the io thread has registered itself.
            while seat.io_unpark.lock().unwrap().is_none() {
                thread::yield_now();
            }
            seat.release();
            io.join().unwrap();
        });
    }

    /// Two workers and the `weft-io` thread race for the seat: at most one holds it.
    #[test]
    fn one_holder_among_workers_and_the_io_thread() {
        loom::model(|| {
            let seat = Arc::new(Seat::new());
            let holders = Arc::new(AtomicUsize::new(0));
            let worker = |seat: Arc<Seat>, holders: Arc<AtomicUsize>| {
                move || {
                    if seat.try_take() {
                        assert_eq!(holders.fetch_add(1, SeqCst), 0, "two holders");
                        holders.fetch_sub(1, SeqCst);
                        seat.release();
                    } else {
                        seat.request_from_io();
                    }
                }
            };
            let a = thread::spawn(worker(seat.clone(), holders.clone()));
            let b = thread::spawn(worker(seat.clone(), holders.clone()));
            let mut seen = seat.generation();
            if seat.look(&mut seen) == IoNext::Drive {
                assert_eq!(holders.fetch_add(1, SeqCst), 0, "two holders");
                holders.fetch_sub(1, SeqCst);
                seat.release_io();
            }
            a.join().unwrap();
            b.join().unwrap();
            assert_eq!(seat.state.load(SeqCst) & HELD, 0);
        });
    }
}
