//! `weft::sync::Event`: asyncio's `Event`, a flag that tasks wait on; set before or after
//! they start waiting, it releases them, and once cleared, later waits wait again.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use weft::sync::Event;
use weft_tests::{runtime, within};

#[test]
fn event_releases_waiters_set_before_or_after_they_wait() {
    within(|| {
        let rt = runtime(2);
        let event = Arc::new(Event::new());
        rt.block_on(async {
            let early: Vec<_> = (0..5)
                .map(|_| {
                    let e = event.clone();
                    weft::spawn(async move { e.wait().await })
                })
                .collect();
            event.set();
            for w in early {
                w.await.unwrap();
            }
            // Set: waits return at once.
            event.wait().await;
            event.clear();
            assert!(!event.is_set());
            let late = weft::spawn({
                let e = event.clone();
                async move { e.wait().await }
            });
            for _ in 0..5 {
                weft::task::yield_now().await;
            }
            assert!(!late.is_finished());
            event.set();
            late.await.unwrap();
        });
    });
}

#[test]
fn a_waiter_woken_by_a_set_returns_even_if_the_event_is_cleared_at_once() {
    let event = Event::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut wait = pin!(event.wait());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    // asyncio's `set(); clear()`: the waiters of the `set` still return.
    event.set();
    event.clear();
    assert!(wait.as_mut().poll(&mut cx).is_ready());
    // A wait that starts after the clear waits for the next `set`.
    let mut later = pin!(event.wait());
    assert!(later.as_mut().poll(&mut cx).is_pending());
    event.set();
    assert!(later.as_mut().poll(&mut cx).is_ready());
}
