//! The scheduling workloads, generic over [`Rt`] and so live on every runtime: spawning
//! (from inside, from outside onto idle workers, from outside onto busy ones), message
//! passing between freshly spawned tasks, yielding and chains of spawns.
//!
//! Each returns the wall time of one run. Completion is signalled to the measuring thread
//! through a `std::sync::mpsc` channel, which costs every runtime the same, or by awaiting
//! join handles in `block_on` where the workload says so.

use super::rt::{Oneshot, Rt, Spawner};
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Tasks per spawn workload: the 10 000 of tokio's `spawn_many_*` benches.
pub const SPAWN_TASKS: usize = 10_000;
/// Pings per `ping_pong` run, as in tokio's bench.
pub const PINGS: usize = 1_000;
/// Tasks of `yield_many`, as in tokio's bench.
pub const YIELD_TASKS: usize = 200;
/// `yield_now` calls per task of `yield_many`, as in tokio's bench.
pub const YIELDS_PER_TASK: usize = 1_000;
/// Length of the chain of `chained_spawn`, as in tokio's bench.
pub const CHAIN_DEPTH: usize = 1_000;
/// Busy-wait of each busy task per turn in `spawn_many_remote_busy`, as tokio's `stall`.
pub const STALL: Duration = Duration::from_micros(10);

/// Spins for `d` without yielding the thread (tokio's `stall`).
pub fn spin(d: Duration) {
    let start = Instant::now();
    while black_box(start.elapsed()) < d {
        std::hint::spin_loop();
    }
}

/// Spawns `future` as a task, waits for it on the calling thread and returns its output.
pub fn in_task<R, F>(rt: &R, future: F) -> F::Output
where
    R: Rt,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawner().spawn(future))
}

/// A task body that counts itself down and signals `done` if it was the last.
async fn count_down(left: Arc<AtomicUsize>, done: SyncSender<()>) {
    if left.fetch_sub(1, Ordering::AcqRel) == 1 {
        done.send(())
            .expect("the measuring thread waits for the signal");
    }
}

/// Waits for the signal of the last task.
fn wait(done: &std::sync::mpsc::Receiver<()>) {
    done.recv()
        .expect("the last task signals before its sender drops");
}

/// Workload `spawn_many_local`: a task spawns [`SPAWN_TASKS`] tasks onto its own runtime;
/// each counts down a shared counter and the last one signals.
pub fn spawn_many_local<R: Rt>(rt: &R) -> Duration {
    let (tx, rx) = sync_channel(1);
    let left = Arc::new(AtomicUsize::new(SPAWN_TASKS));
    let spawner = rt.spawner();
    let inner = spawner.clone();
    let start = Instant::now();
    spawner.spawn_detached(async move {
        for _ in 0..SPAWN_TASKS {
            inner.spawn_detached(count_down(left.clone(), tx.clone()));
        }
    });
    wait(&rx);
    start.elapsed()
}

/// Workload `spawn_many_remote_idle`: the measuring thread spawns [`SPAWN_TASKS`] tasks
/// through the runtime's handle onto idle workers, then awaits every join handle.
pub fn spawn_many_remote_idle<R: Rt>(rt: &R) -> Duration {
    spawn_remote_and_join(rt)
}

fn spawn_remote_and_join<R: Rt>(rt: &R) -> Duration {
    let (tx, _rx) = sync_channel(1);
    let left = Arc::new(AtomicUsize::new(SPAWN_TASKS));
    let spawner = rt.spawner();
    let start = Instant::now();
    let handles: Vec<_> = (0..SPAWN_TASKS)
        .map(|_| spawner.spawn(count_down(left.clone(), tx.clone())))
        .collect();
    rt.block_on(async move {
        for handle in handles {
            handle.await;
        }
    });
    start.elapsed()
}

/// Workload `spawn_many_remote_busy` (tokio's `spawn_many_remote_busy1`): 2 x workers
/// tasks keep every worker busy (`yield_now`, then a 10 us spin, until stopped) while the
/// measuring thread spawns [`SPAWN_TASKS`] tasks through the handle and awaits them.
///
/// The busy tasks are started and stopped inside each sample, not kept for the whole
/// workload as tokio's bench does: the runtimes run interleaved in one process, and busy
/// tasks left spinning would steal the CPU from the other runtimes' rounds.
pub fn spawn_many_remote_busy<R: Rt>(rt: &R) -> Duration {
    let spawner = rt.spawner();
    let busy_tasks = 2 * rt.workers();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicUsize::new(0));
    let busy: Vec<_> = (0..busy_tasks)
        .map(|_| {
            let stop = stop.clone();
            let started = started.clone();
            spawner.spawn(async move {
                started.fetch_add(1, Ordering::Relaxed);
                while !stop.load(Ordering::Relaxed) {
                    R::yield_now().await;
                    spin(STALL);
                }
            })
        })
        .collect();
    while started.load(Ordering::Relaxed) < busy_tasks {
        thread::sleep(Duration::from_micros(50));
    }
    let elapsed = spawn_remote_and_join(rt);
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async move {
        for handle in busy {
            handle.await;
        }
    });
    elapsed
}

/// Workload `ping_pong` (tokio's bench): a task spawns [`PINGS`] tasks; each spawns a
/// partner, sends it a ping over a oneshot channel `C` and waits for the pong on another.
/// Each runtime uses its own oneshot where it has one (see [`Rt::Oneshot`]), so the
/// workload measures the channel's wake path together with the scheduling.
pub fn ping_pong<R: Rt, C: Oneshot>(rt: &R) -> Duration {
    let (tx, rx) = sync_channel(1);
    let left = Arc::new(AtomicUsize::new(PINGS));
    let spawner = rt.spawner();
    let outer = spawner.clone();
    let start = Instant::now();
    spawner.spawn_detached(async move {
        for _ in 0..PINGS {
            let (left, tx) = (left.clone(), tx.clone());
            let inner = outer.clone();
            outer.spawn_detached(async move {
                let (ping_tx, ping_rx) = C::channel();
                let (pong_tx, pong_rx) = C::channel();
                inner.spawn_detached(async move {
                    ping_rx.await;
                    C::send(pong_tx);
                });
                C::send(ping_tx);
                pong_rx.await;
                count_down(left, tx).await;
            });
        }
    });
    wait(&rx);
    start.elapsed()
}

/// Workload `yield_many` (tokio's bench): [`YIELD_TASKS`] tasks spawned from outside,
/// each calling the runtime's `yield_now` [`YIELDS_PER_TASK`] times.
pub fn yield_many<R: Rt>(rt: &R) -> Duration {
    let (tx, rx) = sync_channel(1);
    let left = Arc::new(AtomicUsize::new(YIELD_TASKS));
    let spawner = rt.spawner();
    let start = Instant::now();
    for _ in 0..YIELD_TASKS {
        let done = count_down(left.clone(), tx.clone());
        spawner.spawn_detached(async move {
            for _ in 0..YIELDS_PER_TASK {
                R::yield_now().await;
            }
            done.await;
        });
    }
    wait(&rx);
    start.elapsed()
}

/// Workload `chained_spawn` (tokio's bench): each task spawns the next, [`CHAIN_DEPTH`]
/// deep; the last one signals.
pub fn chained_spawn<R: Rt>(rt: &R) -> Duration {
    fn link<S: Spawner>(spawner: S, left: usize, done: SyncSender<()>) {
        if left == 0 {
            done.send(())
                .expect("the measuring thread waits for the signal");
        } else {
            let next = spawner.clone();
            spawner.spawn_detached(async move { link(next, left - 1, done) });
        }
    }
    let (tx, rx) = sync_channel(1);
    let spawner = rt.spawner();
    let start = Instant::now();
    spawner
        .clone()
        .spawn_detached(async move { link(spawner, CHAIN_DEPTH, tx) });
    wait(&rx);
    start.elapsed()
}
