//! What one task costs: the bytes of its allocation and the time to spawn and join it.
//!
//! ```text
//! cargo run --release -p weft-benches --bin spawn_cost -- [--tasks N] [--rounds R] [--workers W]
//! ```
//!
//! Defaults: N = 100 000 tasks per round, R = 11 timed rounds, W = 2 worker threads.
//!
//! The sizes come from `weft::task::allocation_size_of`, which reports the single heap
//! block a spawn makes (header, scheduler handle, future or output); they do not include
//! the allocator's own rounding and bookkeeping.
//!
//! The time of a round covers spawning N empty tasks from the `block_on` thread and then
//! awaiting every `JoinHandle` in spawn order. Spawning from outside the workers goes
//! through the global injection queue, so this is the cost a server's accept loop or a
//! foreign thread pays, including waking parked workers. One untimed warm-up round runs
//! first so thread start-up, page faults and allocator growth are not counted. The runtime
//! is built once and reused by every round. The median is the number to quote; min and max
//! show how noisy the machine was.

use std::future::Future;
use std::process;
use std::time::Instant;

const USAGE: &str = "\
usage: spawn_cost [--tasks N] [--rounds R] [--workers W]

  --tasks N     empty tasks spawned and joined per round (default 100000)
  --rounds R    timed rounds, after one warm-up round (default 11)
  --workers W   worker threads of the runtime (default 2)

Every value must be a whole number of at least 1.";

/// The settings of one run, from the command line.
struct Args {
    tasks: usize,
    rounds: usize,
    workers: usize,
}

/// Reads `--flag value` pairs; anything else is an error carrying the reason.
fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        tasks: 100_000,
        rounds: 11,
        workers: 2,
    };
    while let Some(flag) = argv.next() {
        let slot = match flag.as_str() {
            "--tasks" => &mut args.tasks,
            "--rounds" => &mut args.rounds,
            "--workers" => &mut args.workers,
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = argv.next().ok_or_else(|| format!("{flag} needs a value"))?;
        *slot = match value.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(format!("{flag} {value:?}: expected a whole number >= 1")),
        };
    }
    Ok(args)
}

/// The task allocation size for a future of type `F`. Taking the future by reference lets
/// the caller name the type of an `async` block, which has no name to write.
fn task_size_of<F: Future>(_future: &F) -> usize {
    weft::task::allocation_size_of::<F>()
}

/// Nanoseconds per task of each timed round, in the order they ran.
fn time_rounds(args: &Args) -> Vec<f64> {
    let rt = weft::Builder::new()
        .worker_threads(args.workers)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("spawn_cost: cannot start a runtime: {e}");
            // A setting the runtime rejects (say, too many workers) is a bad argument.
            if e.kind() == std::io::ErrorKind::InvalidInput {
                eprintln!("\n{USAGE}");
                process::exit(2);
            }
            process::exit(1);
        });
    rt.block_on(async {
        // Reused by every round so the Vec's own growth is not timed.
        let mut handles = Vec::with_capacity(args.tasks);
        let mut per_task = Vec::with_capacity(args.rounds);
        // Round 0 is the warm-up and is not recorded.
        for round in 0..=args.rounds {
            let start = Instant::now();
            for _ in 0..args.tasks {
                handles.push(weft::spawn(async {}));
            }
            for handle in handles.drain(..) {
                handle
                    .await
                    .expect("an empty task neither panics nor is aborted");
            }
            let elapsed = start.elapsed();
            if round > 0 {
                per_task.push(elapsed.as_nanos() as f64 / args.tasks as f64);
            }
        }
        per_task
    })
}

/// The middle value of `sorted` (the mean of the two middle ones for an even count).
fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

fn main() {
    let args = parse_args(std::env::args().skip(1)).unwrap_or_else(|reason| {
        eprintln!("spawn_cost: {reason}\n\n{USAGE}");
        process::exit(2);
    });

    // (a) Bytes per task. The 64-byte payload is moved into the block, so the future
    // stores it across its (absent) await points just as a real task stores its locals.
    let empty = async {};
    let payload = [7u8; 64];
    let holding_64 = async move {
        std::hint::black_box(payload);
    };
    println!("## Task allocation\n");
    println!("| future | future bytes | task allocation bytes |");
    println!("|---|---:|---:|");
    println!(
        "| `async {{}}` | {} | {} |",
        size_of_val(&empty),
        task_size_of(&empty)
    );
    println!(
        "| holding `[u8; 64]` | {} | {} |",
        size_of_val(&holding_64),
        task_size_of(&holding_64)
    );

    // (b) Time per task.
    let mut per_task = time_rounds(&args);
    per_task.sort_by(f64::total_cmp);
    println!("\n## Spawn and join an empty task\n");
    println!("| tasks/round | rounds | workers | median ns/task | min ns/task | max ns/task |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {:.1} | {:.1} | {:.1} |",
        args.tasks,
        args.rounds,
        args.workers,
        median(&per_task),
        per_task[0],
        per_task[per_task.len() - 1],
    );
}
