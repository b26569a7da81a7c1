//! `weft::sync::Mutex`: exclusive access held across awaits, served in FIFO order.

use std::sync::Arc;
use weft::sync::Mutex;
use weft_tests::{runtime, within};

#[test]
fn mutex_guards_a_counter_held_across_awaits() {
    within(|| {
        let rt = runtime(2);
        let counter = Arc::new(Mutex::new(0u64));
        rt.block_on(async {
            let tasks: Vec<_> = (0..100)
                .map(|_| {
                    let counter = counter.clone();
                    weft::spawn(async move {
                        let mut n = counter.lock().await;
                        let seen = *n;
                        weft::task::yield_now().await;
                        // Nobody changed it while we awaited with the lock held.
                        assert_eq!(*n, seen);
                        *n += 1;
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(*counter.try_lock().unwrap(), 100);
    });
}

#[test]
fn owned_guards_move_into_tasks() {
    within(|| {
        let rt = runtime(2);
        let m = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let mut guard = m.clone().lock_owned().await;
            let t = weft::spawn(async move { guard.push(1) });
            t.await.unwrap();
            m.lock().await.push(2);
        });
        assert_eq!(*m.try_lock().unwrap(), [1, 2]);
    });
}

#[test]
fn lock_futures_and_guards_may_move_between_threads() {
    fn is_send<T: Send>(_: &T) {}
    fn is_sync<T: Sync>(_: &T) {}
    let m = Arc::new(Mutex::new(String::new()));
    // The futures, so a task may hold them across its awaits on any worker.
    is_send(&m.lock());
    is_send(&m.clone().lock_owned());
    let guard = m.try_lock().unwrap();
    is_send(&guard);
    is_sync(&guard);
    drop(guard);
    let owned = m.clone().try_lock_owned().unwrap();
    is_send(&owned);
    is_sync(&owned);
}
