//! `weft-io`: the reactor that turns operating-system readiness into `Waker::wake` calls.
//!
//! One [`Driver`] per runtime runs a thread (named `weft-io`) that owns the OS selector:
//! epoll directly on Linux, the `polling` crate (kqueue, event ports) elsewhere. A worker
//! thread about to park may wait in the selector itself ([`Reactor::try_drive`]), so an
//! event wakes the thread that runs its task; the `weft-io` thread then only watches, and
//! waits in the selector when every worker is busy. Descriptors are
//! registered once, edge-triggered where the poller supports it (oneshot, re-armed per
//! wait, otherwise), in a slab whose keys carry a generation so a reused slot never wakes a
//! stale waiter. Read and write readiness are tracked separately, each with its own list of
//! waiting tasks. [`Async<T>`] wraps any descriptor. The crate knows nothing about the
//! scheduler: it only calls `Waker::wake`, batched once per `wait`.
//!
//! The same thread fires timers: it waits until the earliest deadline of a
//! `weft_timer::Wheel`, and a [`TimerEntry`] armed earlier than that wakes it.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod async_fd;
pub mod coop;
mod loom;
mod reactor;
mod registration;
mod seat;
mod sys;
mod time;

pub use async_fd::Async;
pub use reactor::{enter, Drive, Driver, EnterGuard, Reactor};
pub use registration::{Direction, Interest, Ready, ReadyEvent};
pub use time::entry::TimerEntry;
