//! Unit tests of the raw task: state machine, wakers, join handle, abort and shutdown,
//! driven by a hand-cranked scheduler. Small enough to run under Miri, which also checks
//! that every allocation is freed.

use super::header::{Header, Notified, Schedule};
use super::list::OwnedTasks;
use super::{new_task, JoinError, JoinHandle, TaskState};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

#[derive(Clone, Default)]
struct TestSched(Arc<Inner>);

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<Notified>>,
    owned: OnceOwned,
    shutdown: AtomicBool,
}

struct OnceOwned(OwnedTasks);
impl Default for OnceOwned {
    fn default() -> Self {
        OnceOwned(OwnedTasks::new(2))
    }
}

impl Schedule for TestSched {
    fn schedule(&self, task: Notified) {
        self.0.queue.lock().unwrap().push_back(task);
    }
    fn release(&self, task: NonNull<Header>) -> bool {
        self.0.owned.0.remove(task)
    }
    fn is_shutdown(&self) -> bool {
        self.0.shutdown.load(SeqCst)
    }
}

impl TestSched {
    fn spawn<F>(&self, f: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(f, self.clone(), None, Location::caller());
        assert!(self.0.owned.0.bind(task).is_ok());
        self.schedule(notified);
        join
    }

    /// Runs queued tasks until the queue is empty; returns how many polls ran.
    fn run(&self) -> usize {
        let mut n = 0;
        loop {
            let next = self.0.queue.lock().unwrap().pop_front();
            match next {
                Some(task) => {
                    task.run();
                    n += 1;
                }
                None => return n,
            }
        }
    }

    fn shutdown(&self) {
        self.0.shutdown.store(true, SeqCst);
        self.0.owned.0.close_and_shutdown_all();
        self.0.queue.lock().unwrap().clear();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.queue.get_mut().unwrap().clear();
    }
}

fn poll_join<T>(h: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(h).poll(&mut cx)
}

/// A future that is pending until `ready` is set, and hands out its waker.
struct Gate {
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    _alive: Arc<()>,
}

impl Future for Gate {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.ready.load(SeqCst) {
            Poll::Ready(7)
        } else {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

type Parts = (Gate, Arc<AtomicBool>, Arc<Mutex<Option<Waker>>>, Arc<()>);

fn gate() -> Parts {
    let ready = Arc::new(AtomicBool::new(false));
    let waker = Arc::new(Mutex::new(None));
    let alive = Arc::new(());
    let g = Gate {
        ready: ready.clone(),
        waker: waker.clone(),
        _alive: alive.clone(),
    };
    (g, ready, waker, alive)
}

#[test]
fn ready_future_runs_once_and_output_is_read() {
    let s = TestSched::default();
    let mut h = s.spawn(async { 5 });
    assert_eq!(h.state(), TaskState::Pending);
    assert_eq!(s.run(), 1);
    assert!(h.is_finished());
    assert_eq!(h.state(), TaskState::Done);
    assert_eq!(poll_join(&mut h).map(|r| r.unwrap()), Poll::Ready(5));
}

#[test]
fn waker_clone_wake_by_ref_wake_and_drop() {
    let s = TestSched::default();
    let (g, ready, slot, alive) = gate();
    let mut h = s.spawn(g);
    assert_eq!(s.run(), 1);
    assert!(poll_join(&mut h).is_pending());
    let w = slot.lock().unwrap().take().unwrap();
    let w2 = w.clone();
    w.wake_by_ref();
    w.wake_by_ref(); // already notified: no second queue entry
    assert_eq!(s.run(), 1);
    let w3 = slot.lock().unwrap().take().unwrap();
    drop(w3);
    ready.store(true, SeqCst);
    w2.wake();
    assert_eq!(s.run(), 1);
    w.wake(); // waking a finished task is a no-op
    assert_eq!(s.run(), 0);
    assert_eq!(Arc::strong_count(&alive), 1, "future dropped at completion");
    assert_eq!(poll_join(&mut h).map(|r| r.unwrap()), Poll::Ready(7));
}

#[test]
fn join_handle_dropped_before_first_poll() {
    let s = TestSched::default();
    let out = Arc::new(());
    let o = out.clone();
    drop(s.spawn(async move { o }));
    assert_eq!(s.run(), 1);
    assert_eq!(
        Arc::strong_count(&out),
        1,
        "unclaimed output dropped by the task"
    );
}

#[test]
fn join_handle_dropped_while_idle_then_task_completes() {
    let s = TestSched::default();
    let (g, ready, slot, alive) = gate();
    let mut h = s.spawn(g);
    s.run();
    assert!(poll_join(&mut h).is_pending()); // registers a join waker
    drop(h);
    ready.store(true, SeqCst);
    slot.lock().unwrap().take().unwrap().wake();
    s.run();
    assert_eq!(Arc::strong_count(&alive), 1);
}

#[test]
fn join_handle_dropped_after_completion_drops_output() {
    let s = TestSched::default();
    let out = Arc::new(());
    let o = out.clone();
    let h = s.spawn(async move { o });
    s.run();
    assert_eq!(Arc::strong_count(&out), 2);
    drop(h);
    assert_eq!(Arc::strong_count(&out), 1);
}

#[test]
fn join_waker_is_woken_on_completion_and_replaced_when_changed() {
    struct Flag(AtomicUsize);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let s = TestSched::default();
    let (g, ready, slot, _alive) = gate();
    let mut h = s.spawn(g);
    s.run();
    let first = Arc::new(Flag(AtomicUsize::new(0)));
    let second = Arc::new(Flag(AtomicUsize::new(0)));
    let w1 = Waker::from(first.clone());
    let w2 = Waker::from(second.clone());
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&w1))
        .is_pending());
    assert!(Pin::new(&mut h)
        .poll(&mut Context::from_waker(&w2))
        .is_pending());
    ready.store(true, SeqCst);
    slot.lock().unwrap().take().unwrap().wake();
    s.run();
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
    assert!(poll_join(&mut h).is_ready());
}

#[test]
fn abort_idle_task_drops_future_when_run() {
    let s = TestSched::default();
    let (g, _ready, _slot, alive) = gate();
    let mut h = s.spawn(g);
    s.run();
    h.abort();
    assert_eq!(
        Arc::strong_count(&alive),
        2,
        "dropped on the runtime, not in abort()"
    );
    assert_eq!(s.run(), 1);
    assert_eq!(Arc::strong_count(&alive), 1);
    assert_eq!(h.state(), TaskState::Cancelled);
    let err = match poll_join(&mut h) {
        Poll::Ready(Err(e)) => e,
        other => panic!("expected cancellation, got {:?}", other.map(|r| r.is_ok())),
    };
    assert!(err.is_cancelled() && !err.is_shutdown());
}

#[test]
fn abort_before_first_poll_and_after_completion() {
    let s = TestSched::default();
    let mut h = s.spawn(async { 1 });
    h.abort();
    s.run();
    assert!(matches!(poll_join(&mut h), Poll::Ready(Err(ref e)) if e.is_cancelled()));

    let mut h = s.spawn(async { 2 });
    s.run();
    h.abort(); // no-op on a finished task
    assert_eq!(s.run(), 0);
    assert_eq!(h.state(), TaskState::Done);
    assert!(matches!(poll_join(&mut h), Poll::Ready(Ok(2))));
}

#[test]
fn abort_while_running_takes_effect_after_the_poll() {
    let s = TestSched::default();
    let abort_slot: Arc<Mutex<Option<super::AbortHandle>>> = Arc::new(Mutex::new(None));
    let a = abort_slot.clone();
    let mut h = s.spawn(async move {
        let handle = a.lock().unwrap().take().unwrap();
        handle.abort();
        std::future::pending::<()>().await;
    });
    *abort_slot.lock().unwrap() = Some(h.abort_handle());
    s.run();
    assert!(matches!(poll_join(&mut h), Poll::Ready(Err(ref e)) if e.is_cancelled()));
}

#[test]
fn panic_in_poll_becomes_join_error() {
    let s = TestSched::default();
    let mut h = s.spawn(async { panic!("kaboom") });
    s.run();
    match poll_join(&mut h) {
        Poll::Ready(Err(e)) => {
            assert!(e.is_panic());
            assert!(e.to_string().contains("kaboom"));
        }
        _ => panic!("expected a panic error"),
    }
}

#[test]
fn panic_while_dropping_unclaimed_output_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("output drop");
        }
    }
    let s = TestSched::default();
    drop(s.spawn(async { Bomb }));
    s.run();
    let mut h = s.spawn(async { 3 });
    s.run();
    assert!(matches!(poll_join(&mut h), Poll::Ready(Ok(3))));
}

#[test]
fn shutdown_cancels_idle_and_queued_tasks() {
    let s = TestSched::default();
    let (g, _ready, _slot, alive) = gate();
    let mut idle = s.spawn(g);
    s.run();
    let (g2, _r2, _s2, alive2) = gate();
    let mut queued = s.spawn(g2); // never polled
    s.shutdown();
    assert_eq!(Arc::strong_count(&alive), 1);
    assert_eq!(Arc::strong_count(&alive2), 1);
    for h in [&mut idle, &mut queued] {
        match poll_join(h) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled() && e.is_shutdown()),
            _ => panic!("expected shutdown cancellation"),
        }
    }
    // Spawning after shutdown is refused by the owned list.
    let (task, notified, mut join) = new_task(async { 1 }, s.clone(), None, Location::caller());
    let task = s.0.owned.0.bind(task).unwrap_err();
    drop(notified);
    task.shutdown();
    assert!(matches!(poll_join(&mut join), Poll::Ready(Err(ref e)) if e.is_shutdown()));
}

#[test]
fn stale_notified_after_shutdown_is_harmless() {
    let s = TestSched::default();
    let h = s.spawn(async { 1 });
    // Cancel through the list while the task's Notified still sits in the queue.
    s.0.owned.0.close_and_shutdown_all();
    assert_eq!(s.run(), 1); // the stale entry finds the task complete and only drops its ref
    drop(h);
}

/// A `!Unpin` future that remembers where it was polled and, at drop, counts a move if it
/// is elsewhere. Ready at its first poll if `ready`, pending forever otherwise.
struct PinCheck {
    addr: usize,
    ready: bool,
    moved: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    _pinned: std::marker::PhantomPinned,
}

impl Future for PinCheck {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let addr = &*self as *const PinCheck as usize;
        // SAFETY: only a plain field is written; nothing is moved out.
        unsafe { self.as_mut().get_unchecked_mut() }.addr = addr;
        if self.ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for PinCheck {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.addr != 0 && self.addr != self as *const PinCheck as usize {
            self.moved.fetch_add(1, SeqCst);
        }
    }
}

#[test]
fn pinned_future_is_dropped_in_place_on_completion_abort_and_shutdown() {
    let s = TestSched::default();
    let moved = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let check = |ready| PinCheck {
        addr: 0,
        ready,
        moved: moved.clone(),
        drops: drops.clone(),
        _pinned: std::marker::PhantomPinned,
    };
    let mut done = s.spawn(check(true));
    let mut aborted = s.spawn(check(false));
    let mut shut = s.spawn(check(false));
    s.run();
    assert!(matches!(poll_join(&mut done), Poll::Ready(Ok(()))));
    aborted.abort();
    s.run();
    assert!(matches!(poll_join(&mut aborted), Poll::Ready(Err(ref e)) if e.is_cancelled()));
    s.shutdown();
    assert!(matches!(poll_join(&mut shut), Poll::Ready(Err(ref e)) if e.is_shutdown()));
    assert_eq!(drops.load(SeqCst), 3);
    assert_eq!(
        moved.load(SeqCst),
        0,
        "a pinned future was moved before its drop"
    );
}

#[test]
fn future_panicking_in_poll_is_dropped_during_the_unwind() {
    struct Panics(Arc<Mutex<Option<bool>>>);
    impl Future for Panics {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
            panic!("in poll")
        }
    }
    impl Drop for Panics {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(std::thread::panicking());
            panic!("in drop too");
        }
    }
    let s = TestSched::default();
    let seen = Arc::new(Mutex::new(None));
    let mut h = s.spawn(Panics(seen.clone()));
    s.run();
    assert_eq!(*seen.lock().unwrap(), Some(true));
    match poll_join(&mut h) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("in poll"), "{e}"),
        _ => panic!("expected the poll's panic"),
    }
}
