//! `weft-io`: the reactor that turns operating-system readiness into `Waker::wake` calls.
//!
//! This crate will hold one `weft-io` thread per runtime that owns a `polling::Poller`
//! (epoll on Linux, kqueue on the BSDs and macOS), a slab of registrations with generations
//! so a reused descriptor never wakes a stale waiter, read and write readiness tracked
//! separately with a waker per direction, `Async<T>` for any descriptor, and the firing of
//! timers from the `weft-timer` wheel between waits. It knows nothing about the scheduler:
//! it only calls `Waker::wake`.
//!
//! It is filled in by the io-driver issue; until then it is an empty crate so the workspace
//! layout and the dependency direction (`weft-timer` <- `weft-io` <- `weft`) are in place.
#![deny(unsafe_op_in_unsafe_fn)]
