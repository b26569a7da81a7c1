//! Task wakers: waking from any thread reschedules the task, and a waker that outlives its
//! task or its runtime is harmless.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use weft_tests::{park_on, runtime, wait_until, within, OnDrop, HANG};

/// Pending until `count` reaches `target`; keeps its latest waker in `slot`.
struct Until {
    count: Arc<AtomicUsize>,
    target: usize,
    slot: Arc<Mutex<Option<Waker>>>,
}

impl Future for Until {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        let n = self.count.load(SeqCst);
        if n >= self.target {
            Poll::Ready(n)
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn wakes_from_many_foreign_threads_drive_a_task_to_completion() {
    within(|| {
        let rt = runtime(2);
        let count = Arc::new(AtomicUsize::new(0));
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        const THREADS: usize = 4;
        const WAKES: usize = 1_000;
        let h = rt.spawn(Until {
            count: count.clone(),
            target: THREADS * WAKES,
            slot: slot.clone(),
        });
        assert!(wait_until(HANG, || slot.lock().unwrap().is_some()));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let (count, slot) = (count.clone(), slot.clone());
                std::thread::spawn(move || {
                    for _ in 0..WAKES {
                        count.fetch_add(1, SeqCst);
                        let w = slot.lock().unwrap().clone().unwrap();
                        w.wake();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(rt.block_on(h).unwrap(), THREADS * WAKES);
    });
}

#[test]
fn a_task_that_wakes_itself_and_then_finishes_is_not_polled_again() {
    within(|| {
        let rt = runtime(2);
        let polls_after_done = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..1_000)
            .map(|i| {
                let after = polls_after_done.clone();
                let mut done = false;
                rt.spawn(poll_fn(move |cx| {
                    if done {
                        after.fetch_add(1, SeqCst);
                    }
                    cx.waker().wake_by_ref();
                    let w = cx.waker().clone();
                    std::thread::spawn(move || w.wake());
                    done = true;
                    Poll::Ready(i)
                }))
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(rt.block_on(h).unwrap(), i);
        }
        assert_eq!(polls_after_done.load(SeqCst), 0);
    });
}

#[test]
fn a_waker_that_outlives_its_task_and_runtime_is_harmless() {
    within(|| {
        let rt = runtime(2);
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let dropped = Arc::new(AtomicUsize::new(0));
        let s = slot.clone();
        let pending = rt.spawn(OnDrop::new(
            poll_fn(move |cx| {
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            }),
            dropped.clone(),
        ));
        assert!(wait_until(HANG, || slot.lock().unwrap().is_some()));
        let waker = slot.lock().unwrap().take().unwrap();
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 1);
        assert!(park_on(pending).unwrap_err().is_shutdown());
        // The task and its runtime are gone; the waker still works as a no-op.
        let clone = waker.clone();
        waker.wake_by_ref();
        clone.wake();
        waker.wake();
    });
}

#[test]
fn a_wake_while_the_task_is_running_polls_it_again() {
    within(|| {
        let rt = runtime(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let released = Arc::new(AtomicBool::new(false));
        let (p, r) = (polls.clone(), released.clone());
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let s = slot.clone();
        let h = rt.spawn(poll_fn(move |cx| {
            let n = p.fetch_add(1, SeqCst);
            if n == 0 {
                *s.lock().unwrap() = Some(cx.waker().clone());
                // Woken from another thread while this poll is still running.
                while !r.load(SeqCst) {
                    std::hint::spin_loop();
                }
                Poll::Pending
            } else {
                Poll::Ready(n)
            }
        }));
        assert!(wait_until(HANG, || slot.lock().unwrap().is_some()));
        slot.lock().unwrap().take().unwrap().wake();
        released.store(true, SeqCst);
        assert_eq!(rt.block_on(h).unwrap(), 1);
    });
}
