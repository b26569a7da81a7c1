//! Calls that block the thread are refused, with a panic that says what to use instead,
//! where that thread runs a runtime's tasks (in a task, or inside `block_on`): there they
//! would stall or hang the runtime. On plain threads, in `spawn_blocking` jobs and under a
//! mere `Handle::enter` they work.

use std::panic::{catch_unwind, AssertUnwindSafe};
use weft::sync::{mpsc, oneshot};
use weft_tests::{panic_message, runtime, within};

/// Runs `f` inside a task of `rt` and returns its panic message.
fn panic_in_task<F>(rt: &weft::Runtime, f: F) -> String
where
    F: FnOnce() + Send + 'static,
{
    let err = rt.block_on(rt.spawn(async move { f() })).unwrap_err();
    panic_message(&*err.into_panic())
}

/// Runs `f` inside `rt.block_on` and returns its panic message.
fn panic_in_block_on(rt: &weft::Runtime, f: impl FnOnce()) -> String {
    let caught = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { f() })));
    panic_message(&*caught.unwrap_err())
}

#[test]
fn nested_block_on_of_the_same_runtime_panics() {
    within(|| {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let msg = panic_in_block_on(&rt, || handle.block_on(async {}));
        assert!(msg.contains("block_on") && msg.contains(".await"), "{msg}");
    });
}

#[test]
fn block_on_of_another_runtime_inside_block_on_panics() {
    within(|| {
        let (a, b) = (runtime(1), runtime(1));
        let msg = panic_in_block_on(&a, || b.block_on(async {}));
        assert!(msg.contains("block_on") && msg.contains(".await"), "{msg}");
        // Both are fine afterwards.
        assert_eq!(a.block_on(async { 1 }) + b.block_on(async { 2 }), 3);
    });
}

#[test]
fn block_on_of_another_runtime_inside_a_task_panics() {
    within(|| {
        let (a, b) = (runtime(1), runtime(1));
        let other = b.handle().clone();
        let msg = panic_in_task(&a, move || other.block_on(async {}));
        assert!(msg.contains(".await"), "{msg}");
    });
}

#[test]
fn blocking_recv_inside_block_on_panics_instead_of_hanging() {
    within(|| {
        let rt = runtime(1);
        let (_tx, mut rx) = mpsc::channel::<u8>(1);
        let msg = panic_in_block_on(&rt, || {
            rx.blocking_recv();
        });
        assert!(msg.contains("blocking_recv"), "{msg}");
        assert!(msg.contains("recv().await"), "{msg}");
    });
}

#[test]
fn blocking_recv_inside_a_task_panics_naming_the_async_form() {
    within(|| {
        let rt = runtime(1);
        let (_tx, mut rx) = mpsc::channel::<u8>(1);
        let msg = panic_in_task(&rt, move || {
            rx.blocking_recv();
        });
        assert!(msg.contains("mpsc::Receiver::blocking_recv"), "{msg}");
        assert!(msg.contains("recv().await"), "{msg}");

        let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let msg = panic_in_task(&rt, move || {
            rx.blocking_recv();
        });
        assert!(msg.contains("UnboundedReceiver::blocking_recv"), "{msg}");
    });
}

#[test]
fn blocking_send_inside_block_on_panics_naming_the_async_form() {
    within(|| {
        let rt = runtime(1);
        let (tx, _rx) = mpsc::channel::<u8>(1);
        let msg = panic_in_block_on(&rt, || {
            let _ = tx.blocking_send(1);
        });
        assert!(msg.contains("blocking_send"), "{msg}");
        assert!(msg.contains("send(value).await"), "{msg}");
    });
}

#[test]
fn oneshot_blocking_recv_inside_block_on_panics_naming_the_async_form() {
    within(|| {
        let rt = runtime(1);
        let (_tx, rx) = oneshot::channel::<u8>();
        let msg = panic_in_block_on(&rt, || {
            let _ = rx.blocking_recv();
        });
        assert!(msg.contains("oneshot::Receiver::blocking_recv"), "{msg}");
    });
}

#[test]
fn blocking_calls_work_in_spawn_blocking_and_under_enter() {
    within(|| {
        let rt = runtime(1);
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let h = rt.spawn_blocking(move || {
            tx.blocking_send(5).unwrap();
        });
        let _guard = rt.enter();
        assert_eq!(rx.blocking_recv(), Some(5));
        rt.block_on(h).unwrap();
        let handle = rt.handle().clone();
        let nested = rt.spawn_blocking(move || handle.block_on(async { 6 }));
        assert_eq!(rt.block_on(nested).unwrap(), 6);
    });
}

#[test]
fn dropping_a_runtime_inside_block_on_of_another_panics_and_shuts_it_down() {
    within(|| {
        let outer = runtime(1);
        let inner = runtime(1);
        let handle = inner.handle().clone();
        let msg = panic_in_block_on(&outer, move || drop(inner));
        assert!(msg.contains("shutdown_background"), "{msg}");
        assert!(handle.is_shutdown());
    });
}

#[test]
fn shutdown_timeout_inside_a_task_panics_but_zero_timeout_does_not() {
    within(|| {
        let outer = runtime(1);
        let inner = runtime(1);
        let msg = panic_in_task(&outer, move || {
            inner.shutdown_timeout(std::time::Duration::from_secs(1))
        });
        assert!(msg.contains("shutdown_background"), "{msg}");
        let inner = runtime(1);
        let handle = inner.handle().clone();
        outer
            .block_on(outer.spawn(async move { inner.shutdown_timeout(std::time::Duration::ZERO) }))
            .unwrap();
        assert!(handle.is_shutdown());
    });
}

#[test]
fn enter_guards_dropped_out_of_order_panic_and_leave_no_stale_runtime() {
    within(|| {
        let (rt1, rt2) = (runtime(1), runtime(1));
        let e1 = rt1.enter();
        let e2 = rt2.enter();
        let caught = catch_unwind(AssertUnwindSafe(|| drop(e1)));
        let msg = panic_message(&*caught.unwrap_err());
        assert!(msg.contains("reverse order"), "{msg}");
        // Neither runtime is current: rt1's guard is gone, and rt2's was entered after it.
        assert!(weft::Handle::try_current().is_err());
        drop(e2);
        assert!(weft::Handle::try_current().is_err());
        // Entering works as before afterwards.
        let e = rt2.enter();
        assert!(weft::Handle::try_current().is_ok());
        drop(e);
        assert!(weft::Handle::try_current().is_err());
    });
}

#[test]
fn enter_guards_dropped_in_order_restore_each_runtime() {
    within(|| {
        // Told apart by their worker counts, which a handle's Debug shows.
        let (rt1, rt2) = (runtime(1), runtime(2));
        let workers = || format!("{:?}", weft::Handle::current());
        let e1 = rt1.enter();
        assert!(workers().contains("workers: 1"), "{}", workers());
        let e2 = rt2.enter();
        assert!(workers().contains("workers: 2"), "{}", workers());
        drop(e2);
        assert!(workers().contains("workers: 1"), "{}", workers());
        drop(e1);
        assert!(weft::Handle::try_current().is_err());
    });
}
