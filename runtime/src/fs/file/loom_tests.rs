//! loom model of the file write queue's race, one per race. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::inner::{drain, Appended, Writes};
use crate::loom::{thread, Mutex};
use std::sync::Arc;
use std::task::Waker;

/// Writes what the writer job takes into `sink`.
fn drain_into(writes: &Writes, sink: &Mutex<Vec<u8>>) {
    drain(writes, |_, batch| {
        sink.lock().unwrap().extend_from_slice(batch);
        Ok(())
    });
}

/// A write appended while the writer job finds the queue empty and stops is written
/// exactly once, after the bytes before it: either the writer still sees it (`running`
/// was still set when it was queued), or `poll_write` sees the writer gone, waits for the
/// job to end and starts the next. The writer clears `running` under the same lock as its
/// emptiness check; split the two and the byte queued in between is never written.
#[test]
fn loom_file_append_vs_writer_running_dry() {
    loom::model(|| {
        let writes = Arc::new(Writes::default());
        let sink = Arc::new(Mutex::new(Vec::new()));
        assert_eq!(writes.start(b"a", 0).unwrap(), 1);
        let job = {
            let (writes, sink) = (writes.clone(), sink.clone());
            thread::spawn(move || drain_into(&writes, &sink))
        };
        match writes.append(b"b", Waker::noop()).unwrap() {
            Appended::Queued(1) => job.join().unwrap(),
            Appended::Idle => {
                // poll_write: wait for the old job, then start the next writer.
                job.join().unwrap();
                assert_eq!(writes.start(b"b", 0).unwrap(), 1);
                drain_into(&writes, &sink);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(*sink.lock().unwrap(), b"ab");
    });
}
