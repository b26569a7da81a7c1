//! `weft::io::split` for any `AsyncRead + AsyncWrite`: the halves read and write at once
//! from two tasks, `unsplit` gives the stream back, and halves of different streams are
//! told apart.

use weft::io::{duplex, split, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use weft_tests::{runtime, within};

#[test]
fn halves_of_a_buffered_stream_work_from_two_tasks_then_unsplit() {
    within(|| {
        runtime(2).block_on(async {
            let (near, mut far) = duplex(32);
            // A BufReader around the stream: not a socket, so no into_split of its own.
            let (read, mut write) = split(BufReader::new(near));
            let writer = weft::spawn(async move {
                for i in 0..1000u32 {
                    write.write_all(format!("{i}\n").as_bytes()).await.unwrap();
                }
                write
            });
            let echo = weft::spawn(async move {
                // Reflect every byte back.
                let mut buf = [0u8; 64];
                loop {
                    let n = far.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    far.write_all(&buf[..n]).await.unwrap();
                }
            });
            let mut lines = BufReader::new(read).lines();
            for i in 0..1000u32 {
                assert_eq!(lines.next_line().await.unwrap(), Some(i.to_string()));
            }
            let write = writer.await.unwrap();
            let read = lines.into_inner().into_inner();
            assert!(read.is_pair_of(&write));
            let mut stream = read.unsplit(write);
            stream.close().await.unwrap();
            echo.await.unwrap();
        });
    });
}

#[test]
#[should_panic(expected = "different stream")]
fn unsplit_with_a_half_of_another_stream_panics() {
    let (r1, _w1) = split(duplex(8).0);
    let (_r2, w2) = split(duplex(8).0);
    assert!(!r1.is_pair_of(&w2));
    let _ = r1.unsplit(w2);
}
