//! The workloads `compare` knows, what each one measures, and the one place that maps a
//! workload to the function measuring it on a given runtime.

use super::features;
use super::rt::{Blocking, Channel, Files, Net, Semaphores, Timers};
use super::{sched, Sample};
use std::time::Duration;

/// What a workload's number is, and which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Wall time of one run, in ms; lower is better.
    Millis,
    /// Round trips per second; higher is better.
    RoundTripsPerSec,
    /// Resident bytes per idle task; lower is better.
    BytesPerTask,
    /// CPU ms used by an idle runtime over one second, with its wakeups; lower is better.
    IdleCpuMillis,
}

impl Metric {
    /// The unit, as the table header shows it.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Millis => "ms",
            Metric::RoundTripsPerSec => "round trips/s",
            Metric::BytesPerTask => "B/task",
            Metric::IdleCpuMillis => "CPU ms per 1 s; wakeups",
        }
    }

    /// True where a larger number is better (throughput).
    pub fn higher_is_better(self) -> bool {
        self == Metric::RoundTripsPerSec
    }

    /// The number a ratio compares: the cost, so that a ratio below 1 means weft is
    /// better for every metric. Throughput turns into time per round trip; idle CPU is
    /// floored at 1 ms, below which every runtime is idle and the ratio would be noise.
    pub fn cost(self, value: f64) -> f64 {
        match self {
            Metric::RoundTripsPerSec => 1.0 / value,
            Metric::IdleCpuMillis => value.max(IDLE_CPU_FLOOR_MS),
            Metric::Millis | Metric::BytesPerTask => value,
        }
    }
}

/// Below this much CPU time in its idle second a runtime counts as idle, and ratios treat
/// it as this much.
pub const IDLE_CPU_FLOOR_MS: f64 = 1.0;

/// The workloads, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// See [`sched::spawn_many_local`].
    SpawnManyLocal,
    /// See [`sched::spawn_many_remote_idle`].
    SpawnManyRemoteIdle,
    /// See [`sched::spawn_many_remote_busy`].
    SpawnManyRemoteBusy,
    /// See [`sched::ping_pong`].
    PingPong,
    /// See [`sched::yield_many`].
    YieldMany,
    /// See [`sched::chained_spawn`].
    ChainedSpawn,
    /// Measured in a child process; see the `child` module.
    IdleTaskMemory,
    /// See [`super::features::timers`].
    Timers,
    /// See [`super::features::timeout_hot`].
    TimeoutHot,
    /// See [`super::features::call_later`].
    CallLater,
    /// See [`super::features::spawn_blocking`].
    SpawnBlocking,
    /// See [`super::features::tcp_echo`].
    TcpEcho,
    /// See [`super::features::mpsc`].
    Mpsc,
    /// See [`super::features::semaphore`].
    Semaphore,
    /// See [`super::features::fs_small_writes`].
    FsSmallWrites,
    /// Measured in a child process; see the `child` module.
    IdleCpu,
}

/// One workload of the table.
#[derive(Debug)]
pub struct Workload {
    /// Which one.
    pub id: Id,
    /// Its name in the table, the filter and the JSON.
    pub name: &'static str,
    /// What its number is.
    pub metric: Metric,
    /// Timed rounds when `--rounds` is not given: fewer for the slow ones.
    pub default_rounds: usize,
    /// Runs per sample of a time-based in-process workload, whose sample is their mean
    /// time per run: enough that a sample lasts milliseconds, not microseconds, so one
    /// scheduler hiccup on a shared machine does not decide it.
    pub runs_per_sample: u32,
    /// True when each sample runs in a fresh child process.
    pub in_child: bool,
    /// Longest one sample may take before the run gives up.
    pub limit: Duration,
}

const fn workload(id: Id, name: &'static str, metric: Metric, default_rounds: usize) -> Workload {
    Workload {
        id,
        name,
        metric,
        default_rounds,
        runs_per_sample: 1,
        in_child: false,
        limit: Duration::from_secs(60),
    }
}

const fn in_child(w: Workload) -> Workload {
    Workload {
        in_child: true,
        ..w
    }
}

const fn runs(runs_per_sample: u32, w: Workload) -> Workload {
    Workload {
        runs_per_sample,
        ..w
    }
}

/// Every workload, in the order of the issue and the table.
pub const WORKLOADS: [Workload; 16] = [
    runs(
        10,
        workload(Id::SpawnManyLocal, "spawn_many_local", Metric::Millis, 10),
    ),
    runs(
        10,
        workload(
            Id::SpawnManyRemoteIdle,
            "spawn_many_remote_idle",
            Metric::Millis,
            10,
        ),
    ),
    workload(
        Id::SpawnManyRemoteBusy,
        "spawn_many_remote_busy",
        Metric::Millis,
        10,
    ),
    runs(20, workload(Id::PingPong, "ping_pong", Metric::Millis, 10)),
    runs(3, workload(Id::YieldMany, "yield_many", Metric::Millis, 10)),
    runs(
        50,
        workload(Id::ChainedSpawn, "chained_spawn", Metric::Millis, 10),
    ),
    in_child(workload(
        Id::IdleTaskMemory,
        "idle_task_memory",
        Metric::BytesPerTask,
        5,
    )),
    workload(Id::Timers, "timers", Metric::Millis, 10),
    workload(Id::TimeoutHot, "timeout_hot", Metric::Millis, 10),
    workload(Id::CallLater, "call_later", Metric::Millis, 10),
    workload(Id::SpawnBlocking, "spawn_blocking", Metric::Millis, 10),
    workload(Id::TcpEcho, "tcp_echo", Metric::RoundTripsPerSec, 5),
    workload(Id::Mpsc, "mpsc", Metric::Millis, 10),
    workload(Id::Semaphore, "semaphore", Metric::Millis, 10),
    workload(Id::FsSmallWrites, "fs_small_writes", Metric::Millis, 10),
    in_child(workload(Id::IdleCpu, "idle_cpu", Metric::IdleCpuMillis, 3)),
];

/// One sample of an in-process workload on `rt`.
///
/// # Panics
///
/// For a child-process workload, which [`super::child::sample_in_child`] measures instead.
pub fn sample<R>(rt: &R, w: &Workload) -> Sample
where
    R: Timers + Blocking + Net + Channel + Semaphores + Files,
{
    let ms = Sample::from_duration;
    let runs = w.runs_per_sample;
    let mean = |run: fn(&R) -> Duration| -> Sample {
        let total: Duration = (0..runs).map(|_| run(rt)).sum();
        ms(total / runs)
    };
    match w.id {
        Id::SpawnManyLocal => mean(sched::spawn_many_local),
        Id::SpawnManyRemoteIdle => mean(sched::spawn_many_remote_idle),
        Id::SpawnManyRemoteBusy => mean(sched::spawn_many_remote_busy),
        Id::PingPong => mean(sched::ping_pong::<R, R::Oneshot>),
        Id::YieldMany => mean(sched::yield_many),
        Id::ChainedSpawn => mean(sched::chained_spawn),
        Id::Timers => ms(features::timers(rt)),
        Id::TimeoutHot => ms(features::timeout_hot(rt)),
        Id::CallLater => ms(features::call_later(rt)),
        Id::SpawnBlocking => ms(features::spawn_blocking(rt)),
        Id::TcpEcho => {
            let before = super::child::process_usage();
            let value = features::tcp_echo(rt);
            let after = super::child::process_usage();
            Sample {
                value,
                wakeups: None,
                cost: Some(before.cost_per(after, features::ECHO_OPS)),
            }
        }
        Id::Mpsc => ms(features::mpsc(rt)),
        Id::Semaphore => ms(features::semaphore(rt)),
        Id::FsSmallWrites => ms(features::fs_small_writes(rt)),
        Id::IdleTaskMemory | Id::IdleCpu => {
            panic!(
                "{} runs in a child process (child::sample_in_child)",
                w.name
            )
        }
    }
}
