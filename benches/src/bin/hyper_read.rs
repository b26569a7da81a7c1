//! How `weft::hyper::WeftIo` reads into hyper's uninitialised buffer, against tokio's
//! `TokioIo`, with hyper's HTTP/1 client and server over loopback TCP in one process.
//!
//! ```text
//! cargo run --release -p weft-benches --features hyper --bin hyper_read -- [--rounds R]
//! ```
//!
//! The server side's adapter is what varies (the client is `WeftIo<TcpStream>` on weft and
//! `TokioIo<TcpStream>` on tokio throughout):
//!
//! - `weft direct`: `WeftIo<weft::net::TcpStream>`, `recv(2)` straight into hyper's buffer.
//! - `weft scratch`: `WeftIo<Plain>`, where `Plain` forwards futures-io to a weft
//!   `TcpStream` so `WeftIo` takes its path for any futures-io stream: a read into the
//!   thread's scratch buffer (zeroed once) and a copy of the bytes read. (`WeftIo` reports
//!   no vectored writes for it, so its small responses are also written flattened.)
//! - `weft zeroing`: an adapter that zeroes hyper's whole unfilled buffer before every
//!   read, then reads through futures-io, as smol-hyper does.
//! - `tokio`: `TokioIo<tokio::net::TcpStream>` on tokio's multi-thread runtime.
//!
//! Workloads: `small`, 10 000 keep-alive GETs answered with 14 bytes (time per request);
//! `bulk`, a 256 MiB POST in 256 KiB chunks that the server counts (time per MiB). Each
//! runtime has 2 workers. Rounds interleave the four variants; the table has medians,
//! min..max, and each variant's median per-round ratio to tokio (below 1.00 is faster).

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::client::conn::http1 as client;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::server::conn::http1 as server;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::process;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use weft::hyper::WeftIo;
use weft::io::{AsyncRead, AsyncWrite};

const SMALL_REQUESTS: usize = 10_000;
const BULK_BYTES: usize = 256 << 20;
const BULK_CHUNK: usize = 256 << 10;

type Spawn = fn(Pin<Box<dyn Future<Output = ()> + Send>>);

#[derive(Clone, Copy, Debug)]
enum Work {
    Small,
    Bulk,
}

/// A request body of `left` bytes sent as clones of one chunk.
struct Chunks {
    chunk: Bytes,
    left: usize,
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(self.chunk.len());
        self.left -= n;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n)))))
    }
}

/// Counts the request body's bytes; answers "Hello, world!\n" to an empty one.
async fn count(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let mut body = req.into_body();
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            n += data.len();
        }
    }
    let text = if n == 0 {
        Bytes::from_static(b"Hello, world!\n")
    } else {
        Bytes::from(n.to_string())
    };
    Ok(Response::new(Full::new(text)))
}

/// Runs `work` between a hyper server on `server_io` and a client on `client_io`; returns
/// the time the client took.
async fn exchange<S, C>(server_io: S, client_io: C, spawn: Spawn, work: Work) -> Duration
where
    S: Read + Write + Unpin + Send + 'static,
    C: Read + Write + Unpin + Send + 'static,
{
    spawn(Box::pin(async move {
        let _ = server::Builder::new()
            .serve_connection(server_io, service_fn(count))
            .await;
    }));
    let start = Instant::now();
    match work {
        Work::Small => {
            let (mut sender, conn) = client::handshake(client_io).await.unwrap();
            spawn(Box::pin(async move {
                let _ = conn.await;
            }));
            for _ in 0..SMALL_REQUESTS {
                sender.ready().await.unwrap();
                let req = Request::get("/").body(Empty::<Bytes>::new()).unwrap();
                let res = sender.send_request(req).await.unwrap();
                let body = res.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(body.len(), 14);
            }
        }
        Work::Bulk => {
            let (mut sender, conn) = client::handshake(client_io).await.unwrap();
            spawn(Box::pin(async move {
                let _ = conn.await;
            }));
            let body = Chunks {
                chunk: Bytes::from(vec![7u8; BULK_CHUNK]),
                left: BULK_BYTES,
            };
            let req = Request::post("/").body(body).unwrap();
            let res = sender.send_request(req).await.unwrap();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, BULK_BYTES.to_string());
        }
    }
    start.elapsed()
}

/// A futures-io stream that is not one of weft's own types, so `WeftIo` reads it through
/// its scratch buffer.
struct Plain(weft::net::TcpStream);

impl AsyncRead for Plain {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Plain {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// Zeroes hyper's whole unfilled buffer before each read, then reads through futures-io
/// (smol-hyper's way). Writes as `WeftIo<TcpStream>` does, so only reads differ.
struct Zeroing(WeftIo<weft::net::TcpStream>);

impl Read for Zeroing {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let n = {
            let dst = buf.initialize_unfilled();
            ready!(Pin::new(self.0.get_mut()).poll_read(cx, dst))?
        };
        // SAFETY: `initialize_unfilled` initialised every unfilled byte, and the read
        // filled the first `n` of them.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl Write for Zeroing {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    Direct,
    Scratch,
    Zeroing,
    Tokio,
}

const VARIANTS: [Variant; 4] = [
    Variant::Direct,
    Variant::Scratch,
    Variant::Zeroing,
    Variant::Tokio,
];

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Direct => "weft direct",
            Variant::Scratch => "weft scratch",
            Variant::Zeroing => "weft zeroing",
            Variant::Tokio => "tokio TokioIo",
        }
    }
}

/// A connected pair of weft TCP streams with `TCP_NODELAY`: (server side, client side).
async fn weft_pair() -> (weft::net::TcpStream, weft::net::TcpStream) {
    let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = weft::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    server.set_nodelay(true).unwrap();
    client.set_nodelay(true).unwrap();
    (server, client)
}

async fn tokio_pair() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    server.set_nodelay(true).unwrap();
    client.set_nodelay(true).unwrap();
    (server, client)
}

fn spawn_weft(f: Pin<Box<dyn Future<Output = ()> + Send>>) {
    drop(weft::spawn(f));
}

fn spawn_tokio(f: Pin<Box<dyn Future<Output = ()> + Send>>) {
    drop(tokio::spawn(f));
}

/// One sample of `variant` on `work`.
fn sample(
    weft_rt: &weft::Runtime,
    tokio_rt: &tokio::runtime::Runtime,
    variant: Variant,
    work: Work,
) -> Duration {
    match variant {
        Variant::Tokio => tokio_rt.block_on(async {
            let (s, c) = tokio_pair().await;
            exchange(TokioIo::new(s), TokioIo::new(c), spawn_tokio, work).await
        }),
        _ => weft_rt.block_on(async {
            let (s, c) = weft_pair().await;
            let c = WeftIo::new(c);
            match variant {
                Variant::Direct => exchange(WeftIo::new(s), c, spawn_weft, work).await,
                Variant::Scratch => exchange(WeftIo::new(Plain(s)), c, spawn_weft, work).await,
                Variant::Zeroing => exchange(Zeroing(WeftIo::new(s)), c, spawn_weft, work).await,
                Variant::Tokio => unreachable!(),
            }
        }),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut rounds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--rounds", Some(r)) if r > 0 => rounds = r,
            _ => {
                eprintln!("usage: hyper_read [--rounds R]   (R >= 1, default 5)");
                process::exit(2);
            }
        }
    }
    let weft_rt = weft::Builder::new().worker_threads(2).build().unwrap();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    println!("| workload | adapter | median | min..max | ratio to tokio |");
    println!("|---|---|---|---|---|");
    for work in [Work::Small, Work::Bulk] {
        // Per-sample cost: µs per request (small) or ms per 16 MiB (bulk).
        let cost = |d: Duration| match work {
            Work::Small => d.as_secs_f64() * 1e6 / SMALL_REQUESTS as f64,
            Work::Bulk => d.as_secs_f64() * 1e3 / (BULK_BYTES as f64 / (16 << 20) as f64),
        };
        let unit = match work {
            Work::Small => "µs/request",
            Work::Bulk => "ms/16 MiB",
        };
        for v in VARIANTS {
            sample(&weft_rt, &tokio_rt, v, work); // warm-up
        }
        let mut samples = vec![Vec::new(); VARIANTS.len()];
        for round in 0..rounds {
            eprintln!("{work:?}: round {}/{rounds}", round + 1);
            for (i, v) in VARIANTS.into_iter().enumerate() {
                samples[i].push(cost(sample(&weft_rt, &tokio_rt, v, work)));
            }
        }
        let tokio_samples = samples[3].clone();
        for (i, v) in VARIANTS.into_iter().enumerate() {
            let mut ratios: Vec<f64> = samples[i]
                .iter()
                .zip(&tokio_samples)
                .map(|(a, b)| a / b)
                .collect();
            let ratio = median(&mut ratios);
            let s = &mut samples[i];
            let (min, max) = (
                s.iter().copied().fold(f64::MAX, f64::min),
                s.iter().copied().fold(0.0, f64::max),
            );
            let med = median(s);
            println!(
                "| {work:?} | {} | {med:.2} {unit} | {min:.2}..{max:.2} | {ratio:.2} |",
                v.name()
            );
        }
    }
}
