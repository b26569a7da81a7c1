//! `duplex`: an in-memory stream pair whose each direction holds at most `max_buf_size`
//! bytes. A writer gets exactly the room there is and then waits (back-pressure) until the
//! reader makes room; closing or dropping an end gives its peer end of stream, and writing
//! to a dropped peer is `BrokenPipe`.

use std::io;
use std::time::Duration;
use weft::io::{duplex, AsyncReadExt, AsyncWriteExt};
use weft_tests::{runtime, within};

#[test]
fn a_writer_fills_exactly_the_buffer_size_then_waits_for_the_reader() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, mut b) = duplex(64);
            assert_eq!(
                a.write(&[1u8; 100]).await.unwrap(),
                64,
                "only the room there is"
            );
            // Full: the next write waits, here until the timer wins.
            weft::select! {
                n = a.write(&[2u8; 1]) => panic!("wrote {n:?} into a full pipe"),
                _ = weft::time::sleep(Duration::from_millis(20)) => {},
            }
            let mut ten = [0u8; 10];
            b.read_exact(&mut ten).await.unwrap();
            assert_eq!(
                a.write(&[3u8; 100]).await.unwrap(),
                10,
                "room for what was read"
            );
            // The reader sees the bytes in order: 54 ones, then 10 threes.
            let mut rest = [0u8; 64];
            b.read_exact(&mut rest).await.unwrap();
            assert!(rest[..54].iter().all(|&x| x == 1));
            assert!(rest[54..].iter().all(|&x| x == 3));
        });
    });
}

#[test]
fn a_large_write_all_completes_through_a_small_pipe_as_the_reader_drains_it() {
    within(|| {
        runtime(2).block_on(async {
            let (mut a, mut b) = duplex(7);
            let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
            let expected = data.clone();
            let writer = weft::spawn(async move {
                a.write_all(&data).await.unwrap();
                a.close().await.unwrap();
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got, expected);
        });
    });
}

#[test]
fn closing_or_dropping_an_end_gives_eof_after_the_buffered_bytes() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, mut b) = duplex(16);
            a.write_all(b"bye").await.unwrap();
            a.close().await.unwrap();
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"bye");
            // The other direction is still open after a's close.
            b.write_all(b"reply").await.unwrap();
            let mut reply = [0u8; 5];
            a.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"reply");
            // Writing after one's own close is an error, not a silent drop.
            assert_eq!(
                a.write(b"x").await.unwrap_err().kind(),
                io::ErrorKind::BrokenPipe
            );

            let (mut c, mut d) = duplex(16);
            c.write_all(b"last").await.unwrap();
            drop(c);
            let mut got = Vec::new();
            d.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"last");
        });
    });
}

#[test]
fn writing_to_a_dropped_peer_is_broken_pipe_even_for_a_waiting_writer() {
    within(|| {
        runtime(2).block_on(async {
            let (mut a, b) = duplex(4);
            a.write_all(b"full").await.unwrap();
            let writer = weft::spawn(async move { a.write_all(b"more").await });
            weft::time::sleep(Duration::from_millis(10)).await;
            drop(b); // wakes the waiting writer
            let err = writer.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        });
    });
}
