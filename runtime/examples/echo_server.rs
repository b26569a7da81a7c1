//! A TCP echo server: every byte a client sends comes back.
//!
//! ```sh
//! cargo run --release --example echo_server -- [ADDR] [--max-connections N]
//! ```
//!
//! It listens on `ADDR` (default `127.0.0.1:7878`; use port 0 for any free port), prints
//! the address it got, and serves each connection in its own task. It runs until killed
//! (weft has no signal handling yet, so Ctrl-C ends the process the default way), or, with
//! `--max-connections N`, until N connections have been served — handy for scripts.
//!
//! Try it with `nc 127.0.0.1 7878`.

use std::process::ExitCode;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};

fn usage() -> ExitCode {
    eprintln!("usage: echo_server [ADDR] [--max-connections N]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut addr = "127.0.0.1:7878".to_owned();
    let mut max_connections: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-connections" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => max_connections = Some(n),
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            other if !other.starts_with('-') => addr = other.to_owned(),
            _ => return usage(),
        }
    }

    weft::run(async move {
        let listener = match TcpListener::bind(&addr) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Scripts read this line to learn the port when ADDR ends in :0.
        println!("listening on {}", listener.local_addr().unwrap());

        let mut served = Vec::new();
        let mut accepted = 0u64;
        while max_connections.is_none_or(|max| accepted < max) {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    accepted += 1;
                    served.push(weft::spawn(serve(stream, peer)));
                }
                // Out of descriptors or a connection reset before we took it: the listener
                // itself is fine, keep serving.
                Err(e) => eprintln!("accept failed: {e}"),
            }
            // Keep only the connections still being served.
            served.retain(|h| !h.is_finished());
        }
        for h in served {
            let _ = h.await;
        }
        ExitCode::SUCCESS
    })
}

async fn serve(mut stream: TcpStream, peer: std::net::SocketAddr) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                eprintln!("{peer}: read failed: {e}");
                return;
            }
        };
        if let Err(e) = stream.write_all(&buf[..n]).await {
            eprintln!("{peer}: write failed: {e}");
            return;
        }
        total += n as u64;
    }
    println!("{peer}: echoed {total} bytes");
}
