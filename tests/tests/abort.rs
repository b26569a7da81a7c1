//! Cancelling tasks with `abort()` (asyncio's `task.cancel()`), the task states asyncio
//! names, and detaching by dropping a `JoinHandle`.

use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use weft::task::{AbortHandle, JoinHandle, TaskState};
use weft_tests::{runtime, wait_until, within, OnDrop, HANG};

/// A future that records its first poll and then stays pending forever.
async fn pending_after_poll(polled: Arc<AtomicBool>) {
    poll_fn(|_| {
        polled.store(true, SeqCst);
        Poll::<()>::Pending
    })
    .await
}

/// Occupies the only worker of a 1-worker runtime until the returned flag is set.
fn block_the_worker(rt: &weft::Runtime) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let started = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let (s, r) = (started.clone(), release.clone());
    let h = rt.spawn(async move {
        s.store(true, SeqCst);
        while !r.load(SeqCst) {
            std::hint::spin_loop();
        }
    });
    assert!(wait_until(HANG, || started.load(SeqCst)));
    (release, h)
}

#[test]
fn abort_of_an_idle_task_drops_its_future_promptly() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(OnDrop::new(
            pending_after_poll(polled.clone()),
            dropped.clone(),
        ));
        assert!(wait_until(HANG, || polled.load(SeqCst)));
        assert_eq!(dropped.load(SeqCst), 0);
        h.abort();
        // Without anyone awaiting the handle, the runtime drops the future.
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
        assert!(h.is_finished());
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_shutdown());
        assert!(!err.is_panic());
        assert!(err.to_string().contains("cancelled"), "{err}");
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn abort_before_the_first_poll_never_polls_the_future() {
    within(|| {
        let rt = runtime(1);
        let (release, blocker) = block_the_worker(&rt);
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(OnDrop::new(
            pending_after_poll(polled.clone()),
            dropped.clone(),
        ));
        assert_eq!(h.state(), TaskState::Pending);
        h.abort();
        release.store(true, SeqCst);
        rt.block_on(blocker).unwrap();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert!(!polled.load(SeqCst), "an aborted task was polled");
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn task_aborting_itself_is_cancelled_when_its_poll_returns() {
    within(|| {
        let rt = runtime(2);
        let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::new(Mutex::new(None));
        let went_on = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (slot2, went_on2) = (slot.clone(), went_on.clone());
        let h = rt.spawn(OnDrop::new(
            async move {
                let me = loop {
                    if let Some(me) = slot2.lock().unwrap().take() {
                        break me;
                    }
                    weft::task::yield_now().await;
                };
                me.abort();
                // Abort does not unwind the running poll: the task goes on to its next
                // return from poll, and is cancelled there.
                went_on2.store(true, SeqCst);
                pending::<()>().await;
            },
            dropped.clone(),
        ));
        *slot.lock().unwrap() = Some(h.abort_handle());
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert!(went_on.load(SeqCst));
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn abort_of_a_running_task_takes_effect_at_its_next_await() {
    within(|| {
        let rt = runtime(2);
        let running = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let after_yield = Arc::new(AtomicBool::new(false));
        let (r1, r2, a) = (running.clone(), release.clone(), after_yield.clone());
        let h = rt.spawn(async move {
            r1.store(true, SeqCst);
            while !r2.load(SeqCst) {
                std::hint::spin_loop();
            }
            weft::task::yield_now().await;
            a.store(true, SeqCst);
        });
        assert!(wait_until(HANG, || running.load(SeqCst)));
        assert_eq!(h.state(), TaskState::Running);
        h.abort();
        // Still running: abort does not preempt a poll.
        assert_eq!(h.state(), TaskState::Running);
        release.store(true, SeqCst);
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert!(
            !after_yield.load(SeqCst),
            "the task ran past its next await"
        );
    });
}

#[test]
fn abort_of_a_finished_task_is_a_no_op() {
    within(|| {
        let rt = runtime(2);
        let h = rt.spawn(async { 17 });
        assert!(wait_until(HANG, || h.is_finished()));
        h.abort();
        h.abort_handle().abort();
        assert_eq!(h.state(), TaskState::Done);
        assert_eq!(rt.block_on(h).unwrap(), 17);
    });
}

#[test]
fn abort_racing_completion_gives_the_value_or_cancelled_never_a_hang() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        const ROUNDS: usize = 2_000;
        for i in 0..ROUNDS {
            let h = rt.spawn(OnDrop::new(
                async move {
                    for _ in 0..i % 3 {
                        weft::task::yield_now().await;
                    }
                    i
                },
                dropped.clone(),
            ));
            for _ in 0..i % 64 {
                std::hint::spin_loop();
            }
            let from_thread = if i % 2 == 0 {
                h.abort();
                None
            } else {
                let a = h.abort_handle();
                Some(std::thread::spawn(move || a.abort()))
            };
            let out = rt.block_on(h);
            if let Some(t) = from_thread {
                t.join().unwrap();
            }
            match out {
                Ok(v) => assert_eq!(v, i),
                Err(e) => {
                    assert!(e.is_cancelled(), "{e:?}");
                    assert!(!e.is_shutdown());
                }
            }
        }
        // Every future was dropped exactly once, whichever side won.
        assert!(wait_until(HANG, || dropped.load(SeqCst) == ROUNDS));
        assert_eq!(dropped.load(SeqCst), ROUNDS);
    });
}

#[test]
fn state_is_pending_before_and_between_polls() {
    within(|| {
        let rt = runtime(1);
        let (release, blocker) = block_the_worker(&rt);
        let polled = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(pending_after_poll(polled.clone()));
        // Scheduled but not yet run.
        assert_eq!(h.state(), TaskState::Pending);
        assert!(!h.is_finished());
        release.store(true, SeqCst);
        rt.block_on(blocker).unwrap();
        // Polled once and waiting: Pending again once the poll has returned.
        assert!(wait_until(HANG, || polled.load(SeqCst)));
        assert!(wait_until(HANG, || h.state() == TaskState::Pending));
        assert!(!h.is_finished());
        h.abort();
        let _ = rt.block_on(h);
    });
}

#[test]
fn state_is_running_while_the_task_is_being_polled() {
    within(|| {
        let rt = runtime(2);
        let running = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let (r1, r2) = (running.clone(), release.clone());
        let h = rt.spawn(async move {
            r1.store(true, SeqCst);
            while !r2.load(SeqCst) {
                std::hint::spin_loop();
            }
            1
        });
        assert!(wait_until(HANG, || running.load(SeqCst)));
        assert_eq!(h.state(), TaskState::Running);
        assert_eq!(h.abort_handle().state(), TaskState::Running);
        assert!(!h.is_finished());
        release.store(true, SeqCst);
        let a = h.abort_handle();
        assert_eq!(rt.block_on(h).unwrap(), 1);
        assert_eq!(a.state(), TaskState::Done);
    });
}

#[test]
fn state_is_done_after_a_value_or_a_panic_and_cancelled_after_abort() {
    within(|| {
        let rt = runtime(2);
        let ok = rt.spawn(async { 1 });
        let panicked = rt.spawn(async { panic!("state test") });
        let aborted = rt.spawn(pending::<()>());
        aborted.abort();
        for h in [&ok.abort_handle(), &panicked.abort_handle()] {
            assert!(wait_until(HANG, || h.is_finished()));
        }
        assert!(wait_until(HANG, || aborted.is_finished()));
        assert_eq!(ok.state(), TaskState::Done);
        assert_eq!(panicked.state(), TaskState::Done);
        assert_eq!(aborted.state(), TaskState::Cancelled);
        assert!(rt.block_on(ok).is_ok());
        assert!(rt.block_on(panicked).unwrap_err().is_panic());
        assert!(rt.block_on(aborted).unwrap_err().is_cancelled());
    });
}

#[test]
fn dropping_a_join_handle_detaches_and_does_not_cancel() {
    within(|| {
        let rt = runtime(2);
        let go = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (go2, done2) = (go.clone(), done.clone());
        let h = rt.spawn(OnDrop::new(
            async move {
                while !go2.load(SeqCst) {
                    weft::task::yield_now().await;
                }
                done2.store(true, SeqCst);
            },
            dropped.clone(),
        ));
        drop(h);
        go.store(true, SeqCst);
        assert!(wait_until(HANG, || done.load(SeqCst)));
        // The finished future is freed too.
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
    });
}

#[test]
fn abort_handle_cancels_a_detached_task() {
    within(|| {
        let rt = runtime(2);
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicBool::new(false));
        let h = rt.spawn(OnDrop::new(
            pending_after_poll(polled.clone()),
            dropped.clone(),
        ));
        let a = h.abort_handle();
        drop(h);
        assert!(wait_until(HANG, || polled.load(SeqCst)));
        assert!(!a.is_finished());
        a.abort();
        assert!(wait_until(HANG, || dropped.load(SeqCst) == 1));
        assert!(a.is_finished());
        assert_eq!(a.state(), TaskState::Cancelled);
    });
}

#[test]
fn abort_handle_is_clone_send_sync_and_reports_is_finished() {
    fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    assert_clone_send_sync::<AbortHandle>();
    within(|| {
        let rt = runtime(2);
        let h = rt.spawn(pending::<u8>());
        let a = h.abort_handle();
        let b = a.clone();
        assert_eq!(a.id(), h.id());
        assert_eq!(b.id(), h.id());
        assert!(!a.is_finished() && !b.is_finished());
        std::thread::spawn(move || b.abort()).join().unwrap();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert!(a.is_finished());
    });
}

#[test]
fn abort_handle_outliving_a_joined_task_is_a_harmless_no_op() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(async { 4 });
        let a = h.abort_handle();
        assert_eq!(rt.block_on(h).unwrap(), 4);
        a.abort();
        assert!(a.is_finished());
        assert_eq!(a.state(), TaskState::Done);
    });
}
