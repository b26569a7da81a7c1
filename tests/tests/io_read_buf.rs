//! `read_buf` into a `BytesMut`, the numeric readers and writers, `read_to_string` and
//! `write_all_buf`: the byte-level helpers a ported tokio protocol leans on. The key
//! property is cancel safety: a `read_buf` dropped by `select!` never loses bytes.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::io;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft_tests::{runtime, within};

/// Rounds of `select!` between a `read_buf` and a timer, as the issue asks.
const ROUNDS: usize = 10_000;
/// Bytes the writer sends: enough that many rounds find data and many do not.
const TOTAL: usize = 1 << 20;

/// The byte at stream offset `i`: a pattern with period 251 (prime, so it never lines up
/// with chunk sizes), so a lost, repeated or reordered byte shows as a mismatch.
fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn read_buf_in_select_with_a_timer_delivers_every_byte_exactly_once() {
    within(|| {
        runtime(2).block_on(async {
            let (mut writer, mut reader) = tcp_pair().await;
            let sender = weft::spawn(async move {
                let data: Vec<u8> = (0..TOTAL).map(byte_at).collect();
                let mut sent = 0;
                let mut k = 0usize;
                while sent < TOTAL {
                    // Chunks of 1..=4096 bytes, with a pause now and then so the reader
                    // often waits when the timer fires.
                    let len = (k * 7919 % 4096 + 1).min(TOTAL - sent);
                    writer.write_all(&data[sent..sent + len]).await.unwrap();
                    sent += len;
                    k += 1;
                    if k & 15 == 0 {
                        weft::time::sleep(Duration::from_millis(1)).await;
                    }
                }
                writer.close().await.unwrap();
            });

            let mut buf = BytesMut::new();
            let mut ticks = weft::time::interval(Duration::from_millis(1));
            let (mut reads, mut timer_wins) = (0usize, 0usize);
            for _ in 0..ROUNDS {
                buf.reserve(4096);
                weft::select! {
                    n = reader.read_buf(&mut buf) => {
                        n.unwrap();
                        reads += 1;
                    },
                    _ = ticks.tick() => timer_wins += 1,
                }
            }
            // Drain what is left, without a timer.
            loop {
                buf.reserve(64 * 1024);
                if reader.read_buf(&mut buf).await.unwrap() == 0 {
                    break;
                }
            }
            sender.await.unwrap();

            assert!(
                reads > 0 && timer_wins > 0,
                "reads {reads}, timer {timer_wins}"
            );
            assert_eq!(buf.len(), TOTAL, "bytes lost or duplicated");
            if let Some(i) = (0..TOTAL).find(|&i| buf[i] != byte_at(i)) {
                panic!("byte {i} is {} instead of {}", buf[i], byte_at(i));
            }
        });
    });
}

#[test]
fn read_buf_fills_only_the_room_a_limited_buffer_has() {
    within(|| {
        runtime(1).block_on(async {
            let mut reader: &[u8] = b"0123456789";
            let mut storage = [0u8; 4];
            let mut window = &mut storage[..];
            assert_eq!(reader.read_buf(&mut window).await.unwrap(), 4);
            assert_eq!(
                reader.read_buf(&mut window).await.unwrap(),
                0,
                "no room left"
            );
            assert_eq!(&storage, b"0123");
            let mut limited = Vec::new().limit(3);
            assert_eq!(reader.read_buf(&mut limited).await.unwrap(), 3);
            assert_eq!(limited.into_inner(), b"456");
        });
    });
}

#[test]
fn numbers_round_trip_in_both_byte_orders_over_tcp() {
    within(|| {
        runtime(2).block_on(async {
            let (mut w, mut r) = tcp_pair().await;
            let writer = weft::spawn(async move {
                w.write_u8(0xAB).await.unwrap();
                w.write_i8(-2).await.unwrap();
                w.write_u16(0x0102).await.unwrap();
                w.write_u16_le(0x0102).await.unwrap();
                w.write_i32(-70_000).await.unwrap();
                w.write_u32_le(0xDEAD_BEEF).await.unwrap();
                w.write_u64(u64::MAX - 1).await.unwrap();
                w.write_i64_le(i64::MIN + 3).await.unwrap();
                w.write_u128(1 << 100).await.unwrap();
                w.write_f64(-1.5).await.unwrap();
                w.write_f32_le(0.25).await.unwrap();
                w.close().await.unwrap();
            });
            assert_eq!(r.read_u8().await.unwrap(), 0xAB);
            assert_eq!(r.read_i8().await.unwrap(), -2);
            assert_eq!(r.read_u16().await.unwrap(), 0x0102);
            assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
            assert_eq!(r.read_i32().await.unwrap(), -70_000);
            assert_eq!(r.read_u32_le().await.unwrap(), 0xDEAD_BEEF);
            assert_eq!(r.read_u64().await.unwrap(), u64::MAX - 1);
            assert_eq!(r.read_i64_le().await.unwrap(), i64::MIN + 3);
            assert_eq!(r.read_u128().await.unwrap(), 1 << 100);
            assert_eq!(r.read_f64().await.unwrap(), -1.5);
            assert_eq!(r.read_f32_le().await.unwrap(), 0.25);
            let err = r.read_u32().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            writer.await.unwrap();
        });
    });
}

#[test]
fn numbers_use_network_order_without_the_le_suffix() {
    within(|| {
        runtime(1).block_on(async {
            let mut out = Vec::new();
            out.write_u32(0x0A0B_0C0D).await.unwrap();
            out.write_u32_le(0x0A0B_0C0D).await.unwrap();
            assert_eq!(out, [0x0A, 0x0B, 0x0C, 0x0D, 0x0D, 0x0C, 0x0B, 0x0A]);
            // A number split across reads is assembled whole.
            let (mut a, mut b) = weft::io::duplex(1);
            let writer = weft::spawn(async move { a.write_all(&out).await.unwrap() });
            assert_eq!(b.read_u32().await.unwrap(), 0x0A0B_0C0D);
            assert_eq!(b.read_u32_le().await.unwrap(), 0x0A0B_0C0D);
            writer.await.unwrap();
        });
    });
}

#[test]
fn read_to_string_appends_utf8_and_rejects_anything_else() {
    within(|| {
        runtime(1).block_on(async {
            let mut s = String::from("say: ");
            let mut ok: &[u8] = "héllo".as_bytes();
            assert_eq!(ok.read_to_string(&mut s).await.unwrap(), 6);
            assert_eq!(s, "say: héllo");
            let mut bad: &[u8] = &[b'a', 0xFF, b'b'];
            let err = bad.read_to_string(&mut s).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(s, "say: héllo", "a failed read_to_string changes nothing");
        });
    });
}

#[test]
fn write_all_buf_sends_a_chain_through_a_small_pipe_and_advances_it() {
    within(|| {
        runtime(2).block_on(async {
            let (mut a, mut b) = weft::io::duplex(7);
            let head = Bytes::from(vec![1u8; 1000]);
            let tail = Bytes::from(vec![2u8; 1000]);
            let writer = weft::spawn(async move {
                let mut chain = head.chain(tail);
                a.write_all_buf(&mut chain).await.unwrap();
                assert!(!chain.has_remaining());
            });
            let mut got = vec![0u8; 2000];
            b.read_exact(&mut got).await.unwrap();
            writer.await.unwrap();
            assert!(got[..1000].iter().all(|&x| x == 1));
            assert!(got[1000..].iter().all(|&x| x == 2));
        });
    });
}

#[test]
fn a_dropped_write_all_buf_leaves_the_buffer_at_what_was_written() {
    within(|| {
        runtime(1).block_on(async {
            let (mut a, mut b) = weft::io::duplex(10);
            let mut buf = Bytes::from(vec![9u8; 25]);
            // The pipe takes 10 bytes, then the write waits; the timer cancels it.
            weft::select! {
                _ = a.write_all_buf(&mut buf) => panic!("the pipe cannot take 25 bytes"),
                _ = weft::time::sleep(Duration::from_millis(20)) => {},
            }
            assert_eq!(
                buf.remaining(),
                15,
                "advanced by exactly what the pipe took"
            );
            let writer = weft::spawn(async move {
                a.write_all_buf(&mut buf).await.unwrap();
            });
            let mut got = vec![0u8; 25];
            b.read_exact(&mut got).await.unwrap();
            writer.await.unwrap();
        });
    });
}
