//! `weft::sync::Mutex` and `RwLock`: exclusive (or shared-read) access held across awaits,
//! served in FIFO order.

use std::sync::Arc;
use weft::sync::{Mutex, RwLock};
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
fn rwlock_shares_reads_and_excludes_writes() {
    within(|| {
        let rt = runtime(2);
        let lock = Arc::new(RwLock::new(0u32));
        rt.block_on(async {
            let r1 = lock.read().await;
            let r2 = lock.clone().read_owned().await;
            assert!(lock.try_write().is_err());
            let writer = weft::spawn({
                let lock = lock.clone();
                async move { *lock.write().await += 1 }
            });
            // Once the writer waits for the readers, later readers queue behind it: a new
            // read is refused though only readers hold the lock.
            while lock.try_read().is_ok() {
                weft::task::yield_now().await;
            }
            assert!(!writer.is_finished());
            drop((r1, r2));
            writer.await.unwrap();
            assert_eq!(*lock.read().await, 1);
        });
    });
}
