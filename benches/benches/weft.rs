//! Criterion benches of weft's side of the scheduling workloads of `compare`: the same
//! functions, on weft alone, for profiling (`perf record` on one bench) and for history
//! (criterion keeps the last run under `target/criterion`).
//!
//! ```text
//! cargo bench -p weft-benches --bench weft -- [FILTER]
//! ```
//!
//! Each iteration is one run of the workload, timed by the workload itself (so the
//! measuring thread's setup, like allocating the signal channel, is the same as in
//! `compare`). The runtime has 2 workers, like `compare`'s default, and is built once per
//! bench.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use weft_benches::compare::rt::Rt;
use weft_benches::compare::rt_weft::{WeftOneshot, WeftRt};
use weft_benches::compare::sched;

const WORKERS: usize = 2;

fn bench(c: &mut Criterion, name: &str, run: fn(&WeftRt) -> Duration) {
    let rt = WeftRt::build(WORKERS).expect("start a weft runtime");
    c.bench_function(name, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt)).sum())
    });
}

fn spawn(c: &mut Criterion) {
    bench(c, "spawn_many_local", sched::spawn_many_local);
    bench(c, "spawn_many_remote_idle", sched::spawn_many_remote_idle);
    bench(c, "chained_spawn", sched::chained_spawn);
    bench(c, "spawn_many_remote_busy", sched::spawn_many_remote_busy);
}

fn messages(c: &mut Criterion) {
    bench(c, "ping_pong", sched::ping_pong::<WeftRt, WeftOneshot>);
    bench(c, "yield_many", sched::yield_many);
}

criterion_group!(benches, spawn, messages);
criterion_main!(benches);
