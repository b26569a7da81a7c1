//! A TCP echo server: every byte a client sends comes back.
//!
//! ```sh
//! cargo run --release --example echo_server -- [ADDR] [--max-connections N]
//! ```
//!
//! It listens on `ADDR` (default `127.0.0.1:7878`; use port 0 for any free port), prints
//! the address it got, and serves each connection in its own task. It runs until Ctrl-C
//! (`SIGINT`) or `SIGTERM`, or, with `--max-connections N`, until N connections have been
//! served — handy for scripts.
//!
//! Shutting down is graceful: the server stops accepting, gives the open connections up
//! to [`DRAIN`] to finish, cuts the rest, and exits 0.
//!
//! Try it with `nc 127.0.0.1 7878`.

use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::signal::unix::{signal, SignalKind};
use weft::task::JoinSet;

/// How long open connections may take to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(5);

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

        // Listen for the signals before accepting anything, so a Ctrl-C that arrives
        // while the first connection is served is not missed.
        let mut ctrl_c = pin!(weft::signal::ctrl_c());
        let mut sigterm = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot listen for SIGTERM: {e}");
                return ExitCode::FAILURE;
            }
        };

        let mut served = JoinSet::new();
        let mut accepted = 0u64;
        while max_connections.is_none_or(|max| accepted < max) {
            weft::select! {
                res = listener.accept() => match res {
                    Ok((stream, peer)) => {
                        accepted += 1;
                        served.spawn(serve(stream, peer));
                    }
                    // Out of descriptors or a connection reset before we took it: the
                    // listener itself is fine, keep serving.
                    Err(e) => eprintln!("accept failed: {e}"),
                },
                res = &mut ctrl_c => {
                    if let Err(e) = res {
                        eprintln!("ctrl-c listener failed: {e}");
                    }
                    eprintln!("ctrl-c: shutting down");
                    break;
                }
                _ = sigterm.recv() => {
                    eprintln!("SIGTERM: shutting down");
                    break;
                }
            }
            // Reap the connections that finished, so the set holds only live ones.
            while served.try_join_next().is_some() {}
        }

        // Stop accepting: new connections are refused from here on.
        drop(listener);
        let open = served.len();
        if open > 0 {
            eprintln!("waiting up to {DRAIN:?} for {open} open connection(s)");
        }
        let drained =
            weft::time::timeout(DRAIN, async { while served.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            eprintln!(
                "{} connection(s) still open after {DRAIN:?}: closing them",
                served.len()
            );
            served.shutdown().await;
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
