//! `Async::ready(Interest)` and `Async::try_io(Interest, f)`: readiness is cleared only
//! when an operation run by `try_io` reports `WouldBlock`; until then `try_io` keeps
//! running the operation, and after it, `try_io` answers `WouldBlock` without running it
//! until the reactor reports a new event.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use weft::io::{Async, Interest};
use weft_tests::{runtime, within};

fn would_block<T: std::fmt::Debug>(res: io::Result<T>) -> bool {
    matches!(res, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[test]
fn try_io_runs_the_operation_until_it_reports_would_block_then_waits_for_an_event() {
    within(|| {
        runtime(1).block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let mut calls = 0;
            let mut buf = [0u8; 16];
            // A new registration: readiness unknown, so the syscall is tried...
            let res = a.try_io(Interest::READABLE, |s| {
                calls += 1;
                (&*s).read(&mut buf)
            });
            assert!(would_block(res));
            assert_eq!(calls, 1);
            // ... and after its WouldBlock, try_io knows better than to try again.
            let res = a.try_io(Interest::READABLE, |_| -> io::Result<()> {
                calls += 1;
                Ok(())
            });
            assert!(would_block(res));
            assert_eq!(
                calls, 1,
                "ran an operation on a source known not to be ready"
            );

            b.write_all(b"ping").unwrap();
            let ready = a.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            // An operation that does not report WouldBlock leaves readiness set ...
            for _ in 0..3 {
                a.try_io(Interest::READABLE, |_| {
                    calls += 1;
                    Ok(())
                })
                .unwrap();
            }
            assert_eq!(calls, 4);
            // ... so the real read still runs, and finds the bytes.
            let n = a
                .try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
                .unwrap();
            assert_eq!(&buf[..n], b"ping");
            assert!(would_block(
                a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            ));
        });
    });
}

#[test]
fn ready_reports_each_asked_direction_that_is_ready() {
    within(|| {
        runtime(1).block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            // A fresh socket has room: the reactor reports it writable.
            let ready = a.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable() && !ready.is_readable());
            // Nothing to read yet: asking for both reports only what is ready.
            let ready = a
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(ready.is_writable());
            b.write_all(b"x").unwrap();
            loop {
                let ready = a
                    .ready(Interest::READABLE | Interest::WRITABLE)
                    .await
                    .unwrap();
                if ready.is_readable() {
                    break;
                }
                weft::task::yield_now().await;
            }
        });
    });
}

#[test]
fn ready_for_read_waits_until_bytes_arrive() {
    within(|| {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let mut buf = [0u8; 4];
            assert!(would_block(
                a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            ));
            let writer = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                (&b).write_all(b"late").unwrap();
                b
            });
            let n = loop {
                a.ready(Interest::READABLE).await.unwrap();
                match a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(&buf[..n], b"late");
            drop(writer.join().unwrap());
        });
    });
}
