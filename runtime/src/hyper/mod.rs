//! hyper 1.x on weft (feature `hyper`, off by default): serve HTTP/1 and HTTP/2 with
//! weft's sockets, tasks and timers, no tokio runtime involved.
//!
//! | hyper + tokio | hyper + weft |
//! |---|---|
//! | `hyper_util::rt::TokioIo::new(stream)` | [`WeftIo::new`]`(stream)` |
//! | `hyper_util::rt::TokioExecutor::new()` | [`WeftExecutor::new`]`()` |
//! | `hyper_util::rt::TokioTimer::new()` | [`WeftTimer::new`]`()` |
//! | the accept loop around `auto::Builder::serve_connection` | [`serve`]`(listener, service).await` |
//! | `hyper_util::server::graceful::GracefulShutdown` | [`Serve::with_graceful_shutdown`] |
//!
//! Your hyper services, bodies and clients stay as they are. [`serve`] takes a hyper
//! `Service` that it clones per connection: a `service_fn`, or any tower service (an axum
//! `Router`) through hyper-util's `TowerToHyperService`.
//!
//! # Examples
//!
//! ```no_run
//! use hyper::service::service_fn;
//! use std::convert::Infallible;
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:3000")?;
//!     let hello = service_fn(|_req| async {
//!         Ok::<_, Infallible>(hyper::Response::new("Hello, world!\n".to_string()))
//!     });
//!     weft::hyper::serve(listener, hello).await
//! }
//! ```

mod conn;
mod conn_error;
mod io;
mod rt;
mod serve;

pub use io::WeftIo;
pub use rt::{WeftExecutor, WeftTimer};
pub use serve::{serve, Serve, ServeFuture, WithGracefulShutdown};
