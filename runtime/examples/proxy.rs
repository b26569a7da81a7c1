//! A TCP proxy: every connection to `LISTEN` is forwarded to `UPSTREAM`, both ways, with
//! `weft::io::copy_bidirectional`.
//!
//! ```sh
//! cargo run --release --example proxy -- LISTEN UPSTREAM [--max-connections N]
//! # e.g., in front of the echo server:
//! cargo run --release --example echo_server -- 127.0.0.1:7878 &
//! cargo run --release --example proxy -- 127.0.0.1:8080 127.0.0.1:7878
//! ```
//!
//! `UPSTREAM` may be a host name (`localhost:7878`): it is resolved off the worker threads
//! for each connection, so a slow resolver never stalls the proxy. When one side finishes
//! sending, the other is half-closed, so protocols that mark the end of a request with a
//! half-close work through it. Each connection prints the bytes it carried each way. It
//! runs until killed, or, with `--max-connections N`, until N connections have been served.

use std::process::ExitCode;
use weft::io::copy_bidirectional;
use weft::net::{TcpListener, TcpStream};

fn usage() -> ExitCode {
    eprintln!("usage: proxy LISTEN UPSTREAM [--max-connections N]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut addrs = Vec::new();
    let mut max_connections: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-connections" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => max_connections = Some(n),
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            other if !other.starts_with('-') => addrs.push(other.to_owned()),
            _ => return usage(),
        }
    }
    let [listen, upstream] = <[String; 2]>::try_from(addrs).unwrap_or_default();
    if listen.is_empty() || upstream.is_empty() {
        return usage();
    }

    weft::run(async move {
        let listener = match TcpListener::bind(&listen) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Scripts read this line to learn the port when LISTEN ends in :0.
        println!("proxying {} -> {upstream}", listener.local_addr().unwrap());

        let mut served = Vec::new();
        let mut accepted = 0u64;
        while max_connections.is_none_or(|max| accepted < max) {
            match listener.accept().await {
                Ok((inbound, peer)) => {
                    accepted += 1;
                    served.push(weft::spawn(forward(inbound, peer, upstream.clone())));
                }
                // Out of descriptors or a connection reset before we took it: the listener
                // itself is fine, keep serving.
                Err(e) => eprintln!("accept failed: {e}"),
            }
            served.retain(|h| !h.is_finished());
        }
        for h in served {
            let _ = h.await;
        }
        ExitCode::SUCCESS
    })
}

async fn forward(mut inbound: TcpStream, peer: std::net::SocketAddr, upstream: String) {
    let mut outbound = match TcpStream::connect(upstream.as_str()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{peer}: cannot connect to {upstream}: {e}");
            return;
        }
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    match copy_bidirectional(&mut inbound, &mut outbound).await {
        Ok((up, down)) => println!("{peer}: {up} bytes up, {down} bytes down"),
        Err(e) => eprintln!("{peer}: {e}"),
    }
}
