//! Signals as events a task can await: [`ctrl_c`] for the usual graceful shutdown, and
//! [`unix::signal`] for any catchable signal (tokio's `tokio::signal`; asyncio's
//! `loop.add_signal_handler`).
//!
//! | asyncio | weft |
//! |---|---|
//! | `loop.add_signal_handler(SIGINT, cb)` | `weft::signal::ctrl_c().await` |
//! | `loop.add_signal_handler(sig, cb)` | `let mut s = unix::signal(kind)?;` then `s.recv().await` in a loop |
//! | `loop.remove_signal_handler(sig)` | drop the [`unix::Signal`] |
//!
//! # How a signal reaches a task
//!
//! A signal handler may do almost nothing (only async-signal-safe calls), so each listener
//! owns a Unix socket pair: the process's handler writes one byte into the write end of
//! every listener of that signal, and the read end is an ordinary descriptor that the
//! io-driver multiplexes like any socket, waking the task in `recv`. No thread waits for
//! signals. The handler itself is installed through `signal-hook-registry`, so it chains
//! with handlers that other libraries (tokio, signal-hook, a C library) installed through
//! the same registry or before it.
//!
//! Handlers are installed lazily, the first time a listener asks for that signal, and then
//! stay installed for the life of the process.
//!
//! # Examples
//!
//! A server's graceful shutdown:
//!
//! ```no_run
//! # async fn serve_forever() {}
//! #[weft::main]
//! async fn main() {
//!     weft::select! {
//!         _ = serve_forever() => {}
//!         res = weft::signal::ctrl_c() => {
//!             res.expect("listen for ctrl-c");
//!             eprintln!("ctrl-c: shutting down");
//!         }
//!     }
//! }
//! ```

mod registry;
pub mod unix;

use std::io;

/// Waits for the next `SIGINT` (Ctrl-C in a terminal) delivered from the time this future
/// is first polled (tokio's `tokio::signal::ctrl_c`).
///
/// The first call installs a handler for `SIGINT`, which stays installed: from then on
/// Ctrl-C no longer ends the process by itself, so the program must act on this future's
/// completion (typically by shutting down gracefully and exiting).
///
/// # Errors
///
/// Outside a runtime, or once the runtime's io-driver has shut down (including while the
/// future waits); the OS error if the process is out of descriptors.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future stops listening; a `SIGINT` that arrives after that
/// (or before the first poll) is not seen by it. To catch every Ctrl-C in a loop, keep one
/// [`unix::signal`]`(SignalKind::interrupt())` listener instead.
///
/// # Examples
///
/// ```
/// use std::future::{poll_fn, Future};
/// use std::task::Poll;
///
/// weft::run(async {
///     let mut ctrl_c = std::pin::pin!(weft::signal::ctrl_c());
///     // The first poll starts listening; someone presses Ctrl-C after that.
///     let first = poll_fn(|cx| Poll::Ready(ctrl_c.as_mut().poll(cx))).await;
///     assert!(first.is_pending());
///     // SAFETY of the test: the handler is installed, so SIGINT does not end the process.
///     unsafe { libc::raise(libc::SIGINT) };
///     ctrl_c.await.unwrap();
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut sigint = unix::signal(unix::SignalKind::interrupt())?;
    match sigint.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other(
            "the runtime's io-driver shut down while waiting for ctrl-c",
        )),
    }
}
