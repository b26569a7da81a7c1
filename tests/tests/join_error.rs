//! `JoinError` as a user handles it: what it says, and where it can go (error boxes,
//! `io::Error`).

use std::future::pending;
use std::io;
use std::marker::PhantomData;
use weft::task::JoinError;
use weft_tests::{park_on, runtime, within};

fn cancelled() -> JoinError {
    let rt = runtime(1);
    let h = rt.spawn(pending::<()>());
    h.abort();
    rt.block_on(h).unwrap_err()
}

fn shut_down() -> JoinError {
    let rt = runtime(1);
    let h = rt.spawn(pending::<()>());
    drop(rt);
    park_on(h).unwrap_err()
}

fn panicked() -> JoinError {
    let rt = runtime(1);
    rt.block_on(rt.spawn(async { panic!("join error test") }))
        .unwrap_err()
}

#[test]
fn display_says_what_happened() {
    within(|| {
        let text = cancelled().to_string();
        assert!(
            text.contains("cancelled") && text.contains("abort"),
            "{text}"
        );
        let text = shut_down().to_string();
        assert!(
            text.contains("cancelled") && text.contains("shut down"),
            "{text}"
        );
        let text = panicked().to_string();
        assert!(
            text.contains("panicked") && text.contains("join error test"),
            "{text}"
        );
    });
}

#[test]
fn id_is_the_failed_tasks_id() {
    within(|| {
        let rt = runtime(1);
        let h = rt.spawn(async { panic!() });
        let id = h.id();
        assert_eq!(rt.block_on(h).unwrap_err().id(), id);
    });
}

#[test]
fn try_into_panic_gives_back_a_cancellation() {
    within(|| {
        let err = cancelled().try_into_panic().unwrap_err();
        assert!(err.is_cancelled());
        assert!(panicked().try_into_panic().is_ok());
    });
}

#[test]
fn converts_into_io_error() {
    within(|| {
        let e: io::Error = cancelled().into();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
        let e: io::Error = panicked().into();
        assert_eq!(e.kind(), io::ErrorKind::Other);
        assert!(e.to_string().contains("panicked"), "{e}");
    });
}

/// `Probe::<T>::is_sync()` picks the inherent method when `T: Sync` and falls back to the
/// trait method otherwise, so a missing `Sync` fails this test instead of the build.
struct Probe<T>(PhantomData<T>);

trait NotSync {
    fn is_sync(&self) -> bool {
        false
    }
}

impl<T> NotSync for Probe<T> {}

impl<T: Sync> Probe<T> {
    fn is_sync(&self) -> bool {
        true
    }
}

#[test]
fn join_error_is_send_and_sync_so_it_fits_error_boxes() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<JoinError>();
    // The probe itself tells the two apart.
    assert!(Probe::<io::Error>(PhantomData).is_sync());
    assert!(!Probe::<std::cell::Cell<u8>>(PhantomData).is_sync());
    // `?` into `Box<dyn Error + Send + Sync>` or `anyhow::Error` needs `Sync`, as tokio's
    // JoinError is.
    assert!(
        Probe::<JoinError>(PhantomData).is_sync(),
        "JoinError is not Sync: it cannot be boxed as `dyn Error + Send + Sync`"
    );
}
