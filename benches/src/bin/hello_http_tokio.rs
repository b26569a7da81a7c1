//! The tokio twin of weft's `examples/hello_http.rs`, for the wrk comparison in
//! BENCHMARKS.md: the same hyper service (`Full<Bytes>` "Hello, world!\n"), served the
//! way hyper-util serves on tokio: one task per connection, `TCP_NODELAY`, hyper-util's
//! auto (HTTP/1 + HTTP/2) builder over `TokioIo`, `TokioExecutor` and `TokioTimer`, on
//! tokio's multi-thread runtime with its default worker count (as `#[weft::main]` uses
//! weft's).
//!
//! ```sh
//! cargo run --release -p weft-benches --features hyper --bin hello_http_tokio -- [ADDR]
//! ```
//!
//! It listens on `ADDR` (default `127.0.0.1:3001`) and runs until killed.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::sync::Arc;

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!\n",
    ))))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3001".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
