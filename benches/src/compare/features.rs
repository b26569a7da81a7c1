//! The feature workloads: timers, blocking pool, TCP, a bounded channel, a semaphore and
//! small file writes.
//! Each is generic over one capability trait of [`super::rt`], so every runtime runs the
//! same code and differs only in how it spells the operations.

use super::rt::{Blocking, Channel, Files, Net, Semaphores, Spawner, Timers};
use super::sched::in_task;
use std::hint::black_box;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::AcqRel};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Tasks of the `timers` workload.
pub const TIMER_TASKS: usize = 100_000;
/// Seed of the sleep durations, the same in every round and runtime.
pub const TIMER_SEED: u64 = 0x5eed_7135;
/// Closures of the `spawn_blocking` workload.
pub const BLOCKING_CALLS: usize = 10_000;
/// Client tasks of `tcp_echo`.
pub const ECHO_CLIENTS: usize = 50;
/// Round trips per client of `tcp_echo`.
pub const ECHO_ROUND_TRIPS: usize = 2_000;
/// Bytes per message of `tcp_echo`.
pub const ECHO_MESSAGE: usize = 64;
/// Capacity of the `mpsc` channel.
pub const MPSC_CAPACITY: usize = 1_024;
/// Producers of `mpsc`.
pub const MPSC_PRODUCERS: usize = 4;
/// Messages per producer of `mpsc`.
pub const MPSC_MESSAGES: u64 = 250_000;
/// Tasks of `semaphore`.
pub const SEM_TASKS: usize = 1_000;
/// Permits of the semaphore.
pub const SEM_PERMITS: usize = 10;
/// Acquisitions per task of `semaphore`.
pub const SEM_ACQUIRES: usize = 100;

/// splitmix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed generator, so the sleeps
/// are random-looking but identical for every runtime without a `rand` dependency.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The [`TIMER_TASKS`] sleep durations: uniform over 1..=10 ms at microsecond grain.
pub fn timer_durations() -> Vec<Duration> {
    let mut state = TIMER_SEED;
    (0..TIMER_TASKS)
        .map(|_| Duration::from_micros(1_000 + splitmix64(&mut state) % 9_001))
        .collect()
}

/// Workload `timers`: a task spawns [`TIMER_TASKS`] tasks, each sleeping its seeded
/// random 1-10 ms, and awaits them all. The time covers spawning, sleeping and joining.
pub fn timers<R: Timers>(rt: &R) -> Duration {
    let durations = timer_durations();
    let spawner = rt.spawner();
    let start = Instant::now();
    in_task(rt, async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| spawner.spawn(R::sleep(d)))
            .collect();
        for handle in handles {
            handle.await;
        }
    });
    start.elapsed()
}

/// Workload `call_later`: from inside a task, [`TIMER_TASKS`] callbacks, each due after
/// its seeded random 1-10 ms (the `timers` durations), each counting down; the time runs
/// until the last one ran. weft schedules them with `Handle::call_later` (a wheel entry
/// and no task until one fires); tokio and smol, which have no scheduled callbacks, spawn
/// a task per callback that sleeps and then calls it.
pub fn call_later<R: Timers>(rt: &R) -> Duration {
    struct Countdown {
        left: AtomicUsize,
        done: SyncSender<()>,
    }
    let durations = timer_durations();
    let (done, all_ran) = sync_channel(1);
    let countdown = Arc::new(Countdown {
        left: AtomicUsize::new(durations.len()),
        done,
    });
    let spawner = rt.spawner();
    let start = Instant::now();
    in_task(rt, async move {
        for d in durations {
            let countdown = countdown.clone();
            R::call_later(&spawner, d, move || {
                if countdown.left.fetch_sub(1, AcqRel) == 1 {
                    countdown.done.send(()).expect("the measuring thread waits");
                }
            });
        }
    });
    all_ran.recv().expect("the last callback signals");
    start.elapsed()
}

/// Calls of `timeout` in the `timeout_hot` workload.
pub const TIMEOUT_CALLS: usize = 1_000_000;

/// Workload `timeout_hot`: inside one task, [`TIMEOUT_CALLS`] calls of
/// `timeout(1 s, ready(i))`, each awaited: the cost of arming and cancelling a timeout
/// around an operation that completes at once, as a server does for every request.
pub fn timeout_hot<R: Timers>(rt: &R) -> Duration {
    let start = Instant::now();
    in_task(rt, async {
        for i in 0..TIMEOUT_CALLS {
            let out = R::timeout(Duration::from_secs(1), std::future::ready(i)).await;
            assert_eq!(black_box(out), Some(i));
        }
    });
    start.elapsed()
}

/// Workload `spawn_blocking`: from inside a task, [`BLOCKING_CALLS`] trivial closures go
/// to the blocking pool, all spawned first and then all awaited.
pub fn spawn_blocking<R: Blocking>(rt: &R) -> Duration {
    let start = Instant::now();
    in_task(rt, async {
        let handles: Vec<_> = (0..BLOCKING_CALLS)
            .map(|i| R::spawn_blocking(move || black_box(i)))
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.await, i);
        }
    });
    start.elapsed()
}

/// Workload `tcp_echo`, in round trips per second: an echo server on 127.0.0.1 and
/// [`ECHO_CLIENTS`] clients in the same runtime, each making [`ECHO_ROUND_TRIPS`] round
/// trips of [`ECHO_MESSAGE`] bytes with `TCP_NODELAY`. The time covers connecting, the
/// round trips and the server side finishing.
pub fn tcp_echo<R: Net>(rt: &R) -> f64 {
    let spawner = rt.spawner();
    let elapsed = in_task(rt, async move {
        let (listener, addr) = R::bind_localhost().await.expect("bind 127.0.0.1:0");
        let server_spawner = spawner.clone();
        let start = Instant::now();
        let server = spawner.spawn(async move {
            let mut connections = Vec::with_capacity(ECHO_CLIENTS);
            for _ in 0..ECHO_CLIENTS {
                let stream = R::accept(&listener).await.expect("accept");
                connections.push(server_spawner.spawn(echo::<R>(stream)));
            }
            for connection in connections {
                connection.await.expect("echo connection");
            }
        });
        let clients: Vec<_> = (0..ECHO_CLIENTS)
            .map(|_| spawner.spawn(echo_client::<R>(addr)))
            .collect();
        for client in clients {
            client.await.expect("echo client");
        }
        server.await;
        start.elapsed()
    });
    ECHO_OPS as f64 / elapsed.as_secs_f64()
}

/// Round trips in one `tcp_echo` sample.
pub const ECHO_OPS: u64 = (ECHO_CLIENTS * ECHO_ROUND_TRIPS) as u64;

/// Echoes everything it reads until the peer closes.
async fn echo<R: Net>(mut stream: R::Stream) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = R::read(&mut stream, &mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        R::write_all(&mut stream, &buf[..n]).await?;
    }
}

/// Connects and makes [`ECHO_ROUND_TRIPS`] round trips, checking each echo.
async fn echo_client<R: Net>(addr: std::net::SocketAddr) -> io::Result<()> {
    let mut stream = R::connect(addr).await?;
    let message = [0xa5u8; ECHO_MESSAGE];
    let mut reply = [0u8; ECHO_MESSAGE];
    for _ in 0..ECHO_ROUND_TRIPS {
        R::write_all(&mut stream, &message).await?;
        let mut got = 0;
        while got < ECHO_MESSAGE {
            let n = R::read(&mut stream, &mut reply[got..]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            got += n;
        }
        assert_eq!(reply, message);
    }
    Ok(())
}

/// Workload `mpsc`: a bounded channel of [`MPSC_CAPACITY`], [`MPSC_PRODUCERS`] producer
/// tasks sending [`MPSC_MESSAGES`] numbers each, one consumer task summing them.
pub fn mpsc<R: Channel>(rt: &R) -> Duration {
    let spawner = rt.spawner();
    let start = Instant::now();
    let sum = in_task(rt, async move {
        let (tx, mut rx) = R::channel(MPSC_CAPACITY);
        for _ in 0..MPSC_PRODUCERS {
            let tx = tx.clone();
            spawner.spawn_detached(async move {
                for i in 0..MPSC_MESSAGES {
                    R::send(&tx, i).await;
                }
            });
        }
        drop(tx);
        let mut sum = 0u64;
        while let Some(v) = R::recv(&mut rx).await {
            sum += v;
        }
        sum
    });
    let elapsed = start.elapsed();
    let expected = MPSC_PRODUCERS as u64 * (MPSC_MESSAGES * (MPSC_MESSAGES - 1) / 2);
    assert_eq!(sum, expected, "mpsc lost or duplicated messages");
    elapsed
}

/// Workload `semaphore`: [`SEM_TASKS`] tasks contend on a semaphore of [`SEM_PERMITS`],
/// each acquiring [`SEM_ACQUIRES`] times and holding the permit across one `yield_now`.
pub fn semaphore<R: Semaphores>(rt: &R) -> Duration {
    let spawner = rt.spawner();
    let start = Instant::now();
    in_task(rt, async move {
        let sem = Arc::new(R::semaphore(SEM_PERMITS));
        let handles: Vec<_> = (0..SEM_TASKS)
            .map(|_| {
                let sem = sem.clone();
                spawner.spawn(async move {
                    for _ in 0..SEM_ACQUIRES {
                        let permit = R::acquire(&sem).await;
                        R::yield_now().await;
                        drop(permit);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    });
    start.elapsed()
}

/// Writes of the `fs_small_writes` workload.
pub const FS_WRITES: u32 = 1_000_000;
/// Bytes per write of `fs_small_writes`.
pub const FS_RECORD: usize = 16;

/// Workload `fs_small_writes`: inside one task, [`FS_WRITES`] writes of [`FS_RECORD`]
/// bytes through the runtime's `BufWriter` over its own async file (weft's
/// `BufWriter<weft::fs::File>`, tokio's `BufWriter<tokio::fs::File>`, smol's
/// `BufWriter<Unblock<std::fs::File>>`, which is what `async_fs::File` wraps), then a
/// flush that waits for the file to have every byte. The time covers creating the file,
/// the writes and the flush; the file's length is checked afterwards.
pub fn fs_small_writes<R: Files>(rt: &R) -> Duration {
    let path = std::env::temp_dir().join(format!(
        "weft-compare-fs-small-writes-{}-{}",
        std::process::id(),
        R::NAME
    ));
    let start = Instant::now();
    in_task(rt, {
        let path = path.clone();
        async move {
            let mut writer = R::create_buffered(path).await.expect("create the file");
            let mut record = [0u8; FS_RECORD];
            for i in 0..FS_WRITES {
                record[..4].copy_from_slice(&i.to_le_bytes());
                R::write_all(&mut writer, black_box(&record))
                    .await
                    .expect("write a record");
            }
            R::finish(writer).await.expect("flush the file");
        }
    });
    let elapsed = start.elapsed();
    let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        len,
        u64::from(FS_WRITES) * FS_RECORD as u64,
        "fs_small_writes lost bytes"
    );
    elapsed
}
