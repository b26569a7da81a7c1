//! `Async<T>`: any non-blocking descriptor, driven by the reactor.

use crate::coop;
use crate::reactor::{self, Registration};
use crate::registration::{Direction, Interest, Ready, Want};
use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// An I/O object (socket, pipe, eventfd, any descriptor) in non-blocking mode, registered
/// with the current runtime's reactor so its operations can be awaited.
///
/// Operations follow one pattern: try the operation while the direction is ready or its
/// readiness is not known yet (right after registration, so a socket fresh from `accept`
/// reads what its peer already sent without waiting for the reactor), and on `WouldBlock`
/// forget the readiness and wait for the next edge. [`read_with`] and [`write_with`] run
/// that loop around any closure. [`readable`] and [`writable`] wait for a real edge.
///
/// Dropping an `Async` deregisters the descriptor from the reactor and then closes it;
/// other tasks still waiting on it (through a shared reference) get an error.
///
/// [`read_with`]: Async::read_with
/// [`write_with`]: Async::write_with
/// [`readable`]: Async::readable
/// [`writable`]: Async::writable
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use weft::io::Async;
///
/// weft::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
///     b.write_with(|s| (&*s).write(b"ping")).await.unwrap();
///     let mut buf = [0; 4];
///     let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
/// });
/// ```
pub struct Async<T: AsFd> {
    io: Option<T>,
    reg: Registration,
}

fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl with F_GETFL/F_SETFL on a borrowed, open descriptor touches no memory.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags == -1 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above.
        if unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// - Outside a runtime: create it inside a task or `Runtime::block_on` (or after
    ///   `Handle::enter`).
    /// - After the runtime's io-driver has shut down: create it on a running runtime.
    /// - The OS error for an invalid or closed descriptor (`EBADF`), one already registered
    ///   with this reactor (`EEXIST`: wrap each descriptor once), or one the poller cannot
    ///   watch (a regular file, `EPERM`: use blocking I/O, e.g. `spawn_blocking`, for files).
    ///
    /// On error `io` is dropped (and so closed).
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// assert!(weft::io::Async::new(a).is_err(), "no runtime here");
    /// ```
    pub fn new(io: T) -> io::Result<Async<T>> {
        let reactor = reactor::current()?;
        set_nonblocking(io.as_fd())?;
        let reg = reactor.register(io.as_fd())?;
        Ok(Async { io: Some(io), reg })
    }

    /// The inner I/O object.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     assert!(a.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("the I/O object is present until into_inner or drop")
    }

    /// Deregisters and returns the inner I/O object (still in non-blocking mode).
    ///
    /// # Errors
    ///
    /// The OS error if the selector refuses to forget the descriptor (`EBADF`: it was
    /// closed behind the `Async`'s back). The I/O object is dropped (closed) then, and
    /// there is nothing to retry.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     let std_stream = a.into_inner().unwrap();
    ///     # drop(std_stream);
    /// });
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        let res = self.reg.deregister();
        let io = self
            .io
            .take()
            .expect("the I/O object is present until into_inner or drop");
        res.map(|()| io)
    }

    /// Waits until the descriptor is readable (or has an error or hang-up to report).
    ///
    /// Readiness stays set until an operation through [`read_with`](Self::read_with) hits
    /// `WouldBlock`, so after a plain `readable()` do the read with `read_with`.
    ///
    /// # Errors
    ///
    /// An error once the runtime's io-driver has shut down (or the source was
    /// deregistered), and, on platforms where interest is re-armed per wait (not Linux),
    /// the OS error if re-arming fails. The source is unusable then: drop it, and create it
    /// again on a running runtime if needed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// ```
    /// use std::io::Write;
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     a.readable().await.unwrap();
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_readable(cx)).await
    }

    /// Waits until the descriptor is writable (or has an error or hang-up to report).
    ///
    /// # Errors
    ///
    /// An error once the runtime's io-driver has shut down (or the source was
    /// deregistered), and, on platforms where interest is re-armed per wait (not Linux),
    /// the OS error if re-arming fails. The source is unusable then: drop it, and create it
    /// again on a running runtime if needed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     a.writable().await.unwrap();
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_writable(cx)).await
    }

    /// Polls for read readiness; see [`readable`](Self::readable).
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable).
    ///
    /// ```
    /// use std::io::Write;
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     std::future::poll_fn(|cx| a.poll_readable(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness; see [`writable`](Self::writable).
    ///
    /// # Errors
    ///
    /// As [`writable`](Self::writable).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     std::future::poll_fn(|cx| a.poll_writable(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Write, cx)
    }

    fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let coop = ready!(coop::poll_proceed(cx));
        let res = ready!(self.reg.poll_ready(direction, Want::Edge, cx)).map(|_| ());
        coop.made_progress();
        Poll::Ready(res)
    }

    /// Waits until at least one direction of `interest` is ready and returns the ready
    /// directions (tokio's `ready`).
    ///
    /// Like [`readable`](Self::readable) and [`writable`](Self::writable), this waits for
    /// readiness the reactor has reported: on a fresh registration, whose readiness is not
    /// known yet, it waits for the first event rather than guessing (the selector reports a
    /// descriptor's current state when it is registered, so a socket that already has bytes
    /// or room is reported at once). Readiness stays set until an operation through
    /// [`try_io`](Self::try_io) (or `read_with`/`write_with`) sees `WouldBlock`, so a
    /// `ready` may be followed by a `try_io` that finds nothing after all (the readiness
    /// was spurious, or another task took the bytes): loop back to `ready` then.
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable): an error once the runtime's io-driver has shut down
    /// or the source was deregistered.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```
    /// use std::io::Write;
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    ///     assert!(ready.is_readable() || ready.is_writable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| self.poll_interest(interest, cx)).await
    }

    /// Polls for any direction of `interest`; see [`ready`](Self::ready).
    fn poll_interest(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        let coop = ready!(coop::poll_proceed(cx));
        let mut found = Ready::EMPTY;
        // Poll every asked direction, so that when none is ready the task waits on each.
        for direction in interest.directions() {
            match self.reg.poll_ready(direction, Want::Edge, cx) {
                Poll::Ready(Ok(_)) => found = found.with(direction),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        if found.is_empty() {
            return Poll::Pending;
        }
        coop.made_progress();
        Poll::Ready(Ok(found))
    }

    /// Runs `f` once, without waiting, if a direction of `interest` may be ready, and
    /// forgets that readiness if `f` returns `WouldBlock` (tokio's `try_io`).
    ///
    /// `f` runs when a direction of `interest` is ready or its readiness is not known yet
    /// (a fresh registration: weft tries the syscall rather than wait for a first event).
    /// When every direction is known not ready, `f` does not run and the result is
    /// `WouldBlock`. `f` must do the I/O on the descriptor itself and report `WouldBlock`
    /// as the OS does: that result is the only thing that clears readiness, and a `f` that
    /// returns `WouldBlock` without trying would leave the task waiting for an event that
    /// may never come.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when no direction of `interest` is ready (wait with
    /// [`ready`](Self::ready), then try again); any error of `f`, as it returned it; an
    /// error once the runtime's io-driver has shut down or the source was deregistered.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use weft::io::Interest;
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     let mut buf = [0; 4];
    ///     let err = a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     b.write_all(b"data").unwrap();
    ///     loop {
    ///         a.ready(Interest::READABLE).await.unwrap();
    ///         match a.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)) {
    ///             Ok(n) => break assert_eq!(&buf[..n], b"data"),
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             Err(e) => panic!("{e}"),
    ///         }
    ///     }
    /// });
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        // A poll with a waker that does nothing is a readiness check that never parks this
        // task: a not-ready direction keeps the no-op waker until its next event, which is
        // harmless (and, with a real waiter, woken together with it).
        let mut cx = Context::from_waker(Waker::noop());
        let mut events = [None, None];
        for (slot, direction) in events.iter_mut().zip(interest.directions()) {
            match self.reg.poll_ready(direction, Want::Attempt, &mut cx) {
                Poll::Ready(Ok(event)) => *slot = Some(event),
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        if events.iter().all(Option::is_none) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let res = f(self.get_ref());
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            for event in events.into_iter().flatten() {
                self.reg.clear_readiness(event);
            }
        }
        res
    }

    /// Runs `op` until it does not return `WouldBlock`, waiting for read readiness between
    /// tries. `op` receives `&T`; for std sockets, `&TcpStream` implements `Read`.
    ///
    /// # Errors
    ///
    /// Any error of `op` other than `WouldBlock`, as `op` returned it (the caller decides:
    /// `Interrupted` is worth a retry, `ConnectionReset` is not), and the errors of
    /// [`readable`](Self::readable) while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as long as `op` is: if the future is dropped, `op` has either completed
    /// (and its result was returned) or not run past a `WouldBlock`.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     b.write_all(b"hi").unwrap();
    ///     let mut buf = [0; 2];
    ///     a.read_with(|s| (&*s).read_exact(&mut buf)).await.unwrap();
    ///     assert_eq!(&buf, b"hi");
    /// });
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(Direction::Read, cx, &mut op)).await
    }

    /// Runs `op` until it does not return `WouldBlock`, waiting for write readiness between
    /// tries.
    ///
    /// # Errors
    ///
    /// Any error of `op` other than `WouldBlock`, as `op` returned it, and the errors of
    /// [`writable`](Self::writable) while waiting.
    ///
    /// # Cancel safety
    ///
    /// As [`read_with`](Self::read_with).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     a.write_with(|s| (&*s).write(b"yo")).await.unwrap();
    ///     let mut buf = [0; 2];
    ///     b.read_exact(&mut buf).unwrap();
    ///     assert_eq!(&buf, b"yo");
    /// });
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(Direction::Write, cx, &mut op)).await
    }

    /// The poll form of `read_with`/`write_with`, for `AsyncRead`/`AsyncWrite` impls.
    ///
    /// # Errors
    ///
    /// As [`read_with`](Self::read_with) and [`write_with`](Self::write_with).
    #[doc(hidden)]
    pub fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let coop = ready!(coop::poll_proceed(cx));
        loop {
            // Right after registration this is ready at once (readiness unknown): the first
            // try goes straight to the syscall. After a `WouldBlock`, it waits for an edge.
            let event = ready!(self.reg.poll_ready(direction, Want::Attempt, cx))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.reg.clear_readiness(event),
                res => {
                    coop.made_progress();
                    return Poll::Ready(res);
                }
            }
        }
    }

    /// Polls a read with `op`; for implementing `AsyncRead` on wrappers.
    ///
    /// # Errors
    ///
    /// As [`read_with`](Self::read_with).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// weft::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     b.write_all(b"z").unwrap();
    ///     let mut buf = [0; 1];
    ///     let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |s| (&*s).read(&mut buf)))
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, cx, op)
    }

    /// Polls a write with `op`; for implementing `AsyncWrite` on wrappers.
    ///
    /// # Errors
    ///
    /// As [`write_with`](Self::write_with).
    ///
    /// ```
    /// use std::io::Write;
    /// weft::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = weft::io::Async::new(a).unwrap();
    ///     let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |s| (&*s).write(b"q")))
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(n, 1);
    /// });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, cx, op)
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            // Deregister first, then close: polling's contract, and it wakes any waiter.
            let _ = self.reg.deregister();
            self.io.take();
        }
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

impl<T: AsFd> futures_io::AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read_vectored(bufs))
    }
}

impl<T: AsFd> futures_io::AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
