//! What a runtime must offer to be measured: [`Rt`] and [`Spawner`] for the scheduling
//! workloads, one capability trait per feature workload ([`Timers`], [`Blocking`],
//! [`Net`], [`Channel`], [`Semaphores`], [`Files`]), and the [`Oneshot`] channel
//! `ping_pong` runs on.
//!
//! Each workload is one generic function (in `sched.rs` or `features.rs`) over the
//! traits it needs, so the three runtimes do exactly the same work; `rt_*.rs` only say
//! how each runtime spells the operations.

use std::fmt::Debug;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A runtime under test, built once per workload and reused by all its rounds.
pub trait Rt: Sized + 'static {
    /// The name in the table and on the command line.
    const NAME: &'static str;

    /// Spawns onto this runtime, from inside its tasks or from outside.
    type Spawner: Spawner;

    /// The oneshot channel its `ping_pong` runs on: its own where it has one.
    type Oneshot: Oneshot;

    /// Starts the runtime with `workers` worker threads.
    ///
    /// # Errors
    ///
    /// The runtime's own build error (the OS refused its threads).
    fn build(workers: usize) -> io::Result<Self>;

    /// Worker threads the runtime was built with.
    fn workers(&self) -> usize;

    /// A spawner that tasks can carry.
    fn spawner(&self) -> Self::Spawner;

    /// Runs `future` to completion on the calling (non-worker) thread.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send + 'static;
}

/// Spawns tasks onto one runtime. Cheap to clone, so every task can carry one.
pub trait Spawner: Clone + Send + Sync + 'static {
    /// The task's handle, resolving to its output (a task failure is a bug in the
    /// workload, so it panics instead of returning an error).
    type Join<T: Send + 'static>: Future<Output = T> + Send + 'static;

    /// Spawns `future` and returns its handle.
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns `future` and lets it run to completion unobserved. Said explicitly because
    /// dropping a handle detaches a weft or tokio task but cancels an async-executor one.
    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static;
}

/// A oneshot channel of `()` (workload `ping_pong`): a runtime's own, or futures-channel's.
pub trait Oneshot: 'static {
    /// The sending half.
    type Tx: Send + 'static;
    /// The receiving half: a future of the value (a dropped sender is a bug in the
    /// workload, so it panics).
    type Rx: Future<Output = ()> + Send + 'static;

    /// A new channel.
    fn channel() -> (Self::Tx, Self::Rx);

    /// Sends the value (the receiver is alive by construction of the workload).
    fn send(tx: Self::Tx);
}

/// futures-channel's oneshot, runtime-agnostic: the `ping_pong` channel of runtimes
/// without their own.
#[derive(Debug)]
pub struct FuturesOneshot;

impl Oneshot for FuturesOneshot {
    type Tx = futures_channel::oneshot::Sender<()>;
    type Rx = Unwrap<futures_channel::oneshot::Receiver<()>>;

    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = futures_channel::oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send(tx: Self::Tx) {
        tx.send(()).expect("the receiver waits for the value");
    }
}

/// A runtime with timers (workload `timers`).
pub trait Timers: Rt {
    /// The runtime's sleep.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// The runtime's timeout: `Some(output)`, or `None` if `duration` passed first.
    fn timeout<F>(duration: Duration, future: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send;

    /// Runs `f` on the runtime once `delay` has passed (workload `call_later`). A runtime
    /// without scheduled callbacks (tokio, smol) does what its users write instead: spawn
    /// a task that sleeps, then calls `f`.
    fn call_later<F>(spawner: &Self::Spawner, delay: Duration, f: F)
    where
        F: FnOnce() + Send + 'static,
    {
        spawner.spawn_detached(async move {
            Self::sleep(delay).await;
            f();
        });
    }
}

/// A runtime with a pool for blocking work (workload `spawn_blocking`).
pub trait Blocking: Rt {
    /// Runs `f` on the blocking pool; must be called from inside a task.
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
}

/// A runtime with TCP sockets (workload `tcp_echo`). Every method is called from inside
/// a task.
pub trait Net: Rt {
    /// A listening socket.
    type Listener: Send + Sync + 'static;
    /// A connected socket.
    type Stream: Send + 'static;

    /// Listens on 127.0.0.1 at a port the OS picks.
    fn bind_localhost() -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>> + Send;

    /// Accepts one connection, with `TCP_NODELAY` set.
    fn accept(
        listener: &Self::Listener,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_;

    /// Connects to `addr`, with `TCP_NODELAY` set.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Reads what is available, at most `buf.len()` bytes; 0 at end of stream.
    fn read<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;

    /// Writes all of `buf`.
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// A runtime with a bounded multi-producer channel (workload `mpsc`).
pub trait Channel: Rt {
    /// The sending half.
    type Tx: Clone + Send + Sync + 'static;
    /// The receiving half.
    type Rx: Send + 'static;

    /// A channel holding at most `capacity` messages.
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);

    /// Sends `value`, waiting while the channel is full.
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;

    /// The next message, or `None` once every sender is gone and the channel is empty.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A runtime with an async counting semaphore (workload `semaphore`).
pub trait Semaphores: Rt {
    /// The semaphore.
    type Semaphore: Send + Sync + 'static;

    /// A semaphore with `permits` permits.
    fn semaphore(permits: usize) -> Self::Semaphore;

    /// Waits for a permit; dropping the returned guard gives it back.
    fn acquire(sem: &Self::Semaphore) -> impl Future<Output = impl Send + '_> + Send + '_;
}

/// A runtime with async files (workload `fs_small_writes`). Every method is called from
/// inside a task.
pub trait Files: Rt {
    /// The runtime's own buffered writer over its own file type.
    type Writer: Send + 'static;

    /// Creates (or truncates) the file at `path` and wraps it in the runtime's
    /// `BufWriter` with its default capacity.
    fn create_buffered(path: PathBuf) -> impl Future<Output = io::Result<Self::Writer>> + Send;

    /// Writes all of `buf` through the buffer.
    fn write_all<'a>(
        writer: &'a mut Self::Writer,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;

    /// Flushes the buffer and waits until the file has every byte (not synced to disk).
    fn finish(writer: Self::Writer) -> impl Future<Output = io::Result<()>> + Send;
}

/// Turns a `Result`-yielding join handle into one yielding the task's output, panicking
/// on a task failure (a bug in the workload, never a measurement).
#[derive(Debug)]
pub struct Unwrap<J>(pub J);

impl<J, T, E> Future for Unwrap<J>
where
    J: Future<Output = Result<T, E>> + Unpin,
    E: Debug,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or_else(|e| panic!("a benchmark task failed: {e:?}")))
    }
}
