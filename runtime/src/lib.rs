//! weft: a multi-threaded, work-stealing async runtime with Python asyncio's model and the
//! engineering bar of tokio and smol.
//!
//! | asyncio | weft |
//! |---|---|
//! | `asyncio.run(main())` | [`run`] |
//! | event loop | a [`Runtime`]'s worker threads, one event loop each |
//! | `loop.run_until_complete(f)` | [`Runtime::block_on`] |
//! | `asyncio.create_task(c)` | [`spawn`] |
//! | `Task` / `Future` | [`task::JoinHandle`] (a future of the task's result) |
//! | `task.cancel()` | [`task::JoinHandle::abort`] |
//! | `task.done()`, `task.cancelled()` | [`task::JoinHandle::is_finished`], [`task::JoinHandle::state`] |
//! | `asyncio.sleep(0)` | [`task::yield_now`] |
//! | `asyncio.get_running_loop()` | [`Handle::current`] |
//! | `async def main(): ...; asyncio.run(main())` | `#[weft::main] async fn main()` |
//! | `loop.run_in_executor(None, f)` | [`spawn_blocking`] (or a [`blocking::Pool`] of your own) |
//! | `asyncio.Semaphore`, `Lock`, `Event`, `Queue` | [`sync::Semaphore`], [`sync::Mutex`], [`sync::Event`], [`sync::mpsc`] |
//! | `asyncio.TaskGroup`, `gather`, `wait(FIRST_COMPLETED)` | [`task::TaskGroup`] (or [`task::JoinSet`]), [`join!`], [`select!`] |
//! | `asyncio.sleep(s)`, `wait_for(aw, t)` | [`time::sleep`], [`time::timeout`] |
//! | `open_connection`, `start_server` | [`net::TcpStream::connect`], [`net::TcpListener::bind`] |
//! | the selector, `loop.add_reader(fd, cb)` | the `weft-io` thread, [`io::Async`] |
//! | debug mode's slow-callback warning | [`Builder::slow_poll_threshold`] |
//! | `loop.add_signal_handler(sig, cb)` | [`signal::ctrl_c`], [`signal::unix::signal`] |
//! | `create_subprocess_exec`, `proc.communicate()` | [`process::Command`], [`process::Child::wait_with_output`] |
//! | `run_in_executor` around file calls | [`fs`] ([`fs::File`], [`fs::read_dir`], [`fs::read`], ...) |
//! | `loop.call_soon(cb)`, `call_soon_threadsafe`, `call_later(d, cb)`, `call_at(t, cb)` | [`call_soon`], [`call_later`], [`call_at`] (or [`Handle::call_soon`] and friends), returning a [`TimerHandle`] |
//! | `loop.create_future()`, `fut.add_done_callback(cb)` | [`sync::Promise::new`], [`sync::Promise::add_done_callback`] |
//!
//! # Examples
//!
//! ```
//! let total = weft::run(async {
//!     let tasks: Vec<_> = (1..=4u32).map(|i| weft::spawn(async move { i * 10 })).collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 100);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod block_on;
pub mod blocking;
mod builder;
#[cfg(not(loom))]
mod callback;
#[cfg(feature = "tokio-io")]
pub mod compat;
mod context;
pub mod fs;
mod handle;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
pub mod net;
pub mod process;
mod runtime;
pub(crate) mod scheduler;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use blocking::spawn_blocking;
pub use builder::Builder;
#[cfg(not(loom))]
pub use callback::{call_at, call_later, call_soon, TimerHandle};
pub use context::EnterGuard;
pub use handle::{Handle, TryCurrentError};
pub use runtime::{run, spawn, Runtime, RuntimeMetrics};
pub use weft_macros::{main, test};
