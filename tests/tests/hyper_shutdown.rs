//! `Serve::with_graceful_shutdown`: stop accepting, let requests in flight finish, close
//! idle keep-alive connections, then resolve.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weft::hyper::serve;
use weft::net::{TcpListener, TcpStream};
use weft::sync::{oneshot, Event};
use weft::task::JoinSet;
use weft_tests::http::{
    get, http1_conn, http2_conn, ok, raw_client, read, read_until_closed, send, until,
};
use weft_tests::{runtime, within};

/// A service whose requests count themselves in, then wait until `release` is set.
#[derive(Clone)]
struct Held {
    entered: Arc<AtomicUsize>,
    release: Arc<Event>,
}

impl Held {
    fn new() -> Held {
        Held {
            entered: Arc::new(AtomicUsize::new(0)),
            release: Arc::new(Event::new()),
        }
    }

    async fn call(self, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        self.entered.fetch_add(1, SeqCst);
        self.release.wait().await;
        Ok(ok(format!("done {}", req.uri().path())))
    }
}

/// Runs `serve(listener, svc)` until the returned sender fires.
fn start<S>(
    listener: TcpListener,
    svc: S,
) -> (
    oneshot::Sender<()>,
    weft::task::JoinHandle<std::io::Result<()>>,
)
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<Full<Bytes>>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let server = serve(listener, svc).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    (stop, weft::spawn(server.into_future()))
}

#[test]
fn graceful_shutdown_lets_10_requests_in_flight_finish_then_resolves() {
    within(|| {
        runtime(2).block_on(async {
            let held = Held::new();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let svc = {
                let held = held.clone();
                service_fn(move |req| held.clone().call(req))
            };
            let (stop, server) = start(listener, svc);

            let mut clients = JoinSet::new();
            for i in 0..10 {
                clients.spawn(async move {
                    let (mut sender, _) = http1_conn::<Full<Bytes>>(addr).await;
                    let res = send(&mut sender, get(&format!("/{i}"))).await;
                    read(res).await
                });
            }
            until(|| held.entered.load(SeqCst) == 10).await;

            stop.send(()).unwrap();
            // New connections are refused once the listener is closed (one that reached
            // the backlog before is reset when the listener closes).
            loop {
                match TcpStream::connect(addr).await {
                    Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
                    Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
                    Ok(_) => {}
                }
                weft::time::sleep(Duration::from_millis(2)).await;
            }
            // The 10 requests are still in flight, so the server has not finished.
            weft::time::sleep(Duration::from_millis(50)).await;
            assert!(!server.is_finished(), "resolved with requests in flight");

            held.release.set();
            let mut answered = Vec::new();
            while let Some(res) = clients.join_next().await {
                let (status, body) = res.unwrap();
                assert_eq!(status, 200);
                answered.push(String::from_utf8(body.to_vec()).unwrap());
            }
            answered.sort();
            let mut expected: Vec<_> = (0..10).map(|i| format!("done /{i}")).collect();
            expected.sort();
            assert_eq!(answered, expected);
            server.await.unwrap().unwrap();
        })
    });
}

#[test]
fn graceful_shutdown_closes_idle_keep_alive_connections() {
    within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let svc = service_fn(|_req| async { Ok::<_, Infallible>(ok("hi")) });
            let (stop, server) = start(listener, svc);

            // One request, then the connection sits idle, kept alive by the client.
            let (mut sender, _) = http1_conn::<Full<Bytes>>(addr).await;
            let res = send(&mut sender, get("/")).await;
            assert_eq!(read(res).await.1, "hi");

            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
            // The server closed it: the client's connection is gone.
            until(|| sender.is_closed()).await;
        })
    });
}

#[test]
fn graceful_shutdown_closes_a_connection_that_has_sent_nothing() {
    within(|| {
        let rt = runtime(2);
        let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() });
        let addr = listener.local_addr().unwrap();
        let svc = service_fn(|_req| async { Ok::<_, Infallible>(ok("hi")) });
        let (stop, stopped) = oneshot::channel::<()>();
        // No header-read timeout: only the shutdown can close the silent connection.
        let server = rt.spawn(
            serve(listener, svc)
                .header_read_timeout(None)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .into_future(),
        );

        let mut silent = raw_client(addr);
        // Its connection has been accepted once a second client is answered.
        let mut other = raw_client(addr);
        let (head, _) = weft_tests::http::raw_get(&mut other, "/");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        drop(other);

        stop.send(()).unwrap();
        assert_eq!(read_until_closed(&mut silent), b"");
        rt.block_on(server).unwrap().unwrap();
    });
}

#[test]
fn graceful_shutdown_finishes_http2_streams_then_closes_the_connection() {
    within(|| {
        runtime(2).block_on(async {
            let held = Held::new();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let svc = {
                let held = held.clone();
                service_fn(move |req| held.clone().call(req))
            };
            let (stop, server) = start(listener, svc);

            let sender = http2_conn::<Full<Bytes>>(addr).await;
            let mut in_flight = JoinSet::new();
            for i in 0..3 {
                let mut sender = sender.clone();
                in_flight.spawn(async move {
                    let res = sender.send_request(get(&format!("/{i}"))).await.unwrap();
                    read(res).await
                });
            }
            until(|| held.entered.load(SeqCst) == 3).await;

            stop.send(()).unwrap();
            weft::time::sleep(Duration::from_millis(50)).await;
            assert!(!server.is_finished(), "resolved with streams in flight");

            held.release.set();
            let mut answered = 0;
            while let Some(res) = in_flight.join_next().await {
                let (status, body) = res.unwrap();
                assert_eq!(status, 200);
                assert!(body.starts_with(b"done /"));
                answered += 1;
            }
            assert_eq!(answered, 3);
            server.await.unwrap().unwrap();
            until(|| sender.is_closed()).await;
        })
    });
}
