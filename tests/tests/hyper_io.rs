//! `WeftIo`, `WeftTimer` and `WeftExecutor` with real hyper connections: reads into hyper's
//! uninitialised buffer (weft's sockets and any other futures-io stream), vectored writes,
//! upgraded connections back as futures-io, and timer resets.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::rt::{Read, ReadBuf, Timer, Write};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::future::{poll_fn, IntoFuture};
use std::io::Write as _;
use std::mem::MaybeUninit;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::time::Duration;
use weft::hyper::{serve, WeftIo, WeftTimer};
use weft::io::{Async, AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft_tests::http::{get, http1_conn, ok, read, send};
use weft_tests::{runtime, within};

/// A byte hyper's buffer holds before a read, to see which bytes a read touched.
const SENTINEL: u8 = 0xA5;

/// Reads once through `io` into a 4 KiB hyper buffer that starts out as [`SENTINEL`]s
/// (but is handed over as uninitialised), and returns what was read and the rest of the
/// buffer.
async fn read_once<T: Read + Unpin>(io: &mut T) -> (Vec<u8>, Vec<u8>) {
    let mut raw = [MaybeUninit::new(SENTINEL); 4096];
    let filled = {
        let mut buf = ReadBuf::uninit(&mut raw);
        poll_fn(|cx| Pin::new(&mut *io).poll_read(cx, buf.unfilled()))
            .await
            .unwrap();
        buf.filled().len()
    };
    // SAFETY: every byte of `raw` was initialised (to SENTINEL) above, and a read only
    // ever writes initialised bytes over them.
    let bytes: Vec<u8> = raw.iter().map(|b| unsafe { b.assume_init() }).collect();
    (bytes[..filled].to_vec(), bytes[filled..].to_vec())
}

#[test]
fn reads_from_weft_sockets_leave_the_rest_of_hypers_buffer_untouched() {
    within(|| {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            client.write_all(b"request").await.unwrap();
            let (read, rest) = read_once(&mut WeftIo::new(server)).await;
            assert_eq!(read, b"request");
            assert!(rest.iter().all(|&b| b == SENTINEL), "the buffer was zeroed");

            let (mut a, b) = UnixStream::pair().unwrap();
            a.write_all(b"unix").await.unwrap();
            let (read, rest) = read_once(&mut WeftIo::new(b)).await;
            assert_eq!(read, b"unix");
            assert!(rest.iter().all(|&b| b == SENTINEL), "the buffer was zeroed");
        })
    });
}

#[test]
fn reads_from_other_futures_io_streams_leave_the_rest_of_hypers_buffer_untouched() {
    within(|| {
        runtime(1).block_on(async {
            let (a, b) = StdUnixStream::pair().unwrap();
            (&a).write_all(b"any stream").unwrap();
            let (read, rest) = read_once(&mut WeftIo::new(Async::new(b).unwrap())).await;
            assert_eq!(read, b"any stream");
            assert!(rest.iter().all(|&b| b == SENTINEL), "the buffer was zeroed");
        })
    });
}

#[test]
fn vectored_writes_are_reported_for_weft_sockets_only() {
    within(|| {
        runtime(1).block_on(async {
            let (a, _b) = UnixStream::pair().unwrap();
            assert!(WeftIo::new(a).is_write_vectored());
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let c = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            assert!(WeftIo::new(c).is_write_vectored());
            let (a, _b) = StdUnixStream::pair().unwrap();
            assert!(!WeftIo::new(Async::new(a).unwrap()).is_write_vectored());
        })
    });
}

#[test]
fn hyper_serves_over_a_futures_io_stream_that_is_not_a_weft_socket() {
    within(|| {
        runtime(2).block_on(async {
            let (a, b) = StdUnixStream::pair().unwrap();
            let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
            let echo = service_fn(|req: Request<Incoming>| async move {
                let body = req.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>(ok(body))
            });
            weft::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(WeftIo::new(a), echo),
            );
            let (mut sender, conn) = hyper::client::conn::http1::handshake(WeftIo::new(b))
                .await
                .unwrap();
            weft::spawn(conn);
            // Larger than one scratch read (64 KiB), so it takes several.
            let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            for _ in 0..3 {
                let req = Request::post("/")
                    .body(Full::new(Bytes::from(body.clone())))
                    .unwrap();
                let (status, got) = read(send(&mut sender, req).await).await;
                assert_eq!(status, 200);
                assert!(got == body, "the echo differs");
            }
        })
    });
}

#[test]
fn an_upgraded_connection_is_futures_io_through_weft_io() {
    within(|| {
        runtime(2).block_on(async {
            // Answers `Upgrade: echo` with 101, then echoes bytes on the raw connection.
            let svc = service_fn(|mut req: Request<Incoming>| async move {
                let on_upgrade = hyper::upgrade::on(&mut req);
                weft::spawn(async move {
                    let mut io = WeftIo::new(on_upgrade.await.unwrap());
                    let mut buf = [0; 5];
                    io.read_exact(&mut buf).await.unwrap();
                    io.write_all(&buf).await.unwrap();
                    io.flush().await.unwrap();
                });
                let res = Response::builder()
                    .status(StatusCode::SWITCHING_PROTOCOLS)
                    .header(hyper::header::CONNECTION, "upgrade")
                    .header(hyper::header::UPGRADE, "echo")
                    .body(Full::<Bytes>::default())
                    .unwrap();
                Ok::<_, Infallible>(res)
            });
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(serve(listener, svc).into_future());

            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(WeftIo::new(stream))
                .await
                .unwrap();
            weft::spawn(conn.with_upgrades());
            let req = Request::get("/")
                .header(hyper::header::HOST, "weft.test")
                .header(hyper::header::CONNECTION, "upgrade")
                .header(hyper::header::UPGRADE, "echo")
                .body(Full::<Bytes>::default())
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
            let mut io = WeftIo::new(hyper::upgrade::on(res).await.unwrap());
            io.write_all(b"hello").await.unwrap();
            let mut buf = [0; 5];
            io.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            server.abort();
        })
    });
}

#[test]
fn weft_timer_reset_moves_the_same_sleep() {
    within(|| {
        runtime(1).block_on(async {
            let timer = WeftTimer::new();
            let start = weft::time::Instant::now();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
            timer.reset(&mut sleep, start + Duration::from_millis(5));
            let after: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
            assert_eq!(
                before, after,
                "reset replaced the sleep instead of moving it"
            );
            sleep.await;
            assert!(start.elapsed() >= Duration::from_millis(5));

            // A sleep of another timer is replaced by one of weft's.
            let mut foreign: Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(Foreign);
            timer.reset(&mut foreign, weft::time::Instant::now());
            assert!(foreign.is::<weft::time::Sleep>());
            foreign.await;
        })
    });
}

/// A hyper `Sleep` that is not weft's and never fires.
struct Foreign;

impl std::future::Future for Foreign {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

impl hyper::rt::Sleep for Foreign {}

#[test]
fn a_hyper_client_over_weft_io_gets_answers_from_serve() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let svc = service_fn(|_req| async { Ok::<_, Infallible>(ok("hi")) });
            let server = weft::spawn(serve(listener, svc).into_future());
            let (mut sender, _) = http1_conn::<Full<Bytes>>(addr).await;
            for _ in 0..3 {
                let (status, body) = read(send(&mut sender, get("/")).await).await;
                assert_eq!(status, 200);
                assert_eq!(body, "hi");
            }
            server.abort();
        })
    });
}
