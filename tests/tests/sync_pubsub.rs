//! The `runtime/examples/pubsub.rs` chat server (a tokio-style program on weft's
//! `broadcast`, `watch` and `select!`), driven over real sockets: lines fan out to the
//! other clients, a config change reaches everyone, and the shutdown broadcast ends every
//! session with a goodbye before `serve` returns.

#[allow(dead_code)]
#[path = "../../runtime/examples/pubsub.rs"]
mod pubsub;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use weft::sync::{broadcast, watch};
use weft_tests::{runtime, within, HANG};

/// A blocking test client (on the test's own thread, outside the runtime).
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        // A hang guard, not a timing assert.
        stream.set_read_timeout(Some(HANG)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn send(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    }
}

#[test]
fn the_chat_server_fans_out_lines_config_changes_and_the_shutdown() {
    within(|| {
        let rt = runtime(2);
        let listener = rt
            .block_on(async { weft::net::TcpListener::bind("127.0.0.1:0") })
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, _) = broadcast::channel(1);
        let config = watch::Sender::new(pubsub::Config {
            motd: "hello".into(),
        });
        let server = rt.spawn(pubsub::serve(listener, shutdown.clone(), config.clone()));

        // The greeting comes after the session subscribed to everything.
        let mut alice = Client::connect(addr);
        assert_eq!(alice.line(), "* welcome, guest1; motd: hello");
        let mut bob = Client::connect(addr);
        assert_eq!(bob.line(), "* welcome, guest2; motd: hello");

        alice.send("/nick alice");
        assert_eq!(alice.line(), "* you are alice");
        alice.send("hi bob");
        assert_eq!(bob.line(), "alice: hi bob", "a line reaches the others");
        bob.send("hi alice");
        assert_eq!(
            alice.line(),
            "guest2: hi alice",
            "and not the sender itself"
        );

        // A config change from the server reaches every session...
        config.send_modify(|c| c.motd = "maintenance at noon".into());
        assert_eq!(alice.line(), "* motd: maintenance at noon");
        assert_eq!(bob.line(), "* motd: maintenance at noon");
        // ...and so does one made by a client.
        bob.send("/motd be kind");
        assert_eq!(alice.line(), "* motd: be kind");
        assert_eq!(bob.line(), "* motd: be kind");
        assert_eq!(config.borrow().motd, "be kind");

        // Shutdown: every session says goodbye and closes; serve returns.
        shutdown.send(()).unwrap();
        for client in [&mut alice, &mut bob] {
            assert_eq!(client.line(), "* server shutting down");
            assert_eq!(client.line(), "", "then the connection closes");
        }
        assert_eq!(rt.block_on(server).unwrap().unwrap(), 2);
    });
}

#[test]
fn a_client_that_quits_leaves_the_others_chatting() {
    within(|| {
        let rt = runtime(2);
        let listener = rt
            .block_on(async { weft::net::TcpListener::bind("127.0.0.1:0") })
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, _) = broadcast::channel(1);
        let config = watch::Sender::new(pubsub::Config { motd: "m".into() });
        let server = rt.spawn(pubsub::serve(listener, shutdown.clone(), config));
        let mut a = Client::connect(addr);
        a.line();
        let mut b = Client::connect(addr);
        b.line();
        let mut c = Client::connect(addr);
        c.line();
        b.send("/quit");
        assert_eq!(b.line(), "* bye");
        assert_eq!(b.line(), "");
        a.send("still here");
        assert_eq!(c.line(), "guest1: still here");
        drop(c); // hangs up without a word
        shutdown.send(()).unwrap();
        assert_eq!(a.line(), "* server shutting down");
        assert_eq!(rt.block_on(server).unwrap().unwrap(), 3);
    });
}
