//! The OS selector behind the reactor, one backend per file:
//!
//! - `epoll.rs` (Linux, Android): epoll directly, edge-triggered, with an eventfd to
//!   notify. One `epoll_wait` per wake and nothing else: the `polling` crate's epoll backend
//!   also re-arms a timerfd and its notifier (two `epoll_ctl`, a `timerfd_settime` and a
//!   `read` per wait), which the io-driver thread would pay on every wakeup — the
//!   `tcp_echo` workload measured it at five syscalls per wait where tokio makes one.
//! - `portable.rs` (everything else): the `polling` crate (kqueue, event ports, ...).
//!
//! Both offer the same interface: `Selector::{new, supports_edge, add, rearm, delete,
//! wait, notify}` and `Events::{new, iter}` yielding `(key, readable, writable)`.

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use epoll::{Events, Selector};

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod portable;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use portable::{Events, Selector};

/// The key the selector keeps for its own notifications; never a source's key.
pub(crate) const NOTIFY_KEY: usize = usize::MAX;
