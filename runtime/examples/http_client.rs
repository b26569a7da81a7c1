//! An HTTP/1 client: hyper's client connection over `weft::hyper::WeftIo`, printing the
//! response's status, headers and body.
//!
//! ```sh
//! cargo run --release --features hyper --example hello_http &
//! cargo run --release --features hyper --example http_client -- http://127.0.0.1:3000/
//! ```
//!
//! Plain `http://` only (TLS is another crate's job: wrap its stream in `WeftIo` the same
//! way).

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::HOST;
use hyper::{Request, Uri};
use std::error::Error;
use std::io::Write;
use weft::hyper::WeftIo;
use weft::net::TcpStream;

type BoxError = Box<dyn Error + Send + Sync>;

async fn get(url: Uri) -> Result<(), BoxError> {
    if url.scheme_str() != Some("http") {
        return Err(format!("{url}: only http:// URLs are supported").into());
    }
    let host = url.host().ok_or("the URL has no host")?.to_owned();
    let port = url.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port)).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(WeftIo::new(stream)).await?;
    // The connection does the I/O; it runs until the response is read and `sender` drops.
    let conn = weft::spawn(conn);

    let authority = url.authority().map_or(host.clone(), |a| a.to_string());
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    let req = Request::get(path)
        .header(HOST, authority)
        .body(Empty::<Bytes>::new())?;
    let mut res = sender.send_request(req).await?;

    println!("{:?} {}", res.version(), res.status());
    for (name, value) in res.headers() {
        println!("{name}: {}", value.to_str().unwrap_or("<binary>"));
    }
    println!();
    let mut out = std::io::stdout().lock();
    while let Some(frame) = res.body_mut().frame().await {
        if let Some(chunk) = frame?.data_ref() {
            out.write_all(chunk)?;
        }
    }
    out.flush()?;
    drop(sender);
    conn.await??;
    Ok(())
}

fn main() -> std::process::ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: http_client URL   (for example http://127.0.0.1:3000/)");
        return std::process::ExitCode::from(2);
    };
    let url: Uri = match url.parse() {
        Ok(url) => url,
        Err(e) => {
            eprintln!("http_client: {url}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match weft::run(get(url)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("http_client: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
