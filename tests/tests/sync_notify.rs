//! `weft::sync::Notify`: `notify_one` hands each notification to one waiter (or stores
//! it), `notify_waiters` wakes everyone waiting, and no wakeup is lost.

use std::sync::Arc;
use weft::sync::Notify;
use weft_tests::{runtime, within};

#[test]
fn notify_one_hands_a_stream_of_items_to_a_consumer() {
    within(|| {
        let rt = runtime(2);
        let notify = Arc::new(Notify::new());
        let items = Arc::new(std::sync::Mutex::new(Vec::new()));
        rt.block_on(async {
            let consumer = weft::spawn({
                let (notify, items) = (notify.clone(), items.clone());
                async move {
                    let mut got = 0;
                    while got < 100 {
                        let batch = std::mem::take(&mut *items.lock().unwrap());
                        got += batch.len();
                        if batch.is_empty() {
                            notify.notified().await;
                        }
                    }
                    got
                }
            });
            for i in 0..100 {
                items.lock().unwrap().push(i);
                notify.notify_one();
                if i % 7 == 0 {
                    weft::task::yield_now().await;
                }
            }
            assert_eq!(consumer.await.unwrap(), 100);
        });
    });
}

#[test]
fn notify_waiters_wakes_everyone_waiting() {
    within(|| {
        let rt = runtime(2);
        let notify = Arc::new(Notify::new());
        rt.block_on(async {
            let waiters: Vec<_> = (0..10)
                .map(|_| weft::spawn(notify.clone().notified_owned()))
                .collect();
            notify.notify_waiters();
            for w in waiters {
                w.await.unwrap();
            }
        });
    });
}
