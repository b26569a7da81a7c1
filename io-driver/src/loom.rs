//! `std` or `loom` primitives for the readiness, timer and seat protocols, as in `weft`'s
//! own shim.

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic::AtomicUsize, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::{atomic::AtomicUsize, Mutex, MutexGuard};
