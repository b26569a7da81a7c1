//! The task that serves one accepted connection, from its first byte to its close.
//!
//! It waits for the first byte under the header-read timeout (`first_byte`), then runs
//! hyper-util's auto connection; when the server's shutdown `Event` is set it calls the
//! connection's `graceful_shutdown` once and keeps polling it until it ends. Its error, if
//! any, is logged once (`conn_error.rs`). Dropping the task's `done` sender, last, tells
//! the serving task that this connection is over.

use super::conn_error::{self, Fault};
use super::{WeftExecutor, WeftIo};
use crate::io::uninit::{Recv, RecvUninit};
use crate::net::TcpStream;
use crate::sync::{mpsc, Event};
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::{poll_fn, Future};
use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

type BoxError = Box<dyn StdError + Send + Sync>;

/// One accepted connection and what its task needs.
pub(super) struct Conn {
    pub(super) stream: TcpStream,
    pub(super) peer: SocketAddr,
    pub(super) header_read_timeout: Option<Duration>,
    pub(super) builder: Arc<auto::Builder<WeftExecutor>>,
    pub(super) shutdown: Arc<Event>,
    /// Dropped when the task ends: the last drop closes the channel `run` waits on.
    pub(super) _done: mpsc::UnboundedSender<Infallible>,
}

/// How the wait for a connection's first byte ended.
enum First {
    /// A byte is there (`Ok(n > 0)`), the client closed (`Ok(0)`), or the peek failed.
    Peeked(io::Result<usize>),
    TimedOut,
    Shutdown,
}

impl Conn {
    /// Serves the connection until it closes; the body of its task.
    pub(super) async fn serve<S, B>(self, service: S)
    where
        S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let Conn {
            stream,
            peer,
            header_read_timeout,
            builder,
            shutdown,
            _done,
        } = self;
        if let Err(e) = stream.set_nodelay(true) {
            // The peer may already have reset it; the first read will say so.
            tracing::debug!(target: "weft::hyper::serve", %peer, error = %e, "TCP_NODELAY not set");
        }
        let wait = pin!(shutdown.wait());
        let mut stop = StopWatch::new(&shutdown, wait);
        match first_byte(&stream, header_read_timeout, &mut stop).await {
            First::Peeked(Ok(0)) | First::Shutdown => return,
            First::Peeked(Ok(_)) => {}
            First::Peeked(Err(e)) => return log_error(peer, &e, false),
            First::TimedOut => {
                tracing::debug!(
                    target: "weft::hyper::serve",
                    %peer,
                    "connection closed: no request within the header-read timeout",
                );
                return;
            }
        }

        let conn = builder.serve_connection_with_upgrades(WeftIo::new(stream), service);
        let mut conn = pin!(conn);
        let mut stopping = false;
        let res = poll_fn(|cx| {
            if !stopping && stop.poll_stopped(cx) {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            conn.as_mut().poll(cx)
        })
        .await;
        if let Err(e) = res {
            log_error(peer, &*e, stopping);
        }
    }
}

/// Waits for the connection's first byte (without taking it), at most `timeout`.
///
/// hyper-util's auto builder reads the first bytes to tell HTTP/1 from HTTP/2 before hyper
/// and its header-read timer start, so a client that connects and sends nothing would
/// otherwise hold the connection for good. Once a byte is there, hyper's timer covers the
/// rest (a client that sends the first bytes of the HTTP/2 preface and stalls is as
/// unbounded as one that sends all of it: hyper's HTTP/2 has no header timeout).
async fn first_byte(
    stream: &TcpStream,
    timeout: Option<Duration>,
    stop: &mut StopWatch<'_, impl Future<Output = ()>>,
) -> First {
    let mut byte = [MaybeUninit::<u8>::uninit()];
    let mut deadline = pin!(timeout.map(crate::time::sleep));
    poll_fn(|cx| {
        if stop.poll_stopped(cx) {
            return Poll::Ready(First::Shutdown);
        }
        if let Poll::Ready(res) = stream.poll_recv_uninit(cx, &mut byte, Recv::Peek) {
            return Poll::Ready(First::Peeked(res));
        }
        match deadline.as_mut().as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(First::TimedOut),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Watches the server's shutdown `Event` from a connection's task without touching the
/// event's lock on every poll.
///
/// The first poll of `Event::wait` registers the task's waker with the event (under the
/// event's mutex, which every connection of the server shares); polling it again takes
/// that mutex again. A connection task is polled on every readiness event of its socket,
/// so polling the wait each time would put one shared lock on the hot path of every
/// request. Instead the wait is polled only when it must be: the first time, when the
/// task's waker is not the one registered (it moved to another executor, say), and once
/// the event is set (an atomic load). A registered waker is woken by the `set`, so no
/// wakeup is lost in between.
struct StopWatch<'a, F> {
    shutdown: &'a Event,
    /// `shutdown.wait()`.
    wait: Pin<&'a mut F>,
    /// The waker the wait was last polled with (and so is registered under).
    registered: Option<Waker>,
}

impl<'a, F: Future<Output = ()>> StopWatch<'a, F> {
    fn new(shutdown: &'a Event, wait: Pin<&'a mut F>) -> StopWatch<'a, F> {
        StopWatch {
            shutdown,
            wait,
            registered: None,
        }
    }

    /// True once the server is shutting down; otherwise makes sure the task is woken when
    /// it starts to.
    fn poll_stopped(&mut self, cx: &mut Context<'_>) -> bool {
        let current = self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        if current && !self.shutdown.is_set() {
            return false;
        }
        if self.wait.as_mut().poll(cx).is_ready() {
            return true;
        }
        self.registered = Some(cx.waker().clone());
        false
    }
}

/// Logs a connection's error once, at the level its [`Fault`] calls for.
fn log_error(peer: SocketAddr, err: &(dyn StdError + 'static), stopping: bool) {
    match conn_error::classify(err, stopping) {
        Fault::None => {}
        Fault::Client => tracing::debug!(
            target: "weft::hyper::serve",
            %peer,
            error = %conn_error::Chain(err),
            "connection closed by a client error",
        ),
        Fault::Server => tracing::error!(
            target: "weft::hyper::serve",
            %peer,
            error = %conn_error::Chain(err),
            "connection failed",
        ),
    }
}
