//! `Builder` and `blocking::PoolBuilder` refuse settings that cannot work with an
//! `InvalidInput` error that names the setting, and a thread that cannot start is
//! `build()`'s error: never a panic, an abort or a hang.

use std::io::ErrorKind;
use weft_tests::{panic_message, within};

#[test]
fn worker_threads_beyond_the_limit_are_refused_naming_the_limit() {
    within(|| {
        for n in [4097, 65_535, 1 << 20, usize::MAX] {
            let err = weft::Builder::new().worker_threads(n).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            let msg = err.to_string();
            assert!(
                msg.contains("worker_threads") && msg.contains("4096"),
                "{msg}"
            );
        }
    });
}

#[test]
fn thread_name_with_a_nul_byte_is_an_error_not_a_panic() {
    within(|| {
        let built = std::panic::catch_unwind(|| {
            weft::Builder::new()
                .worker_threads(1)
                .thread_name("svc\0worker")
                .build()
        });
        let err = match built {
            Ok(res) => res.unwrap_err(),
            Err(payload) => panic!("build panicked: {}", panic_message(&*payload)),
        };
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("thread_name"), "{err}");
    });
}

#[test]
fn pool_name_with_a_nul_byte_is_an_error_not_a_panic() {
    within(|| {
        let built = std::panic::catch_unwind(|| {
            weft::blocking::Pool::builder()
                .threads(1)
                .name("pool\0")
                .build()
        });
        let err = match built {
            Ok(res) => res.unwrap_err(),
            Err(payload) => panic!("build panicked: {}", panic_message(&*payload)),
        };
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("name"), "{err}");
    });
}

#[test]
fn worker_thread_that_cannot_start_is_an_error_from_build() {
    within(|| {
        // A 1 PiB stack: the OS refuses the thread.
        let err = weft::Builder::new()
            .worker_threads(2)
            .thread_stack_size(1 << 50)
            .build()
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("could not start thread"), "{msg}");
        assert!(msg.contains("weft-worker-0"), "{msg}");
        // A usable setting still builds afterwards.
        let rt = weft::Builder::new().worker_threads(2).build().unwrap();
        assert_eq!(rt.block_on(async { 1 }), 1);
    });
}
