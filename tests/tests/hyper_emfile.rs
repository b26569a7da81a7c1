//! `weft::hyper::serve` out of descriptors: accept fails with `EMFILE`, the server logs it
//! once, backs off and retries, keeps serving the connections it has, and accepts the
//! waiting one once descriptors are free. In its own test binary because it lowers the
//! process's `RLIMIT_NOFILE` and fills the descriptor table.

use hyper::service::service_fn;
use std::convert::Infallible;
use std::fs::File;
use std::future::IntoFuture;
use std::io::Write;
use tracing::Level;
use weft::hyper::serve;
use weft::net::TcpListener;
use weft_tests::events::capture;
use weft_tests::http::{ok, raw_client, raw_get, read_response};
use weft_tests::{
    highest_fd, nofile_limit, runtime, set_nofile_soft_limit, wait_until, within, HANG,
};

/// Restores the soft descriptor limit when dropped, even if the test fails.
struct RestoreSoftLimit(u64);

impl Drop for RestoreSoftLimit {
    fn drop(&mut self) {
        let _ = set_nofile_soft_limit(self.0);
    }
}

#[test]
fn accept_out_of_descriptors_is_logged_once_backed_off_and_serving_goes_on() {
    within(|| {
        let Some(_) = highest_fd() else {
            eprintln!("skipped: /proc/self/fd cannot be read here");
            return;
        };
        let events = capture();
        let (soft, _) = nofile_limit().unwrap();
        let rt = runtime(1);
        let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() });
        let addr = listener.local_addr().unwrap();
        let hello = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
            Ok::<_, Infallible>(ok(req.uri().path().to_owned()))
        });
        let server = rt.spawn(serve(listener, hello).into_future());

        // A keep-alive connection, served before descriptors run out.
        let mut open = raw_client(addr);
        assert_eq!(raw_get(&mut open, "/before").1, b"/before");
        // A client socket made now, to connect once descriptors have run out (connecting
        // takes no new descriptor; accepting it does).
        let waiting =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();

        let restore = RestoreSoftLimit(soft);
        let limit = highest_fd().unwrap() as u64 + 1;
        set_nofile_soft_limit(limit).unwrap();
        let mut fillers = Vec::new();
        while let Ok(f) = File::open("/dev/null") {
            fillers.push(f);
        }
        waiting.connect(&addr.into()).unwrap();
        let mut waiting = std::net::TcpStream::from(waiting);
        waiting.set_read_timeout(Some(HANG)).unwrap();
        waiting
            .write_all(b"GET /waited HTTP/1.1\r\nHost: weft.test\r\n\r\n")
            .unwrap();
        let is_serve = |e: &weft_tests::events::Logged| e.target == "weft::hyper::serve";
        // Logged once as an error, then retried (at DEBUG) with the server still up.
        assert!(
            wait_until(HANG / 2, || events
                .all()
                .iter()
                .filter(|e| is_serve(e) && e.field("message").contains("accept failed again"))
                .count()
                >= 3),
            "accept was not retried: {:#?}",
            events.all()
        );
        assert!(!server.is_finished(), "the server stopped on EMFILE");
        // The open connection is still served meanwhile.
        assert_eq!(raw_get(&mut open, "/during").1, b"/during");

        drop(fillers);
        drop(restore);
        let (head, body) = read_response(&mut waiting);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, b"/waited");

        let from_serve: Vec<_> = events.all().into_iter().filter(is_serve).collect();
        let errors: Vec<_> = from_serve
            .iter()
            .filter(|e| e.level == Level::ERROR)
            .collect();
        assert_eq!(errors.len(), 1, "{from_serve:#?}");
        assert!(
            errors[0].field("error").contains("os error 24"),
            "{errors:#?}"
        );
        assert!(
            from_serve
                .iter()
                .any(|e| e.field("message").contains("accepting connections again")),
            "{from_serve:#?}"
        );
        server.abort();
    });
}
