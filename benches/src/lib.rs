//! Shared helpers of weft's benchmarks.
