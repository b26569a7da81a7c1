//! weft under test, on every workload: the scheduling ones (`ping_pong` on weft's own
//! oneshot), timers, `spawn_blocking`, TCP, its own `mpsc` channel and `Semaphore`, and
//! `BufWriter<weft::fs::File>`.

use super::rt::{Blocking, Channel, Files, Net, Oneshot, Rt, Semaphores, Spawner, Timers, Unwrap};
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use weft::io::{AsyncReadExt, AsyncWriteExt};

/// A weft runtime with a fixed number of workers.
#[derive(Debug)]
pub struct WeftRt {
    rt: weft::Runtime,
    workers: usize,
}

impl Rt for WeftRt {
    const NAME: &'static str = "weft";
    type Spawner = weft::Handle;
    type Oneshot = WeftOneshot;

    fn build(workers: usize) -> io::Result<Self> {
        let rt = weft::Builder::new().worker_threads(workers).build()?;
        Ok(WeftRt { rt, workers })
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn spawner(&self) -> weft::Handle {
        self.rt.handle().clone()
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        weft::task::yield_now()
    }
}

impl Timers for WeftRt {
    fn sleep(duration: std::time::Duration) -> impl Future<Output = ()> + Send + 'static {
        weft::time::sleep(duration)
    }

    async fn timeout<F>(duration: std::time::Duration, future: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        weft::time::timeout(duration, future).await.ok()
    }

    fn call_later<F>(spawner: &weft::Handle, delay: std::time::Duration, f: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // One wheel entry and no task until it fires.
        spawner.call_later(delay, f);
    }
}

impl Spawner for weft::Handle {
    type Join<T: Send + 'static> = Unwrap<weft::task::JoinHandle<T>>;

    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(weft::Handle::spawn(self, future))
    }

    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // Dropping a weft JoinHandle detaches the task.
        drop(weft::Handle::spawn(self, future));
    }
}

impl Net for WeftRt {
    type Listener = weft::net::TcpListener;
    type Stream = weft::net::TcpStream;

    async fn bind_localhost() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = weft::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = weft::net::TcpStream::connect(addr).await?;
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

impl Blocking for WeftRt {
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Unwrap(weft::spawn_blocking(f))
    }
}

impl Channel for WeftRt {
    type Tx = weft::sync::mpsc::Sender<u64>;
    type Rx = weft::sync::mpsc::Receiver<u64>;

    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        weft::sync::mpsc::channel(capacity)
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

impl Semaphores for WeftRt {
    type Semaphore = weft::sync::Semaphore;

    fn semaphore(permits: usize) -> Self::Semaphore {
        weft::sync::Semaphore::new(permits)
    }

    async fn acquire(sem: &Self::Semaphore) -> impl Send + '_ {
        sem.acquire().await.expect("the semaphore is never closed")
    }
}

impl Files for WeftRt {
    type Writer = weft::io::BufWriter<weft::fs::File>;

    async fn create_buffered(path: PathBuf) -> io::Result<Self::Writer> {
        Ok(weft::io::BufWriter::new(
            weft::fs::File::create(path).await?,
        ))
    }

    fn write_all<'a>(
        writer: &'a mut Self::Writer,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        writer.write_all(buf)
    }

    async fn finish(mut writer: Self::Writer) -> io::Result<()> {
        writer.flush().await
    }
}

/// `weft::sync::oneshot`, the channel weft's `ping_pong` runs on.
#[derive(Debug)]
pub struct WeftOneshot;

impl Oneshot for WeftOneshot {
    type Tx = weft::sync::oneshot::Sender<()>;
    type Rx = Unwrap<weft::sync::oneshot::Receiver<()>>;

    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = weft::sync::oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send(tx: Self::Tx) {
        tx.send(()).expect("the receiver waits for the value");
    }
}
