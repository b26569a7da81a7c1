//! `weft::fs` with real files: a 64 MiB round trip, many small writes through a
//! `BufWriter<File>`, `read_dir` of 10 000 entries as a stream, seeks with partial reads
//! (read-ahead never shows), writes after reads landing where the reader stopped, write
//! errors reported by `flush`, queued writes surviving a drop, and the path functions.

use futures_core::Stream;
use std::future::{poll_fn, Future};
use std::io::{self, SeekFrom};
use std::pin::{pin, Pin};
use std::task::Poll;
use weft::fs::{self, AsyncSeekExt, File, OpenOptions};
use weft::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use weft_tests::{runtime, within, TempDir};

/// Bytes that differ from their neighbours, so a lost, repeated or reordered chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn a_64_mib_file_round_trips() {
    within(|| {
        let dir = TempDir::new("fs64");
        let path = dir.join("big");
        runtime(2).block_on(async move {
            let data = pattern(64 << 20);
            let mut file = File::create(&path).await.unwrap();
            // Uneven chunk sizes: some below the read-ahead, some above the queue bound.
            let mut at = 0;
            for size in [1, 100, 65_536, 3 << 20, 7].iter().cycle() {
                if at == data.len() {
                    break;
                }
                let end = (at + size).min(data.len());
                file.write_all(&data[at..end]).await.unwrap();
                at = end;
            }
            file.flush().await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), data.len() as u64);
            drop(file);

            let mut back = Vec::new();
            File::open(&path)
                .await
                .unwrap()
                .read_to_end(&mut back)
                .await
                .unwrap();
            assert_eq!(back.len(), data.len());
            assert!(back == data, "File read back differs");
            assert!(fs::read(&path).await.unwrap() == data, "fs::read differs");
        });
    });
}

#[test]
fn a_million_small_writes_through_a_bufwriter_arrive_in_order() {
    within(|| {
        let dir = TempDir::new("fssmall");
        let path = dir.join("small");
        runtime(2).block_on(async move {
            let mut w = BufWriter::new(File::create(&path).await.unwrap());
            for i in 0..1_000_000u32 {
                let mut rec = [0u8; 16];
                rec[..4].copy_from_slice(&i.to_le_bytes());
                rec[4..8].copy_from_slice(&(!i).to_le_bytes());
                w.write_all(&rec).await.unwrap();
            }
            w.close().await.unwrap();
            let back = fs::read(&path).await.unwrap();
            assert_eq!(back.len(), 16_000_000);
            for (i, rec) in back.chunks(16).enumerate() {
                let i = i as u32;
                assert_eq!(rec[..4], i.to_le_bytes());
                assert_eq!(rec[4..8], (!i).to_le_bytes());
            }
        });
    });
}

#[test]
fn read_dir_streams_10_000_entries() {
    within(|| {
        let dir = TempDir::new("fsdir");
        for i in 0..10_000 {
            std::fs::write(dir.join(&format!("f{i:05}")), b"").unwrap();
        }
        std::fs::create_dir(dir.join("sub")).unwrap();
        let path = dir.path().to_owned();
        runtime(2).block_on(async move {
            let mut entries = fs::read_dir(&path).await.unwrap();
            let mut names = Vec::new();
            while let Some(entry) = poll_fn(|cx| Pin::new(&mut entries).poll_next(cx)).await {
                let entry = entry.unwrap();
                assert_eq!(entry.path(), path.join(entry.file_name()));
                let is_dir = entry.file_type().await.unwrap().is_dir();
                assert_eq!(is_dir, entry.file_name() == "sub");
                names.push(entry.file_name().into_string().unwrap());
            }
            assert!(
                poll_fn(|cx| Pin::new(&mut entries).poll_next(cx))
                    .await
                    .is_none(),
                "a finished stream stays finished"
            );
            names.sort();
            let mut want: Vec<String> = (0..10_000).map(|i| format!("f{i:05}")).collect();
            want.push("sub".into());
            assert_eq!(names, want);

            let mut again = fs::read_dir(&path).await.unwrap();
            let mut count = 0;
            while again.next_entry().await.unwrap().is_some() {
                count += 1;
            }
            assert_eq!(count, 10_001);
        });
    });
}

#[test]
fn seeks_and_partial_reads_see_the_file_not_the_read_ahead() {
    within(|| {
        let dir = TempDir::new("fsseek");
        let path = dir.join("seek");
        let data = pattern(300_000);
        std::fs::write(&path, &data).unwrap();
        runtime(2).block_on(async move {
            let mut file = File::open(&path).await.unwrap();
            let mut buf = [0u8; 10];
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[..10]);
            // The read fetched far more than 10 bytes; the position is still 10.
            assert_eq!(file.stream_position().await.unwrap(), 10);

            assert_eq!(file.seek(SeekFrom::Start(1_000)).await.unwrap(), 1_000);
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[1_000..1_010]);

            assert_eq!(file.seek(SeekFrom::Current(-5)).await.unwrap(), 1_005);
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[1_005..1_015]);

            // Past the first read-ahead window.
            assert_eq!(
                file.seek(SeekFrom::Current(200_000)).await.unwrap(),
                201_015
            );
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[201_015..201_025]);

            assert_eq!(file.seek(SeekFrom::End(-3)).await.unwrap(), 299_997);
            let mut tail = Vec::new();
            file.read_to_end(&mut tail).await.unwrap();
            assert_eq!(tail, data[299_997..]);
            assert_eq!(file.read(&mut buf).await.unwrap(), 0, "end of file");

            file.rewind().await.unwrap();
            let mut one = [0u8; 1];
            file.read_exact(&mut one).await.unwrap();
            assert_eq!(one[0], data[0]);

            let err = file.seek(SeekFrom::Current(-10)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        });
    });
}

#[test]
fn a_write_after_a_read_lands_where_the_reader_stopped() {
    within(|| {
        let dir = TempDir::new("fsrw");
        let path = dir.join("rw");
        std::fs::write(&path, b"0123456789abcdefghij").unwrap();
        let opened = path.clone();
        runtime(2).block_on(async move {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&opened)
                .await
                .unwrap();
            let mut head = [0u8; 4];
            file.read_exact(&mut head).await.unwrap();
            assert_eq!(&head, b"0123");
            file.write_all(b"XY").await.unwrap();
            file.flush().await.unwrap();
            let mut rest = String::new();
            file.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "6789abcdefghij");
            // set_len after a read does not lose the position either.
            file.rewind().await.unwrap();
            file.read_exact(&mut head).await.unwrap();
            file.set_len(8).await.unwrap();
            file.write_all(b"!").await.unwrap();
            file.sync_all().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"0123!Y67");
    });
}

#[test]
fn a_read_dropped_half_way_loses_no_bytes() {
    within(|| {
        let dir = TempDir::new("fscancel");
        let path = dir.join("c");
        let data = pattern(200_000);
        std::fs::write(&path, &data).unwrap();
        runtime(2).block_on(async move {
            let mut file = File::open(&path).await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1000];
            while got.len() < data.len() {
                // Start a read and drop it after one poll, then read for real.
                {
                    let read = pin!(file.read(&mut buf));
                    let mut read = read;
                    let first = poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
                    if let Poll::Ready(n) = first {
                        got.extend_from_slice(&buf[..n.unwrap()]);
                        continue;
                    }
                }
                let n = file.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == data, "bytes lost or repeated across dropped reads");
        });
    });
}

#[test]
fn a_write_error_is_reported_by_flush() {
    within(|| {
        runtime(1).block_on(async {
            // Every write to /dev/full fails with ENOSPC.
            let mut full = OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .await
                .unwrap();
            let queued = full.write(b"lost").await;
            let flushed = full.flush().await;
            let err = queued.and(flushed).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
            // Reported once: the file is usable again (and fails again).
            full.write_all(b"again").await.unwrap();
            assert!(full.flush().await.is_err());
        });
    });
}

#[test]
fn queued_writes_reach_the_file_after_it_is_dropped_even_at_shutdown() {
    within(|| {
        let dir = TempDir::new("fsdrop");
        let data = pattern(256 << 10);
        let paths: Vec<_> = (0..64).map(|i| dir.join(&format!("d{i}"))).collect();
        // One blocking thread, so the writer jobs queue behind each other.
        let rt = weft::Builder::new()
            .worker_threads(2)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        rt.block_on({
            let (paths, data) = (paths.clone(), data.clone());
            async move {
                let mut files = Vec::new();
                for path in paths {
                    files.push(File::create(&path).await.unwrap());
                }
                // Keep the one blocking thread busy until the runtime is shutting down, so
                // the writer jobs are still queued when the pool drops its queue. (Timing
                // only makes that likelier; the assertion holds however it goes.)
                let handle = weft::Handle::current();
                drop(weft::spawn_blocking(move || {
                    while !handle.is_shutdown() {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }));
                // Each write is queued at once and spawns its file's writer job: a burst.
                for file in &mut files {
                    file.write_all(&data).await.unwrap();
                }
                drop(files); // no flush
            }
        });
        // Most writer jobs are still queued on the blocking pool when the runtime shuts
        // down; every byte whose write returned Ok must still reach its file.
        drop(rt);
        for path in &paths {
            assert_eq!(std::fs::read(path).unwrap(), data, "{}", path.display());
        }
    });
}

#[test]
fn path_functions_do_what_std_does() {
    within(|| {
        let dir = TempDir::new("fspaths");
        let root = dir.path().to_owned();
        runtime(2).block_on(async move {
            let deep = root.join("a/b/c");
            fs::create_dir_all(&deep).await.unwrap();
            fs::create_dir(root.join("e")).await.unwrap();
            assert_eq!(
                fs::create_dir(root.join("e")).await.unwrap_err().kind(),
                io::ErrorKind::AlreadyExists
            );
            fs::write(deep.join("f"), "text").await.unwrap();
            assert_eq!(fs::read_to_string(deep.join("f")).await.unwrap(), "text");
            assert_eq!(fs::copy(deep.join("f"), root.join("g")).await.unwrap(), 4);
            fs::hard_link(root.join("g"), root.join("h")).await.unwrap();
            fs::rename(root.join("h"), root.join("i")).await.unwrap();
            assert_eq!(fs::read(root.join("i")).await.unwrap(), b"text");
            fs::symlink(root.join("i"), root.join("j")).await.unwrap();
            assert!(fs::symlink_metadata(root.join("j"))
                .await
                .unwrap()
                .file_type()
                .is_symlink());
            assert!(fs::metadata(root.join("j")).await.unwrap().is_file());
            assert_eq!(
                fs::canonicalize(root.join("a/b/../b/c/f")).await.unwrap(),
                std::fs::canonicalize(&deep).unwrap().join("f")
            );
            assert!(fs::try_exists(root.join("i")).await.unwrap());
            fs::remove_file(root.join("i")).await.unwrap();
            assert!(!fs::try_exists(root.join("i")).await.unwrap());
            fs::remove_dir(root.join("e")).await.unwrap();
            fs::remove_dir_all(root.join("a")).await.unwrap();
            assert!(!fs::try_exists(root.join("a")).await.unwrap());
            assert_eq!(
                fs::read(root.join("missing")).await.unwrap_err().kind(),
                io::ErrorKind::NotFound
            );
        });
    });
}

#[test]
fn fs_calls_outside_a_runtime_are_errors_not_panics() {
    let read = weft_tests::park_on(fs::read("/proc/self/status"));
    assert!(read.is_err());
    let open = weft_tests::park_on(File::open("/proc/self/status"));
    assert!(open.is_err());
}
