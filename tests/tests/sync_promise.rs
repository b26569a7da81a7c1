//! `weft::sync::Promise`, asyncio's `Future`: set once (a second set is `InvalidState`),
//! awaited by any number of tasks, cancelled with every awaiter woken, and done-callbacks
//! that run once each, on a worker, whether added before or after completion.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;
use weft::sync::{InvalidState, Promise, PromiseError};
use weft_tests::{runtime, within, HANG};

/// A waker that counts its wakes.
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

type WaitFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PromiseError>> + Send + 'a>>;

/// `n` `wait()` futures, each polled once (so each is waiting), with the wakers that
/// count their wakes.
fn parked_waiters<T: Clone + Send + Sync>(
    p: &Promise<T>,
    n: usize,
) -> Vec<(WaitFuture<'_, T>, Arc<CountWakes>)> {
    (0..n)
        .map(|_| {
            let mut fut: WaitFuture<'_, T> = Box::pin(p.wait());
            let count = Arc::new(CountWakes(AtomicUsize::new(0)));
            let waker = Waker::from(count.clone());
            assert!(fut
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            (fut, count)
        })
        .collect()
}

fn poll_with<T>(
    fut: &mut WaitFuture<'_, T>,
    count: &Arc<CountWakes>,
) -> Poll<Result<T, PromiseError>> {
    let waker = Waker::from(count.clone());
    fut.as_mut().poll(&mut Context::from_waker(&waker))
}

#[test]
fn a_hundred_tasks_awaiting_one_promise_all_see_the_value() {
    within(|| {
        let rt = runtime(4);
        let p = Promise::new();
        let started = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..100)
            .map(|_| {
                let (p, started) = (p.clone(), started.clone());
                rt.spawn(async move {
                    started.fetch_add(1, SeqCst);
                    p.wait().await
                })
            })
            .collect();
        assert!(weft_tests::wait_until(HANG, || started.load(SeqCst) == 100));
        // Set from a plain thread, while (most of) the tasks wait.
        let setter = p.clone();
        thread::spawn(move || setter.set_result(String::from("value")).unwrap())
            .join()
            .unwrap();
        rt.block_on(async {
            for w in waiters {
                assert_eq!(w.await.unwrap().unwrap(), "value");
            }
        });
        assert_eq!(p.result().unwrap().unwrap(), "value");
    });
}

#[test]
fn every_parked_waiter_is_woken_by_set_result() {
    let p = Promise::new();
    let mut waiters = parked_waiters(&p, 10);
    p.set_result(3u8).unwrap();
    for (fut, count) in &mut waiters {
        assert_eq!(count.0.load(SeqCst), 1, "woken once");
        assert!(matches!(poll_with(fut, count), Poll::Ready(Ok(3))));
    }
}

#[test]
fn a_second_completion_is_invalid_state_and_changes_nothing() {
    let p = Promise::new();
    assert!(p.result().is_none() && p.exception().is_none() && !p.done());
    p.set_result(1).unwrap();
    assert_eq!(p.set_result(2), Err(InvalidState));
    assert_eq!(p.set_exception("late"), Err(InvalidState));
    assert!(!p.cancel(), "cancel of a done promise does nothing");
    assert!(p.done() && !p.cancelled());
    assert_eq!(p.result().unwrap().unwrap(), 1);
    assert!(p.exception().is_none());
    assert!(InvalidState.to_string().contains("InvalidStateError"));

    let failed = Promise::<u8>::new();
    failed.set_exception("first").unwrap();
    assert_eq!(failed.set_result(1), Err(InvalidState));
    assert_eq!(failed.exception().unwrap().to_string(), "first");

    let cancelled = Promise::<u8>::new();
    assert!(cancelled.cancel());
    assert_eq!(cancelled.set_exception("no"), Err(InvalidState));
    assert!(cancelled.cancelled());
}

#[test]
fn racing_completions_from_many_threads_have_exactly_one_winner() {
    within(|| {
        for _ in 0..100 {
            let p = Promise::new();
            let threads: Vec<_> = (0..4u32)
                .map(|i| {
                    let p = p.clone();
                    thread::spawn(move || match i {
                        0 => p.cancel(),
                        1 => p.set_exception("e").is_ok(),
                        _ => p.set_result(i).is_ok(),
                    })
                })
                .collect();
            let winners = threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|&won| won)
                .count();
            assert_eq!(winners, 1);
            assert!(p.done());
        }
    });
}

#[test]
fn cancel_wakes_every_awaiter_with_cancelled() {
    within(|| {
        let p = Promise::<u32>::new();
        let mut parked = parked_waiters(&p, 10);

        let rt = runtime(2);
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (p, started) = (p.clone(), started.clone());
                rt.spawn(async move {
                    started.fetch_add(1, SeqCst);
                    p.wait().await
                })
            })
            .collect();
        assert!(weft_tests::wait_until(HANG, || started.load(SeqCst) == 50));

        assert!(p.cancel());
        assert!(p.cancelled() && p.done());
        for (fut, count) in &mut parked {
            assert_eq!(count.0.load(SeqCst), 1, "woken");
            match poll_with(fut, count) {
                Poll::Ready(Err(e)) => assert!(e.is_cancelled(), "{e}"),
                other => panic!("{other:?}"),
            }
        }
        rt.block_on(async {
            for t in tasks {
                let err = t.await.unwrap().unwrap_err();
                assert!(matches!(err, PromiseError::Cancelled));
            }
        });
        assert!(p.result().unwrap().unwrap_err().is_cancelled());
        assert!(p.exception().is_none());
    });
}

#[test]
fn every_awaiter_gets_the_same_exception() {
    within(|| {
        let rt = runtime(2);
        let p = Promise::<u32>::new();
        let waiters: Vec<_> = (0..10)
            .map(|_| {
                let p = p.clone();
                rt.spawn(async move { p.wait().await })
            })
            .collect();
        p.set_exception(std::io::Error::new(std::io::ErrorKind::NotFound, "gone"))
            .unwrap();
        let first = p.exception().unwrap();
        rt.block_on(async {
            for w in waiters {
                match w.await.unwrap() {
                    Err(PromiseError::Exception(e)) => {
                        assert!(Arc::ptr_eq(&e, &first), "one shared exception");
                        let io = e.downcast_ref::<std::io::Error>().unwrap();
                        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
                    }
                    other => panic!("{other:?}"),
                }
            }
        });
        let err = p.result().unwrap().unwrap_err();
        assert!(err.to_string().contains("gone"));
        assert!(std::error::Error::source(&err).is_some());
    });
}

#[test]
fn a_dropped_waiter_leaves_the_promise_and_the_other_waiters_alone() {
    within(|| {
        let p = Promise::new();
        let mut parked = parked_waiters(&p, 3);
        let (dropped, _) = parked.remove(1);
        drop(dropped);
        assert!(
            !p.done(),
            "dropping a waiter does not complete or cancel the promise"
        );
        p.set_result(9u64).unwrap();
        for (fut, count) in &mut parked {
            assert!(matches!(poll_with(fut, count), Poll::Ready(Ok(9))));
        }
        // And a timed-out waiter in a task, then a fresh wait.
        let q = Promise::<u8>::new();
        let rt = runtime(1);
        rt.block_on(async {
            let gave_up = weft::time::timeout(Duration::from_millis(5), q.wait()).await;
            assert!(gave_up.is_err());
            q.set_result(1).unwrap();
            assert_eq!(q.wait().await.unwrap(), 1);
        });
    });
}

#[test]
fn done_callbacks_added_before_and_after_completion_each_run_once_on_a_worker() {
    within(|| {
        let rt = runtime(2);
        let p = Promise::new();
        let runs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let add = |tag: &'static str| {
            let (runs, tx) = (runs.clone(), tx.clone());
            move |p: &Promise<u32>| {
                assert!(p.done(), "runs after completion");
                let name = thread::current().name().unwrap_or_default().to_owned();
                assert!(name.starts_with("weft-worker"), "ran on {name:?}");
                runs.lock()
                    .unwrap()
                    .push((tag, p.result().unwrap().unwrap()));
                tx.send(()).unwrap();
            }
        };
        rt.block_on(async {
            p.add_done_callback(add("before-1"));
            p.add_done_callback(add("before-2"));
        });
        // Nothing runs while pending.
        let marker = {
            let tx = tx.clone();
            move || tx.send(()).unwrap()
        };
        rt.handle().call_soon(marker);
        rx.recv_timeout(HANG).unwrap();
        assert!(runs.lock().unwrap().is_empty());

        p.set_result(5).unwrap();
        rt.block_on(async {
            p.add_done_callback(add("after-1"));
        });
        let _guard = rt.enter();
        p.add_done_callback(add("after-2"));
        for _ in 0..4 {
            rx.recv_timeout(HANG).expect("every callback runs");
        }
        // Anything still to come would run before this marker (FIFO).
        let tx2 = tx.clone();
        rt.handle().call_soon(move || tx2.send(()).unwrap());
        rx.recv_timeout(HANG).unwrap();
        let runs = runs.lock().unwrap();
        assert_eq!(
            *runs,
            [
                ("before-1", 5),
                ("before-2", 5),
                ("after-1", 5),
                ("after-2", 5)
            ],
            "each ran once, in the order added"
        );
    });
}

#[test]
fn done_callbacks_run_after_cancel_too() {
    within(|| {
        let rt = runtime(1);
        let p = Promise::<()>::new();
        let (tx, rx) = mpsc::channel();
        let _guard = rt.enter();
        p.add_done_callback(move |p| tx.send(p.cancelled()).unwrap());
        p.cancel();
        assert!(rx.recv_timeout(HANG).unwrap());
    });
}

#[test]
#[should_panic(expected = "add_done_callback")]
fn add_done_callback_outside_a_runtime_panics_with_a_clear_message() {
    Promise::<()>::new().add_done_callback(|_| {});
}

#[test]
fn promise_is_a_clone_send_sync_handle() {
    fn assert_shared<T: Clone + Send + Sync + 'static>() {}
    assert_shared::<Promise<String>>();
    let p = Promise::new();
    let q = p.clone();
    q.set_result(()).unwrap();
    assert!(p.done(), "clones share one promise");
    assert!(format!("{p:?}").contains("result"));
}
