//! `weft::sync::oneshot` as asyncio's `Future`: `send` is `set_result`, sending an `Err`
//! is `set_exception`, dropping the sender is cancellation, and the receiver sees each.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use weft::sync::oneshot;
use weft_tests::{runtime, within};

#[test]
fn set_result_set_exception_and_cancel_reach_the_receiver() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            // set_result
            let (tx, rx) = oneshot::channel::<Result<u32, String>>();
            weft::spawn(async move { tx.send(Ok(7)).unwrap() });
            assert_eq!(rx.await.unwrap(), Ok(7));
            // set_exception
            let (tx, rx) = oneshot::channel::<Result<u32, String>>();
            weft::spawn(async move { tx.send(Err("boom".into())).unwrap() });
            assert_eq!(rx.await.unwrap(), Err("boom".to_owned()));
            // cancel: the sender goes away unsent
            let (tx, rx) = oneshot::channel::<u32>();
            weft::spawn(async move { drop(tx) });
            let err = rx.await.unwrap_err();
            assert!(err.to_string().contains("dropped without sending"));
        });
    });
}

#[test]
fn an_aborted_producer_task_cancels_its_future() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = oneshot::channel::<u32>();
            let producer = weft::spawn(async move {
                std::future::pending::<()>().await;
                let _ = tx.send(1);
            });
            producer.abort();
            assert!(rx.await.is_err(), "the sender was dropped with the task");
        });
    });
}

#[test]
fn the_sender_learns_when_the_result_is_no_longer_wanted() {
    within(|| {
        let rt = runtime(2);
        let stopped = Arc::new(AtomicBool::new(false));
        rt.block_on(async {
            let (mut tx, rx) = oneshot::channel::<u32>();
            let worker = weft::spawn({
                let stopped = stopped.clone();
                async move {
                    tx.closed().await;
                    stopped.store(true, SeqCst);
                    tx.send(1)
                }
            });
            drop(rx);
            assert_eq!(worker.await.unwrap(), Err(1));
        });
        assert!(stopped.load(SeqCst));
    });
}

#[test]
fn ping_pong_between_two_tasks_with_a_fresh_oneshot_per_reply() {
    within(|| {
        let rt = runtime(2);
        let last = rt.block_on(async {
            let (requests, mut inbox) =
                weft::sync::mpsc::unbounded_channel::<(u32, oneshot::Sender<u32>)>();
            let ponger = weft::spawn(async move {
                while let Some((n, reply)) = inbox.recv().await {
                    reply.send(n + 1).unwrap();
                }
            });
            let mut n = 0;
            for _ in 0..1_000 {
                let (reply, answer) = oneshot::channel();
                requests.send((n, reply)).unwrap();
                n = answer.await.unwrap();
            }
            drop(requests);
            ponger.await.unwrap();
            n
        });
        assert_eq!(last, 1_000);
    });
}

#[test]
fn receiver_is_terminated_once_it_produced_its_result() {
    within(|| {
        let rt = runtime(1);
        let (tx, mut rx) = oneshot::channel();
        assert!(!rx.is_terminated());
        tx.send(1).unwrap();
        assert!(
            !rx.is_terminated(),
            "a value waiting is not a result produced"
        );
        assert_eq!(rt.block_on(&mut rx), Ok(1));
        assert!(rx.is_terminated());
        // An error is a result too.
        let (tx, mut rx) = oneshot::channel::<u8>();
        drop(tx);
        assert!(rt.block_on(&mut rx).is_err());
        assert!(rx.is_terminated());
        // So is a value taken with try_recv.
        let (tx, mut rx) = oneshot::channel();
        tx.send(2).unwrap();
        assert_eq!(rx.try_recv(), Ok(2));
        assert!(rx.is_terminated());
    });
}

#[test]
fn receiver_is_empty_unless_a_value_is_ready_to_take() {
    let (tx, mut rx) = oneshot::channel();
    assert!(rx.is_empty(), "nothing sent yet");
    tx.send(3).unwrap();
    assert!(!rx.is_empty());
    rx.close();
    assert!(!rx.is_empty(), "sent before the close: still there to take");
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.is_empty(), "taken");
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_empty(), "the sender went unsent");
}
