//! `#[weft::test]` and `#[weft::main]` run their body on a fresh weft runtime built with
//! the settings given, keep the function's signature (return type, other attributes), and
//! leave no runtime behind. The compile errors are `compile_fail` doctests in
//! `weft-macros`.

use std::collections::HashSet;
use std::thread;
use weft_tests::within;

#[weft::test(worker_threads = 1)]
async fn test_with_one_worker_runs_every_task_on_that_worker() {
    assert_eq!(weft::Handle::current().metrics().num_workers(), 1);
    let body_thread = thread::current().id();
    let handles: Vec<_> = (0..32)
        .map(|_| weft::spawn(async { thread::current().id() }))
        .collect();
    let mut threads = HashSet::new();
    for h in handles {
        threads.insert(h.await.unwrap());
    }
    assert_eq!(threads.len(), 1, "tasks ran on {threads:?}");
    assert!(
        !threads.contains(&body_thread),
        "the body is block_on'd on the test thread, the tasks on the worker"
    );
}

#[weft::test(worker_threads = 3, event_interval = 1)]
async fn test_settings_reach_the_builder() {
    assert_eq!(weft::Handle::current().metrics().num_workers(), 3);
    // event_interval = 1 checks the injector on every tick: work still all runs.
    let handles: Vec<_> = (0..100u32).map(|i| weft::spawn(async move { i })).collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 4950);
}

#[weft::test]
async fn test_can_return_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = weft::spawn(async { "7" }).await.unwrap().parse()?;
    assert_eq!(n, 7);
    Ok(())
}

#[weft::test]
#[should_panic(expected = "the body's own panic")]
async fn test_keeps_should_panic_and_the_body_panic_fails_the_test() {
    weft::task::yield_now().await;
    panic!("the body's own panic");
}

/// Not `main`: the attribute works on any `async fn` and keeps its return type.
#[weft::main(worker_threads = 1)]
async fn main_like(x: u64) -> (u64, usize) {
    let doubled = weft::spawn(async move { x * 2 }).await.unwrap();
    (doubled, weft::Handle::current().metrics().num_workers())
}

#[test]
fn main_runs_the_body_on_its_own_runtime_and_returns_its_value() {
    within(|| {
        assert!(weft::Handle::try_current().is_err(), "no runtime before");
        assert_eq!(main_like(21), (42, 1));
        assert!(
            weft::Handle::try_current().is_err(),
            "the runtime's context does not outlive the call"
        );
        // Each call builds (and drops) its own runtime.
        assert_eq!(main_like(5), (10, 1));
    });
}

#[weft::main]
async fn main_default() -> usize {
    weft::Handle::current().metrics().num_workers()
}

#[test]
fn main_without_settings_uses_the_builder_defaults() {
    within(|| {
        let expected = weft::Runtime::new().unwrap().metrics().num_workers();
        assert_eq!(main_default(), expected);
    });
}

#[weft::test(flavor = "current_thread")]
async fn test_flavor_current_thread_runs_tasks_on_the_body_thread() {
    assert_eq!(weft::Handle::current().metrics().num_workers(), 1);
    let body = thread::current().id();
    let threads: HashSet<_> = {
        let handles: Vec<_> = (0..16)
            .map(|_| weft::spawn(async { thread::current().id() }))
            .collect();
        let mut ids = HashSet::new();
        for h in handles {
            ids.insert(h.await.unwrap());
        }
        ids
    };
    assert_eq!(
        threads,
        HashSet::from([body]),
        "every task on the thread that runs the body"
    );
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_flavor_multi_thread_takes_worker_threads() {
    assert_eq!(weft::Handle::current().metrics().num_workers(), 2);
}

#[weft::main(flavor = "current_thread", event_interval = 7)]
async fn main_current_thread() -> usize {
    weft::spawn(async { weft::Handle::current().metrics().num_workers() })
        .await
        .unwrap()
}

#[test]
fn main_with_flavor_current_thread_builds_a_one_worker_runtime() {
    within(|| assert_eq!(main_current_thread(), 1));
}
