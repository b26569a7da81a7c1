//! `Builder::new_current_thread()`: the thread that calls `block_on` is the runtime's only
//! worker. Tasks spawned from inside run there; `block_on` returns when its future does and
//! leaves the other tasks for the next `block_on`; I/O, timers and the blocking pool work.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft_tests::{within, OnDrop};

fn current_thread() -> weft::Runtime {
    weft::Builder::new_current_thread().build().unwrap()
}

#[test]
fn tasks_spawned_inside_block_on_run_on_the_calling_thread() {
    within(|| {
        let rt = current_thread();
        let me = std::thread::current().id();
        let ids = rt.block_on(async {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    weft::spawn(async {
                        weft::task::yield_now().await;
                        std::thread::current().id()
                    })
                })
                .collect();
            let mut ids = Vec::new();
            for h in handles {
                ids.push(h.await.unwrap());
            }
            ids
        });
        assert!(ids.iter().all(|&id| id == me), "{ids:?} vs {me:?}");
        assert_eq!(rt.metrics().num_workers(), 1);
    });
}

#[test]
// The handle of a task spawned inside block_on is returned unawaited on purpose.
#[allow(clippy::async_yields_async)]
fn block_on_returns_when_its_future_does_and_the_next_one_runs_the_rest() {
    within(|| {
        let rt = current_thread();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let handle = rt.block_on(async move {
            weft::spawn(async move {
                // Runs only once some block_on gets to it.
                r.fetch_add(1, SeqCst);
            })
        });
        // The first block_on's future was ready at once; nothing drove the task since, on
        // a runtime without worker threads.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(ran.load(SeqCst), 0, "no block_on ran since");
        rt.block_on(handle).unwrap();
        assert_eq!(ran.load(SeqCst), 1);
    });
}

#[test]
fn a_task_spawned_from_another_thread_runs_in_the_next_block_on() {
    within(|| {
        let rt = current_thread();
        let handle = rt.handle().clone();
        let h = std::thread::spawn(move || handle.spawn(async { 7 }))
            .join()
            .unwrap();
        assert_eq!(rt.block_on(h).unwrap(), 7);
    });
}

#[test]
fn timers_io_and_the_blocking_pool_work_on_a_current_thread_runtime() {
    within(|| {
        let rt = current_thread();
        rt.block_on(async {
            weft::time::sleep(Duration::from_millis(5)).await;
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 5];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            });
            let mut c = weft::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut back = [0u8; 5];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"hello");
            server.await.unwrap();
            assert_eq!(weft::spawn_blocking(|| 6 * 7).await.unwrap(), 42);
        });
    });
}

#[test]
fn two_threads_in_block_on_at_once_both_finish() {
    within(|| {
        let rt = Arc::new(current_thread());
        let (tx, rx) = weft::sync::oneshot::channel::<u32>();
        let other = {
            let rt = rt.clone();
            // This one waits for a value the main thread's block_on sends later.
            std::thread::spawn(move || rt.block_on(async move { rx.await.unwrap() + 1 }))
        };
        std::thread::sleep(Duration::from_millis(20));
        let sent = rt.block_on(async move {
            let h = weft::spawn(async { 41 });
            let v = h.await.unwrap();
            tx.send(v).unwrap();
            v
        });
        assert_eq!(sent, 41);
        assert_eq!(other.join().unwrap(), 42);
    });
}

#[test]
// The handle of a task spawned inside block_on is returned unawaited on purpose.
#[allow(clippy::async_yields_async)]
fn dropping_the_runtime_cancels_the_tasks_left_behind() {
    within(|| {
        let rt = current_thread();
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        let h =
            rt.block_on(async move { weft::spawn(OnDrop::new(std::future::pending::<()>(), d)) });
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 1);
        assert!(weft_tests::park_on(h).unwrap_err().is_shutdown());
    });
}

#[test]
fn a_yielding_task_does_not_starve_the_block_on_future() {
    within(|| {
        let rt = current_thread();
        rt.block_on(async {
            let spinning = weft::spawn(async {
                loop {
                    weft::task::yield_now().await;
                }
            });
            // The block_on future still gets polled between the spinner's polls.
            weft::time::sleep(Duration::from_millis(10)).await;
            spinning.abort();
            assert!(spinning.await.unwrap_err().is_cancelled());
        });
    });
}
