//! Fuzzes the timing wheel against its reference model: any sequence of insert, cancel and
//! advance must fire the same entries in the same order.
//!
//! `cargo +nightly fuzz run wheel_model` from `timer/` (needs `cargo install cargo-fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_timer::model::{run, Op};

/// Decodes 10 bytes per operation: a tag, a scale, and 8 bytes of magnitude. The scale
/// picks the range so short inputs still reach every level of the wheel.
fn decode(data: &[u8]) -> Vec<Op> {
    data.chunks_exact(10)
        .map(|c| {
            let raw = u64::from_le_bytes(c[2..10].try_into().unwrap());
            let delta = match c[1] % 6 {
                0 => raw % 70,
                1 => raw % 5_000,
                2 => raw % 300_000,
                3 => raw % (1 << 40),
                4 => u64::MAX,
                _ => raw,
            };
            match c[0] % 3 {
                0 => Op::Insert { delta, past: c[1] & 0x80 != 0 },
                1 => Op::Cancel(raw as usize),
                _ => Op::Advance { delta: delta % 20_000_000, back: c[1] & 0x80 != 0 },
            }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if let Err(diff) = run(&decode(data)) {
        panic!("wheel and model disagree: {diff}");
    }
});
