//! How late sleeps wake: 1 000 tasks each sleep a seeded-random 5-50 ms on weft, tokio and
//! smol, round by round (weft, tokio, smol, weft, ...), and the median and 99th-percentile
//! lateness (wake time minus deadline) of each runtime is printed. Nothing is asserted: a
//! loaded 2-core machine makes lateness noisy, so it is measured here, not in tests.
//!
//! ```sh
//! cargo run --release -p weft-benches --bin timer_lateness -- [--rounds R] [--workers N]
//! ```

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weft_benches::compare::rt::{Rt, Spawner, Timers};
use weft_benches::compare::rt_smol::SmolRt;
use weft_benches::compare::rt_tokio::TokioRt;
use weft_benches::compare::rt_weft::WeftRt;
use weft_benches::compare::sched::in_task;

const SLEEPS: u64 = 1_000;

/// Lateness of every sleep of one round, in microseconds.
fn round<R: Timers>(rt: &R, seed: u64) -> Vec<u64> {
    let late = Arc::new(Mutex::new(Vec::with_capacity(SLEEPS as usize)));
    let spawner = rt.spawner();
    let l = late.clone();
    in_task(rt, async move {
        let handles: Vec<_> = (0..SLEEPS)
            .map(|i| {
                // A small xorshift per task: 5-50 ms, reproducible from the seed.
                let mut x = (seed ^ (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let d = Duration::from_micros(5_000 + x % 45_001);
                let l = l.clone();
                spawner.spawn(async move {
                    let deadline = Instant::now() + d;
                    R::sleep(d).await;
                    let late = Instant::now().saturating_duration_since(deadline);
                    l.lock().unwrap().push(late.as_micros() as u64);
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
    Arc::try_unwrap(late).unwrap().into_inner().unwrap()
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> ExitCode {
    let mut rounds = 5u64;
    let mut workers = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--rounds", Some(v)) if v > 0 => rounds = v,
            ("--workers", Some(v)) if v > 0 => workers = v as usize,
            _ => {
                eprintln!("usage: timer_lateness [--rounds R] [--workers N]");
                return ExitCode::from(2);
            }
        }
    }
    let weft = WeftRt::build(workers).expect("weft runtime");
    let tokio = TokioRt::build(workers).expect("tokio runtime");
    let smol = SmolRt::build(workers).expect("smol runtime");
    let (mut w, mut t, mut s) = (Vec::new(), Vec::new(), Vec::new());
    // One warm-up round each, then interleaved rounds.
    round(&weft, 0);
    round(&tokio, 0);
    round(&smol, 0);
    for r in 1..=rounds {
        w.extend(round(&weft, r));
        t.extend(round(&tokio, r));
        s.extend(round(&smol, r));
    }
    println!("Lateness of {SLEEPS} sleeps of 5-50 ms x {rounds} rounds, {workers} workers (us):\n");
    println!("| runtime | median | p99 | max |");
    println!("|---|---:|---:|---:|");
    for (name, mut v) in [("weft", w), ("tokio", t), ("smol", s)] {
        v.sort_unstable();
        let max = *v.last().unwrap();
        println!(
            "| {name} | {} | {} | {max} |",
            percentile(&v, 0.5),
            percentile(&v, 0.99)
        );
    }
    ExitCode::SUCCESS
}
