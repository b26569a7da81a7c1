//! weft, tokio and smol side by side; see [`weft_benches::compare`] for the method.
//!
//! ```text
//! cargo run --release -p weft-benches --bin compare -- [FILTER...] [--workers N] [--rounds R] [--json FILE] [--svg FILE]
//! ```

fn main() {
    weft_benches::compare::main();
}
