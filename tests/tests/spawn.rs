//! Spawning tasks: results come back, tasks spawn tasks, the runtime context is visible
//! inside and absent outside, names and ids, and work spreads over the workers.

use std::collections::HashSet;
use std::future::Future;
use std::panic::catch_unwind;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::task::{self, TaskState};
use weft_tests::{panic_message, runtime, spin_for, within};

#[test]
fn hundred_thousand_spawned_tasks_all_join_with_their_results() {
    let sum = within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let handles: Vec<_> = (0..100_000u64)
                .map(|i| weft::spawn(async move { i * 2 }))
                .collect();
            let mut sum = 0u64;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        })
    });
    assert_eq!(sum, 2 * (99_999 * 100_000 / 2));
}

#[test]
fn runtime_spawn_from_outside_any_task_runs_and_joins() {
    within(|| {
        let rt = runtime(2);
        let handles: Vec<_> = (0..1_000u32).map(|i| rt.spawn(async move { i })).collect();
        let total: u32 = rt.block_on(async {
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        });
        assert_eq!(total, 999 * 1_000 / 2);
    });
}

/// Spawns a tree: each node below `depth` 0 spawns `fanout` children and awaits them;
/// returns the number of nodes in its subtree.
fn tree(depth: u32, fanout: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            return 1;
        }
        let children: Vec<_> = (0..fanout)
            .map(|_| weft::spawn(tree(depth - 1, fanout)))
            .collect();
        let mut nodes = 1;
        for child in children {
            nodes += child.await.unwrap();
        }
        nodes
    })
}

#[test]
fn tasks_spawn_tasks_several_levels_deep() {
    let nodes = within(|| {
        let rt = runtime(2);
        rt.block_on(rt.spawn(tree(6, 4))).unwrap()
    });
    // 1 + 4 + 16 + ... + 4^6
    assert_eq!(nodes, (4u64.pow(7) - 1) / 3);
}

#[test]
fn run_returns_the_futures_value() {
    let out = within(|| {
        weft::run(async {
            let h = weft::spawn(async { String::from("from a task") });
            format!("{} via run", h.await.unwrap())
        })
    });
    assert_eq!(out, "from a task via run");
}

#[test]
fn handle_current_is_present_inside_a_runtime_and_absent_outside() {
    within(|| {
        assert!(weft::Handle::try_current().is_err());
        let err = catch_unwind(weft::Handle::current).unwrap_err();
        let msg = panic_message(&*err);
        assert!(msg.contains("no weft runtime"), "{msg}");

        let rt = weft::Builder::new()
            .worker_threads(1)
            .thread_name("current-rt")
            .build()
            .unwrap();
        // Inside block_on, the handle is this runtime's: what it spawns runs on its workers.
        let thread_name = rt.block_on(async {
            let handle = weft::Handle::current();
            handle
                .spawn(async { std::thread::current().name().map(str::to_owned) })
                .await
                .unwrap()
        });
        assert_eq!(thread_name.as_deref(), Some("current-rt-0"));
        // Inside a task too.
        let inside_task = rt
            .block_on(rt.spawn(async {
                let handle = weft::Handle::try_current().expect("a runtime inside a task");
                handle.spawn(async { 5 }).await.unwrap()
            }))
            .unwrap();
        assert_eq!(inside_task, 5);
        // block_on leaves no context behind on the calling thread.
        assert!(weft::Handle::try_current().is_err());
    });
}

#[test]
fn spawn_outside_a_runtime_panics_saying_how_to_get_one() {
    let err = catch_unwind(|| drop(weft::spawn(async {}))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("outside a weft runtime"), "{msg}");
    assert!(msg.contains("Handle::spawn"), "{msg}");
}

#[test]
fn entered_handle_lets_a_plain_thread_spawn() {
    within(|| {
        let rt = runtime(1);
        let h = {
            let _guard = rt.handle().enter();
            weft::spawn(async { 11 })
        };
        assert!(weft::Handle::try_current().is_err());
        assert_eq!(rt.block_on(h).unwrap(), 11);
    });
}

#[test]
fn builder_name_is_reported_by_the_handle() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let named = task::Builder::new()
                .name("conn-42")
                .spawn(async { 42 })
                .unwrap();
            assert_eq!(named.name(), Some("conn-42"));
            let unnamed = weft::spawn(async {});
            assert_eq!(unnamed.name(), None);
            assert_eq!(named.await.unwrap(), 42);
            unnamed.await.unwrap();
        });
        let on = task::Builder::new()
            .name("via-handle")
            .spawn_on(async { 1 }, rt.handle())
            .unwrap();
        assert_eq!(on.name(), Some("via-handle"));
        assert_eq!(rt.block_on(on).unwrap(), 1);
    });
}

#[test]
fn builder_spawn_outside_a_runtime_is_an_error_not_a_panic() {
    let err = task::Builder::new().name("x").spawn(async {}).unwrap_err();
    assert!(err.to_string().contains("no weft runtime"), "{err}");
}

#[test]
fn task_id_inside_a_task_equals_its_handles_id() {
    within(|| {
        let rt = runtime(2);
        let handles: Vec<_> = (0..100).map(|_| rt.spawn(async { task::id() })).collect();
        let mut seen = HashSet::new();
        for h in handles {
            let id = h.id();
            assert_eq!(rt.block_on(h).unwrap(), id);
            assert!(seen.insert(id), "task ids are unique");
        }
    });
}

#[test]
fn try_id_is_none_outside_a_task() {
    assert!(task::try_id().is_none());
    within(|| {
        let rt = runtime(1);
        // block_on's own future is not a task.
        assert!(rt.block_on(async { task::try_id() }).is_none());
        let h = rt.spawn(async { task::try_id() });
        let id = h.id();
        assert_eq!(rt.block_on(h).unwrap(), Some(id));
        assert!(task::try_id().is_none());
    });
}

#[test]
fn cpu_bound_tasks_spawned_from_one_task_run_on_several_workers() {
    let (threads, sum) = within(|| {
        let rt = runtime(2);
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let seen2 = seen.clone();
        let sum = rt
            .block_on(rt.spawn(async move {
                let handles: Vec<_> = (0..10_000u64)
                    .map(|i| {
                        let seen = seen2.clone();
                        weft::spawn(async move {
                            spin_for(Duration::from_micros(20));
                            seen.lock().unwrap().insert(std::thread::current().id());
                            i
                        })
                    })
                    .collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            }))
            .unwrap();
        let threads = seen.lock().unwrap().len();
        (threads, sum)
    });
    assert_eq!(sum, 9_999 * 10_000 / 2);
    assert!(threads > 1, "10 000 CPU-bound tasks all ran on one worker");
}

#[test]
fn finished_task_reports_done_and_is_finished() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(async { 3 });
        assert!(weft_tests::wait_until(weft_tests::HANG, || h.is_finished()));
        assert_eq!(h.state(), TaskState::Done);
        assert_eq!(rt.block_on(h).unwrap(), 3);
    });
}

#[test]
fn a_task_can_spawn_onto_another_runtime_through_its_handle() {
    within(|| {
        let a = weft::Builder::new()
            .worker_threads(1)
            .thread_name("rt-a")
            .build()
            .unwrap();
        let b = weft::Builder::new()
            .worker_threads(1)
            .thread_name("rt-b")
            .build()
            .unwrap();
        let to_b = b.handle().clone();
        let (here, there) = a
            .block_on(a.spawn(async move {
                let there = to_b
                    .spawn(async { std::thread::current().name().map(str::to_owned) })
                    .await
                    .unwrap();
                let here = weft::spawn(async { std::thread::current().name().map(str::to_owned) })
                    .await
                    .unwrap();
                (here, there)
            }))
            .unwrap();
        assert_eq!(here.as_deref(), Some("rt-a-0"));
        assert_eq!(there.as_deref(), Some("rt-b-0"));
    });
}

#[test]
fn entered_handles_nest_and_restore_the_outer_one() {
    within(|| {
        let a = weft::Builder::new()
            .worker_threads(1)
            .thread_name("outer")
            .build()
            .unwrap();
        let b = weft::Builder::new()
            .worker_threads(1)
            .thread_name("inner")
            .build()
            .unwrap();
        let where_spawned =
            || weft::spawn(async { std::thread::current().name().map(str::to_owned) });
        let _outer = a.handle().enter();
        let inner = b.handle().enter();
        let on_b = where_spawned();
        drop(inner);
        let on_a = where_spawned();
        assert_eq!(b.block_on(on_b).unwrap().as_deref(), Some("inner-0"));
        assert_eq!(a.block_on(on_a).unwrap().as_deref(), Some("outer-0"));
    });
}
