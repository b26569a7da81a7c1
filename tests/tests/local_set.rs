//! `LocalSet` and `spawn_local`: futures that are not `Send` run on the thread that owns
//! the set, on either runtime flavour, woken from any thread, and cancelled (on that
//! thread) when the set is dropped.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use weft::task::{spawn_local, LocalSet};
use weft_tests::{panic_message, runtime, within};

#[test]
fn rc_state_is_shared_by_local_tasks_on_a_multi_thread_runtime() {
    within(|| {
        let rt = runtime(2);
        let local = LocalSet::new();
        let count = Rc::new(Cell::new(0));
        let c = count.clone();
        let me = std::thread::current().id();
        local.block_on(&rt, async move {
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    let c = c.clone();
                    spawn_local(async move {
                        weft::task::yield_now().await;
                        c.set(c.get() + 1);
                        std::thread::current().id()
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.await.unwrap(), me, "local tasks run on the set's thread");
            }
        });
        assert_eq!(count.get(), 10);
    });
}

#[test]
fn local_tasks_run_on_a_current_thread_runtime() {
    within(|| {
        let rt = weft::Builder::new_current_thread().build().unwrap();
        let local = LocalSet::new();
        let out = local.block_on(&rt, async {
            let shared = Rc::new(Cell::new(1));
            let s = shared.clone();
            let sent = weft::spawn(async { 2 }).await.unwrap();
            spawn_local(async move { s.get() + sent }).await.unwrap()
        });
        assert_eq!(out, 3);
    });
}

#[test]
fn spawn_local_outside_a_local_set_panics_saying_how_to_get_one() {
    within(|| {
        let rt = runtime(1);
        let err = rt
            .block_on(rt.spawn(async {
                drop(spawn_local(async {}));
            }))
            .unwrap_err();
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains("outside a LocalSet"), "{msg}");
        assert!(msg.contains("run_until"), "{msg}");
    });
}

#[test]
fn awaiting_the_set_runs_every_task_to_completion() {
    within(|| {
        let rt = runtime(1);
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        for i in 0..5 {
            let d = done.clone();
            local.spawn_local(async move {
                for _ in 0..i {
                    weft::task::yield_now().await;
                }
                d.set(d.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(done.get(), 5);
    });
}

#[test]
fn a_local_task_woken_from_another_thread_completes() {
    within(|| {
        let rt = runtime(2);
        let local = LocalSet::new();
        let (tx, rx) = weft::sync::oneshot::channel::<u32>();
        let out = local.block_on(&rt, async move {
            let h = spawn_local(async move { rx.await.unwrap() * 2 });
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(10));
                tx.send(21).unwrap();
            });
            h.await.unwrap()
        });
        assert_eq!(out, 42);
    });
}

#[test]
fn a_local_task_aborted_from_another_thread_is_cancelled() {
    within(|| {
        let rt = runtime(2);
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let h = spawn_local(std::future::pending::<()>());
            let abort = h.abort_handle();
            std::thread::spawn(move || abort.abort()).join().unwrap();
            assert!(h.await.unwrap_err().is_cancelled());
        });
    });
}

/// Records the thread its drop ran on; the `Rc` makes it (and the task holding it) `!Send`.
struct DropsOn(
    Arc<Mutex<Option<std::thread::ThreadId>>>,
    #[allow(dead_code)] Rc<()>,
);

impl Drop for DropsOn {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(std::thread::current().id());
    }
}

#[test]
fn dropping_the_set_cancels_its_tasks_on_its_own_thread() {
    within(|| {
        let rt = runtime(2);
        let local = LocalSet::new();
        let dropped_on = Arc::new(Mutex::new(None));
        let guard = DropsOn(dropped_on.clone(), Rc::new(()));
        let h = local.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        // Poll it once so it is parked, not just queued.
        local.block_on(&rt, weft::task::yield_now());
        drop(local);
        assert_eq!(
            *dropped_on.lock().unwrap(),
            Some(std::thread::current().id())
        );
        assert!(weft_tests::park_on(h).unwrap_err().is_cancelled());
    });
}
