//! loom models of the scheduler's protocols on a real (tiny) runtime: park/unpark against
//! a concurrent push, and shutdown against concurrent spawn and wake. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use crate::loom::{thread, Arc, AtomicBool, Mutex};
use crate::Builder;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

/// A push from outside while the only worker may be parking must still be run: if the
/// wakeup were lost, `block_on` would wait forever and loom would report a deadlock.
#[test]
fn park_unpark_vs_concurrent_push() {
    loom::model(|| {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let h = rt.spawn(async move { r.store(true, SeqCst) });
        rt.block_on(h).unwrap();
        assert!(ran.load(SeqCst));
    });
}

struct Gate {
    slot: Arc<Mutex<Option<Waker>>>,
    alive: Arc<()>,
}

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _ = &self.alive;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Shutdown racing a spawn and a wake from another thread: every future is dropped, every
/// handle resolves, nothing hangs.
#[test]
fn shutdown_vs_concurrent_spawn_and_wake() {
    loom::model(|| {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let slot = Arc::new(Mutex::new(None));
        let alive = Arc::new(());
        let first = rt.spawn(Gate {
            slot: slot.clone(),
            alive: alive.clone(),
        });
        let handle = rt.handle().clone();
        let (s, a) = (slot.clone(), alive.clone());
        let other = thread::spawn(move || {
            let late = handle.spawn(Gate {
                slot: Arc::new(Mutex::new(None)),
                alive: a,
            });
            if let Some(w) = s.lock().unwrap().take() {
                w.wake();
            }
            late
        });
        drop(rt);
        let late = other.join().unwrap();
        assert!(first.is_finished());
        assert!(late.is_finished());
        drop(slot.lock().unwrap().take());
        assert_eq!(Arc::strong_count(&alive), 1);
    });
}

/// The handshake between a worker parking in the selector (`Local::park_in_selector`) and
/// a notifier choosing it (`Shared::notify_parked` -> `unpark_worker`), with the selector
/// reduced to its notification: the worker stores `in_selector`, then takes its last look
/// at the idle state; the notifier chooses it, then reads `in_selector`. Either the worker
/// sees itself chosen (and does not wait), or the notifier sees the flag and notifies the
/// selector. A lost wakeup leaves the worker waiting and loom reports the deadlock.
#[test]
fn notify_vs_park_in_selector() {
    use super::idle::Idle;
    use crate::loom::Condvar;

    #[derive(Default)]
    struct Selector {
        notified: Mutex<bool>,
        cond: Condvar,
    }

    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let in_selector = Arc::new(AtomicBool::new(false));
        let selector = Arc::new(Selector::default());
        // The worker registered as parked (it found no work).
        assert!(!idle.transition_worker_to_parked(0, false));

        let notifier = {
            let (idle, in_selector, selector) =
                (idle.clone(), in_selector.clone(), selector.clone());
            thread::spawn(move || {
                // A push made work available: wake a parked worker.
                if let Some(worker) = idle.worker_to_notify() {
                    assert_eq!(worker, 0);
                    // (The parker's unpark would go here; this worker is not on it.)
                    if in_selector.load(SeqCst) {
                        *selector.notified.lock().unwrap() = true;
                        selector.cond.notify_one();
                    }
                }
            })
        };

        in_selector.store(true, SeqCst);
        if idle.is_parked(0) {
            let mut notified = selector.notified.lock().unwrap();
            while !*notified {
                notified = selector.cond.wait(notified).unwrap();
            }
        }
        in_selector.store(false, SeqCst);
        notifier.join().unwrap();
        assert!(!idle.is_parked(0), "the worker was chosen");
    });
}

/// `block_in_place`'s relief thread parks when it finds no outside work; a push into the
/// injector then notifies it (`Reliefs::notify` after the push, registration before the
/// relief thread's first look). A lost wakeup leaves it parked with work queued, and loom
/// reports the deadlock.
#[test]
fn relief_thread_park_vs_push() {
    use super::relief::Reliefs;
    use crate::loom::Parker;
    use std::collections::VecDeque;

    loom::model(|| {
        let reliefs = Arc::new(Reliefs::default());
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        let parker = Parker::default();
        let id = reliefs.register(parker.unparker().clone());
        let pusher = {
            let (reliefs, queue) = (reliefs.clone(), queue.clone());
            thread::spawn(move || {
                queue.lock().unwrap().push_back(1u8);
                reliefs.notify();
            })
        };
        // The relief loop: run outside work, park when there is none.
        loop {
            if queue.lock().unwrap().pop_front().is_some() {
                break;
            }
            parker.park();
        }
        pusher.join().unwrap();
        reliefs.unregister(id);
    });
}
