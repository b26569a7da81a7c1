//! loom models of the timer protocol of `Timers`, one model per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft-io --release --lib loom`.
//!
//! Time stands still in a model: the clock is a constant tick, passed in, so the models call
//! the tick forms of the `Timers` API (`next_wake` and `fire` for `before_wait` and
//! `after_wait`, `arm_tick` and `reset_tick` for `arm` and `reset`). The driver thread is
//! modelled by [`drive`], which runs `Reactor::turn`'s timer steps around a loom-visible
//! stand-in for the selector whose only event is `notify`. A task waits by parking
//! (`block_on`): a lost wakeup leaves it parked and the driver waiting, and loom reports
//! the deadlock.

use super::{ShutDown, Timers};
use loom::sync::atomic::AtomicBool;
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Wake, Waker};
use weft_timer::Key;

/// The selector as the timer protocol sees it: `wait` returns once `notify` was called
/// since the last `wait` (an eventfd's semantics).
#[derive(Default)]
struct Selector {
    notified: Mutex<bool>,
    cond: Condvar,
}

impl Selector {
    fn notify(&self) {
        *self.notified.lock().unwrap() = true;
        self.cond.notify_one();
    }

    fn wait(&self) {
        let mut notified = self.notified.lock().unwrap();
        while !*notified {
            notified = self.cond.wait(notified).unwrap();
        }
        *notified = false;
    }
}

/// The driver thread at a clock standing at tick `now`: it waits (a later tick never comes)
/// unless a timer is due, fires what is due and wakes it with no lock held, until `done`.
fn drive(timers: &Timers, selector: &Selector, now: u64, done: &AtomicBool) {
    let mut wake = Vec::new();
    loop {
        let next = timers.next_wake();
        if next.is_none_or(|tick| tick > now) {
            selector.wait();
        }
        if done.load(SeqCst) {
            return;
        }
        timers.fire(now, &mut wake);
        for waker in wake.drain(..) {
            waker.wake();
        }
    }
}

/// A `Sleep` as `TimerEntry` keeps it: its wheel key and its deadline tick.
struct Entry {
    key: Option<Key>,
    deadline: u64,
}

/// `TimerEntry::poll_elapsed` at a clock standing at tick `now`.
fn poll_entry(
    timers: &Timers,
    selector: &Selector,
    entry: &Mutex<Entry>,
    now: u64,
    cx: &mut Context<'_>,
) -> Poll<Result<(), ShutDown>> {
    let mut entry = entry.lock().unwrap();
    if entry.deadline <= now {
        timers.cancel(&mut entry.key);
        return Poll::Ready(Ok(()));
    }
    let deadline = entry.deadline;
    match timers.arm_tick(&mut entry.key, deadline, cx.waker()) {
        Ok(notify) => {
            if notify {
                selector.notify();
            }
            Poll::Pending
        }
        Err(e) => Poll::Ready(Err(e)),
    }
}

/// `TimerEntry::reset`.
fn reset_entry(timers: &Timers, selector: &Selector, entry: &Mutex<Entry>, deadline: u64) {
    let mut entry = entry.lock().unwrap();
    entry.deadline = deadline;
    if timers.reset_tick(&mut entry.key, deadline) {
        selector.notify();
    }
}

struct ParkWaker(thread::Thread);

impl Wake for ParkWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives `future` on this model thread, parking while it is pending.
fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(ParkWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A task awaits a sleep due at tick 10; another thread resets it to tick 2 (the clock's
/// tick) while the task parks on it, before, during or after its arming. The task must
/// be woken and complete: a reset that drops the armed waker leaves it parked for good.
#[test]
fn reset_from_another_thread_vs_parked_task() {
    loom::model(|| {
        const NOW: u64 = 2;
        let timers = Arc::new(Timers::new());
        let selector = Arc::new(Selector::default());
        let done = Arc::new(AtomicBool::new(false));
        let entry = Arc::new(Mutex::new(Entry {
            key: None,
            deadline: 10,
        }));
        let task = thread::spawn({
            let (timers, selector, done, entry) = (
                timers.clone(),
                selector.clone(),
                done.clone(),
                entry.clone(),
            );
            move || {
                block_on(poll_fn(|cx| {
                    poll_entry(&timers, &selector, &entry, NOW, cx)
                }))
                .expect("the driver does not shut down here");
                done.store(true, SeqCst);
                selector.notify();
            }
        });
        let resetter = thread::spawn({
            let (timers, selector, entry) = (timers.clone(), selector.clone(), entry.clone());
            move || reset_entry(&timers, &selector, &entry, NOW)
        });
        drive(&timers, &selector, NOW, &done);
        resetter.join().unwrap();
        task.join().unwrap();
        assert_eq!(
            timers.len(),
            0,
            "the fired or completed entry left the wheel"
        );
    });
}

/// A task arms a sleep and parks while another thread resets it and the driver shuts
/// down (fires everything, for good). The task must be woken and then see the shutdown,
/// never park on an entry armed into the dead wheel or moved there by the reset.
#[test]
fn arm_vs_reset_vs_shutdown() {
    loom::model(|| {
        const NOW: u64 = 0;
        let timers = Arc::new(Timers::new());
        let selector = Arc::new(Selector::default());
        let entry = Arc::new(Mutex::new(Entry {
            key: None,
            deadline: 10,
        }));
        let task = thread::spawn({
            let (timers, selector, entry) = (timers.clone(), selector.clone(), entry.clone());
            move || {
                block_on(poll_fn(|cx| {
                    poll_entry(&timers, &selector, &entry, NOW, cx)
                }))
            }
        });
        let resetter = thread::spawn({
            let (timers, selector, entry) = (timers.clone(), selector.clone(), entry.clone());
            move || reset_entry(&timers, &selector, &entry, 5)
        });
        // The driver's last act: fire everything and wake it with no lock held.
        let mut wake = Vec::new();
        timers.shutdown(&mut wake);
        for waker in wake {
            waker.wake();
        }
        resetter.join().unwrap();
        assert!(
            task.join().unwrap().is_err(),
            "the deadline is never reached"
        );
        assert_eq!(timers.len(), 0, "nothing is armed after shutdown");
    });
}
