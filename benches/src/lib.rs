//! Shared code of weft's benchmarks.
//!
//! [`compare`] is the side-by-side harness behind the `compare` binary: every workload of
//! the issue runs on weft, tokio and smol's stack, interleaved round by round in one
//! process. The criterion benches in `benches/benches/` reuse its workloads for the weft
//! side alone, for profiling and history.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod compare;
