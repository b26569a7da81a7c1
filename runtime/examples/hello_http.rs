//! A hello-world HTTP server: a hyper service, served by `weft::hyper::serve` (HTTP/1 and
//! HTTP/2 on one port), with a graceful shutdown.
//!
//! ```sh
//! cargo run --release --features hyper --example hello_http -- [ADDR]
//! curl http://127.0.0.1:3000/
//! ```
//!
//! It listens on `ADDR` (default `127.0.0.1:3000`; port 0 picks a free one) and prints the
//! address it got. It shuts down gracefully (stops accepting, answers the requests in
//! flight, closes idle connections, then exits 0) on Ctrl-C (SIGINT) or SIGTERM, when
//! standard input closes while it is a terminal (Ctrl-D), or after `SHUTDOWN_AFTER`
//! seconds if that variable is set.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io::{IsTerminal, Read};
use std::time::Duration;
use weft::net::TcpListener;

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!\n",
    ))))
}

/// Resolves when the server should stop: Ctrl-C or SIGTERM, Ctrl-D on a terminal, or
/// `SHUTDOWN_AFTER` seconds.
async fn shutdown_signal() {
    use weft::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).expect("listen for SIGINT");
    let mut terminate = signal(SignalKind::terminate()).expect("listen for SIGTERM");
    weft::select! {
        _ = interrupt.recv() => {},
        _ = terminate.recv() => {},
        _ = other_shutdown_signal() => {},
    }
    eprintln!("hello_http: shutting down");
}

/// Ctrl-D on a terminal, or `SHUTDOWN_AFTER` seconds; never, if neither applies.
async fn other_shutdown_signal() {
    let after = std::env::var("SHUTDOWN_AFTER")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64);
    let eof = std::io::stdin().is_terminal().then(|| {
        weft::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
    });
    match (after, eof) {
        (Some(after), Some(eof)) => {
            weft::select! {
                _ = weft::time::sleep(after) => {},
                _ = eof => {},
            }
        }
        (Some(after), None) => weft::time::sleep(after).await,
        (None, Some(eof)) => drop(eof.await),
        (None, None) => std::future::pending().await,
    }
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on http://{}", listener.local_addr()?);
    weft::hyper::serve(listener, service_fn(hello))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    eprintln!("hello_http: every connection closed");
    Ok(())
}
