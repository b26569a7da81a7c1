//! `weft::task_local!`: a value set for a future and everything it awaits, whichever
//! worker polls it; nested scopes shadow and restore; tasks never see each other's values
//! and spawned tasks do not inherit them.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use weft_tests::{panic_message, runtime, within};

weft::task_local! {
    static REQUEST: u32;
    /// Documented keys work too.
    pub static NAME: String;
}

#[test]
fn a_scope_follows_its_future_across_awaits_and_workers() {
    within(|| {
        let rt = runtime(2);
        let threads = rt.block_on(rt.spawn(REQUEST.scope(7, async {
            let mut threads = std::collections::HashSet::new();
            for _ in 0..200 {
                threads.insert(thread::current().id());
                assert_eq!(REQUEST.get(), 7);
                weft::task::yield_now().await;
            }
            threads
        })));
        // Whether or not the task moved (not guaranteed), it always saw its value.
        assert!(!threads.unwrap().is_empty());
    });
}

#[test]
fn tasks_on_one_worker_never_see_each_others_values() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let tasks: Vec<_> = (0..8u32)
                .map(|i| {
                    weft::spawn(REQUEST.scope(i, async move {
                        for _ in 0..50 {
                            assert_eq!(REQUEST.get(), i);
                            weft::task::yield_now().await;
                        }
                        REQUEST.get()
                    }))
                })
                .collect();
            for (i, t) in tasks.into_iter().enumerate() {
                assert_eq!(t.await.unwrap(), i as u32);
            }
            assert!(
                REQUEST.try_with(|_| ()).is_err(),
                "the block_on future has none"
            );
        });
    });
}

#[test]
fn nested_scopes_shadow_and_restore_the_outer_value() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(REQUEST.scope(1, async {
            REQUEST
                .scope(2, async {
                    weft::task::yield_now().await;
                    assert_eq!(REQUEST.get(), 2);
                })
                .await;
            assert_eq!(REQUEST.get(), 1);
            REQUEST.sync_scope(3, || assert_eq!(REQUEST.get(), 3));
            assert_eq!(REQUEST.get(), 1);
        }));
    });
}

#[test]
fn outside_a_scope_try_with_errs_and_with_and_get_panic_clearly() {
    assert!(REQUEST.try_with(|v| *v).is_err());
    let err = std::panic::catch_unwind(|| REQUEST.get()).unwrap_err();
    assert!(panic_message(&*err).contains("task-local value not set"));
    let err = std::panic::catch_unwind(|| NAME.with(|n| n.len())).unwrap_err();
    assert!(panic_message(&*err).contains("scope"));
}

#[test]
fn spawned_tasks_do_not_inherit_the_value() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(REQUEST.scope(5, async {
            let inner = weft::spawn(async { REQUEST.try_with(|v| *v).is_ok() });
            assert!(!inner.await.unwrap());
            // Passing it on explicitly works.
            let v = REQUEST.get();
            let passed = weft::spawn(REQUEST.scope(v, async { REQUEST.get() }));
            assert_eq!(passed.await.unwrap(), 5);
        }));
    });
}

#[test]
fn a_panic_inside_a_sync_scope_restores_the_previous_value() {
    REQUEST.sync_scope(1, || {
        let r = std::panic::catch_unwind(|| REQUEST.sync_scope(2, || panic!("inner")));
        assert!(r.is_err());
        assert_eq!(REQUEST.get(), 1);
    });
    assert!(REQUEST.try_with(|_| ()).is_err());
}

#[test]
fn entering_a_scope_inside_with_of_the_same_key_panics_clearly() {
    let err = std::panic::catch_unwind(|| {
        REQUEST.sync_scope(1, || REQUEST.with(|_| REQUEST.sync_scope(2, || ())))
    })
    .unwrap_err();
    assert!(
        panic_message(&*err).contains("borrowed"),
        "{}",
        panic_message(&*err)
    );
}

/// Reads the task-local when dropped.
struct ReadsOnDrop(Arc<AtomicUsize>);

impl Drop for ReadsOnDrop {
    fn drop(&mut self) {
        if let Ok(v) = REQUEST.try_with(|v| *v) {
            self.0.store(v as usize, SeqCst);
        }
    }
}

#[test]
fn the_future_is_dropped_inside_its_scope() {
    within(|| {
        let rt = runtime(1);
        let seen = Arc::new(AtomicUsize::new(0));
        let guard = ReadsOnDrop(seen.clone());
        let task = rt.spawn(REQUEST.scope(11, async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(seen.load(SeqCst), 11, "the destructor saw the value");
    });
}

#[test]
fn take_value_moves_the_value_out_of_the_scope() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let mut fut = std::pin::pin!(
                NAME.scope("n".to_string(), async { NAME.try_with(|n| n.clone()).ok() })
            );
            assert_eq!(fut.as_mut().take_value().as_deref(), Some("n"));
            assert_eq!(fut.await, None, "the future no longer sees it");
        });
    });
}
