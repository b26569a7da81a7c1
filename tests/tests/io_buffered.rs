//! `BufReader` and `BufWriter` (asyncio's `StreamReader`/`StreamWriter`) and the line
//! helpers of `AsyncBufReadExt`: a mebibyte of lines each way over TCP arrives line for
//! line, a `BufWriter` sends nothing until flushed or closed and everything once it is,
//! and `Lines::next_line` dropped by `select!` loses no part of a line.

use std::io;
use std::time::Duration;
use weft::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use weft::net::{TcpListener, TcpStream};
use weft_tests::{runtime, within};

/// About 1 MiB of lines: 16 384 lines of varying length (up to 120 bytes).
const LINES: usize = 16_384;

fn line(i: usize) -> String {
    let len = i * 31 % 120;
    let body: String = (0..len)
        .map(|k| (b'a' + ((i + k) % 26) as u8) as char)
        .collect();
    format!("{i}:{body}")
}

#[test]
fn a_mebibyte_of_lines_crosses_tcp_through_bufwriter_and_lines_both_ways() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            // The server echoes each line, upper-cased, through its own BufWriter.
            let server = weft::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let (r, w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                let mut out = BufWriter::new(w);
                let mut n = 0;
                while let Some(l) = lines.next_line().await.unwrap() {
                    out.write_all(l.to_uppercase().as_bytes()).await.unwrap();
                    out.write_all(b"\n").await.unwrap();
                    n += 1;
                }
                out.close().await.unwrap();
                n
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            let (r, w) = stream.into_split();
            let writer = weft::spawn(async move {
                let mut out = BufWriter::new(w);
                let mut bytes = 0;
                for i in 0..LINES {
                    let l = line(i);
                    bytes += l.len() + 1;
                    out.write_all(l.as_bytes()).await.unwrap();
                    out.write_all(b"\n").await.unwrap();
                }
                out.close().await.unwrap(); // flushes, then half-closes
                bytes
            });
            let mut lines = BufReader::new(r).lines();
            let mut i = 0;
            while let Some(l) = lines.next_line().await.unwrap() {
                assert_eq!(l, line(i).to_uppercase(), "line {i}");
                i += 1;
            }
            assert_eq!(i, LINES);
            assert!(
                writer.await.unwrap() >= 1 << 20,
                "a mebibyte or more was sent"
            );
            assert_eq!(server.await.unwrap(), LINES);
        });
    });
}

#[test]
fn bufwriter_holds_small_writes_until_flush_and_close_flushes() {
    within(|| {
        runtime(1).block_on(async {
            let (a, mut b) = weft::io::duplex(1 << 16);
            let mut w = BufWriter::with_capacity(64, a);
            w.write_all(b"held").await.unwrap();
            assert_eq!(w.buffer(), b"held");
            let mut buf = [0u8; 16];
            weft::select! {
                _ = b.read(&mut buf) => panic!("a BufWriter sent before its flush"),
                _ = weft::time::sleep(Duration::from_millis(20)) => {},
            }
            w.flush().await.unwrap();
            assert!(w.buffer().is_empty());
            let n = b.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"held");
            // A write larger than the buffer goes straight through, after what is held.
            w.write_all(b"then").await.unwrap();
            w.write_all(&[b'x'; 100]).await.unwrap();
            w.write_all(b"last").await.unwrap();
            w.close().await.unwrap();
            let mut rest = Vec::new();
            b.read_to_end(&mut rest).await.unwrap();
            let mut want = b"then".to_vec();
            want.extend([b'x'; 100]);
            want.extend(b"last");
            assert_eq!(rest, want, "close flushed, in order, then ended the stream");
        });
    });
}

#[test]
fn a_dropped_next_line_loses_no_part_of_the_line() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, b) = weft::io::duplex(64);
            let mut lines = BufReader::new(b).lines();
            for (part, rest) in [("hel", "lo\n"), ("", "whole\n"), ("a\r", "\n")] {
                a.write_all(part.as_bytes()).await.unwrap();
                // The line is incomplete: the timer wins and the next_line future is
                // dropped after it took `part` from the stream.
                weft::select! {
                    l = lines.next_line() => panic!("no full line yet: {l:?}"),
                    _ = weft::time::sleep(Duration::from_millis(10)) => {},
                }
                a.write_all(rest.as_bytes()).await.unwrap();
                let whole = format!("{part}{rest}");
                let want = whole.trim_end_matches('\n').trim_end_matches('\r');
                assert_eq!(lines.next_line().await.unwrap().as_deref(), Some(want));
            }
            a.write_all(b"no newline at the end").await.unwrap();
            drop(a);
            assert_eq!(
                lines.next_line().await.unwrap().as_deref(),
                Some("no newline at the end")
            );
            assert_eq!(lines.next_line().await.unwrap(), None);
        });
    });
}

#[test]
fn lines_is_a_stream_and_skips_a_line_that_is_not_utf8() {
    use futures_core::Stream;
    within(|| {
        runtime(1).block_on(async {
            let mut lines = BufReader::new(&b"ok\n\xFF\xFE\nnext\n"[..]).lines();
            async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
            }
            assert_eq!(next(&mut lines).await.unwrap().unwrap(), "ok");
            let err = next(&mut lines).await.unwrap().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(next(&mut lines).await.unwrap().unwrap(), "next");
            assert!(next(&mut lines).await.is_none());
        });
    });
}

#[test]
fn read_line_and_read_until_read_one_record_each_from_a_small_buffer() {
    within(|| {
        runtime(1).block_on(async {
            // A 4-byte buffer: every record spans several refills.
            let mut r = BufReader::with_capacity(4, &b"GET /index HTTP/1.1\r\nHost: x\r\n\r\n"[..]);
            let mut method = Vec::new();
            assert_eq!(r.read_until(b' ', &mut method).await.unwrap(), 4);
            assert_eq!(method, b"GET ");
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap();
            assert_eq!(line, "/index HTTP/1.1\r\n");
            line.clear();
            r.read_line(&mut line).await.unwrap();
            assert_eq!(line, "Host: x\r\n");
            line.clear();
            assert_eq!(r.read_line(&mut line).await.unwrap(), 2);
            line.clear();
            assert_eq!(r.read_line(&mut line).await.unwrap(), 0, "end of stream");
            assert!(line.is_empty());
        });
    });
}

#[test]
fn a_dropped_read_until_leaves_the_partial_record_in_the_callers_buffer() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, b) = weft::io::duplex(64);
            let mut r = BufReader::new(b);
            let mut record = Vec::new();
            a.write_all(b"par").await.unwrap();
            weft::select! {
                _ = r.read_until(b';', &mut record) => panic!("no delimiter yet"),
                _ = weft::time::sleep(Duration::from_millis(10)) => {},
            }
            assert_eq!(record, b"par");
            a.write_all(b"tial;rest").await.unwrap();
            r.read_until(b';', &mut record).await.unwrap();
            assert_eq!(record, b"partial;");
        });
    });
}

#[test]
fn bufreader_serves_small_reads_from_its_buffer_and_hands_back_the_rest() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, b) = weft::io::duplex(64);
            a.write_all(b"abcdefgh").await.unwrap();
            let mut r = BufReader::with_capacity(16, b);
            let mut one = [0u8; 1];
            r.read_exact(&mut one).await.unwrap();
            assert_eq!(&one, b"a");
            assert_eq!(r.buffer(), b"bcdefgh", "one refill took all that was there");
            let filled = r.fill_buf().await.unwrap().to_vec();
            assert_eq!(filled, b"bcdefgh");
            r.consume(3);
            assert_eq!(r.buffer(), b"efgh");
            assert_eq!(r.capacity(), 16);
            // The inner stream is reachable and unwrapping it drops only the buffer.
            r.get_mut().write_all(b"!").await.unwrap();
            let inner = r.into_inner();
            drop(inner);
        });
    });
}
