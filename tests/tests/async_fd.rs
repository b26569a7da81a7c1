//! `Async<T>` around plain descriptors: data moves through a pipe with `read_with` and
//! `write_with`, a writer blocked on a full pipe resumes as the reader drains it,
//! readiness wakes every task waiting on a source (and readers and writers of one source
//! do not take each other's wakeups), and `into_inner` hands the descriptor back
//! deregistered.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::io::{Async, AsyncReadExt, AsyncWriteExt};
use weft_tests::{runtime, wait_until, within, HANG};

/// Byte `i` of a test stream.
fn byte(i: usize) -> u8 {
    (i * 31 + i / 251) as u8
}

/// The capacity of a pipe (Linux: `F_GETPIPE_SZ`), or the common 64 KiB elsewhere.
fn pipe_capacity(fd: &impl AsRawFd) -> usize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: F_GETPIPE_SZ on an open pipe descriptor reads no memory.
        let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETPIPE_SZ) };
        if n > 0 {
            return n as usize;
        }
    }
    let _ = fd;
    64 * 1024
}

#[test]
fn a_pipe_carries_every_byte_through_read_with_and_write_with() {
    within(|| {
        const LEN: usize = 1 << 20;
        runtime(2).block_on(async {
            let (r, w) = io::pipe().unwrap();
            let (r, w) = (Async::new(r).unwrap(), Async::new(w).unwrap());
            let writer = weft::spawn(async move {
                let data: Vec<u8> = (0..LEN).map(byte).collect();
                let mut sent = 0;
                while sent < LEN {
                    // Uneven chunk sizes, so writes straddle the pipe's pages.
                    let end = (sent + 10_000).min(LEN);
                    sent += w
                        .write_with(|p| (&*p).write(&data[sent..end]))
                        .await
                        .unwrap();
                }
                // Dropping the writer closes the pipe: the reader sees end of stream.
            });
            let mut got = Vec::with_capacity(LEN);
            let mut buf = vec![0u8; 7_000];
            loop {
                let n = r.read_with(|p| (&*p).read(&mut buf)).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            writer.await.unwrap();
            assert_eq!(got.len(), LEN);
            if let Some(i) = (0..LEN).find(|&i| got[i] != byte(i)) {
                panic!("byte {i} differs");
            }
        });
    });
}

#[test]
fn a_writer_blocked_on_a_full_pipe_resumes_as_the_reader_drains() {
    within(|| {
        let rt = runtime(2);
        let (r, w) = io::pipe().unwrap();
        let capacity = pipe_capacity(&w);
        let total = 4 * capacity;
        let written = Arc::new(AtomicUsize::new(0));
        let progress = written.clone();
        let writer = rt.spawn(async move {
            let w = Async::new(w).unwrap();
            let data: Vec<u8> = (0..total).map(byte).collect();
            let mut sent = 0;
            while sent < total {
                // Page-sized writes fill the pipe exactly.
                let end = (sent + 4096).min(total);
                sent += w
                    .write_with(|p| (&*p).write(&data[sent..end]))
                    .await
                    .unwrap();
                progress.store(sent, SeqCst);
            }
        });
        // The writer fills the pipe and then has to wait: nobody reads yet.
        assert!(wait_until(HANG, || written.load(SeqCst) >= capacity));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(
            !writer.is_finished(),
            "wrote {total} B into a {capacity} B pipe"
        );
        assert!(written.load(SeqCst) < total);

        let got = rt.block_on(async move {
            let r = Async::new(r).unwrap();
            let mut got = Vec::with_capacity(total);
            let mut buf = vec![0u8; 5_000];
            loop {
                let n = r.read_with(|p| (&*p).read(&mut buf)).await.unwrap();
                if n == 0 {
                    break got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        rt.block_on(writer).unwrap();
        assert_eq!(written.load(SeqCst), total);
        assert_eq!(got.len(), total);
        if let Some(i) = (0..total).find(|&i| got[i] != byte(i)) {
            panic!("byte {i} differs");
        }
    });
}

#[test]
fn readable_waits_for_data_written_later_and_writable_is_ready_at_once() {
    within(|| {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
            b.writable().await.unwrap();
            let waiter = weft::spawn(async move {
                a.readable().await.unwrap();
                let mut buf = [0u8; 8];
                let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                buf[..n].to_vec()
            });
            for _ in 0..100 {
                weft::task::yield_now().await;
            }
            assert!(
                !waiter.is_finished(),
                "readable before anything was written"
            );
            b.write_with(|s| (&*s).write(b"now")).await.unwrap();
            assert_eq!(waiter.await.unwrap(), b"now");
        });
    });
}

#[test]
fn every_task_waiting_on_one_source_is_woken() {
    within(|| {
        const WAITERS: usize = 8;
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Arc::new(Async::new(a).unwrap());
            let woken = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..WAITERS)
                .map(|_| {
                    let (a, woken) = (a.clone(), woken.clone());
                    weft::spawn(async move {
                        a.readable().await.unwrap();
                        woken.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            for _ in 0..100 {
                weft::task::yield_now().await;
            }
            assert_eq!(woken.load(SeqCst), 0);
            (&b).write_all(b"x").unwrap();
            for w in waiters {
                w.await.unwrap();
            }
            assert_eq!(woken.load(SeqCst), WAITERS);
        });
    });
}

#[test]
fn a_reader_and_a_writer_on_one_source_do_not_take_each_others_wakeups() {
    within(|| {
        const LEN: usize = 2 << 20;
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Arc::new(Async::new(a).unwrap());
            let b = Arc::new(Async::new(b).unwrap());
            // Four tasks, one per direction per end: each end is read and written at once.
            let mut tasks = Vec::new();
            for (from, to) in [(a.clone(), b.clone()), (b.clone(), a.clone())] {
                tasks.push(weft::spawn(async move {
                    let data: Vec<u8> = (0..LEN).map(byte).collect();
                    let mut sent = 0;
                    while sent < LEN {
                        let end = (sent + 32 * 1024).min(LEN);
                        sent += from
                            .write_with(|s| (&*s).write(&data[sent..end]))
                            .await
                            .unwrap();
                    }
                    sent
                }));
                tasks.push(weft::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut got = 0;
                    while got < LEN {
                        let n = to.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                        assert_ne!(n, 0);
                        for (k, &x) in buf[..n].iter().enumerate() {
                            assert_eq!(x, byte(got + k), "byte {}", got + k);
                        }
                        got += n;
                    }
                    got
                }));
            }
            for t in tasks {
                assert_eq!(t.await.unwrap(), LEN);
            }
        });
    });
}

#[test]
fn async_read_and_write_traits_work_on_any_async_stream() {
    within(|| {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
            let big: Vec<u8> = (0..300_000).map(byte).collect();
            let expect = big.clone();
            let writer = weft::spawn(async move {
                a.write_all(&big).await.unwrap();
                a.flush().await.unwrap();
                // Dropping closes the descriptor: the reader sees end of stream.
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert!(got == expect, "the stream arrived changed");
        });
    });
}

#[test]
fn into_inner_returns_the_descriptor_deregistered_and_still_non_blocking() {
    within(|| {
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let fd = a.as_raw_fd();
            let a = a.into_inner().unwrap();
            assert_eq!(a.as_raw_fd(), fd);
            let mut buf = [0u8; 1];
            let err = (&a).read(&mut buf).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            // Deregistered, so the same descriptor registers again.
            let a = Async::new(a).unwrap();
            (&b).write_all(b"z").unwrap();
            a.read_with(|s| (&*s).read_exact(&mut buf)).await.unwrap();
            assert_eq!(&buf, b"z");
            // Dropping the Async closes the descriptor.
            drop(a);
            b.set_nonblocking(false).unwrap();
            assert_eq!((&b).read(&mut buf).unwrap(), 0);
        });
    });
}

#[test]
fn async_new_outside_a_runtime_is_an_error_that_says_so() {
    within(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        let err = Async::new(a).unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
        let (r, _w) = io::pipe().unwrap();
        let err = Async::new(r).unwrap_err();
        assert!(err.to_string().contains("no weft runtime"), "{err}");
    });
}
