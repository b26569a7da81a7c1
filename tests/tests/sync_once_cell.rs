//! `weft::sync::OnceCell`: concurrent initialisers run one at a time, the first value
//! stored wins, and a failed, panicking or cancelled initialiser lets the next one try.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::{OnceCell, SetError};
use weft_tests::{poll_once, runtime, within};

#[test]
fn concurrent_initialisers_run_one_at_a_time_and_all_get_the_first_value() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let (running, runs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let tasks: Vec<_> = (0..16u32)
                .map(|i| {
                    let (cell, running, runs) = (cell.clone(), running.clone(), runs.clone());
                    weft::spawn(async move {
                        *cell
                            .get_or_init(|| async move {
                                assert_eq!(running.fetch_add(1, SeqCst), 0, "one at a time");
                                runs.fetch_add(1, SeqCst);
                                weft::task::yield_now().await;
                                running.fetch_sub(1, SeqCst);
                                i
                            })
                            .await
                    })
                })
                .collect();
            let mut values = Vec::new();
            for t in tasks {
                values.push(t.await.unwrap());
            }
            assert_eq!(runs.load(SeqCst), 1, "only the first initialiser ran");
            assert!(values.windows(2).all(|w| w[0] == w[1]), "{values:?}");
            assert_eq!(cell.get(), Some(&values[0]));
        });
    });
}

#[test]
fn a_failed_initialiser_lets_the_next_one_try() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let cell = OnceCell::new();
            let err = cell
                .get_or_try_init(|| async { Err::<u8, _>("down") })
                .await;
            assert_eq!(err, Err("down"));
            assert!(!cell.initialized());
            assert_eq!(
                cell.get_or_try_init(|| async { Ok::<_, ()>(3) }).await,
                Ok(&3)
            );
            assert_eq!(
                cell.get_or_try_init(|| async { Err(()) }).await,
                Ok(&3),
                "not run"
            );
        });
    });
}

#[test]
fn a_cancelled_initialiser_lets_a_waiting_one_run() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            // The first initialiser takes the turn and never finishes.
            let (started_tx, started) = weft::sync::oneshot::channel();
            let first = {
                let cell = cell.clone();
                weft::spawn(async move {
                    cell.get_or_init(|| async move {
                        started_tx.send(()).unwrap();
                        std::future::pending::<u32>().await
                    })
                    .await;
                })
            };
            started.await.unwrap();
            assert!(cell.set(0).unwrap_err().is_initializing_err());
            // A second waits behind it; cancelling the first lets it run.
            let second = {
                let cell = cell.clone();
                weft::spawn(async move { *cell.get_or_init(|| async { 2 }).await })
            };
            first.abort();
            assert_eq!(second.await.unwrap(), 2);
            assert_eq!(cell.get(), Some(&2));
        });
    });
}

#[test]
fn a_panicking_initialiser_lets_the_next_one_try() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let panicked = weft::spawn({
                let cell = cell.clone();
                async move {
                    cell.get_or_init(|| async { panic!("init failed") }).await;
                }
            });
            assert!(panicked.await.unwrap_err().is_panic());
            assert_eq!(*cell.get_or_init(|| async { 9 }).await, 9);
        });
    });
}

#[test]
fn an_initialiser_dropped_half_way_stores_nothing() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let cell = OnceCell::new();
            let half = poll_once(Box::pin(cell.get_or_init(|| async {
                weft::task::yield_now().await;
                1
            })))
            .await;
            drop(half);
            assert!(!cell.initialized());
            assert_eq!(cell.set(2), Ok(()));
        });
    });
}

#[test]
fn set_stores_once_and_says_why_it_did_not() {
    let cell = OnceCell::new();
    assert_eq!(cell.set(1), Ok(()));
    let err = cell.set(2).unwrap_err();
    assert!(err.is_already_init_err());
    assert_eq!(err.into_inner(), 2);
    assert_eq!(cell.get(), Some(&1));
    assert!(matches!(
        OnceCell::new_with(Some(0)).set(5),
        Err(SetError::AlreadyInitializedError(5))
    ));
}

#[test]
fn take_and_into_inner_move_the_value_out_and_drop_runs_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let mut cell = OnceCell::new_with(Some(D(drops.clone())));
    let taken = cell.take().expect("a value");
    assert!(cell.get().is_none());
    assert_eq!(drops.load(SeqCst), 0);
    drop(taken);
    assert_eq!(drops.load(SeqCst), 1);
    assert!(
        cell.set(D(drops.clone())).is_ok(),
        "usable again after take"
    );
    drop(cell);
    assert_eq!(drops.load(SeqCst), 2, "the cell drops its value");
    let cell = OnceCell::from(D(drops.clone()));
    drop(cell.into_inner());
    assert_eq!(
        drops.load(SeqCst),
        3,
        "into_inner moves it out, dropped once"
    );
}

static GLOBAL: OnceCell<String> = OnceCell::const_new();

#[test]
fn a_static_cell_is_initialised_on_first_use() {
    let v = weft::run(GLOBAL.get_or_init(|| async { String::from("global") }));
    assert_eq!(v, "global");
    assert_eq!(GLOBAL.get().map(String::as_str), Some("global"));
}
