//! `weft::hyper::serve` answering real hyper clients over real sockets: many keep-alive
//! requests, HTTP/2 streams in parallel, a large streamed body, clients that misbehave, and
//! the header-read timeout.

use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::hyper::serve;
use weft::net::TcpListener;
use weft::sync::Barrier;
use weft::task::JoinSet;
use weft_tests::http::{
    get, http1_conn, http2_conn, ok, raw_client, raw_get, read, read_until_closed, send,
};
use weft_tests::{runtime, within};

/// Answers each request with its own path.
async fn echo_path(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(ok(req.uri().path().to_owned()))
}

#[test]
fn keep_alive_requests_over_50_connections_are_all_answered() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(serve(listener, service_fn(echo_path)).into_future());

            let mut clients = JoinSet::new();
            for c in 0..50 {
                clients.spawn(async move {
                    // One connection per client: 20 answers on one `SendRequest` means
                    // the server kept the connection alive between them.
                    let (mut sender, _) = http1_conn(addr).await;
                    for r in 0..20 {
                        let path = format!("/{c}/{r}");
                        let res = send(&mut sender, get(&path)).await;
                        let (status, body) = read(res).await;
                        assert_eq!(status, 200);
                        assert_eq!(body, path.as_bytes());
                    }
                    20
                });
            }
            let mut answered = 0;
            while let Some(n) = clients.join_next().await {
                answered += n.unwrap();
            }
            assert_eq!(answered, 1000);
            server.abort();
        })
    });
}

#[test]
fn http2_serves_100_concurrent_streams_on_one_connection() {
    within(|| {
        runtime(2).block_on(async {
            // Every request waits for all 100: they are answered only if all 100 streams
            // are open on the connection at the same time.
            let all_in = Arc::new(Barrier::new(100));
            let svc = service_fn(move |req: Request<Incoming>| {
                let all_in = all_in.clone();
                async move {
                    all_in.wait().await;
                    Ok::<_, Infallible>(ok(req.uri().path().to_owned()))
                }
            });
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(serve(listener, svc).into_future());

            let sender = http2_conn::<Full<Bytes>>(addr).await;
            let mut streams = JoinSet::new();
            for i in 0..100 {
                let mut sender = sender.clone();
                streams.spawn(async move {
                    let path = format!("/{i}");
                    let res = sender.send_request(get(&path)).await.unwrap();
                    assert_eq!(res.version(), Version::HTTP_2);
                    let (status, body) = read(res).await;
                    assert_eq!(status, 200);
                    assert_eq!(body, path.as_bytes());
                });
            }
            let mut done = 0;
            while let Some(res) = streams.join_next().await {
                res.unwrap();
                done += 1;
            }
            assert_eq!(done, 100);
            server.abort();
        })
    });
}

#[test]
fn http1_and_http2_are_served_on_the_same_port() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(serve(listener, service_fn(echo_path)).into_future());

            let (mut h1, _) = http1_conn::<Full<Bytes>>(addr).await;
            let res = send(&mut h1, get("/one")).await;
            assert_eq!(res.version(), Version::HTTP_11);
            assert_eq!(read(res).await.1, "/one");

            let mut h2 = http2_conn::<Full<Bytes>>(addr).await;
            let res = h2.send_request(get("/two")).await.unwrap();
            assert_eq!(res.version(), Version::HTTP_2);
            assert_eq!(read(res).await.1, "/two");
            server.abort();
        })
    });
}

/// 16 MiB, sent in 64 KiB chunks of a pseudo-random sequence (so a dropped, repeated or
/// reordered chunk shows).
const BIG: usize = 16 << 20;
const CHUNK: usize = 64 << 10;

/// The byte sequence of the large body: xorshift64, one byte per step.
struct Pattern(u64);

impl Pattern {
    fn new() -> Pattern {
        Pattern(0x9E37_79B9_7F4A_7C15)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

/// A request body that streams [`BIG`] bytes of the pattern, one chunk per poll, with no
/// length given up front (so it goes out chunked).
struct Streamed {
    left: usize,
    pattern: Pattern,
}

impl Body for Streamed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let mut chunk = vec![0; self.left.min(CHUNK)];
        self.pattern.fill(&mut chunk);
        self.left -= chunk.len();
        Poll::Ready(Some(Ok(Frame::data(chunk.into()))))
    }
}

#[test]
fn a_16_mib_request_body_is_streamed_and_echoed_byte_exact() {
    within(|| {
        runtime(2).block_on(async {
            // The response body is the request body, streamed through as it arrives.
            let echo = service_fn(|req: Request<Incoming>| async move {
                Ok::<_, Infallible>(Response::new(req.into_body()))
            });
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(serve(listener, echo).into_future());

            let (mut sender, _) = http1_conn::<Streamed>(addr).await;
            let body = Streamed {
                left: BIG,
                pattern: Pattern::new(),
            };
            let req = Request::post("/echo")
                .header(hyper::header::HOST, "weft.test")
                .body(body)
                .unwrap();
            let mut res = send(&mut sender, req).await;
            assert_eq!(res.status(), 200);

            let mut expected = Pattern::new();
            let mut want = vec![0; CHUNK];
            let mut received = 0;
            while let Some(frame) = res.body_mut().frame().await {
                let frame = frame.unwrap();
                let Some(data) = frame.data_ref() else {
                    continue;
                };
                let want = &mut want[..data.len()];
                expected.fill(want);
                assert!(
                    data[..] == want[..],
                    "the echo differs within bytes {received}..{}",
                    received + data.len()
                );
                received += data.len();
            }
            assert_eq!(received, BIG);
            server.abort();
        })
    });
}

#[test]
fn clients_that_close_mid_request_leave_the_server_serving() {
    within(|| {
        let rt = runtime(2);
        let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() });
        let addr = listener.local_addr().unwrap();
        // Reads the whole request body before answering.
        let collect = service_fn(|req: Request<Incoming>| async move {
            let body = req.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>(ok(body.len().to_string()))
        });
        let server = rt.spawn(serve(listener, collect).into_future());

        // Gone halfway through the headers.
        let mut c = raw_client(addr);
        c.write_all(b"GET / HTTP/1.1\r\nHost: we").unwrap();
        drop(c);
        // Gone halfway through a body it announced.
        let mut c = raw_client(addr);
        c.write_all(b"POST / HTTP/1.1\r\nHost: weft.test\r\nContent-Length: 1000\r\n\r\nabc")
            .unwrap();
        drop(c);
        // Gone with the connection reset (SO_LINGER 0) while the server reads the body.
        let c = raw_client(addr);
        (&c).write_all(b"POST / HTTP/1.1\r\nHost: weft.test\r\nContent-Length: 1000\r\n\r\nabc")
            .unwrap();
        socket2::SockRef::from(&c)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(c);

        for _ in 0..3 {
            let mut c = raw_client(addr);
            let (head, body) = raw_get(&mut c, "/");
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert_eq!(body, b"0");
        }
        assert!(!server.is_finished());
        server.abort();
    });
}

/// A server whose header-read timeout is short enough for a test.
fn serve_with_short_header_timeout(rt: &weft::Runtime) -> std::net::SocketAddr {
    let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() });
    let addr = listener.local_addr().unwrap();
    let server = serve(listener, service_fn(echo_path))
        .header_read_timeout(Duration::from_millis(200))
        .into_future();
    drop(rt.spawn(server));
    addr
}

#[test]
fn header_read_timeout_closes_a_connection_that_never_sends_a_byte() {
    within(|| {
        let rt = runtime(1);
        let addr = serve_with_short_header_timeout(&rt);
        let mut c = raw_client(addr);
        assert_eq!(read_until_closed(&mut c), b"");
    });
}

#[test]
fn header_read_timeout_closes_a_connection_that_stops_mid_headers() {
    within(|| {
        let rt = runtime(1);
        let addr = serve_with_short_header_timeout(&rt);
        let mut c = raw_client(addr);
        c.write_all(b"GET / HTTP/1.1\r\nHost: weft.test\r\n")
            .unwrap();
        let got = read_until_closed(&mut c);
        assert!(
            !got.starts_with(b"HTTP/1.1 200"),
            "answered an unfinished request"
        );
    });
}

#[test]
fn header_read_timeout_leaves_a_connection_that_sends_in_time_served() {
    within(|| {
        let rt = runtime(1);
        let addr = serve_with_short_header_timeout(&rt);
        let mut c = raw_client(addr);
        for path in ["/a", "/b"] {
            let (head, body) = raw_get(&mut c, path);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert_eq!(body, path.as_bytes());
        }
    });
}
