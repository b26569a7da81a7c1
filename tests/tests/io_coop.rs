//! The cooperative budget on I/O: a task whose socket is always ready (it never sees
//! `WouldBlock`, so it never has to wait) still yields now and then, and another task on
//! the same single worker gets to run while it is still reading.

use std::io::Write;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use weft::io::{Async, AsyncReadExt};
use weft::net::UnixStream;
use weft_tests::{runtime, within};

/// Bytes queued before the reader starts: far more reads than a few budgets' worth, so a
/// reader that never yields would read them all before the other task could run.
const QUEUED: usize = 64 * 1024;

/// A connected pair whose first end already holds `QUEUED` readable bytes.
fn pair_with_queued_bytes() -> (StdUnixStream, StdUnixStream) {
    let (reader, mut writer) = StdUnixStream::pair().unwrap();
    // Fits in a fresh socket's buffer: returns at once.
    writer.write_all(&[7u8; QUEUED]).unwrap();
    (reader, writer)
}

#[test]
fn a_task_reading_an_always_ready_socket_does_not_starve_its_neighbour() {
    let read_before_neighbour_ran = within(|| {
        let rt = runtime(1);
        let (reader, _writer) = pair_with_queued_bytes();
        let flag = Arc::new(AtomicBool::new(false));
        let task = rt.spawn(async move {
            let mut reader = UnixStream::from_std(reader).unwrap();
            let mut one = [0u8; 1];
            // A new registration learns of readiness from the reactor's first event: wait
            // for it with a first read, so no read below has to wait.
            assert_eq!(reader.read(&mut one).await.unwrap(), 1);
            let f = flag.clone();
            // Same worker, queued behind this task: it runs only if this task yields.
            let neighbour = weft::spawn(async move { f.store(true, SeqCst) });
            let mut read = 1;
            while read < QUEUED && !flag.load(SeqCst) {
                assert_eq!(reader.read(&mut one).await.unwrap(), 1);
                read += 1;
            }
            neighbour.await.unwrap();
            read
        });
        rt.block_on(task).unwrap()
    });
    assert!(
        read_before_neighbour_ran < QUEUED,
        "the reader consumed all {QUEUED} ready bytes before its neighbour ran"
    );
}

#[test]
fn a_task_polling_readiness_that_stays_set_does_not_starve_its_neighbour() {
    let polls_before_neighbour_ran = within(|| {
        const LIMIT: usize = 100_000;
        let rt = runtime(1);
        let (reader, _writer) = pair_with_queued_bytes();
        let flag = Arc::new(AtomicBool::new(false));
        let task = rt.spawn(async move {
            let reader = Async::new(reader).unwrap();
            // Wait for the reactor's first event before the neighbour exists.
            reader.readable().await.unwrap();
            let f = flag.clone();
            let neighbour = weft::spawn(async move { f.store(true, SeqCst) });
            // `readable()` consumes nothing: the source stays ready forever.
            let mut polls = 0;
            while polls < LIMIT && !flag.load(SeqCst) {
                reader.readable().await.unwrap();
                polls += 1;
            }
            neighbour.await.unwrap();
            (polls, LIMIT)
        });
        rt.block_on(task).unwrap()
    });
    let (polls, limit) = polls_before_neighbour_ran;
    assert!(
        polls < limit,
        "readable() was ready {limit} times in a row before the neighbour ran"
    );
}
