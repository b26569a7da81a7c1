//! tokio's multi-thread runtime under test, with `worker_threads = N` and every driver
//! enabled.

use super::rt::{Blocking, Channel, Files, Net, Oneshot, Rt, Semaphores, Spawner, Timers, Unwrap};
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::{Builder, Handle, Runtime};

/// A tokio multi-thread runtime.
#[derive(Debug)]
pub struct TokioRt {
    rt: Runtime,
    workers: usize,
}

impl Rt for TokioRt {
    const NAME: &'static str = "tokio";
    type Spawner = Handle;
    type Oneshot = TokioOneshot;

    fn build(workers: usize) -> io::Result<Self> {
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?;
        Ok(TokioRt { rt, workers })
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn spawner(&self) -> Handle {
        self.rt.handle().clone()
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
}

impl Spawner for Handle {
    type Join<T: Send + 'static> = Unwrap<tokio::task::JoinHandle<T>>;

    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(Handle::spawn(self, future))
    }

    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // Dropping a tokio JoinHandle detaches the task.
        drop(Handle::spawn(self, future));
    }
}

impl Timers for TokioRt {
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(duration)
    }

    async fn timeout<F>(duration: Duration, future: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        tokio::time::timeout(duration, future).await.ok()
    }
}

impl Blocking for TokioRt {
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Unwrap(tokio::task::spawn_blocking(f))
    }
}

impl Net for TokioRt {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;

    async fn bind_localhost() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
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

impl Channel for TokioRt {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;

    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }

    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value)
            .await
            .expect("the mpsc consumer outlives its producers");
    }

    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
}

impl Semaphores for TokioRt {
    type Semaphore = tokio::sync::Semaphore;

    fn semaphore(permits: usize) -> Self::Semaphore {
        tokio::sync::Semaphore::new(permits)
    }

    async fn acquire(sem: &Self::Semaphore) -> impl Send + '_ {
        sem.acquire().await.expect("the semaphore is never closed")
    }
}

impl Files for TokioRt {
    type Writer = tokio::io::BufWriter<tokio::fs::File>;

    async fn create_buffered(path: PathBuf) -> io::Result<Self::Writer> {
        Ok(tokio::io::BufWriter::new(
            tokio::fs::File::create(path).await?,
        ))
    }

    fn write_all<'a>(
        writer: &'a mut Self::Writer,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        writer.write_all(buf)
    }

    async fn finish(mut writer: Self::Writer) -> io::Result<()> {
        // tokio's File::flush waits for the write in flight.
        writer.flush().await
    }
}

/// `tokio::sync::oneshot`, the channel tokio's `ping_pong` runs on.
#[derive(Debug)]
pub struct TokioOneshot;

impl Oneshot for TokioOneshot {
    type Tx = tokio::sync::oneshot::Sender<()>;
    type Rx = Unwrap<tokio::sync::oneshot::Receiver<()>>;

    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send(tx: Self::Tx) {
        tx.send(()).expect("the receiver waits for the value");
    }
}
