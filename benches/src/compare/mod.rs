//! `compare`: every workload on weft, tokio and smol's stack, side by side, in one run.
//!
//! ```text
//! cargo run --release -p weft-benches --bin compare -- [FILTER...] [--workers N] [--rounds R] [--json FILE] [--svg FILE]
//! ```
//!
//! # Method
//!
//! The shared 2-core machines drift by up to 3x between runs, so only ratios taken within
//! one run mean anything, and only between samples taken close together. So, per workload:
//!
//! 1. each runtime is built once (N workers; see `rt_weft.rs`, `rt_tokio.rs`,
//!    `rt_smol.rs`) and kept for all the workload's rounds;
//! 2. [`WARMUP_ROUNDS`] untimed rounds run per runtime (thread start-up, page faults,
//!    allocator growth, blocking-pool threads);
//! 3. the timed rounds run interleaved: weft, tokio, smol, weft, tokio, smol, ...;
//! 4. the table shows each runtime's median, the median of the per-round ratios
//!    weft/tokio and weft/smol (see [`report::RATIO_MEANING`]: below 1 weft is better,
//!    for every workload), and the worst spread, (max - min) / median.
//!
//! `idle_task_memory` and `idle_cpu` read process-wide counters, so each of their samples
//! runs in a fresh child process instead (see [`child`]).
//!
//! Every sample runs under a [`watchdog::Watchdog`]: a runtime that deadlocks ends the
//! run with an error instead of hanging it.

pub mod args;
pub mod catalog;
pub mod chart;
pub mod child;
pub mod env;
pub mod features;
pub mod report;
pub mod results;
pub mod rt;
pub mod rt_smol;
pub mod rt_tokio;
pub mod rt_weft;
pub mod sched;
pub mod watchdog;

use catalog::{Workload, WORKLOADS};
use env::Environment;
use results::Row;
use rt::Rt;
use rt_smol::SmolRt;
use rt_tokio::TokioRt;
use rt_weft::WeftRt;
use std::io::Write as _;
use std::process;
use std::time::{Duration, Instant};
use watchdog::Watchdog;

/// The runtimes, in table and round order. weft is first, the numerator of every ratio.
pub const RUNTIMES: [&str; 3] = [WeftRt::NAME, TokioRt::NAME, SmolRt::NAME];

/// Untimed rounds per runtime before a workload's timed ones.
pub const WARMUP_ROUNDS: usize = 1;

/// Longest a child process may live (its own watchdog ends it).
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// One measurement, in the workload's unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// The number the table reports.
    pub value: f64,
    /// Wakeups (voluntary context switches), for `idle_cpu` only.
    pub wakeups: Option<f64>,
    /// What one operation cost the process, for the I/O workloads (per round trip).
    pub cost: Option<Cost>,
}

/// Process CPU time and voluntary context switches per operation (`getrusage` over the
/// sample, divided by its operations). The other runtimes in the process sit idle
/// meanwhile and add nothing measurable (`idle_cpu` shows 0 for each).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// CPU microseconds (user + system) per operation.
    pub cpu_us: f64,
    /// Voluntary context switches per operation.
    pub switches: f64,
}

impl Sample {
    /// A wall time, in ms.
    pub fn from_duration(d: Duration) -> Sample {
        Sample {
            value: d.as_secs_f64() * 1e3,
            wakeups: None,
            cost: None,
        }
    }
}

/// The `compare` binary.
pub fn main() {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("compare: {e}\n\n{}", args::USAGE);
            process::exit(2);
        }
    };
    if args.help {
        println!("{}", args::USAGE);
        return;
    }
    if let Some(workload) = &args.child {
        let dog = Watchdog::start();
        let _armed = dog.arm(CHILD_LIMIT, format!("the {workload} child process"));
        let runtime = args.runtime.as_deref().unwrap_or(WeftRt::NAME);
        child::child_main(workload, runtime, args.workers);
    }
    if args.list {
        for w in &WORKLOADS {
            println!("{}", w.name);
        }
        return;
    }
    let selected: Vec<&'static Workload> = WORKLOADS
        .iter()
        .filter(|w| args.filters.is_empty() || args.filters.iter().any(|f| w.name.contains(f)))
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
        eprintln!(
            "compare: no workload matches {:?}; the workloads are: {}",
            args.filters,
            names.join(", ")
        );
        process::exit(2);
    }

    let env = Environment::detect(args.workers);
    let dog = Watchdog::start();
    let started = Instant::now();
    let rows: Vec<Row> = selected
        .into_iter()
        .map(|w| {
            let row = run_workload(w, &args, &dog);
            eprintln!("{}", progress_line(&row));
            row
        })
        .collect();
    let load_at_end = env::load_average();
    eprintln!("compare: done in {:.1} s", started.elapsed().as_secs_f64());

    let table = report::markdown(&env, &load_at_end, &rows);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(table.as_bytes());
    let _ = stdout.flush();
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, report::json(&env, &load_at_end, &rows)) {
            eprintln!("compare: cannot write {}: {e}", path.display());
            process::exit(1);
        }
    }
    if let Some(path) = &args.svg {
        if let Err(e) = chart::svg(path, &env, &rows) {
            eprintln!("compare: {e}");
            process::exit(1);
        }
    }
}

fn progress_line(row: &Row) -> String {
    let medians: Vec<String> = RUNTIMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let m = row.median(i).map_or("n/a".to_owned(), report::number);
            format!("{name} {m}")
        })
        .collect();
    format!(
        "compare: {} ({}): {}",
        row.workload.name,
        row.workload.metric.unit(),
        medians.join(", ")
    )
}

/// A way to take one sample of the current workload on one runtime.
type Sampler<'a> = Box<dyn FnMut() -> Sample + 'a>;

/// Measures `w` on every runtime, interleaved, and returns its samples.
fn run_workload(w: &'static Workload, args: &args::Args, dog: &Watchdog) -> Row {
    let rounds = args.rounds.unwrap_or(w.default_rounds);
    let workers = args.workers;
    let samples = if w.in_child {
        let samplers: Vec<Sampler<'_>> = RUNTIMES
            .iter()
            .map(|&name| -> Sampler<'_> {
                Box::new(move || child::sample_in_child(w.name, name, workers))
            })
            .collect();
        interleave(w, samplers, rounds, dog)
    } else {
        let weft = build::<WeftRt>(workers);
        let tokio = build::<TokioRt>(workers);
        let smol = build::<SmolRt>(workers);
        let samplers: Vec<Sampler<'_>> = vec![
            Box::new(|| catalog::sample(&weft, w)),
            Box::new(|| catalog::sample(&tokio, w)),
            Box::new(|| catalog::sample(&smol, w)),
        ];
        let samples = interleave(w, samplers, rounds, dog);
        // Shutting a runtime down is not part of any sample, but it must not hang either.
        let _armed = dog.arm(
            w.limit,
            format!("shutting down the runtimes after {}", w.name),
        );
        drop((weft, tokio, smol));
        samples
    };
    Row {
        workload: w,
        rounds,
        samples,
    }
}

fn build<R: Rt>(workers: usize) -> R {
    R::build(workers).unwrap_or_else(|e| {
        eprintln!(
            "compare: cannot start {} with {workers} workers: {e}",
            R::NAME
        );
        process::exit(1);
    })
}

/// Warm-up rounds, then `rounds` timed rounds, each running the samplers in order.
fn interleave(
    w: &Workload,
    mut samplers: Vec<Sampler<'_>>,
    rounds: usize,
    dog: &Watchdog,
) -> [Vec<Sample>; 3] {
    let mut out: [Vec<Sample>; 3] = std::array::from_fn(|_| Vec::with_capacity(rounds));
    for round in 0..WARMUP_ROUNDS + rounds {
        let timed = round >= WARMUP_ROUNDS;
        for (i, sampler) in samplers.iter_mut().enumerate() {
            let what = format!("{} on {} (round {})", w.name, RUNTIMES[i], round + 1);
            let _armed = dog.arm(w.limit, what);
            let sample = sampler();
            if timed {
                out[i].push(sample);
            }
        }
    }
    out
}
