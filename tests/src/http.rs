//! A real hyper client over weft's TCP, and a plain-socket client, for the hyper tests.

use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Incoming};
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response, StatusCode};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;
use weft::hyper::{WeftExecutor, WeftIo};
use weft::net::TcpStream;

/// An HTTP/1 connection to `addr` whose connection task runs on the current runtime;
/// also returns the client's own address (the `peer` that `serve` logs).
pub async fn http1_conn<B>(addr: SocketAddr) -> (http1::SendRequest<B>, SocketAddr)
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.expect("connect");
    let local = stream.local_addr().unwrap();
    let (sender, conn) = http1::handshake(WeftIo::new(stream))
        .await
        .expect("HTTP/1 handshake");
    weft::spawn(async move {
        let _ = conn.await;
    });
    (sender, local)
}

/// An HTTP/2 connection (prior knowledge) to `addr`, driven by weft's executor.
pub async fn http2_conn<B>(addr: SocketAddr) -> http2::SendRequest<B>
where
    B: Body + Unpin + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (sender, conn) = http2::handshake(WeftExecutor::new(), WeftIo::new(stream))
        .await
        .expect("HTTP/2 handshake");
    weft::spawn(async move {
        let _ = conn.await;
    });
    sender
}

/// Sends `req` on an HTTP/1 connection once it is ready for another request (the
/// previous response read to its end), and returns the response.
pub async fn send<B>(sender: &mut http1::SendRequest<B>, req: Request<B>) -> Response<Incoming>
where
    B: Body + 'static,
{
    sender.ready().await.expect("the connection is ready");
    sender.send_request(req).await.expect("a response")
}

/// A GET of `path` with an empty body.
pub fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header(hyper::header::HOST, "weft.test")
        .body(Full::default())
        .unwrap()
}

/// A response's status and its whole body.
pub async fn read(res: Response<Incoming>) -> (StatusCode, Bytes) {
    let status = res.status();
    let body = res.into_body().collect().await.expect("response body");
    (status, body.to_bytes())
}

/// A `200 OK` with `body`.
pub fn ok(body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::new(Full::new(body.into()))
}

/// A plain blocking socket to `addr` that times out (a hang guard) after [`crate::HANG`].
pub fn raw_client(addr: SocketAddr) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(crate::HANG)).unwrap();
    s.set_write_timeout(Some(crate::HANG)).unwrap();
    s
}

/// Reads until the server closes the connection; panics if it does not within
/// [`crate::HANG`]. A reset counts as closed.
pub fn read_until_closed(s: &mut std::net::TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

/// Sends a plain HTTP/1.1 GET on `s` and reads one response with a `Content-Length`;
/// returns its head and body.
pub fn raw_get(s: &mut std::net::TcpStream, path: &str) -> (String, Vec<u8>) {
    write!(s, "GET {path} HTTP/1.1\r\nHost: weft.test\r\n\r\n").unwrap();
    read_response(s)
}

/// Reads one response with a `Content-Length` from `s`; returns its head and body.
pub fn read_response(s: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        if let Some(end) = find(&got, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .expect("a Content-Length");
            if got.len() >= end + 4 + len {
                return (head, got[end + 4..end + 4 + len].to_vec());
            }
        }
        let n = s.read(&mut buf).expect("read a response");
        assert!(n > 0, "closed before a whole response: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sleeps in small steps on the current runtime until `cond` holds; panics after
/// [`crate::HANG`] (a hang guard, not a timing assert).
pub async fn until(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + crate::HANG;
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "condition never held");
        weft::time::sleep(Duration::from_millis(2)).await;
    }
}
