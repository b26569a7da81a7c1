//! smol's stack under test, put together the way a smol program does it for N threads:
//! one `async_executor::Executor` run by N threads (each inside `async_io::block_on`, so
//! an idle one drives the async-io reactor), async-io for timers and sockets, the
//! `blocking` pool for blocking work, async-channel and async-lock for sync.
//!
//! The async-io reactor and the `blocking` pool are process-wide singletons, not per
//! runtime: that is how smol is built, and it is shared by nothing else here.

use super::rt::{Blocking, Channel, Files, FuturesOneshot, Net, Rt, Semaphores, Spawner, Timers};
use async_executor::{Executor, Task};
use async_io::{Async, Timer};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// An executor run by `workers` threads; dropping it stops and joins them.
#[derive(Debug)]
pub struct SmolRt {
    executor: Arc<Executor<'static>>,
    /// Never sent on: dropping it closes the channel, which ends every thread's `run`.
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Rt for SmolRt {
    const NAME: &'static str = "smol";
    type Spawner = SmolSpawner;
    type Oneshot = FuturesOneshot;

    fn build(workers: usize) -> io::Result<Self> {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let mut rt = SmolRt {
            executor,
            stop: Some(stop),
            threads: Vec::with_capacity(workers),
        };
        for i in 0..workers {
            let executor = rt.executor.clone();
            let stopped = stopped.clone();
            let thread = thread::Builder::new()
                .name(format!("smol-worker-{i}"))
                .spawn(move || {
                    async_io::block_on(executor.run(async {
                        let _ = stopped.recv().await;
                    }))
                })?;
            rt.threads.push(thread);
        }
        Ok(rt)
    }

    fn workers(&self) -> usize {
        self.threads.len()
    }

    fn spawner(&self) -> SmolSpawner {
        SmolSpawner(self.executor.clone())
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_io::block_on(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        futures_lite::future::yield_now()
    }
}

impl Drop for SmolRt {
    fn drop(&mut self) {
        drop(self.stop.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Spawns onto a shared `async_executor::Executor` (what `smol::spawn` does with its
/// global one).
#[derive(Clone, Debug)]
pub struct SmolSpawner(Arc<Executor<'static>>);

impl Spawner for SmolSpawner {
    type Join<T: Send + 'static> = Task<T>;

    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(future)
    }

    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // Dropping an async-executor Task would cancel it.
        self.0.spawn(future).detach();
    }
}

impl Timers for SmolRt {
    async fn sleep(duration: Duration) {
        Timer::after(duration).await;
    }

    async fn timeout<F>(duration: Duration, future: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        // smol has no timeout of its own; this is the idiom its users write: race the
        // future (polled first) against a timer.
        futures_lite::FutureExt::or(async { Some(future.await) }, async {
            Timer::after(duration).await;
            None
        })
        .await
    }
}

impl Blocking for SmolRt {
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        blocking::unblock(f)
    }
}

impl Net for SmolRt {
    type Listener = Async<TcpListener>;
    type Stream = Async<TcpStream>;

    async fn bind_localhost() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = Async::<TcpListener>::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.get_ref().local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = Async::<TcpStream>::connect(addr).await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }

    fn read<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        stream.read(buf)
    }

    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        stream.write_all(buf)
    }
}

impl Channel for SmolRt {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }

    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value)
            .await
            .expect("the mpsc consumer outlives its producers");
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

impl Semaphores for SmolRt {
    type Semaphore = async_lock::Semaphore;

    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }

    fn acquire(sem: &Self::Semaphore) -> impl Future<Output = impl Send + '_> + Send + '_ {
        sem.acquire()
    }
}

impl Files for SmolRt {
    type Writer = futures_lite::io::BufWriter<blocking::Unblock<std::fs::File>>;

    async fn create_buffered(path: PathBuf) -> io::Result<Self::Writer> {
        let file = blocking::unblock(move || std::fs::File::create(path)).await?;
        Ok(futures_lite::io::BufWriter::new(blocking::Unblock::new(
            file,
        )))
    }

    fn write_all<'a>(
        writer: &'a mut Self::Writer,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        writer.write_all(buf)
    }

    async fn finish(mut writer: Self::Writer) -> io::Result<()> {
        // Unblock's flush waits until its thread has written everything.
        writer.flush().await
    }
}
