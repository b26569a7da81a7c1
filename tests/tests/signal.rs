//! `weft::signal`: listeners are woken by signals raised on other threads, every listener
//! of a signal sees it, a signal raised before the first `recv` is kept (and several are
//! coalesced), forbidden signals are refused by name, and a runtime that never asks for
//! signals installs no handler.
//!
//! Signals are process-wide, so every test here takes [`LOCK`]: no test sees another's
//! signals. This file is its own test binary so no other test shares the process.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;
use weft::signal::unix::{signal, SignalKind};
use weft_tests::{runtime, within, HANG};

static LOCK: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Raises `signum` on a thread of its own, as a signal from outside arrives on whatever
/// thread the kernel picks.
fn raise_on_another_thread(signum: libc::c_int) {
    std::thread::spawn(move || {
        // SAFETY: raise has no memory-safety preconditions; every caller has a handler
        // installed for `signum` first, so it does not end the test process.
        assert_eq!(unsafe { libc::raise(signum) }, 0);
    })
    .join()
    .unwrap();
}

/// Polls `fut` once and says whether it is still pending.
async fn still_pending<F: Future>(mut fut: std::pin::Pin<&mut F>) -> bool {
    poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await
}

async fn hang_guard<F: Future>(fut: F) -> F::Output {
    weft::time::timeout(HANG, fut)
        .await
        .expect("a raised signal was never delivered")
}

#[test]
fn ctrl_c_is_woken_by_sigint_raised_on_another_thread() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut ctrl_c = pin!(weft::signal::ctrl_c());
            // The first poll registers the listener; nothing has been raised yet.
            assert!(still_pending(ctrl_c.as_mut()).await);
            raise_on_another_thread(libc::SIGINT);
            hang_guard(ctrl_c).await.unwrap();
        })
    });
}

#[test]
fn user_defined1_is_woken_by_raise_on_another_thread() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            let waiter = weft::spawn(async move {
                usr1.recv().await.unwrap();
                usr1
            });
            raise_on_another_thread(libc::SIGUSR1);
            let usr1 = hang_guard(waiter).await.unwrap();
            assert_eq!(usr1.kind(), SignalKind::user_defined1());
        })
    });
}

#[test]
fn two_listeners_of_one_signal_are_both_woken() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut a = signal(SignalKind::user_defined1()).unwrap();
            let mut b = signal(SignalKind::user_defined1()).unwrap();
            let a = weft::spawn(async move { a.recv().await });
            let b = weft::spawn(async move { b.recv().await });
            raise_on_another_thread(libc::SIGUSR1);
            assert_eq!(hang_guard(a).await.unwrap(), Some(()));
            assert_eq!(hang_guard(b).await.unwrap(), Some(()));
        })
    });
}

#[test]
fn signal_raised_before_the_first_recv_is_not_lost_and_repeats_coalesce() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            for _ in 0..3 {
                raise_on_another_thread(libc::SIGUSR1);
            }
            // Nobody awaited while the three arrived: the first recv returns at once...
            assert!(
                !still_pending(pin!(usr1.recv())).await,
                "the signal was lost"
            );
            // ...and they were one event, not three.
            let mut second = pin!(usr1.recv());
            assert!(still_pending(second.as_mut()).await);
            raise_on_another_thread(libc::SIGUSR1);
            assert_eq!(hang_guard(second).await, Some(()));
        })
    });
}

#[test]
fn a_listener_sees_only_signals_raised_after_it_was_made() {
    let _serial = serial();
    within(|| {
        runtime(1).block_on(async {
            let mut early = signal(SignalKind::user_defined1()).unwrap();
            raise_on_another_thread(libc::SIGUSR1);
            let mut late = signal(SignalKind::user_defined1()).unwrap();
            assert_eq!(hang_guard(early.recv()).await, Some(()));
            assert!(still_pending(pin!(late.recv())).await);
        })
    });
}

#[test]
fn forbidden_signals_are_invalid_input_naming_the_signal() {
    let _serial = serial();
    within(|| {
        runtime(1).block_on(async {
            for (signum, name) in [
                (libc::SIGKILL, "SIGKILL"),
                (libc::SIGSTOP, "SIGSTOP"),
                (libc::SIGSEGV, "SIGSEGV"),
                (libc::SIGILL, "SIGILL"),
                (libc::SIGFPE, "SIGFPE"),
            ] {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{name}");
                assert!(err.to_string().contains(name), "{name}: {err}");
            }
            let err = signal(SignalKind::from_raw(100_000)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("100000"), "{err}");
        })
    });
}

#[test]
fn recv_returns_none_once_the_runtime_is_gone() {
    let _serial = serial();
    within(|| {
        let first = runtime(1);
        let mut usr1 = first.block_on(async { signal(SignalKind::user_defined1()).unwrap() });
        drop(first);
        let got = runtime(1).block_on(async { hang_guard(usr1.recv()).await });
        assert_eq!(got, None);
    });
}

/// The handler `signum` has now: `SIG_DFL` unless someone installed one.
fn current_handler(signum: libc::c_int) -> libc::sighandler_t {
    // SAFETY: sigaction with a null new action only reads the current one into `old`,
    // a zeroed (valid) sigaction owned by this frame.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(signum, std::ptr::null(), &mut old), 0);
        old.sa_sigaction
    }
}

#[test]
fn a_runtime_that_never_asks_for_signals_installs_no_handler() {
    let _serial = serial();
    // No other test of this binary listens for these.
    let untouched = [
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGUSR2,
        libc::SIGCHLD,
        libc::SIGQUIT,
    ];
    for signum in untouched {
        assert_eq!(current_handler(signum), libc::SIG_DFL, "signal {signum}");
    }
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            weft::time::sleep(Duration::from_millis(1)).await;
            weft::spawn_blocking(|| 1).await.unwrap();
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let (_client, _server) =
                weft::join!(weft::net::TcpStream::connect(addr), listener.accept());
        });
        drop(rt);
    });
    // A listener asked for outside a runtime fails before any handler is installed.
    assert!(signal(SignalKind::user_defined2()).is_err());
    for signum in untouched {
        assert_eq!(current_handler(signum), libc::SIG_DFL, "signal {signum}");
    }
}
