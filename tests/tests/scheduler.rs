//! The scheduler's promises: a task stuck behind a blocked worker is rescued, an always
//! ready task cannot starve others, `yield_now` lets others run, and wakeups between
//! tasks and threads are never lost.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft_tests::{runtime, wait_until, within, HANG};

/// How long task A blocks its worker thread in the blocked-worker tests.
const BLOCK: Duration = Duration::from_secs(2);

#[test]
fn task_spawned_by_a_task_that_then_blocks_its_worker_still_runs() {
    let b_ran_while_a_blocked = within(|| {
        let rt = runtime(2);
        let a_done = Arc::new(AtomicBool::new(false));
        let seen_by_b = a_done.clone();
        let (tx, rx) = mpsc::channel();
        let a = rt.spawn(async move {
            // Lands in this worker's LIFO slot, behind a poll that blocks the thread.
            let b = weft::spawn(async move {
                let _ = tx.send(!seen_by_b.load(SeqCst));
            });
            std::thread::sleep(BLOCK);
            a_done.store(true, SeqCst);
            b.await.unwrap();
        });
        let b_ran_while_a_blocked = rx.recv_timeout(HANG).expect("task B never ran");
        rt.block_on(a).unwrap();
        b_ran_while_a_blocked
    });
    assert!(
        b_ran_while_a_blocked,
        "task B waited for task A to stop blocking its worker"
    );
}

/// Pending until `open` is set; stores its waker where the opener can find it.
struct Gate {
    open: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.open.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn task_woken_by_a_task_that_then_blocks_its_worker_still_runs() {
    let b_ran_while_a_blocked = within(|| {
        let rt = runtime(2);
        let open = Arc::new(AtomicBool::new(false));
        let waker: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let a_done = Arc::new(AtomicBool::new(false));
        let seen_by_b = a_done.clone();
        let (tx, rx) = mpsc::channel();
        let gate = Gate {
            open: open.clone(),
            waker: waker.clone(),
        };
        let b = rt.spawn(async move {
            gate.await;
            let _ = tx.send(!seen_by_b.load(SeqCst));
        });
        assert!(wait_until(HANG, || waker.lock().unwrap().is_some()));
        let a = rt.spawn(async move {
            open.store(true, SeqCst);
            // A wake from a worker thread goes to that worker's LIFO slot.
            waker.lock().unwrap().take().unwrap().wake();
            std::thread::sleep(BLOCK);
            a_done.store(true, SeqCst);
        });
        let b_ran_while_a_blocked = rx.recv_timeout(HANG).expect("task B never ran");
        rt.block_on(a).unwrap();
        rt.block_on(b).unwrap();
        b_ran_while_a_blocked
    });
    assert!(
        b_ran_while_a_blocked,
        "task B waited for task A to stop blocking its worker"
    );
}

/// An always-ready leaf future that takes part in the cooperative budget; counts the
/// times the budget made it yield.
struct Tick<'a>(&'a AtomicUsize);

impl Future for Tick<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match weft::task::coop::poll_proceed(cx) {
            Poll::Ready(progress) => {
                progress.made_progress();
                Poll::Ready(())
            }
            Poll::Pending => {
                self.0.fetch_add(1, SeqCst);
                Poll::Pending
            }
        }
    }
}

#[test]
fn always_ready_task_cannot_starve_another_on_one_worker() {
    let yields = within(|| {
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicBool::new(false));
        let yields = Arc::new(AtomicUsize::new(0));
        let (stop2, started2, yields2) = (stop.clone(), started.clone(), yields.clone());
        let x = rt.spawn(async move {
            started2.store(true, SeqCst);
            // Never awaits anything but Tick, which is always ready.
            while !stop2.load(SeqCst) {
                Tick(&yields2).await;
            }
        });
        assert!(wait_until(HANG, || started.load(SeqCst)));
        // Y can only run on the one worker if X gives it up.
        let y = rt.spawn(async move { stop.store(true, SeqCst) });
        rt.block_on(y).unwrap();
        rt.block_on(x).unwrap();
        yields.load(SeqCst)
    });
    assert!(yields >= 1, "the budget never made X yield");
}

/// Two tasks passing a baton back and forth by waking each other, until `stop`.
#[derive(Default)]
struct Baton {
    turn: usize,
    passes: usize,
    stop: bool,
    wakers: [Option<Waker>; 2],
}

fn pass_baton(baton: Arc<Mutex<Baton>>, me: usize) -> impl Future<Output = ()> {
    poll_fn(move |cx| {
        let mut b = baton.lock().unwrap();
        if b.stop {
            return Poll::Ready(());
        }
        b.wakers[me] = Some(cx.waker().clone());
        if b.turn == me {
            b.turn = 1 - me;
            b.passes += 1;
            let other = b.wakers[1 - me].take();
            drop(b);
            // Woken from this worker: the other task goes to its LIFO slot.
            if let Some(w) = other {
                w.wake();
            }
        }
        Poll::Pending
    })
}

#[test]
fn tasks_waking_each_other_cannot_starve_the_local_queue() {
    // Were C starved, the ping-pong would never stop and `within` would report a hang.
    within(|| {
        let rt = runtime(1);
        let baton = Arc::new(Mutex::new(Baton::default()));
        let b1 = baton.clone();
        let ping = rt.spawn(async move {
            let b2 = b1.clone();
            // C waits in this worker's local queue behind the ping-pong.
            let c = weft::spawn(async move {
                let mut b = b2.lock().unwrap();
                assert!(b.passes > 0, "C ran before the ping-pong started");
                b.stop = true;
                for w in b.wakers.iter_mut() {
                    if let Some(w) = w.take() {
                        w.wake();
                    }
                }
            });
            let pong = weft::spawn(pass_baton(b1.clone(), 1));
            pass_baton(b1, 0).await;
            pong.await.unwrap();
            c.await.unwrap();
        });
        rt.block_on(ping).unwrap();
    });
}

#[test]
fn task_looping_on_yield_now_cannot_starve_work_from_outside() {
    within(|| {
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicBool::new(false));
        let (stop2, started2) = (stop.clone(), started.clone());
        let x = rt.spawn(async move {
            started2.store(true, SeqCst);
            while !stop2.load(SeqCst) {
                weft::task::yield_now().await;
            }
        });
        assert!(wait_until(HANG, || started.load(SeqCst)));
        // From outside the worker: goes through the global queue.
        let outsiders: Vec<_> = (0..10).map(|i| rt.spawn(async move { i })).collect();
        for (i, h) in outsiders.into_iter().enumerate() {
            assert_eq!(rt.block_on(h).unwrap(), i);
        }
        stop.store(true, SeqCst);
        rt.block_on(x).unwrap();
    });
}

#[test]
fn yield_now_lets_the_other_task_run_between_iterations() {
    let log = within(|| {
        let rt = runtime(1);
        let log = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let (log, arrived) = (log.clone(), arrived.clone());
                rt.spawn(async move {
                    // Start together, so both are queued on the one worker.
                    arrived.fetch_add(1, SeqCst);
                    while arrived.load(SeqCst) < 2 {
                        weft::task::yield_now().await;
                    }
                    for i in 0..5 {
                        log.lock().unwrap().push((name, i));
                        weft::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            rt.block_on(t).unwrap();
        }
        let log = log.lock().unwrap().clone();
        log
    });
    assert_eq!(log.len(), 10);
    for pair in log.windows(2) {
        assert_ne!(pair[0].0, pair[1].0, "a task ran twice in a row: {log:?}");
    }
}

#[test]
fn yield_now_returns_after_one_reschedule() {
    within(|| {
        let rt = runtime(1);
        let polls = rt
            .block_on(rt.spawn(async {
                let mut polls = 0;
                let mut yield_fut = std::pin::pin!(weft::task::yield_now());
                poll_fn(|cx| {
                    polls += 1;
                    yield_fut.as_mut().poll(cx)
                })
                .await;
                polls
            }))
            .unwrap();
        assert_eq!(polls, 2);
    });
}

#[test]
fn ping_pong_between_tasks_loses_no_wakeups() {
    // Each round trip parks and wakes the two tasks, often on different workers: a lost
    // wakeup anywhere in the park/unpark protocol hangs this test.
    within(|| {
        let rt = runtime(2);
        let baton = Arc::new(Mutex::new(Baton::default()));
        let (b0, b1) = (baton.clone(), baton.clone());
        let ping = rt.spawn(pass_baton(b0, 0));
        let pong = rt.spawn(pass_baton(b1, 1));
        assert!(wait_until(HANG, || baton.lock().unwrap().passes >= 20_000));
        let mut b = baton.lock().unwrap();
        b.stop = true;
        let wakers: Vec<_> = b.wakers.iter_mut().filter_map(Option::take).collect();
        drop(b);
        wakers.into_iter().for_each(Waker::wake);
        rt.block_on(ping).unwrap();
        rt.block_on(pong).unwrap();
    });
}

#[test]
fn round_trips_between_a_plain_thread_and_a_task_lose_no_wakeups() {
    within(|| {
        let rt = runtime(2);
        let (to_task, from_thread) = mpsc::channel::<u32>();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let (to_thread, from_task) = mpsc::channel::<u32>();
        let s = slot.clone();
        // The task waits for each number from the thread, through a waker the thread
        // wakes; the thread waits for each answer on a channel.
        let echo = rt.spawn(async move {
            let from_thread = Mutex::new(from_thread);
            for expected in 0..5_000u32 {
                let got = poll_fn(|cx| {
                    *s.lock().unwrap() = Some(cx.waker().clone());
                    match from_thread.lock().unwrap().try_recv() {
                        Ok(v) => Poll::Ready(v),
                        Err(_) => Poll::Pending,
                    }
                })
                .await;
                assert_eq!(got, expected);
                to_thread.send(got).unwrap();
            }
        });
        for i in 0..5_000u32 {
            to_task.send(i).unwrap();
            if let Some(w) = slot.lock().unwrap().take() {
                w.wake();
            }
            assert_eq!(from_task.recv_timeout(HANG).unwrap(), i);
        }
        rt.block_on(echo).unwrap();
    });
}
