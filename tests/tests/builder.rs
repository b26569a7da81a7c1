//! `Builder` and `blocking::PoolBuilder` refuse settings that cannot work with an
//! `InvalidInput` error that names the setting, and a thread that cannot start is
//! `build()`'s error: never a panic, an abort or a hang. The settings that can work are
//! applied: thread names, start and stop hooks, the event interval.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::sync::{Arc, Mutex};
use weft_tests::{panic_message, runtime, within};

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

#[test]
fn builder_rejects_unusable_settings_as_invalid_input() {
    let err = weft::Builder::new().worker_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads"), "{err}");

    let err = weft::Builder::new().event_interval(0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("event_interval"), "{err}");

    let err = weft::Builder::new()
        .worker_threads(usize::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    let err = weft::Builder::new()
        .thread_stack_size(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn thread_name_names_workers_with_an_index_suffix() {
    let names = within(|| {
        let names = Arc::new(Mutex::new(HashSet::new()));
        let n = names.clone();
        let rt = weft::Builder::new()
            .worker_threads(3)
            .thread_name("x")
            .on_thread_start(move || {
                let name = std::thread::current().name().unwrap_or("").to_owned();
                n.lock().unwrap().insert(name);
            })
            .build()
            .unwrap();
        let in_task = rt
            .block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }))
            .unwrap()
            .unwrap();
        drop(rt);
        let names = names.lock().unwrap().clone();
        assert!(names.contains(&in_task), "{in_task} not in {names:?}");
        names
    });
    let expected: HashSet<String> = ["x-0", "x-1", "x-2"].map(String::from).into();
    assert_eq!(names, expected);
}

#[test]
fn default_worker_threads_are_named_weft_worker() {
    let name = within(|| {
        let rt = runtime(1);
        rt.block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }))
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("weft-worker-0"));
}

#[test]
fn thread_start_and_stop_hooks_run_once_per_worker_on_that_worker() {
    within(|| {
        let started = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(Mutex::new(Vec::new()));
        let (s, t) = (started.clone(), stopped.clone());
        let rt = weft::Builder::new()
            .worker_threads(3)
            .on_thread_start(move || s.lock().unwrap().push(std::thread::current().id()))
            .on_thread_stop(move || t.lock().unwrap().push(std::thread::current().id()))
            .build()
            .unwrap();
        assert_eq!(rt.metrics().num_workers(), 3);
        rt.block_on(async {});
        drop(rt);
        let started = started.lock().unwrap().clone();
        let stopped = stopped.lock().unwrap().clone();
        assert_eq!(started.len(), 3, "{started:?}");
        assert_eq!(stopped.len(), 3, "{stopped:?}");
        let a: HashSet<_> = started.into_iter().collect();
        let b: HashSet<_> = stopped.into_iter().collect();
        assert_eq!(a.len(), 3, "start hook ran twice on one thread");
        assert_eq!(a, b, "stop hooks ran on other threads than start hooks");
        assert!(!a.contains(&std::thread::current().id()));
    });
}

#[test]
fn event_interval_of_one_still_runs_every_task() {
    within(|| {
        let rt = weft::Builder::new()
            .worker_threads(2)
            .event_interval(1)
            .build()
            .unwrap();
        let sum: u32 = rt.block_on(async {
            let hs: Vec<_> = (0..1_000u32)
                .map(|i| weft::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 999 * 1_000 / 2);
    });
}
