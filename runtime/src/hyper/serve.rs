//! `serve`: the accept loop every hyper server otherwise copies.
//!
//! # Who owns what
//!
//! - The serving task (the future of [`Serve`] or [`WithGracefulShutdown`]) owns the
//!   listener and the connection builder's `Arc`; it alone accepts.
//! - Each connection runs in a task of its own (`conn.rs`), holding a clone of the
//!   service, of the builder's `Arc`, of the shutdown [`Event`] and of the `done` sender.
//!   Nothing else touches the connection.
//!
//! # Shutdown, in order
//!
//! 1. The signal resolves (or accept fails for good): the serving task stops polling the
//!    listener and drops it, so new connections are refused by the kernel.
//! 2. It sets the shutdown `Event`. Each connection task sees it and calls hyper's
//!    `graceful_shutdown`: an HTTP/1 connection finishes the response in flight and then
//!    closes (at once when idle between keep-alive requests); an HTTP/2 connection sends
//!    GOAWAY and finishes its open streams; one that has not sent its first byte yet is
//!    closed.
//! 3. It drops its own `done` sender and waits until `recv` yields `None`: the channel
//!    closes when the last connection task drops its sender, i.e. when every connection
//!    has finished. Then the future resolves.

use super::conn::Conn;
use super::{WeftExecutor, WeftTimer};
use crate::net::{TcpListener, TcpStream};
use crate::sync::{mpsc, Event};
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The first pause after accept runs out of descriptors or memory: 10 ms, doubling on each
/// failure in a row up to [`BACKOFF_MAX`]. hyper 0.14's `AddrIncoming` slept a flat second;
/// starting small serves again within milliseconds of descriptors being freed.
const BACKOFF_START: Duration = Duration::from_millis(10);

/// The longest pause between accepts that keep failing for lack of resources: 1 s, as
/// hyper 0.14 and axum use.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serves HTTP/1 and HTTP/2 (detected per connection) on `listener` with `service`.
///
/// Await the returned [`Serve`] to run the server: it accepts connections until accept
/// fails for good, each in a task of its own with `TCP_NODELAY` set, and serves them with
/// hyper-util's auto connection builder over [`WeftIo`](super::WeftIo), [`WeftExecutor`] and
/// [`WeftTimer`] (so hyper's HTTP/1 header-read timeout, 30 s by default, applies).
/// [`Serve::with_graceful_shutdown`] adds a signal that stops it cleanly.
///
/// `service` is cloned for each connection (hyper's `service_fn` over a closure that
/// clones, or hyper-util's `TowerToHyperService` around an axum `Router`).
///
/// # Accept errors
///
/// - Errors of one connection (aborted or reset before it was accepted, a firewall's
///   `EPERM`, network errors passed on by the kernel) are skipped.
/// - Running out of descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) is
///   logged once as an error, then the loop backs off (10 ms doubling to 1 s) and keeps
///   accepting; connections already open keep being served.
/// - Anything else (the listener is unusable, or its runtime shut down) ends the server:
///   connections are shut down as for a signal, and the future resolves with the error.
///
/// # Logging
///
/// Each connection that ends with an error is logged once, as a [`tracing`] event at
/// target `weft::hyper::serve` with the peer's address: at `ERROR` when the server's side
/// failed (the service or a response body returned an error, an unexpected I/O error), at
/// `DEBUG` when the client went away or misbehaved (reset, closed mid-request, a malformed
/// request, no headers within the header-read timeout). A client that closes its
/// connection normally logs nothing.
///
/// # Examples
///
/// ```
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
/// use hyper::service::service_fn;
/// use std::future::IntoFuture;
/// use weft::hyper::WeftIo;
/// use weft::net::{TcpListener, TcpStream};
///
/// weft::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let hello = service_fn(|_req| async {
///         Ok::<_, std::convert::Infallible>(hyper::Response::new("hello".to_string()))
///     });
///     let (stop, stopped) = weft::sync::oneshot::channel::<()>();
///     let server = weft::hyper::serve(listener, hello).with_graceful_shutdown(async {
///         let _ = stopped.await;
///     });
///     // `into_future` to spawn it; `server.await` would run it right here.
///     let server = weft::spawn(server.into_future());
///
///     let stream = TcpStream::connect(addr).await.unwrap();
///     let (mut sender, conn) = hyper::client::conn::http1::handshake(WeftIo::new(stream))
///         .await
///         .unwrap();
///     weft::spawn(conn);
///     let req = hyper::Request::get("/").body(Empty::<Bytes>::new()).unwrap();
///     let res = sender.send_request(req).await.unwrap();
///     assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "hello");
///
///     drop(sender); // the client closes its idle connection
///     stop.send(()).unwrap();
///     server.await.unwrap().unwrap();
/// });
/// ```
pub fn serve<S, B>(listener: TcpListener, service: S) -> Serve<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let mut builder = auto::Builder::new(WeftExecutor::new());
    builder
        .http1()
        .timer(WeftTimer::new())
        .header_read_timeout(DEFAULT_HEADER_READ_TIMEOUT);
    builder.http2().timer(WeftTimer::new());
    Serve {
        listener,
        service,
        builder,
        header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
    }
}

/// 30 s: hyper's own default for its HTTP/1 header-read timeout.
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP server on a listener, made by [`serve`]; await it to run it.
///
/// Awaiting it runs until accept fails for good (it has no other way to stop); see
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) for one that stops on a
/// signal.
///
/// # Cancel safety
///
/// Dropping the running future (aborting its task) stops accepting at once; connections
/// already accepted go on in their own tasks until they end or the runtime shuts down.
#[must_use = "a Serve does nothing until awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    builder: auto::Builder<WeftExecutor>,
    /// Also bounds the wait for a connection's first byte, which hyper's own timeout
    /// does not cover (see `first_byte`).
    header_read_timeout: Option<Duration>,
}

impl<S> Serve<S> {
    /// Stops the server when `signal` resolves: the listener is closed at once (new
    /// connections are refused), requests in flight are answered, idle keep-alive
    /// connections are closed (HTTP/2 ones get a GOAWAY), and the future resolves with
    /// `Ok(())` once every connection has closed.
    ///
    /// A connection that never finishes its request keeps the future waiting; bound the
    /// wait with [`weft::time::timeout`](crate::time::timeout) if clients may stall.
    ///
    /// # Cancel safety
    ///
    /// Dropping the running future stops accepting at once and leaves the connections
    /// running in their tasks, without telling them to shut down.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::service::service_fn;
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let svc = service_fn(|_req| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    ///     });
    ///     weft::hyper::serve(listener, svc)
    ///         .with_graceful_shutdown(weft::time::sleep(Duration::from_millis(10)))
    ///         .await
    ///         .unwrap();
    /// });
    /// ```
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }

    /// How long a client may take to send a request's headers once it has connected or
    /// finished its previous request (30 s by default, as hyper's); `None` waits forever.
    /// A connection that runs out of time is closed, with a `DEBUG` event.
    ///
    /// This sets hyper's HTTP/1 `header_read_timeout` and also bounds the wait for a new
    /// connection's first byte, which hyper's timer does not cover: hyper-util reads it
    /// to tell HTTP/1 from HTTP/2 before hyper starts, so without this a client that
    /// connects and sends nothing would hold its connection forever. (Set it here rather
    /// than on [`connection_builder`](Self::connection_builder), which only reaches the
    /// former.)
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::service::service_fn;
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let svc = service_fn(|_req| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    ///     });
    ///     let server = weft::hyper::serve(listener, svc).header_read_timeout(Duration::from_secs(5));
    ///     # drop(server);
    /// });
    /// ```
    pub fn header_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        let timeout = timeout.into();
        self.builder.http1().header_read_timeout(timeout);
        self.header_read_timeout = timeout;
        self
    }

    /// hyper-util's connection builder, to change what [`serve`] set: HTTP/1 and HTTP/2
    /// options such as `http1().header_read_timeout(d)`, `http1().keep_alive(false)` or
    /// `http2().max_concurrent_streams(n)`. Its executor and timers are weft's.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::service::service_fn;
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let svc = service_fn(|_req| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    ///     });
    ///     let mut server = weft::hyper::serve(listener, svc);
    ///     server
    ///         .connection_builder()
    ///         .http1()
    ///         .header_read_timeout(Duration::from_secs(5));
    ///     # drop(server);
    /// });
    /// ```
    pub fn connection_builder(&mut self) -> &mut auto::Builder<WeftExecutor> {
        &mut self.builder
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)`; none is expected for an open listener.
    ///
    /// ```
    /// use hyper::service::service_fn;
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let svc = service_fn(|_req| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    ///     });
    ///     assert_eq!(weft::hyper::serve(listener, svc).local_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// A [`Serve`] that stops when a signal resolves, made by
/// [`Serve::with_graceful_shutdown`]; await it to run it.
#[must_use = "a server does nothing until awaited"]
pub struct WithGracefulShutdown<S, F> {
    serve: Serve<S>,
    signal: F,
}

impl<S, F> fmt::Debug for WithGracefulShutdown<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

/// The future of a running server: [`Serve`] or [`WithGracefulShutdown`], awaited.
#[must_use = "futures do nothing unless awaited"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

impl<S, B> IntoFuture for Serve<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(self, std::future::pending())))
    }
}

impl<S, B, F> IntoFuture for WithGracefulShutdown<S, F>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(self.serve, self.signal)))
    }
}

/// What the accept loop does next.
enum Next {
    Accepted(io::Result<(TcpStream, SocketAddr)>),
    Stop,
}

/// The serving task: accept until `signal` or a fatal error, then shut down (module doc).
async fn run<S, B, F>(serve: Serve<S>, signal: F) -> io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send,
{
    let Serve {
        listener,
        service,
        builder,
        header_read_timeout,
    } = serve;
    let builder = Arc::new(builder);
    let shutdown = Arc::new(Event::new());
    // Never sent on: only its closing (every sender dropped) is used.
    let (done, mut all_done) = mpsc::unbounded_channel::<Infallible>();
    let mut signal = pin!(signal);
    let mut backoff: Option<Duration> = None;

    let result = loop {
        // The signal first, so a flood of connections cannot delay a shutdown.
        let next = poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Next::Stop);
            }
            listener.poll_accept(cx).map(Next::Accepted)
        })
        .await;
        match next {
            Next::Stop => break Ok(()),
            Next::Accepted(Ok((stream, peer))) => {
                if backoff.take().is_some() {
                    tracing::info!(target: "weft::hyper::serve", "accepting connections again");
                }
                let conn = Conn {
                    stream,
                    peer,
                    header_read_timeout,
                    builder: Arc::clone(&builder),
                    shutdown: Arc::clone(&shutdown),
                    _done: done.clone(),
                };
                crate::spawn(conn.serve(service.clone()));
            }
            Next::Accepted(Err(e)) if is_connection_error(&e) => {
                tracing::debug!(
                    target: "weft::hyper::serve",
                    error = %e,
                    "a connection failed before it was accepted",
                );
            }
            Next::Accepted(Err(e)) if is_resource_error(&e) => {
                let pause = match backoff {
                    None => {
                        tracing::error!(
                            target: "weft::hyper::serve",
                            error = %e,
                            "accept failed for lack of resources; backing off and retrying \
                             (raise the descriptor limit with `ulimit -n` if it is EMFILE)",
                        );
                        BACKOFF_START
                    }
                    Some(last) => {
                        tracing::debug!(target: "weft::hyper::serve", error = %e, "accept failed again");
                        (last * 2).min(BACKOFF_MAX)
                    }
                };
                backoff = Some(pause);
                let mut nap = pin!(crate::time::sleep(pause));
                let stop = poll_fn(|cx| {
                    if signal.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(true);
                    }
                    nap.as_mut().poll(cx).map(|()| false)
                })
                .await;
                if stop {
                    break Ok(());
                }
            }
            Next::Accepted(Err(e)) => {
                tracing::error!(
                    target: "weft::hyper::serve",
                    error = %e,
                    "accept failed; the server stops",
                );
                break Err(e);
            }
        }
    };

    drop(listener);
    shutdown.set();
    drop(done);
    // `None` once every connection task has dropped its sender.
    if let Some(never) = all_done.recv().await {
        match never {}
    }
    result
}

/// An accept error that concerns one connection only: skip it and accept the next.
fn is_connection_error(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted
            | ConnectionReset
            | Interrupted
            | TimedOut
            | PermissionDenied
            | HostUnreachable
            | NetworkUnreachable
            | NetworkDown
    ) {
        return true;
    }
    // accept(2) on Linux passes on network errors pending on the new connection; its man
    // page says to treat them like EAGAIN.
    matches!(
        e.raw_os_error(),
        Some(libc::EPROTO | libc::ENOPROTOOPT | libc::EHOSTDOWN | libc::EOPNOTSUPP)
    ) || is_enonet(e)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn is_enonet(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENONET)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn is_enonet(_: &io::Error) -> bool {
    false
}

/// An accept error from running out of descriptors or memory: back off, then retry.
fn is_resource_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_sorted_by_what_they_concern() {
        let os = io::Error::from_raw_os_error;
        assert!(is_connection_error(&os(libc::ECONNABORTED)));
        assert!(is_connection_error(&os(libc::EPROTO)));
        assert!(is_resource_error(&os(libc::EMFILE)));
        assert!(is_resource_error(&os(libc::ENFILE)));
        assert!(!is_connection_error(&os(libc::EMFILE)));
        assert!(!is_connection_error(&os(libc::EBADF)));
        assert!(!is_resource_error(&os(libc::EBADF)));
        assert!(!is_connection_error(&io::Error::other("runtime shut down")));
    }
}
