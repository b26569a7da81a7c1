//! `block_on` (asyncio's `loop.run_until_complete`): from the main thread, from foreign
//! threads, nested with spawns, and refused with a clear panic on a worker thread.

use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Poll;
use weft_tests::{panic_message, runtime, within};

#[test]
fn block_on_inside_a_task_panics_telling_to_await_instead() {
    within(|| {
        let rt = runtime(2);
        let err = rt
            .block_on(rt.spawn(async { weft::Handle::current().block_on(async { 1 }) }))
            .unwrap_err();
        assert!(err.is_panic());
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains(".await"), "{msg}");
        assert!(msg.contains("worker"), "{msg}");
    });
}

#[test]
fn block_on_panic_inside_a_task_can_be_caught_and_the_worker_goes_on() {
    within(|| {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let msg = rt
            .block_on(rt.spawn(async move {
                let caught = catch_unwind(AssertUnwindSafe(|| handle.block_on(async {})));
                panic_message(&*caught.unwrap_err())
            }))
            .unwrap();
        assert!(msg.contains(".await"), "{msg}");
        // The worker is fine afterwards.
        assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
    });
}

#[test]
fn handle_block_on_works_from_foreign_threads() {
    within(|| {
        let rt = runtime(2);
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    handle.block_on(async move {
                        let hs: Vec<_> = (0..100u64)
                            .map(|i| weft::spawn(async move { t * 1_000 + i }))
                            .collect();
                        let mut sum = 0;
                        for h in hs {
                            sum += h.await.unwrap();
                        }
                        sum
                    })
                })
            })
            .collect();
        for (t, th) in threads.into_iter().enumerate() {
            let t = t as u64;
            assert_eq!(th.join().unwrap(), t * 100_000 + 99 * 100 / 2);
        }
    });
}

#[test]
fn block_on_runs_a_future_that_spawns_tasks_that_spawn_and_await() {
    let out = within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let outer = weft::spawn(async {
                let inner = weft::spawn(async { weft::spawn(async { 2 }).await.unwrap() * 3 });
                inner.await.unwrap() * 5
            });
            outer.await.unwrap() * 7
        })
    });
    assert_eq!(out, 2 * 3 * 5 * 7);
}

#[test]
fn block_on_can_be_called_again_after_it_returns() {
    within(|| {
        let rt = runtime(1);
        for i in 0..100 {
            assert_eq!(
                rt.block_on(async move { weft::spawn(async move { i }).await })
                    .unwrap(),
                i
            );
        }
    });
}

#[test]
fn block_on_refills_the_budget_so_always_ready_loops_finish() {
    within(|| {
        let rt = runtime(1);
        let mut yielded = 0;
        rt.block_on(async {
            for _ in 0..10_000 {
                poll_fn(|cx| match weft::task::coop::poll_proceed(cx) {
                    Poll::Ready(p) => {
                        p.made_progress();
                        Poll::Ready(())
                    }
                    Poll::Pending => {
                        yielded += 1;
                        Poll::Pending
                    }
                })
                .await;
            }
        });
        // The budget applies on the block_on thread too: the loop yielded, and each yield
        // was woken and resumed.
        assert!(yielded >= 10_000 / 129, "yielded {yielded} times");
    });
}

#[test]
fn block_on_waiting_on_a_task_returns_when_the_runtime_shuts_down() {
    within(|| {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let h = handle.spawn(std::future::pending::<()>());
            tx.send(()).unwrap();
            handle.block_on(h)
        });
        rx.recv().unwrap();
        drop(rt);
        let err = waiter.join().unwrap().unwrap_err();
        assert!(err.is_shutdown(), "{err:?}");
    });
}

#[test]
fn handle_and_runtime_are_send_and_sync() {
    fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_clone_send_sync::<weft::Handle>();
    assert_send_sync::<weft::Runtime>();
    assert_send_sync::<weft::task::JoinHandle<u32>>();
    assert_clone_send_sync::<weft::RuntimeMetrics>();

    // And a handle really works from another thread.
    within(|| {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let out = std::thread::spawn(move || handle.block_on(handle.spawn(async { 8 })))
            .join()
            .unwrap();
        assert_eq!(out.unwrap(), 8);
    });
}
