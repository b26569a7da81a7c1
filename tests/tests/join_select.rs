//! `join!`, `try_join!`, `select!` and `join_all`: futures run concurrently inside one
//! task (asyncio's `gather` and `wait(FIRST_COMPLETED)`).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::{mpsc, oneshot};
use weft_tests::{runtime, within, OnDrop};

#[test]
fn join_runs_its_futures_concurrently() {
    within(|| {
        let rt = runtime(1);
        let out = rt.block_on(async {
            // Each future waits for the other: run one after the other, they would hang.
            let (a_tx, a_rx) = oneshot::channel();
            let (b_tx, b_rx) = oneshot::channel();
            weft::join!(
                async move {
                    a_tx.send(1).unwrap();
                    b_rx.await.unwrap()
                },
                async move {
                    let a = a_rx.await.unwrap();
                    b_tx.send(a + 1).unwrap();
                    a
                },
            )
        });
        assert_eq!(out, (2, 1));
    });
}

#[test]
fn join_takes_up_to_twelve_futures() {
    within(|| {
        let rt = runtime(1);
        let t = rt.block_on(async {
            weft::join!(
                async { 0 },
                async { 1 },
                async { 2 },
                async { 3 },
                async { 4 },
                async { 5 },
                async { 6 },
                async { 7 },
                async { 8 },
                async { 9 },
                async { 10 },
                async { 11 }
            )
        });
        assert_eq!(t, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    });
}

#[test]
fn try_join_stops_at_the_first_error_and_drops_the_rest() {
    within(|| {
        let rt = runtime(1);
        let dropped = Arc::new(AtomicUsize::new(0));
        let res: Result<(u8, u8), &str> = rt.block_on(async {
            weft::try_join!(
                OnDrop::new(std::future::pending(), dropped.clone()),
                async { Err("bad input") },
            )
        });
        assert_eq!(res, Err("bad input"));
        assert_eq!(dropped.load(SeqCst), 1);
        let ok: Result<_, ()> =
            rt.block_on(async { weft::try_join!(async { Ok(1) }, async { Ok("x") }) });
        assert_eq!(ok, Ok((1, "x")));
    });
}

#[test]
fn select_runs_the_first_branch_to_complete_and_drops_the_others() {
    within(|| {
        let rt = runtime(1);
        let dropped = Arc::new(AtomicUsize::new(0));
        let which = rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            tx.send(5).unwrap();
            weft::select! {
                _ = OnDrop::new(std::future::pending::<()>(), dropped.clone()) => "pending",
                v = rx => { assert_eq!(v.unwrap(), 5); "ready" }
                _ = OnDrop::new(std::future::pending::<()>(), dropped.clone()) => "pending too",
            }
        });
        assert_eq!(which, "ready");
        assert_eq!(dropped.load(SeqCst), 2);
    });
}

#[test]
fn select_in_a_loop_with_break_and_a_kept_future() {
    within(|| {
        let rt = runtime(2);
        let total = rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let (stop_tx, stop_rx) = oneshot::channel::<()>();
            // Pinned outside the loop, so each round polls the same future again
            // instead of dropping it.
            let mut stop = std::pin::pin!(stop_rx);
            let mut stop_tx = Some(stop_tx);
            for i in 1..=10 {
                tx.send(i).unwrap();
            }
            let mut total = 0;
            loop {
                weft::select! {
                    msg = rx.recv() => total += msg.unwrap(),
                    _ = stop.as_mut() => break,
                }
                if total == 55 {
                    if let Some(stop_tx) = stop_tx.take() {
                        stop_tx.send(()).unwrap();
                    }
                }
            }
            drop(tx);
            total
        });
        assert_eq!(total, 55);
    });
}

#[test]
fn join_all_keeps_argument_order() {
    within(|| {
        let rt = runtime(2);
        let out = rt.block_on(async {
            let futs: Vec<_> = (0..50u32)
                .map(|i| async move {
                    for _ in 0..(50 - i) % 4 {
                        weft::task::yield_now().await;
                    }
                    i
                })
                .collect();
            weft::task::join_all(futs).await
        });
        assert_eq!(out, (0..50).collect::<Vec<_>>());
    });
}
