//! `weft::task::TaskGroup` against asyncio's documented `TaskGroup` behaviour, point by
//! point (https://docs.python.org/3/library/asyncio-task.html#task-groups). Where Rust
//! cannot do what asyncio does, the test shows weft's documented counterpart.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc, Barrier};
use std::time::Duration;
use weft::task::AbortHandle;
use weft::task::{Failure, TaskGroup, TaskState};
use weft_tests::{runtime, wait_until, within, OnDrop, HANG};

/// The state a child's task settles in. `join` returns once every child's future is
/// dropped; the task records its end a moment later.
fn settled(handle: &AbortHandle) -> TaskState {
    assert!(
        wait_until(HANG, || handle.is_finished()),
        "the child's task never ended"
    );
    handle.state()
}

/// "The async with statement will wait for all tasks in the group to finish."
#[test]
fn join_waits_for_every_child_and_returns_the_values_in_spawn_order() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<u32, ()>::new();
            for i in 0..20u32 {
                group.spawn(async move {
                    for _ in 0..(20 - i) {
                        weft::task::yield_now().await;
                    }
                    Ok(i)
                });
            }
            assert_eq!(group.join().await.unwrap(), (0..20).collect::<Vec<_>>());
        });
    });
}

/// "While waiting, new tasks may still be added to the group (for example, by passing tg
/// into one of the coroutines and calling tg.create_task() in that coroutine)."
#[test]
fn children_spawned_while_join_waits_are_waited_for_too() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<u32, ()>::new();
            let handle = group.handle();
            let finished = Arc::new(AtomicBool::new(false));
            group.spawn({
                let finished = finished.clone();
                async move {
                    weft::task::yield_now().await;
                    handle.spawn(async move {
                        for _ in 0..50 {
                            weft::task::yield_now().await;
                        }
                        finished.store(true, SeqCst);
                        Ok(2)
                    });
                    Ok(1)
                }
            });
            assert_eq!(group.join().await.unwrap(), [1, 2]);
            assert!(
                finished.load(SeqCst),
                "join returned after the late child finished"
            );
        });
    });
}

/// "Once the last task has finished and the async with block is exited, no new tasks may
/// be added to the group." (asyncio raises `RuntimeError`; weft's child starts cancelled:
/// it never runs.)
#[test]
fn after_join_a_child_spawned_through_a_handle_never_runs() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), ()>::new();
            let handle = group.handle();
            group.join().await.unwrap();
            let ran = Arc::new(AtomicBool::new(false));
            let abort = handle.spawn({
                let ran = ran.clone();
                async move {
                    ran.store(true, SeqCst);
                    Ok(())
                }
            });
            assert_eq!(settled(&abort), TaskState::Cancelled);
            assert!(!ran.load(SeqCst));
        });
    });
}

/// "The first time any of the tasks belonging to the group fails with an exception other
/// than asyncio.CancelledError, the remaining tasks in the group are cancelled."
#[test]
fn the_first_failure_cancels_every_other_child() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), &str>::new();
            let dropped = Arc::new(AtomicUsize::new(0));
            let sleepers: Vec<_> = (0..5)
                .map(|_| {
                    let never =
                        OnDrop::new(std::future::pending::<Result<(), &str>>(), dropped.clone());
                    group.spawn(never)
                })
                .collect();
            group.spawn(async {
                weft::task::yield_now().await;
                Err("failed")
            });
            let err = group.join().await.unwrap_err();
            assert_eq!(err.failures().len(), 1);
            assert!(matches!(err.first(), Failure::Error("failed")));
            assert_eq!(err.cancelled(), 5);
            assert_eq!(
                dropped.load(SeqCst),
                5,
                "every sibling's future was dropped"
            );
            for s in sleepers {
                assert_eq!(settled(&s), TaskState::Cancelled);
            }
        });
    });
}

/// "No further tasks can then be added to the group." (weft: they start cancelled.)
#[test]
fn children_spawned_after_the_first_failure_start_cancelled() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), &str>::new();
            let failed = group.spawn(async { Err("first") });
            assert_eq!(settled(&failed), TaskState::Done);
            let ran = Arc::new(AtomicBool::new(false));
            let late = group.spawn({
                let ran = ran.clone();
                async move {
                    ran.store(true, SeqCst);
                    Ok(())
                }
            });
            let err = group.join().await.unwrap_err();
            assert!(
                !ran.load(SeqCst),
                "a child spawned after the failure never runs"
            );
            assert_eq!(settled(&late), TaskState::Cancelled);
            assert_eq!(err.cancelled(), 1);
        });
    });
}

/// "...if the body of the async with statement is still active, the task directly
/// containing the async with statement is also cancelled." weft cannot interrupt the
/// owner; it goes on, and `join` reports the failure as soon as the children stopped.
#[test]
fn the_owner_keeps_running_and_join_reports_the_failure() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), &str>::new();
            let failed = group.spawn(async { Err("child") });
            group.spawn(std::future::pending());
            while !failed.is_finished() {
                weft::task::yield_now().await; // the owner's own work goes on
            }
            let err = group.join().await.unwrap_err();
            assert!(matches!(err.first(), Failure::Error("child")));
            assert_eq!(err.cancelled(), 1);
        });
    });
}

/// "Once all tasks have finished, if any tasks have failed with an exception other than
/// asyncio.CancelledError, those exceptions are combined in an ExceptionGroup": every
/// failure is reported, the one that cancelled the group first.
#[test]
fn every_failure_is_reported_with_the_first_one_first() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), String>::new();
            // The second child runs first and blocks its worker (inside one poll, so no
            // cancellation can stop it) until the first has failed; then it fails too.
            let (started_tx, started) = std_mpsc::channel();
            let (go_tx, go) = std_mpsc::channel::<()>();
            group.spawn(async move {
                started_tx.send(()).unwrap();
                go.recv_timeout(HANG).unwrap();
                Err("second".to_string())
            });
            weft::spawn_blocking(move || started.recv_timeout(HANG).unwrap())
                .await
                .unwrap();
            let first = group.spawn(async { Err("first".to_string()) });
            weft::spawn_blocking(move || {
                assert!(wait_until(HANG, || first.is_finished()));
                go_tx.send(()).unwrap();
            })
            .await
            .unwrap();
            let err = group.join().await.unwrap_err();
            let messages: Vec<String> = err
                .into_failures()
                .into_iter()
                .filter_map(Failure::into_error)
                .collect();
            assert_eq!(messages, ["first", "second"]);
        });
    });
}

/// Failures that happen at the same moment are all reported.
#[test]
fn simultaneous_failures_are_all_reported() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), u8>::new();
            let barrier = Arc::new(Barrier::new(2));
            for i in 0..2 {
                let barrier = barrier.clone();
                // Both are inside their only poll when they fail: neither can be stopped.
                group.spawn(async move {
                    barrier.wait();
                    Err(i)
                });
            }
            let err = group.join().await.unwrap_err();
            let mut errors: Vec<u8> = err
                .into_failures()
                .into_iter()
                .filter_map(Failure::into_error)
                .collect();
            errors.sort();
            assert_eq!(errors, [0, 1]);
        });
    });
}

/// "If any task fails with KeyboardInterrupt or SystemExit, the task group still cancels
/// the remaining tasks and waits for them": weft's nearest kind of failure is a panic. It
/// cancels the rest like an `Err`, and is reported with its message (not re-raised).
#[test]
fn a_panicking_child_fails_the_group_and_is_reported_with_its_message() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), ()>::new();
            let sibling = group.spawn(std::future::pending());
            group.spawn(async { panic!("child panicked") });
            let err = group.join().await.unwrap_err();
            assert!(err.first().is_panic());
            assert_eq!(err.first().panic_message(), Some("child panicked"));
            assert_eq!(err.cancelled(), 1);
            assert_eq!(settled(&sibling), TaskState::Cancelled);
        });
    });
}

/// "If the body of the async with statement exits with an exception ... the remaining
/// tasks are cancelled": in Rust, the body leaving early drops the group.
#[test]
fn dropping_the_group_cancels_every_child() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let aborts: Vec<_> = {
                let group = TaskGroup::<(), ()>::new();
                let aborts = (0..4)
                    .map(|_| group.spawn(OnDrop::new(std::future::pending(), dropped.clone())))
                    .collect();
                drop(group);
                aborts
            };
            for a in &aborts {
                assert_eq!(settled(a), TaskState::Cancelled);
            }
            assert_eq!(dropped.load(SeqCst), 4);
        });
    });
}

/// Cancelling the `join` itself (the owner being cancelled) drops the group: same thing.
#[test]
fn dropping_join_half_way_cancels_every_child() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), ()>::new();
            let child = group.spawn(std::future::pending());
            let joined = weft::time::timeout(Duration::from_millis(10), group.join()).await;
            assert!(joined.is_err(), "timed out: the join future was dropped");
            assert_eq!(settled(&child), TaskState::Cancelled);
        });
    });
}

/// asyncio does not count a child's `CancelledError` as a failure: a child aborted
/// through its own handle leaves the group running.
#[test]
fn a_child_aborted_through_its_handle_is_not_a_failure() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<u8, ()>::new();
            let doomed = group.spawn(std::future::pending());
            group.spawn(async { Ok(1) });
            doomed.abort();
            assert_eq!(
                group.join().await.unwrap(),
                [1],
                "its value is simply missing"
            );
        });
    });
}

/// asyncio's "Terminating a Task Group" recipe: a task raising a custom exception stops
/// the group, and the caller filters that exception out. In weft, a child returns a
/// dedicated error.
#[test]
fn a_child_returning_a_terminate_error_stops_the_group() {
    #[derive(Debug, PartialEq)]
    enum Stop {
        Terminate,
    }
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let group = TaskGroup::<(), Stop>::new();
            let worker = group.spawn(async {
                loop {
                    weft::task::yield_now().await;
                }
            });
            group.spawn(async {
                weft::time::sleep(Duration::from_millis(1)).await;
                Err(Stop::Terminate)
            });
            let err = group.join().await.unwrap_err();
            assert!(err
                .failures()
                .iter()
                .all(|f| matches!(f, Failure::Error(Stop::Terminate))));
            assert_eq!(settled(&worker), TaskState::Cancelled);
        });
    });
}

#[test]
fn the_group_error_says_what_failed() {
    within(|| {
        let rt = runtime(1);
        let err = rt.block_on(async {
            let group = TaskGroup::<(), String>::new();
            group.spawn(async { Err("disk full".to_string()) });
            group.join().await.unwrap_err()
        });
        let text = err.to_string();
        assert!(text.contains("1 task of the group failed"), "{text}");
        assert!(text.contains("disk full"), "{text}");
    });
}
