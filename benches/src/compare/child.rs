//! Workloads measured in a fresh child process per sample, because they read process-wide
//! counters that another runtime in the same process would disturb: resident memory
//! (`idle_task_memory`) and CPU time and context switches (`idle_cpu`).
//!
//! The parent re-executes its own binary with the hidden flags
//! `--child WORKLOAD --runtime NAME --workers N`; the child builds that one runtime, measures,
//! prints `VALUE [AUX]` on one line of stdout and exits without tearing the runtime down.

use super::rt::{Rt, Spawner};
use super::rt_smol::SmolRt;
use super::rt_tokio::TokioRt;
use super::rt_weft::WeftRt;
use super::sched::in_task;
use super::Sample;
use std::future::pending;
use std::hint::black_box;
use std::process::{self, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Tasks of `idle_task_memory`.
pub const IDLE_TASKS: usize = 100_000;
/// Tasks spawned before waiting for all of them to be polled once. Small batches keep the
/// run queues short, so the number is the tasks' memory and not a transient queue's.
pub const IDLE_BATCH: usize = 1_000;
/// Bytes each idle task keeps alive across its never-completing await.
pub const IDLE_PAYLOAD: usize = 64;
/// How long `idle_cpu` watches an idle runtime.
pub const IDLE_WINDOW: Duration = Duration::from_secs(1);
/// Time given to a fresh runtime to park all its threads before `idle_cpu` starts counting.
pub const IDLE_SETTLE: Duration = Duration::from_millis(200);

/// Runs one sample of `workload` on `runtime` in a child process and parses its answer.
pub fn sample_in_child(workload: &str, runtime: &str, workers: usize) -> Sample {
    let exe = std::env::current_exe().expect("the path of the running compare binary");
    let output = Command::new(exe)
        .args(["--child", workload, "--runtime", runtime, "--workers"])
        .arg(workers.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot start the {workload} child for {runtime}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        panic!(
            "the {workload} child for {runtime} failed ({}): {stdout}",
            output.status
        );
    }
    let mut fields = stdout.split_whitespace().map(|f| {
        f.parse::<f64>()
            .unwrap_or_else(|_| panic!("the {workload} child for {runtime} printed {stdout:?}"))
    });
    let value = fields
        .next()
        .unwrap_or_else(|| panic!("the {workload} child for {runtime} printed nothing"));
    Sample {
        value,
        wakeups: fields.next(),
        cost: None,
    }
}

/// The child side: measures `workload` on `runtime` and prints the answer, then exits.
pub fn child_main(workload: &str, runtime: &str, workers: usize) -> ! {
    let sample = match runtime {
        WeftRt::NAME => measure::<WeftRt>(workload, workers),
        TokioRt::NAME => measure::<TokioRt>(workload, workers),
        SmolRt::NAME => measure::<SmolRt>(workload, workers),
        other => fail(&format!("unknown runtime {other:?}")),
    };
    match sample.wakeups {
        Some(w) => println!("{} {}", sample.value, w),
        None => println!("{}", sample.value),
    }
    // Skip the runtime's shutdown: the answer is out, and 100 000 pending tasks would only
    // slow the exit.
    process::exit(0)
}

fn fail(msg: &str) -> ! {
    eprintln!("compare --child: {msg}");
    process::exit(2)
}

fn measure<R: Rt>(workload: &str, workers: usize) -> Sample {
    let rt = R::build(workers).unwrap_or_else(|e| fail(&format!("cannot start {}: {e}", R::NAME)));
    match workload {
        "idle_task_memory" => Sample {
            value: idle_task_memory(&rt),
            wakeups: None,
            cost: None,
        },
        "idle_cpu" => idle_cpu(&rt),
        other => fail(&format!("{other:?} is not a child workload")),
    }
}

/// Tasks polled so far in this (child) process.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// Workload `idle_task_memory`: resident-set growth per task from [`IDLE_TASKS`] tasks
/// that each keep [`IDLE_PAYLOAD`] bytes alive across an await that never completes,
/// counted once every task has been polled. The join handles are dropped (detached), so
/// only what the runtime itself keeps is counted.
fn idle_task_memory<R: Rt>(rt: &R) -> f64 {
    // Start every thread and let the allocator set up its arenas before the baseline.
    in_task(rt, async {});
    let spawner = rt.spawner();
    let before = vm_rss_bytes();
    let mut spawned = 0;
    while spawned < IDLE_TASKS {
        for _ in 0..IDLE_BATCH {
            spawner.spawn_detached(async {
                let payload = [0x5au8; IDLE_PAYLOAD];
                POLLED.fetch_add(1, Ordering::Relaxed);
                pending::<()>().await;
                black_box(&payload);
            });
        }
        spawned += IDLE_BATCH;
        while POLLED.load(Ordering::Relaxed) < spawned {
            thread::sleep(Duration::from_micros(20));
        }
    }
    let after = vm_rss_bytes();
    after.saturating_sub(before) as f64 / IDLE_TASKS as f64
}

/// The process's resident set size (`VmRSS` of `/proc/self/status`), in bytes.
fn vm_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_else(|e| fail(&format!("cannot read /proc/self/status: {e}")));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| fail("no VmRSS line in /proc/self/status"))
}

/// CPU time and voluntary context switches, from `getrusage`.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    cpu: Duration,
    voluntary_switches: u64,
}

impl Usage {
    /// What `ops` operations cost between `self` and the later `after`.
    pub fn cost_per(self, after: Usage, ops: u64) -> super::Cost {
        let ops = ops.max(1) as f64;
        super::Cost {
            cpu_us: (after.cpu - self.cpu).as_secs_f64() * 1e6 / ops,
            switches: after
                .voluntary_switches
                .saturating_sub(self.voluntary_switches) as f64
                / ops,
        }
    }
}

/// The process's usage so far (every thread).
pub fn process_usage() -> Usage {
    usage(libc::RUSAGE_SELF)
}

fn usage(who: libc::c_int) -> Usage {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `ru` is a valid, writable `rusage`; `who` is RUSAGE_SELF or RUSAGE_THREAD,
    // both accepted by Linux. The call writes the struct in full on success.
    let rc = unsafe { libc::getrusage(who, ru.as_mut_ptr()) };
    if rc != 0 {
        fail(&format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: getrusage succeeded, so it initialized `ru` (and it was zeroed before).
    let ru = unsafe { ru.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    Usage {
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        voluntary_switches: ru.ru_nvcsw as u64,
    }
}

/// Workload `idle_cpu`: a runtime with no tasks, watched for [`IDLE_WINDOW`]. The value
/// is the CPU time its threads used, in ms; the auxiliary number is their voluntary
/// context switches, one per sleep, so a proxy for wakeups. The measuring thread's own
/// usage is subtracted.
fn idle_cpu<R: Rt>(rt: &R) -> Sample {
    in_task(rt, async {});
    thread::sleep(IDLE_SETTLE);
    let (process0, me0) = (usage(libc::RUSAGE_SELF), usage(libc::RUSAGE_THREAD));
    thread::sleep(IDLE_WINDOW);
    let (process1, me1) = (usage(libc::RUSAGE_SELF), usage(libc::RUSAGE_THREAD));
    let cpu = (process1.cpu - process0.cpu).saturating_sub(me1.cpu - me0.cpu);
    let switches = (process1.voluntary_switches - process0.voluntary_switches)
        .saturating_sub(me1.voluntary_switches - me0.voluntary_switches);
    Sample {
        value: cpu.as_secs_f64() * 1e3,
        wakeups: Some(switches as f64),
        cost: None,
    }
}
