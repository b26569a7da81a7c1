//! `task::block_in_place`: a worker about to block hands its queued tasks to other threads
//! first, so none of them waits for the blocking call, even when every other worker is
//! busy; inside it blocking calls are allowed; a current-thread runtime refuses it.

use std::sync::mpsc;
use std::time::Duration;
use weft::task::block_in_place;
use weft_tests::{panic_message, runtime, within, HANG};

#[test]
fn a_task_queued_behind_the_blocking_worker_runs_meanwhile() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(rt.spawn(async {
            let (tx, rx) = mpsc::channel();
            // Queued on this (the only) worker, behind the task that is about to block.
            let queued = weft::spawn(async move { tx.send(()).unwrap() });
            block_in_place(|| {
                rx.recv_timeout(HANG)
                    .expect("the queued task ran while this one blocked")
            });
            queued.await.unwrap();
        }))
        .unwrap();
    });
}

#[test]
fn outside_work_runs_while_every_worker_is_busy_or_blocked() {
    within(|| {
        let rt = runtime(2);
        let (busy_tx, busy_rx) = mpsc::channel::<()>();
        // Worker one: stuck in a long poll until released.
        let busy = rt.spawn(async move {
            busy_rx.recv_timeout(HANG).unwrap();
        });
        let (tx, rx) = mpsc::channel();
        let handle = rt.handle().clone();
        let blocked = rt.spawn(async move {
            block_in_place(move || {
                // Work spawned from outside now has only the relief thread to run it.
                handle.spawn(async move { tx.send(()).unwrap() });
                rx.recv_timeout(HANG)
                    .expect("outside work ran while every worker was busy or blocked")
            })
        });
        rt.block_on(blocked).unwrap();
        busy_tx.send(()).unwrap();
        rt.block_on(busy).unwrap();
    });
}

#[test]
fn block_on_is_allowed_inside_block_in_place() {
    within(|| {
        let rt = runtime(2);
        let out = rt
            .block_on(rt.spawn(async {
                block_in_place(|| {
                    weft::Handle::current().block_on(async {
                        weft::time::sleep(Duration::from_millis(1)).await;
                        weft::spawn(async { 5 }).await.unwrap()
                    })
                })
            }))
            .unwrap();
        assert_eq!(out, 5);
    });
}

#[test]
fn the_worker_runs_tasks_as_before_once_it_returns() {
    within(|| {
        let rt = runtime(1);
        let total = rt
            .block_on(rt.spawn(async {
                for _ in 0..3 {
                    block_in_place(|| std::thread::sleep(Duration::from_millis(1)));
                }
                let handles: Vec<_> = (0..50u32).map(|i| weft::spawn(async move { i })).collect();
                let mut total = 0;
                for h in handles {
                    total += h.await.unwrap();
                }
                total
            }))
            .unwrap();
        assert_eq!(total, 49 * 50 / 2);
    });
}

#[test]
fn off_a_worker_it_just_runs_the_closure() {
    within(|| {
        assert_eq!(block_in_place(|| 1), 1);
        let rt = runtime(1);
        let out = rt
            .block_on(rt.spawn_blocking(|| block_in_place(|| 2)))
            .unwrap();
        assert_eq!(out, 2);
        assert_eq!(rt.block_on(async { block_in_place(|| 3) }), 3);
    });
}

#[test]
fn a_current_thread_runtime_refuses_it_saying_what_to_use() {
    within(|| {
        let rt = weft::Builder::new_current_thread().build().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { block_in_place(|| ()) })
        }));
        let msg = panic_message(&*caught.unwrap_err());
        assert!(msg.contains("current-thread"), "{msg}");
        assert!(msg.contains("spawn_blocking"), "{msg}");
    });
}
