//! What `weft::hyper::serve` logs about connections: nothing when a client closes
//! normally, one `ERROR` when the server's side fails, one `DEBUG` when a client breaks
//! off. The tests run one at a time ([`serial`]): they look at every event logged, by
//! weft or by hyper and h2.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use std::future::IntoFuture;
use std::io::Write;
use std::net::SocketAddr;
use tracing::Level;
use weft::hyper::serve;
use weft::net::TcpListener;
use weft::sync::oneshot;
use weft_tests::events::{capture, serial, Events, Logged};
use weft_tests::http::{get, http1_conn, http2_conn, ok, raw_client, raw_get, read, send, until};
use weft_tests::{runtime, within};

/// Serves `svc` until the returned sender fires; the handle resolves once every connection
/// has closed, so every event about them has been logged by then.
fn start<S, F>(
    svc: S,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    weft::task::JoinHandle<std::io::Result<()>>,
)
where
    S: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = Result<Response<Full<Bytes>>, std::io::Error>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = serve(listener, service_fn(svc)).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    (addr, stop, weft::spawn(server.into_future()))
}

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    Ok(ok("hello"))
}

fn warnings_and_errors(events: &[Logged]) -> Vec<&Logged> {
    events.iter().filter(|e| e.level <= Level::WARN).collect()
}

fn from_serve(events: &[Logged]) -> Vec<&Logged> {
    events
        .iter()
        .filter(|e| e.target == "weft::hyper::serve")
        .collect()
}

#[test]
fn connections_closed_normally_log_nothing() {
    let _one_at_a_time = serial();
    let events: &Events = capture();
    let mark = events.mark();
    within(|| {
        runtime(2).block_on(async {
            let (addr, stop, server) = start(hello);

            // HTTP/1: requests, then the client closes its idle keep-alive connection.
            let (mut h1, _) = http1_conn::<Full<Bytes>>(addr).await;
            for _ in 0..3 {
                let res = send(&mut h1, get("/")).await;
                assert_eq!(read(res).await.1, "hello");
            }
            drop(h1);
            // HTTP/2: a request, then the client drops the connection.
            let mut h2 = http2_conn::<Full<Bytes>>(addr).await;
            let res = h2.send_request(get("/")).await.unwrap();
            assert_eq!(read(res).await.1, "hello");
            drop(h2);
            // A plain client: one request with `Connection: close`, and one that connects
            // and leaves without a word.
            weft::spawn_blocking(move || {
                let mut c = raw_client(addr);
                c.write_all(b"GET / HTTP/1.1\r\nHost: weft.test\r\nConnection: close\r\n\r\n")
                    .unwrap();
                weft_tests::http::read_until_closed(&mut c);
                drop(raw_client(addr));
                // Keep-alive, closed by the client after its answer.
                let mut c = raw_client(addr);
                let (head, _) = raw_get(&mut c, "/");
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            })
            .await
            .unwrap();

            // Give the server's connection tasks time to see the closes before the
            // shutdown (which would otherwise close them itself).
            weft::time::sleep(std::time::Duration::from_millis(100)).await;
            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
        })
    });
    let logged = events.since(mark);
    assert!(
        warnings_and_errors(&logged).is_empty(),
        "warnings or errors logged: {logged:#?}"
    );
    assert!(
        from_serve(&logged).is_empty(),
        "serve logged normal closes: {logged:#?}"
    );
}

#[test]
fn a_failing_service_is_logged_once_as_an_error() {
    let _one_at_a_time = serial();
    let events = capture();
    let mark = events.mark();
    let client = within(|| {
        runtime(2).block_on(async {
            let (addr, stop, server) = start(|_req| async {
                Err::<Response<Full<Bytes>>, _>(std::io::Error::other("the database is down"))
            });
            let (mut h1, client) = http1_conn::<Full<Bytes>>(addr).await;
            assert!(h1.send_request(get("/")).await.is_err());
            until(|| !events.for_peer(client).is_empty()).await;
            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
            client
        })
    });
    let about_client = events.for_peer(client);
    assert_eq!(about_client.len(), 1, "{about_client:#?}");
    assert_eq!(about_client[0].level, Level::ERROR);
    assert!(
        about_client[0]
            .field("error")
            .contains("the database is down"),
        "{about_client:#?}"
    );
    let logged = events.since(mark);
    assert_eq!(warnings_and_errors(&logged).len(), 1, "{logged:#?}");
}

#[test]
fn a_client_that_closes_mid_request_is_logged_once_at_debug() {
    let _one_at_a_time = serial();
    let events = capture();
    let mark = events.mark();
    let client = within(|| {
        runtime(2).block_on(async {
            let (addr, stop, server) = start(hello);
            let client = weft::spawn_blocking(move || {
                let mut c = raw_client(addr);
                c.write_all(b"GET / HTTP/1.1\r\nHost: we").unwrap();
                c.local_addr().unwrap()
            })
            .await
            .unwrap();
            until(|| !events.for_peer(client).is_empty()).await;
            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
            client
        })
    });
    let about_client = events.for_peer(client);
    assert_eq!(about_client.len(), 1, "{about_client:#?}");
    assert_eq!(about_client[0].level, Level::DEBUG);
    let logged = events.since(mark);
    assert!(
        warnings_and_errors(&logged).is_empty(),
        "warnings or errors logged: {logged:#?}"
    );
}

#[test]
fn a_client_that_sends_nothing_in_time_is_logged_once_at_debug() {
    let _one_at_a_time = serial();
    let events = capture();
    let mark = events.mark();
    let client = within(|| {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(
                serve(listener, service_fn(hello))
                    .header_read_timeout(std::time::Duration::from_millis(50))
                    .into_future(),
            );
            let client = weft::spawn_blocking(move || {
                let mut c = raw_client(addr);
                let local = c.local_addr().unwrap();
                weft_tests::http::read_until_closed(&mut c);
                local
            })
            .await
            .unwrap();
            until(|| !events.for_peer(client).is_empty()).await;
            server.abort();
            client
        })
    });
    let about_client = events.for_peer(client);
    assert_eq!(about_client.len(), 1, "{about_client:#?}");
    assert_eq!(about_client[0].level, Level::DEBUG);
    assert!(warnings_and_errors(&events.since(mark)).is_empty());
}
