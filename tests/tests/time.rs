//! Timers: ordering, never early, cancellation from any thread, timeouts, intervals, the
//! driver waking early for a newly armed earlier deadline, resets that wake a parked task,
//! and wakers that come back to the timer wheel.

use std::future::{pending, poll_fn, Future};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;
use weft::time::{interval, interval_at, sleep, sleep_until, timeout, Instant, MissedTickBehavior};
use weft_tests::{poll_once, wait_until, within, HANG};

fn rt(workers: usize) -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// Records, in call order, the index of each waker that is woken and when.
struct Recorder {
    index: usize,
    log: Arc<Mutex<Vec<(usize, Instant)>>>,
}

impl std::task::Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push((self.index, Instant::now()));
    }
}

#[test]
fn ten_thousand_sleeps_all_fire_never_early_and_in_deadline_order() {
    within(|| {
        let rt = rt(2);
        let log = Arc::new(Mutex::new(Vec::with_capacity(10_000)));
        let base = Instant::now() + Duration::from_millis(50);
        // Distinct deadlines 37 us apart, armed in a scrambled order.
        let deadlines: Vec<Instant> = (0..10_000u64)
            .map(|i| base + Duration::from_micros((i * 7_919 % 10_000) * 37))
            .collect();
        let ready_at_once = rt.block_on(async {
            let mut sleeps = Vec::with_capacity(10_000);
            // On a slow machine (a sanitized build) arming may outlast the first deadlines:
            // a sleep whose deadline passed before it was polled completes at that poll
            // instead of being woken; every other one must be woken.
            let mut ready_at_once = Vec::new();
            for (index, &deadline) in deadlines.iter().enumerate() {
                let mut s = Box::pin(sleep_until(deadline));
                let waker = Waker::from(Arc::new(Recorder {
                    index,
                    log: log.clone(),
                }));
                if s.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                    assert!(Instant::now() >= deadline, "ready before its deadline");
                    ready_at_once.push(index);
                }
                sleeps.push(s);
            }
            while log.lock().unwrap().len() + ready_at_once.len() < 10_000 {
                sleep(Duration::from_millis(5)).await;
            }
            assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);
            ready_at_once
        });
        let log = log.lock().unwrap();
        let mut fired = vec![false; 10_000];
        for &index in &ready_at_once {
            fired[index] = true;
        }
        for &(index, at) in log.iter() {
            assert!(!fired[index], "sleep {index} completed or was woken twice");
            fired[index] = true;
            assert!(
                at >= deadlines[index],
                "sleep {index} woken before its deadline"
            );
        }
        assert!(fired.iter().all(|&f| f), "every sleep fires");
        // The wheel has 1 ms ticks: within a tick the order is unspecified, across ticks it
        // is the deadline order. (A sleep armed late is in order too: any sleep with a
        // later deadline that fired before it was armed had made its deadline pass.)
        for pair in log.windows(2) {
            let (a, b) = (deadlines[pair[0].0], deadlines[pair[1].0]);
            assert!(
                b + Duration::from_millis(1) > a,
                "a sleep woke a tick or more before an earlier one"
            );
        }
    });
}

#[test]
fn no_sleep_wakes_before_its_deadline() {
    within(|| {
        let rt = rt(2);
        rt.block_on(async {
            let handles: Vec<_> = (0..500u64)
                .map(|i| {
                    weft::spawn(async move {
                        let d = Duration::from_micros(200 + i * 97 % 20_000);
                        let start = Instant::now();
                        sleep(d).await;
                        assert!(start.elapsed() >= d);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
    });
}

#[test]
// The task hands back an armed `Sleep` on purpose, to drop it on another thread.
#[allow(clippy::async_yields_async)]
fn a_sleep_dropped_on_another_thread_is_disarmed() {
    within(|| {
        let rt = rt(2);
        let armed = rt.block_on(async {
            weft::spawn(async { poll_once(sleep(Duration::from_secs(60))).await })
                .await
                .unwrap()
        });
        assert_eq!(rt.metrics().num_armed_timers(), 1);
        std::thread::spawn(move || drop(armed)).join().unwrap();
        assert_eq!(rt.metrics().num_armed_timers(), 0);
    });
}

#[test]
fn an_earlier_deadline_wakes_a_driver_sleeping_until_a_later_one() {
    within(|| {
        let rt = rt(2);
        rt.block_on(async {
            let long = weft::spawn(sleep(Duration::from_secs(3_600)));
            // Let the driver go to sleep until the long deadline.
            while weft::Handle::current().metrics().num_armed_timers() == 0 {
                weft::task::yield_now().await;
            }
            let start = Instant::now();
            sleep(Duration::from_millis(20)).await;
            // Generous: the point is that it does not wait for the hour-long one.
            assert!(start.elapsed() < Duration::from_secs(10));
            long.abort();
        });
    });
}

#[test]
fn timeout_returns_the_value_when_the_future_finishes_first() {
    within(|| {
        weft::run(async {
            let r = timeout(Duration::from_secs(30), async {
                sleep(Duration::from_millis(5)).await;
                7
            })
            .await;
            assert_eq!(r, Ok(7));
            assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);
        });
    });
}

#[test]
fn timeout_elapses_for_a_future_that_never_finishes_and_drops_it() {
    within(|| {
        weft::run(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            struct Flag(Arc<AtomicUsize>);
            impl Drop for Flag {
                fn drop(&mut self) {
                    self.0.fetch_add(1, SeqCst);
                }
            }
            let flag = Flag(dropped.clone());
            let start = Instant::now();
            let r = timeout(Duration::from_millis(20), async move {
                let _flag = flag;
                pending::<()>().await
            })
            .await;
            assert!(r.is_err());
            assert!(start.elapsed() >= Duration::from_millis(20));
            assert_eq!(dropped.load(SeqCst), 1);
            let io: std::io::Error = r.unwrap_err().into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        });
    });
}

#[test]
fn zero_timeout_still_gives_a_ready_future_its_value() {
    within(|| {
        weft::run(async {
            assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
            assert!(timeout(Duration::ZERO, pending::<()>()).await.is_err());
        });
    });
}

#[test]
fn huge_durations_saturate_instead_of_panicking() {
    within(|| {
        weft::run(async {
            assert_eq!(timeout(Duration::MAX, async { 2 }).await, Ok(2));
            let s = poll_once(sleep(Duration::MAX)).await;
            assert!(!s.is_elapsed());
            drop(s);
            let mut i = interval(Duration::MAX);
            i.tick().await; // the first tick is immediate
        });
    });
}

#[test]
fn sleep_reset_moves_the_deadline_both_ways() {
    within(|| {
        weft::run(async {
            let mut s = std::pin::pin!(sleep(Duration::from_secs(3_600)));
            let _ = poll_fn(|cx| Poll::Ready(s.as_mut().poll(cx))).await;
            let soon = Instant::now() + Duration::from_millis(5);
            s.as_mut().reset(soon);
            s.as_mut().await;
            assert!(Instant::now() >= soon);
        });
    });
}

#[test]
fn interval_ticks_on_schedule_and_bursts_after_a_stall() {
    within(|| {
        weft::run(async {
            let period = Duration::from_millis(10);
            let mut i = interval(period);
            let first = i.tick().await;
            // Block past three periods: burst catches up with back-to-back ticks that keep
            // the original schedule.
            std::thread::sleep(period * 3 + Duration::from_millis(5));
            for n in 1..=3u32 {
                assert_eq!(i.tick().await, first + period * n);
            }
        });
    });
}

#[test]
fn interval_delay_and_skip_shift_or_drop_missed_ticks() {
    within(|| {
        weft::run(async {
            let period = Duration::from_millis(10);

            let mut delay = interval(period);
            delay.set_missed_tick_behavior(MissedTickBehavior::Delay);
            delay.tick().await;
            std::thread::sleep(period * 3);
            let late = delay.tick().await; // fires once, late
            let next = delay.tick().await;
            assert!(
                next >= late + period,
                "Delay restarts the period after a late tick"
            );

            let mut skip = interval(period);
            skip.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let start = skip.tick().await;
            std::thread::sleep(period * 3 + Duration::from_millis(5));
            skip.tick().await; // the late one
            let next = skip.tick().await;
            let offset = (next - start).as_nanos() % period.as_nanos();
            assert_eq!(offset, 0, "Skip keeps the original phase");
            assert!(next > start + period * 3, "Skip drops the missed ticks");
        });
    });
}

#[test]
fn sleeps_pending_at_runtime_drop_are_cancelled_and_disarmed() {
    within(|| {
        let rt = rt(2);
        let handles: Vec<_> = (0..100)
            .map(|_| rt.spawn(sleep(Duration::from_secs(3_600))))
            .collect();
        while rt.metrics().num_armed_timers() < 100 {
            std::thread::yield_now();
        }
        let handle = rt.handle().clone();
        drop(rt);
        assert_eq!(handle.metrics().num_armed_timers(), 0);
        for h in handles {
            assert!(h.is_finished());
        }
    });
}

#[test]
fn sleep_until_in_the_past_completes_at_once() {
    within(|| {
        weft::run(async {
            let past = Instant::now() - Duration::from_millis(1);
            sleep_until(past).await;
            assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);
        });
    });
}

#[test]
fn a_sleep_reset_from_another_thread_wakes_the_task_awaiting_it() {
    within(|| {
        let rt = rt(2);
        // A sleep shared between the task that awaits it and a thread that moves it.
        let shared = Arc::new(Mutex::new(Box::pin(sleep(Duration::from_secs(3_600)))));
        let waiter = rt.spawn({
            let shared = shared.clone();
            poll_fn(move |cx| shared.lock().unwrap().as_mut().poll(cx))
        });
        assert!(wait_until(HANG, || rt.metrics().num_armed_timers() == 1));
        // The task is parked now, its waker in the wheel.
        let at = Instant::now() + Duration::from_millis(20);
        std::thread::spawn(move || shared.lock().unwrap().as_mut().reset(at))
            .join()
            .unwrap();
        rt.block_on(waiter).unwrap();
        assert!(Instant::now() >= at, "woken before the new deadline");
        assert_eq!(rt.metrics().num_armed_timers(), 0);
    });
}

#[test]
fn a_sleep_reset_after_it_was_polled_still_wakes_the_task_at_the_new_deadline() {
    within(|| {
        let rt = rt(2);
        let (tx, mut rx) = weft::sync::mpsc::unbounded_channel::<Instant>();
        // A debounce: wait until no message has come for a while, every message pushing
        // the deadline. It polls the sleep first and resets it afterwards, so the task
        // parks on the reset sleep without polling it again.
        let quiet = rt.spawn(async move {
            let mut quiet = Box::pin(sleep(Duration::from_secs(3_600)));
            poll_fn(|cx| {
                if quiet.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(quiet.deadline());
                }
                while let Poll::Ready(Some(at)) = rx.poll_recv(cx) {
                    quiet.as_mut().reset(at);
                }
                Poll::Pending
            })
            .await
        });
        assert!(wait_until(HANG, || rt.metrics().num_armed_timers() == 1));
        let at = Instant::now() + Duration::from_millis(20);
        tx.send(at).unwrap();
        assert_eq!(rt.block_on(quiet).unwrap(), at);
        assert!(Instant::now() >= at, "woken before the new deadline");
        drop(tx);
    });
}

#[test]
fn an_interval_reset_from_another_thread_wakes_the_task_awaiting_its_tick() {
    within(|| {
        let rt = rt(2);
        let period = Duration::from_millis(20);
        // First tick an hour away: only the reset can bring it in.
        let shared = Arc::new(Mutex::new(interval_at(
            Instant::now() + Duration::from_secs(3_600),
            period,
        )));
        let waiter = rt.spawn({
            let shared = shared.clone();
            poll_fn(move |cx| shared.lock().unwrap().poll_tick(cx))
        });
        assert!(wait_until(HANG, || rt.metrics().num_armed_timers() == 1));
        let before = Instant::now();
        std::thread::spawn(move || shared.lock().unwrap().reset())
            .join()
            .unwrap();
        let tick = rt.block_on(waiter).unwrap();
        assert!(
            tick >= before + period,
            "reset puts the next tick a period out"
        );
        assert!(Instant::now() >= tick, "ticked before its time");
    });
}

/// A waker that, whenever it is cloned, woken or dropped, reads the runtime's armed-timer
/// count, which takes the timer wheel's lock, as a waker that reports runtime metrics would.
/// A runtime that clones, wakes or drops a waker while holding that lock deadlocks on it.
struct MetricsWaker {
    handle: weft::Handle,
    woken: AtomicUsize,
}

impl MetricsWaker {
    fn new(handle: weft::Handle) -> (Arc<MetricsWaker>, Waker) {
        let this = Arc::new(MetricsWaker {
            handle,
            woken: AtomicUsize::new(0),
        });
        let raw = RawWaker::new(Arc::into_raw(this.clone()).cast(), &METRICS_WAKER);
        // SAFETY: `raw` owns one count of an `Arc<MetricsWaker>`, which is what every
        // function of `METRICS_WAKER` expects of its pointer.
        (this, unsafe { Waker::from_raw(raw) })
    }

    fn touch(&self) {
        std::hint::black_box(self.handle.metrics().num_armed_timers());
    }
}

static METRICS_WAKER: RawWakerVTable = RawWakerVTable::new(
    metrics_waker_clone,
    metrics_waker_wake,
    metrics_waker_wake_by_ref,
    metrics_waker_drop,
);

/// # Safety
///
/// `p` owns (or, for `clone` and `wake_by_ref`, borrows) one count of an
/// `Arc<MetricsWaker>` made by `Arc::into_raw`.
unsafe fn metrics_waker_clone(p: *const ()) -> RawWaker {
    // SAFETY: `p` is a live `Arc<MetricsWaker>` (this function's contract).
    let this = unsafe { &*p.cast::<MetricsWaker>() };
    this.touch();
    // SAFETY: as above; the new count is owned by the returned `RawWaker`.
    unsafe { Arc::increment_strong_count(p.cast::<MetricsWaker>()) };
    RawWaker::new(p, &METRICS_WAKER)
}

/// # Safety
///
/// As for [`metrics_waker_clone`].
unsafe fn metrics_waker_wake(p: *const ()) {
    // SAFETY: `p` owns a count (contract), passed on to `drop`.
    unsafe {
        metrics_waker_wake_by_ref(p);
        metrics_waker_drop(p);
    }
}

/// # Safety
///
/// As for [`metrics_waker_clone`].
unsafe fn metrics_waker_wake_by_ref(p: *const ()) {
    // SAFETY: `p` is a live `Arc<MetricsWaker>` (contract).
    let this = unsafe { &*p.cast::<MetricsWaker>() };
    this.touch();
    this.woken.fetch_add(1, SeqCst);
}

/// # Safety
///
/// As for [`metrics_waker_clone`].
unsafe fn metrics_waker_drop(p: *const ()) {
    // SAFETY: `p` is a live `Arc<MetricsWaker>` (contract).
    unsafe { &*p.cast::<MetricsWaker>() }.touch();
    // SAFETY: `p` owns a count (contract), released here.
    unsafe { Arc::decrement_strong_count(p.cast::<MetricsWaker>()) };
}

#[test]
// The body hands back an armed `Sleep` on purpose, to keep it armed through shutdown.
#[allow(clippy::async_yields_async)]
fn wakers_that_read_timer_metrics_when_cloned_woken_or_dropped_do_not_deadlock() {
    within(|| {
        let rt = rt(2);
        let (first, first_waker) = MetricsWaker::new(rt.handle().clone());
        let (_second, second_waker) = MetricsWaker::new(rt.handle().clone());
        let mut first_cx = Context::from_waker(&first_waker);
        let mut second_cx = Context::from_waker(&second_waker);
        let armed = rt.block_on(async {
            let mut s = Box::pin(sleep(Duration::from_secs(3_600)));
            // Arm (clones), refresh with another waker (clones it, drops the replaced one),
            // move the deadline (keeps the waker), cancel (drops it).
            assert!(s.as_mut().poll(&mut first_cx).is_pending());
            assert!(s.as_mut().poll(&mut second_cx).is_pending());
            assert!(s.as_mut().poll(&mut first_cx).is_pending());
            s.as_mut()
                .reset(Instant::now() + Duration::from_secs(1_800));
            assert!(s.as_mut().poll(&mut first_cx).is_pending());
            drop(s);
            assert_eq!(weft::Handle::current().metrics().num_armed_timers(), 0);

            // Fire: the driver wakes (and drops) the wheel's clone.
            let mut s = Box::pin(sleep(Duration::from_millis(5)));
            assert!(s.as_mut().poll(&mut first_cx).is_pending());
            while first.woken.load(SeqCst) == 0 {
                sleep(Duration::from_millis(1)).await;
            }
            assert!(s.as_mut().poll(&mut first_cx).is_ready());

            // Left armed for the shutdown below.
            let mut s = Box::pin(sleep(Duration::from_secs(3_600)));
            assert!(s.as_mut().poll(&mut first_cx).is_pending());
            s
        });
        // Shutdown fires every armed timer: the driver wakes this one too.
        drop(rt);
        assert_eq!(first.woken.load(SeqCst), 2);
        drop(armed);
    });
}
