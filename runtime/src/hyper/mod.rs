//! hyper 1.x on weft (feature `hyper`, off by default): serve HTTP/1 and HTTP/2 with
//! weft's sockets, tasks and timers, no tokio runtime involved.
//!
//! | hyper + tokio | hyper + weft |
//! |---|---|
//! | `hyper_util::rt::TokioIo::new(stream)` | [`WeftIo::new`]`(stream)` |
//! | `hyper_util::rt::TokioExecutor::new()` | [`WeftExecutor::new`]`()` |
//! | `hyper_util::rt::TokioTimer::new()` | [`WeftTimer::new`]`()` |
//!
//! Your hyper services, bodies and clients stay as they are: wrap weft's streams in
//! [`WeftIo`] and give hyper's builders [`WeftExecutor`] and [`WeftTimer`].

mod io;
mod rt;

pub use io::WeftIo;
pub use rt::{WeftExecutor, WeftTimer};
