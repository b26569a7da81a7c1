//! loom models of the task's races, one model per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::header::{Header, Notified, Schedule};
use super::list::OwnedTasks;
use super::{new_task, JoinError, JoinHandle};
use crate::loom::{thread, Arc, AtomicBool, Mutex};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

#[derive(Clone)]
struct Sched(Arc<Inner>);

struct Inner {
    queue: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        self.0.queue.lock().unwrap().push_back(task);
    }
    fn release(&self, task: NonNull<Header>) -> bool {
        self.0.owned.remove(task)
    }
    fn is_shutdown(&self) -> bool {
        false
    }
}

impl Sched {
    fn new() -> Sched {
        Sched(Arc::new(Inner {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
        }))
    }

    fn spawn<F>(&self, f: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(f, self.clone(), None, Location::caller());
        assert!(self.0.owned.bind(task).is_ok());
        self.schedule(notified);
        join
    }

    fn run(&self) {
        loop {
            let next = self.0.queue.lock().unwrap().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }

    /// Drops queued entries so the model ends without leaked references.
    fn clear(&self) {
        self.0.queue.lock().unwrap().clear();
    }
}

/// Pending until `ready`; publishes its waker in `slot`; `alive` tracks whether it was
/// dropped.
struct Gate {
    ready: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    _alive: Arc<()>,
}

impl Future for Gate {
    type Output = u8;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        if self.ready.load(SeqCst) {
            Poll::Ready(1)
        } else {
            Poll::Pending
        }
    }
}

type Parts = (Gate, Arc<AtomicBool>, Arc<Mutex<Option<Waker>>>, Arc<()>);

fn gate() -> Parts {
    let ready = Arc::new(AtomicBool::new(false));
    let slot = Arc::new(Mutex::new(None));
    let alive = Arc::new(());
    (
        Gate {
            ready: ready.clone(),
            slot: slot.clone(),
            _alive: alive.clone(),
        },
        ready,
        slot,
        alive,
    )
}

fn poll_join<T>(h: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(h).poll(&mut Context::from_waker(waker))
}

/// Its flag is a loom atomic so the model sees the wake as synchronization.
struct FlagWaker(AtomicBool);
impl std::task::Wake for FlagWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn wake_vs_complete_vs_join_handle_drop() {
    loom::model(|| {
        let s = Sched::new();
        let (g, ready, slot, alive) = gate();
        let h = s.spawn(g);
        s.run();
        let waker = slot.lock().unwrap().take().unwrap();

        let waking = thread::spawn(move || {
            ready.store(true, SeqCst);
            waker.wake();
        });
        let dropping = thread::spawn(move || drop(h));
        s.run();
        waking.join().unwrap();
        dropping.join().unwrap();
        s.run();
        // The wake always lands: the future completed and was dropped.
        assert_eq!(Arc::strong_count(&alive), 1);
        drop(slot.lock().unwrap().take());
        s.clear();
    });
}

#[test]
fn abort_vs_poll_vs_wake() {
    loom::model(|| {
        let s = Sched::new();
        let (g, ready, slot, alive) = gate();
        let mut h = s.spawn(g);
        s.run();
        let waker = slot.lock().unwrap().take().unwrap();
        let abort = h.abort_handle();

        let aborting = thread::spawn(move || abort.abort());
        let waking = thread::spawn(move || {
            ready.store(true, SeqCst);
            waker.wake();
        });
        s.run();
        aborting.join().unwrap();
        waking.join().unwrap();
        s.run();
        // Either the value or a cancellation, never a hang, and the future is gone.
        match poll_join(&mut h, Waker::noop()) {
            Poll::Ready(Ok(v)) => assert_eq!(v, 1),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Pending => panic!("task neither finished nor cancelled"),
        }
        assert_eq!(Arc::strong_count(&alive), 1);
        drop(slot.lock().unwrap().take());
        s.clear();
    });
}

#[test]
fn join_waker_registration_vs_completion() {
    loom::model(|| {
        let s = Sched::new();
        let (g, ready, slot, _alive) = gate();
        let mut h = s.spawn(g);
        s.run();
        let waker = slot.lock().unwrap().take().unwrap();

        let joiner = thread::spawn(move || {
            let flag = std::sync::Arc::new(FlagWaker(AtomicBool::new(false)));
            let w = Waker::from(flag.clone());
            match poll_join(&mut h, &w) {
                Poll::Ready(r) => assert_eq!(r.unwrap(), 1),
                Poll::Pending => {
                    // Registered before completion: the completion must wake us.
                    thread::yield_now();
                    while !flag.0.load(SeqCst) {
                        thread::yield_now();
                    }
                    assert!(matches!(poll_join(&mut h, &w), Poll::Ready(Ok(1))));
                }
            }
        });
        ready.store(true, SeqCst);
        waker.wake();
        s.run();
        joiner.join().unwrap();
        drop(slot.lock().unwrap().take());
        s.clear();
    });
}

#[test]
fn shutdown_vs_wake() {
    loom::model(|| {
        let s = Sched::new();
        let (g, _ready, slot, alive) = gate();
        let mut h = s.spawn(g);
        s.run();
        let waker = slot.lock().unwrap().take().unwrap();
        let waking = thread::spawn(move || waker.wake());
        s.0.owned.close_and_shutdown_all();
        waking.join().unwrap();
        s.run();
        assert!(
            matches!(poll_join(&mut h, Waker::noop()), Poll::Ready(Err(ref e)) if e.is_cancelled())
        );
        assert_eq!(Arc::strong_count(&alive), 1);
        drop(slot.lock().unwrap().take());
        s.clear();
    });
}

/// `JoinSet::poll_join_next` replaces its parent waker while a member completes on another
/// thread. The replaced waker's `Drop` here completes the member on the polling thread
/// (its entry waker then takes the set's lock): it must be dropped after that lock is
/// released, or the thread deadlocks on itself.
#[test]
fn join_set_parent_waker_replaced_while_a_member_completes() {
    use super::JoinSet;

    struct RunsOnDrop {
        s: Sched,
    }
    impl std::task::Wake for RunsOnDrop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    impl Drop for RunsOnDrop {
        fn drop(&mut self) {
            self.s.run();
        }
    }

    loom::model(|| {
        let s = Sched::new();
        let (g, ready, slot, _alive) = gate();
        let mut set = JoinSet::new();
        set.insert(s.spawn(g));
        s.run();
        let member = slot.lock().unwrap().take().unwrap();

        let first = Waker::from(std::sync::Arc::new(RunsOnDrop { s: s.clone() }));
        assert!(set
            .poll_join_next(&mut Context::from_waker(&first))
            .is_pending());
        drop(first); // the set holds the last clone

        let waking = thread::spawn(move || {
            ready.store(true, SeqCst);
            member.wake();
        });
        let flag = std::sync::Arc::new(FlagWaker(AtomicBool::new(false)));
        let second = Waker::from(flag.clone());
        let mut res = set.poll_join_next(&mut Context::from_waker(&second));
        waking.join().unwrap();
        s.run();
        if res.is_pending() {
            res = set.poll_join_next(&mut Context::from_waker(&second));
        }
        match res {
            Poll::Ready(Some(Ok((_, v)))) => assert_eq!(v, 1),
            _ => panic!("the member finished and its result is in the set"),
        }
        drop(slot.lock().unwrap().take());
        s.clear();
    });
}
