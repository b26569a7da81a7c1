//! `weft-timer`: the hierarchical timing wheel that backs `weft::time`.
//!
//! This crate will hold the wheel as a pure data structure: several levels of 64 slots at
//! 1 ms resolution, an occupancy bitmap per level so the next deadline is a few bit
//! operations away, O(1) insert and cancel, and `advance(now)` yielding every expired
//! entry exactly once. It owns no threads, no clock and no I/O: time is passed in as ticks
//! by the io-driver thread that drives it.
//!
//! It is filled in by the timer issue; until then it is an empty crate so the workspace
//! layout is in place.
#![deny(unsafe_op_in_unsafe_fn)]
