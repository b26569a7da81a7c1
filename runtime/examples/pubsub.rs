//! A chat server, written as a tokio program would be (rename `weft::` to `tokio::` and
//! it is one): every line a client sends goes to every other client through a
//! `broadcast` channel, the message of the day lives in a `watch` channel (any client can
//! change it with `/motd`, and everyone is told), and a shutdown `broadcast` stops the
//! accept loop and every session, each saying goodbye first. The loops are `select!`s
//! with refutable patterns and an `else`.
//!
//! ```sh
//! cargo run -p weft --example pubsub -- [ADDR]
//! ```
//!
//! It listens on `ADDR` (default `127.0.0.1:7878`) and prints the address it got. Connect
//! with `nc 127.0.0.1 7878`; commands are `/nick NAME`, `/motd TEXT` and `/quit`. Type
//! `shutdown` (or close stdin) in the server's terminal to stop it gracefully.
//!
//! `tests/tests/sync_pubsub.rs` drives [`serve`] with real sockets.

use std::io;
use std::sync::Arc;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::sync::{broadcast, watch};
use weft::task::JoinSet;

/// What every session shares through the config `watch`.
#[derive(Clone, Debug)]
pub struct Config {
    /// The message of the day, shown on connect and whenever it changes.
    pub motd: String,
}

/// One chat line, fanned out to every session.
#[derive(Clone, Debug)]
struct Message {
    /// The session that sent it (which does not echo it back).
    from: usize,
    text: Arc<str>,
}

/// Messages kept for a slow reader before it starts losing the oldest ones.
const BACKLOG: usize = 64;

/// Serves chat sessions on `listener` until `shutdown` fires; then waits for every
/// session to say goodbye and returns how many clients were served.
///
/// # Errors
///
/// None so far: a failed `accept` is reported and the loop goes on. The `Result` is
/// there for the caller's `?`.
pub async fn serve(
    listener: TcpListener,
    shutdown: broadcast::Sender<()>,
    config: watch::Sender<Config>,
) -> io::Result<usize> {
    let (messages, _) = broadcast::channel::<Message>(BACKLOG);
    let mut stop = shutdown.subscribe();
    let mut sessions = JoinSet::new();
    let mut served = 0;
    loop {
        weft::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    served += 1;
                    // Subscribed here, before the next `select!` can see the shutdown: a
                    // session accepted before it always hears it.
                    let session = Session {
                        id: served,
                        name: format!("guest{served}"),
                        messages: messages.clone(),
                        inbox: messages.subscribe(),
                        shutdown: shutdown.subscribe(),
                        config: config.clone(),
                        motd: config.subscribe(),
                    };
                    sessions.spawn(session.run(stream));
                }
                // Out of descriptors, a connection reset before accept: keep serving.
                Err(e) => eprintln!("accept failed: {e}"),
            },
            // `Err` (every shutdown sender gone) disables this branch: serve on.
            Ok(()) = stop.recv() => break,
            else => break,
        }
    }
    // Every session heard the same shutdown; wait until each has said goodbye.
    while let Some(ended) = sessions.join_next().await {
        if let Ok(Err(e)) = ended {
            eprintln!("a session ended with an error: {e}");
        }
    }
    Ok(served)
}

/// One client's connection.
struct Session {
    id: usize,
    name: String,
    /// To publish this client's lines.
    messages: broadcast::Sender<Message>,
    /// Everyone's lines.
    inbox: broadcast::Receiver<Message>,
    shutdown: broadcast::Receiver<()>,
    /// To change the configuration (`/motd`).
    config: watch::Sender<Config>,
    /// To hear about configuration changes.
    motd: watch::Receiver<Config>,
}

impl Session {
    async fn run(mut self, mut stream: TcpStream) -> io::Result<()> {
        let (mut reader, mut writer) = stream.split();
        let motd = self.motd.borrow_and_update().motd.clone();
        let hello = format!("* welcome, {}; motd: {motd}\n", self.name);
        writer.write_all(hello.as_bytes()).await?;
        let mut pending = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            weft::select! {
                // Reading is cancel safe: a read that loses the race reads nothing.
                read = reader.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        pending.extend_from_slice(&chunk[..n]);
                        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                            let line: Vec<u8> = pending.drain(..=end).collect();
                            let line = String::from_utf8_lossy(&line).trim().to_string();
                            if !self.command(&line, &mut writer).await? {
                                return Ok(());
                            }
                        }
                    }
                },
                // A lagging session loses the oldest lines (`Err(Lagged)` fails the
                // pattern; the next round goes on from the oldest line kept).
                Ok(message) = self.inbox.recv() => {
                    if message.from != self.id {
                        writer.write_all(format!("{}\n", message.text).as_bytes()).await?;
                    }
                }
                Ok(()) = self.motd.changed() => {
                    let motd = self.motd.borrow_and_update().motd.clone();
                    writer.write_all(format!("* motd: {motd}\n").as_bytes()).await?;
                }
                Ok(()) = self.shutdown.recv() => {
                    writer.write_all(b"* server shutting down\n").await?;
                    break;
                }
                // The read branch never disables itself, so this is a safety net: with
                // every branch gone there is nothing left to serve.
                else => break,
            }
        }
        Ok(())
    }

    /// Handles one line; false to end the session.
    async fn command(&mut self, line: &str, writer: &mut impl AsyncWriteExt) -> io::Result<bool> {
        if let Some(name) = line.strip_prefix("/nick ") {
            self.name = name.trim().to_string();
            writer
                .write_all(format!("* you are {}\n", self.name).as_bytes())
                .await?;
        } else if let Some(motd) = line.strip_prefix("/motd ") {
            // Everyone (this session included) hears it through `changed()`.
            let motd = motd.trim().to_string();
            self.config.send_modify(|c| c.motd = motd);
        } else if line == "/quit" {
            writer.write_all(b"* bye\n").await?;
            return Ok(false);
        } else if !line.is_empty() {
            let text: Arc<str> = format!("{}: {line}", self.name).into();
            // Nobody else subscribed is fine.
            let _ = self.messages.send(Message {
                from: self.id,
                text,
            });
        }
        Ok(true)
    }
}

#[weft::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".into());
    let listener = TcpListener::bind(&addr)?;
    println!("chat on {}", listener.local_addr()?);
    let (shutdown, _) = broadcast::channel(1);
    let config = watch::Sender::new(Config {
        motd: "be kind".into(),
    });
    // Stdin is blocking: read it on the blocking pool.
    let stop = shutdown.clone();
    weft::spawn_blocking(move || {
        for line in io::stdin().lines() {
            if line.map_or(true, |l| l.trim() == "shutdown") {
                break;
            }
        }
        let _ = stop.send(());
    });
    let served = serve(listener, shutdown, config).await?;
    println!("served {served} clients");
    Ok(())
}
