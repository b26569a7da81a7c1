//! `weft::sync::RwLock`: many readers or one writer, served in FIFO order, so a waiting
//! writer holds back the readers that come after it.

use std::sync::Arc;
use weft::sync::RwLock;
use weft_tests::{runtime, within};

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

#[test]
fn lock_futures_and_guards_may_move_between_threads() {
    fn is_send<T: Send>(_: &T) {}
    fn is_sync<T: Sync>(_: &T) {}
    let lock = Arc::new(RwLock::new(String::new()));
    // The futures, so a task may hold them across its awaits on any worker.
    is_send(&lock.read());
    is_send(&lock.write());
    is_send(&lock.clone().read_owned());
    is_send(&lock.clone().write_owned());
    let read = lock.try_read().unwrap();
    is_send(&read);
    is_sync(&read);
    drop(read);
    let write = lock.try_write().unwrap();
    is_send(&write);
    is_sync(&write);
    drop(write);
    let owned = weft_tests::park_on(lock.clone().write_owned());
    is_send(&owned);
    is_sync(&owned);
}
