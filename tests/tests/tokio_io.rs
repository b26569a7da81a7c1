//! Feature `tokio-io`: crates written against tokio's io traits (tokio-util's codecs,
//! `tokio::io::copy`, hyper-util's `TokioIo`) over weft's streams, and `weft::compat` both
//! ways. No tokio runtime runs: everything is polled by weft.

use futures_core::Stream;
use futures_sink::Sink;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio_util::codec::{Framed, LinesCodec};
use weft::compat::CompatExt;
use weft::io::Async;
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft_tests::{runtime, within};

/// A connected pair of weft TCP streams.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

async fn send_line<S>(framed: &mut Framed<S, LinesCodec>, line: String)
where
    S: AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    poll_fn(|cx| Sink::<String>::poll_ready(Pin::new(&mut *framed), cx))
        .await
        .unwrap();
    Pin::new(&mut *framed).start_send(line).unwrap();
    poll_fn(|cx| Sink::<String>::poll_flush(Pin::new(&mut *framed), cx))
        .await
        .unwrap();
}

async fn next_line<S>(framed: &mut Framed<S, LinesCodec>) -> Option<String>
where
    S: AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    poll_fn(|cx| Pin::new(&mut *framed).poll_next(cx))
        .await
        .map(|line| line.unwrap())
}

#[test]
fn framed_lines_codec_echoes_over_weft_tcp() {
    within(|| {
        runtime(2).block_on(async {
            let (client, server) = tcp_pair().await;
            let echo = weft::spawn(async move {
                let mut framed = Framed::new(server, LinesCodec::new());
                let mut echoed = 0;
                while let Some(line) = next_line(&mut framed).await {
                    send_line(&mut framed, format!("echo: {line}")).await;
                    echoed += 1;
                }
                echoed
            });
            let mut framed = Framed::new(client, LinesCodec::new());
            for i in 0..100 {
                send_line(&mut framed, format!("line {i}")).await;
                assert_eq!(
                    next_line(&mut framed).await.as_deref(),
                    Some(format!("echo: line {i}").as_str())
                );
            }
            // Closing the write side ends the server's stream of lines.
            tokio::io::AsyncWriteExt::shutdown(framed.get_mut())
                .await
                .unwrap();
            assert_eq!(echo.await.unwrap(), 100);
        })
    });
}

#[test]
fn tokio_copy_moves_every_byte_between_weft_streams() {
    within(|| {
        runtime(2).block_on(async {
            let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
            // source -> (a_in | a_out) -> copy -> (b_in | b_out) -> sink
            let (mut source, a_out) = UnixStream::pair().unwrap();
            let (b_in, b_out) = tcp_pair().await;
            let writer = {
                let data = data.clone();
                weft::spawn(async move {
                    source.write_all(&data).await.unwrap();
                    // Through the trait: weft's inherent `shutdown(how)` comes first.
                    AsyncWriteExt::shutdown(&mut source).await.unwrap();
                })
            };
            let copier = weft::spawn(async move {
                let (mut from, mut to) = (a_out, b_in);
                let n = tokio::io::copy(&mut from, &mut to).await.unwrap();
                AsyncWriteExt::shutdown(&mut to).await.unwrap();
                n
            });
            let (mut sink, _sink_w) = b_out.into_split();
            let mut got = Vec::new();
            sink.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(copier.await.unwrap(), data.len() as u64);
            assert!(got == data, "the copy differs");
        })
    });
}

#[test]
fn tokio_copy_bidirectional_proxies_between_weft_tcp_streams() {
    within(|| {
        runtime(2).block_on(async {
            let (mut client, mut proxy_in) = tcp_pair().await;
            let (mut proxy_out, mut upstream) = tcp_pair().await;
            let proxy = weft::spawn(async move {
                tokio::io::copy_bidirectional(&mut proxy_in, &mut proxy_out)
                    .await
                    .unwrap()
            });
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            upstream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            upstream.write_all(b"pong!").await.unwrap();
            let mut buf = [0; 5];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pong!");
            AsyncWriteExt::shutdown(&mut client).await.unwrap();
            AsyncWriteExt::shutdown(&mut upstream).await.unwrap();
            assert_eq!(proxy.await.unwrap(), (4, 5));
        })
    });
}

#[test]
fn hyper_util_tokio_io_over_a_weft_stream_serves_a_request() {
    within(|| {
        runtime(2).block_on(async {
            let (client, server) = tcp_pair().await;
            let hello = service_fn(|req: Request<Incoming>| async move {
                let text = format!("hello {}", req.uri().path());
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(text))))
            });
            weft::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(server), hello),
            );
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(client))
                .await
                .unwrap();
            weft::spawn(conn);
            let req = Request::get("/tokio-io")
                .header(hyper::header::HOST, "weft.test")
                .body(Full::<Bytes>::default())
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            assert_eq!(res.status(), 200);
            let body = res.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, "hello /tokio-io");
        })
    });
}

/// Reads once into a 4 KiB tokio buffer handed over uninitialised; returns the bytes read
/// and how much of the buffer is initialised afterwards.
async fn read_uninit<T: AsyncRead + Unpin>(io: &mut T) -> (Vec<u8>, usize) {
    let mut raw = [MaybeUninit::<u8>::uninit(); 4096];
    let mut buf = ReadBuf::uninit(&mut raw);
    poll_fn(|cx| Pin::new(&mut *io).poll_read(cx, &mut buf))
        .await
        .unwrap();
    (buf.filled().to_vec(), buf.initialized().len())
}

#[test]
fn reads_into_tokios_buffer_initialise_only_what_they_fill() {
    within(|| {
        runtime(1).block_on(async {
            // weft's own socket: straight from the socket.
            let (mut a, mut b) = tcp_pair().await;
            a.write_all(b"weft socket").await.unwrap();
            let (read, initialised) = read_uninit(&mut b).await;
            assert_eq!(read, b"weft socket");
            assert_eq!(initialised, read.len(), "the rest of the buffer was zeroed");

            // Any futures-io stream through Compat: through the scratch buffer.
            let (a, b) = StdUnixStream::pair().unwrap();
            std::io::Write::write_all(&mut &a, b"compat").unwrap();
            let mut b = Async::new(b).unwrap().compat();
            let (read, initialised) = read_uninit(&mut b).await;
            assert_eq!(read, b"compat");
            assert_eq!(initialised, read.len(), "the rest of the buffer was zeroed");
        })
    });
}

#[test]
fn compat_reads_into_the_initialised_part_of_tokios_buffer() {
    within(|| {
        runtime(1).block_on(async {
            let (a, b) = StdUnixStream::pair().unwrap();
            std::io::Write::write_all(&mut &a, b"initialised").unwrap();
            let mut b = Async::new(b).unwrap().compat();
            let mut raw = [7u8; 64];
            let mut buf = ReadBuf::new(&mut raw);
            poll_fn(|cx| Pin::new(&mut b).poll_read(cx, &mut buf))
                .await
                .unwrap();
            assert_eq!(buf.filled(), b"initialised");
            assert_eq!(
                &raw[11..],
                &[7u8; 53][..],
                "bytes past the read were touched"
            );
        })
    });
}

#[test]
fn compat_turns_a_tokio_stream_into_futures_io() {
    within(|| {
        runtime(1).block_on(async {
            use weft::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let (a, b) = tokio::io::duplex(16);
            let (mut a, mut b) = (a.compat(), b.compat());
            let writer = weft::spawn(async move {
                // More than the duplex holds, so the reader must drain it as it goes.
                a.write_all(&[42u8; 1000]).await.unwrap();
                a.close().await.unwrap();
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got, vec![42u8; 1000]);
        })
    });
}

#[test]
fn compat_passes_buffered_reads_both_ways() {
    within(|| {
        runtime(1).block_on(async {
            // futures-io's BufRead (a byte slice) as tokio's: tokio's `lines`.
            let text: &[u8] = b"one\ntwo\nthree\n";
            let mut lines = text.compat().lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                got.push(line);
            }
            assert_eq!(got, ["one", "two", "three"]);

            // tokio's BufRead as futures-io's.
            let reader = tokio::io::BufReader::new(&b"abc"[..]).compat();
            let mut reader = std::pin::pin!(reader);
            let filled = poll_fn(|cx| {
                futures_io::AsyncBufRead::poll_fill_buf(reader.as_mut(), cx)
                    .map(|r| r.map(<[u8]>::to_vec))
            })
            .await
            .unwrap();
            assert_eq!(filled, b"abc");
            futures_io::AsyncBufRead::consume(reader.as_mut(), 3);
        })
    });
}
