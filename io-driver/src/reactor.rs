//! The reactor: one OS selector (`sys::Selector`) per runtime, a slab of registrations, and the
//! `weft-io` thread that waits on the selector and wakes tasks when no worker does.
//!
//! Who waits in the selector is decided by the seat (`seat.rs`): a worker about to park
//! takes it and parks in the selector ([`Reactor::try_drive`], [`Drive::wait`]), so an
//! event wakes the worker that will run its task; a busy worker takes it for a
//! non-blocking look at its maintenance tick; the `weft-io` thread takes it only when no
//! worker has for a grace period, and sleeps while a worker waits in the selector.
//!
//! Threads and fields:
//! - `sources` (slab, under a mutex): inserted by `register` on any thread, removed by
//!   `deregister` on any thread, read by the driver thread in `dispatch`. Each entry's `key`
//!   (the selector key) carries a generation above the slot index, so an event for a slot
//!   that was freed and reused is recognised as stale and dropped.
//! - `shutdown`: set once by `Driver::shutdown`; after it, `register` fails and every
//!   source's waiters are woken with an error.
//! - `timers`: the driver side of the timer protocol (`time::timers`), which locks its own
//!   state. The driver thread calls `before_wait` and `after_wait` around each `wait` and
//!   `shutdown` last; `TimerEntry` (`time::entry`) arms and cancels from any thread and
//!   calls `notify` when `Timers` says the driver sleeps past its deadline.
//!
//! Lock order: `sources`, then a source's `waiters`. Wakers are always called with no lock
//! held, in one batch per `wait`: the wakes from the `weft-io` thread go to the runtime's
//! global queue (the scheduler's idle protocol unparks at most one worker for the batch);
//! a worker's `Drive::wait` hands them back to the worker, which queues them locally.
//!
//! Deregistration always happens before the descriptor is closed (the selector's `add` contract):
//! `Async<T>` deregisters in its `Drop` and only then drops the I/O object.

use crate::registration::{Direction, ReadyEvent, ScheduledIo, Want, READABLE, SHUTDOWN, WRITABLE};
use crate::seat::{IoNext, Seat, GRACE};
use crate::sys::{Events, Selector, NOTIFY_KEY};
use crate::time::timers::Timers;
use slab::Slab;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{
    AtomicBool, AtomicUsize,
    Ordering::{Relaxed, SeqCst},
};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Bits of a selector key that index the slab; the generation sits above them.
const INDEX_BITS: u32 = if usize::BITS >= 64 { 32 } else { 20 };
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The generation never reaches the key's top bit, so no key equals `usize::MAX`, which
/// the selector keeps for its own notifications.
const GEN_MASK: usize = (1 << (usize::BITS - INDEX_BITS - 1)) - 1;

/// The readiness selector shared by a runtime's I/O sources.
pub struct Reactor {
    selector: Selector,
    edge: bool,
    sources: Mutex<Slab<Entry>>,
    /// Sources registered now, readable without the `sources` lock (a worker's
    /// maintenance tick looks at the selector only when there are some).
    num_sources: AtomicUsize,
    generation: AtomicUsize,
    shutdown: AtomicBool,
    pub(crate) timers: Timers,
    /// Who may block in the selector (see `seat.rs`).
    seat: Seat,
    /// The event buffer of the worker that holds the seat (never contended: one holder).
    worker_events: Mutex<Events>,
}

struct Entry {
    key: usize,
    io: Arc<ScheduledIo>,
}

/// A registered descriptor; deregisters when dropped.
pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    io: Arc<ScheduledIo>,
    key: usize,
    fd: RawFd,
}

impl Reactor {
    /// Creates a reactor with its own selector (epoll on Linux, kqueue on the BSDs and macOS).
    ///
    /// # Errors
    ///
    /// The OS error if the selector cannot be created (for example, out of descriptors).
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// # drop(reactor);
    /// ```
    pub fn new() -> io::Result<Arc<Reactor>> {
        let selector = Selector::new()?;
        Ok(Arc::new(Reactor {
            edge: selector.supports_edge(),
            selector,
            sources: Mutex::new(Slab::new()),
            num_sources: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            timers: Timers::new(),
            seat: Seat::new(),
            worker_events: Mutex::new(Events::new()),
        }))
    }

    /// Registers `fd` for read and write readiness.
    pub(crate) fn register(self: &Arc<Self>, fd: BorrowedFd<'_>) -> io::Result<Registration> {
        if self.shutdown.load(SeqCst) {
            return Err(shut_down_error());
        }
        let io = Arc::new(ScheduledIo::new());
        let mut sources = self.sources.lock().unwrap();
        // Again under the lock: the driver marks every source in the table as shut down
        // under this lock after setting the flag, so a source inserted after that marking
        // would never learn of it.
        if self.shutdown.load(SeqCst) {
            return Err(shut_down_error());
        }
        let entry = sources.vacant_entry();
        let index = entry.key();
        if index > INDEX_MASK {
            return Err(io::Error::other(
                "too many I/O sources registered with one weft runtime",
            ));
        }
        let generation = self.generation.fetch_add(1, SeqCst) & GEN_MASK;
        let key = (generation << INDEX_BITS) | index;
        debug_assert_ne!(key, NOTIFY_KEY);
        // SAFETY: the selector requires that the descriptor be deleted before it is closed.
        // The returned Registration deletes it in `deregister`, which `Async` runs in its
        // Drop before it drops (and so closes) the I/O object.
        unsafe { self.selector.add(fd.as_raw_fd(), key)? };
        entry.insert(Entry {
            key,
            io: io.clone(),
        });
        self.num_sources.fetch_add(1, Relaxed);
        Ok(Registration {
            reactor: self.clone(),
            io,
            key,
            fd: fd.as_raw_fd(),
        })
    }

    /// Waits until an I/O event or the earliest timer, then wakes the tasks whose sources
    /// became ready and whose timers fired, all in one batch after the locks are released.
    /// Used by the driver thread.
    ///
    /// `busy` says the previous turn handled events. Then this one first looks again
    /// without blocking: under load events keep arriving, and a non-blocking wait is far
    /// cheaper than putting the thread to sleep and waking it for the next batch. Only an
    /// empty look lets the thread block. Returns whether this turn handled events.
    fn turn(&self, events: &mut Events, wake: &mut Vec<Waker>, busy: bool) -> bool {
        let timeout = self.timers.before_wait();
        let timeout = if busy { Some(Duration::ZERO) } else { timeout };
        if let Err(e) = self.selector.wait(events, timeout) {
            // Nothing sensible can be done about a failing wait but to report it and keep
            // serving; it does not happen on a valid selector.
            eprintln!("weft-io: selector wait failed: {e}");
        }
        self.timers.after_wait(wake);
        self.dispatch(events, wake);
        let handled = !wake.is_empty();
        for waker in wake.drain(..) {
            waker.wake();
        }
        handled
    }

    /// Marks the sources of `events` ready and moves the wakers of their waiters into
    /// `wake`.
    fn dispatch(&self, events: &Events, wake: &mut Vec<Waker>) {
        let sources = self.sources.lock().unwrap();
        for (key, readable, writable) in events.iter() {
            let Some(entry) = sources.get(key & INDEX_MASK) else {
                continue;
            };
            if entry.key != key {
                continue; // a stale event for a slot since reused
            }
            let mut ready = 0;
            if readable {
                ready |= READABLE;
            }
            if writable {
                ready |= WRITABLE;
            }
            entry.io.set_readiness(ready, wake);
        }
    }

    /// The `weft-io` thread's loop: watch the seat, drive the selector when no worker has
    /// for a grace period, sleep while a worker waits in it (see `seat.rs`).
    fn run_io_thread(&self) {
        let me = thread::current();
        self.seat.set_io_unpark(Box::new(move || me.unpark()));
        let mut events = Events::new();
        let mut wake = Vec::new();
        let mut seen = self.seat.generation();
        while !self.shutdown.load(SeqCst) {
            match self.seat.look(&mut seen) {
                IoNext::Watch => thread::park_timeout(GRACE),
                IoNext::Sleep => self.seat.sleep_io(seen, thread::park),
                IoNext::Drive => {
                    let mut busy = false;
                    while !self.shutdown.load(SeqCst) && !self.seat.is_wanted() {
                        busy = self.turn(&mut events, &mut wake, busy);
                    }
                    self.seat.release_io();
                    // A worker asked for the seat: give it a grace period to take it.
                    seen = self.seat.generation();
                    thread::park_timeout(GRACE);
                }
            }
        }
        self.shut_down_all();
    }

    /// Takes the seat at the selector for the calling worker thread, if nobody holds it:
    /// with it, [`Drive::wait`] looks for events (or waits for them) and the calling
    /// thread runs what they woke, instead of the `weft-io` thread handing every event
    /// across threads. `None` if another worker holds the seat, or the `weft-io` thread
    /// does (it is then asked to give the seat up for next time).
    ///
    /// ```
    /// let driver = weft_io::Driver::start("io".into()).unwrap();
    /// let reactor = driver.reactor();
    /// if let Some(mut drive) = reactor.try_drive() {
    ///     let mut wake = Vec::new();
    ///     drive.wait(false, &mut wake); // a look, without blocking
    ///     assert!(wake.is_empty());
    /// };
    /// ```
    pub fn try_drive(&self) -> Option<Drive<'_>> {
        // loom models of the scheduler run no selector.
        if cfg!(loom) || self.shutdown.load(SeqCst) {
            return None;
        }
        if self.seat.try_take() {
            return Some(Drive { reactor: self });
        }
        if self.seat.request_from_io() {
            self.notify();
        }
        None
    }

    /// True while some source is registered (a worker's maintenance tick skips the
    /// selector otherwise).
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// assert!(!reactor.has_sources());
    /// ```
    pub fn has_sources(&self) -> bool {
        self.num_sources.load(Relaxed) != 0
    }

    /// True while the `weft-io` thread holds the seat (every worker was busy for a grace
    /// period); for tests and metrics.
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// assert!(!reactor.is_driven_by_io_thread());
    /// ```
    pub fn is_driven_by_io_thread(&self) -> bool {
        self.seat.held_by_io()
    }

    fn shut_down_all(&self) {
        let mut wake = Vec::new();
        for (_, entry) in self.sources.lock().unwrap().iter() {
            entry.io.set_readiness(SHUTDOWN, &mut wake);
        }
        self.timers.shutdown(&mut wake);
        for waker in wake {
            waker.wake();
        }
    }

    /// True once the driver has been shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    /// Wakes whoever waits in the selector (the `weft-io` thread or a worker), so it
    /// re-computes its timeout or sees that it was unparked.
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// reactor.notify(); // wakes the next wait at once
    /// ```
    pub fn notify(&self) {
        // A failed notify leaves the driver sleeping until its previous deadline at worst;
        // eventfd writes do not fail in practice.
        let _ = self.selector.notify();
    }

    /// Timers armed now.
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// assert_eq!(reactor.num_timers(), 0);
    /// ```
    pub fn num_timers(&self) -> usize {
        self.timers.len()
    }

    /// Sources registered now.
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// assert_eq!(reactor.num_sources(), 0);
    /// ```
    pub fn num_sources(&self) -> usize {
        self.sources.lock().unwrap().len()
    }

    /// True if the selector supports edge-triggered registration (one registration per
    /// source, no re-arming); otherwise oneshot interest is re-armed per wait.
    ///
    /// ```
    /// let reactor = weft_io::Reactor::new().unwrap();
    /// if cfg!(target_os = "linux") { assert!(reactor.is_edge_triggered()); }
    /// ```
    pub fn is_edge_triggered(&self) -> bool {
        self.edge
    }
}

impl Registration {
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        want: Want,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let res = self.io.poll_ready(direction, want, cx);
        if res.is_pending() && !self.reactor.edge {
            // Oneshot mode: the registration disarms after each event; re-arm for what is
            // awaited now.
            let (read, write) = self.io.has_waiters();
            if let Err(e) = self.reactor.selector.rearm(
                // SAFETY: the descriptor stays open while the Registration exists.
                unsafe { BorrowedFd::borrow_raw(self.fd) },
                self.key,
                read,
                write,
            ) {
                return Poll::Ready(Err(e));
            }
        }
        res
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }

    /// Removes the source from the selector and the slab and wakes its waiters (with an
    /// error). Must run before the descriptor is closed.
    pub(crate) fn deregister(&self) -> io::Result<()> {
        // SAFETY: the caller guarantees the descriptor is still open.
        let res = self
            .reactor
            .selector
            .delete(unsafe { BorrowedFd::borrow_raw(self.fd) });
        {
            let mut sources = self.reactor.sources.lock().unwrap();
            let index = self.key & INDEX_MASK;
            if sources.get(index).is_some_and(|e| e.key == self.key) {
                sources.remove(index);
                self.reactor.num_sources.fetch_sub(1, Relaxed);
            }
        }
        let mut wake = Vec::new();
        self.io.set_readiness(SHUTDOWN, &mut wake);
        for waker in wake {
            waker.wake();
        }
        res
    }
}

/// A worker's hold on the seat at the selector, from [`Reactor::try_drive`]; gives the seat
/// up when dropped.
pub struct Drive<'a> {
    reactor: &'a Reactor,
}

impl Drive<'_> {
    /// Looks at the selector, and with `block` waits in it until an event, a
    /// [`notify`](Reactor::notify) or the earliest timer; then marks the ready sources and
    /// fires the due timers, moving their wakers into `wake` *without waking them*: the
    /// caller wakes them once its own state is in order (a worker first counts itself
    /// awake, so the tasks queue on it without waking a peer).
    ///
    /// ```
    /// let driver = weft_io::Driver::start("io".into()).unwrap();
    /// if let Some(mut drive) = driver.reactor().try_drive() {
    ///     driver.reactor().notify();
    ///     let mut wake = Vec::new();
    ///     drive.wait(true, &mut wake); // returns at once: notified
    /// };
    /// ```
    pub fn wait(&mut self, block: bool, wake: &mut Vec<Waker>) {
        let r = self.reactor;
        let timeout = if block {
            r.seat.set_blocking();
            r.timers.before_wait()
        } else {
            Some(Duration::ZERO)
        };
        let mut events = r.worker_events.lock().unwrap();
        if let Err(e) = r.selector.wait(&mut events, timeout) {
            eprintln!("weft-io: selector wait failed: {e}");
        }
        r.seat.clear_blocking();
        r.timers.after_wait(wake);
        r.dispatch(&events, wake);
    }
}

impl Drop for Drive<'_> {
    fn drop(&mut self) {
        self.reactor.seat.release();
    }
}

impl fmt::Debug for Drive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drive").finish_non_exhaustive()
    }
}

pub(crate) fn shut_down_error() -> io::Error {
    io::Error::other(
        "the weft runtime's io-driver has shut down; create I/O sources on a running runtime",
    )
}

/// The `weft-io` thread of one runtime: owns the reactor's waiting.
pub struct Driver {
    reactor: Arc<Reactor>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Driver {
    /// Starts the driver thread (named `thread_name`) over a new reactor.
    ///
    /// # Errors
    ///
    /// The OS error if the selector or the thread cannot be created.
    ///
    /// ```
    /// let mut driver = weft_io::Driver::start("weft-io".into()).unwrap();
    /// assert_eq!(driver.reactor().num_sources(), 0);
    /// driver.shutdown();
    /// ```
    pub fn start(thread_name: String) -> io::Result<Driver> {
        let reactor = Reactor::new()?;
        let r = reactor.clone();
        let thread = thread::Builder::new()
            .name(thread_name)
            .spawn(move || r.run_io_thread())?;
        Ok(Driver {
            reactor,
            thread: Some(thread),
        })
    }

    /// The reactor this driver serves.
    ///
    /// ```
    /// let driver = weft_io::Driver::start("io".into()).unwrap();
    /// let _guard = weft_io::enter(driver.reactor());
    /// ```
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// Stops and joins the driver thread; every registered source's waiters are woken with
    /// an error, and new registrations fail. Idempotent.
    ///
    /// ```
    /// let mut driver = weft_io::Driver::start("io".into()).unwrap();
    /// driver.shutdown();
    /// driver.shutdown();
    /// ```
    pub fn shutdown(&mut self) {
        self.reactor.shutdown.store(true, SeqCst);
        let Some(thread) = self.thread.take() else {
            return;
        };
        // It may be waiting in the selector (driving) or sleeping beside it (watching).
        self.reactor.seat.unpark_io();
        if self.reactor.selector.notify().is_err() {
            // The driver could not be woken; it will see the flag at its next event.
            return;
        }
        if thread.thread().id() != thread::current().id() {
            let _ = thread.join();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("edge_triggered", &self.edge)
            .field("sources", &self.num_sources())
            .field("shutdown", &self.shutdown.load(SeqCst))
            .finish()
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("reactor", &self.reactor)
            .finish()
    }
}

std::thread_local! {
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Makes `reactor` the one that `Async::new` registers with on this thread, until the
/// guard drops. weft enters its runtime's reactor on worker threads and in `block_on`.
///
/// ```
/// let driver = weft_io::Driver::start("io".into()).unwrap();
/// let guard = weft_io::enter(driver.reactor());
/// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
/// let a = weft_io::Async::new(a).unwrap();
/// drop(a);
/// drop(guard);
/// ```
pub fn enter(reactor: &Arc<Reactor>) -> EnterGuard {
    let prev = CURRENT.with(|c| c.borrow_mut().replace(reactor.clone()));
    EnterGuard {
        prev,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previous current reactor when dropped.
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard {
    prev: Option<Arc<Reactor>>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// The reactor entered on this thread.
pub(crate) fn current() -> io::Result<Arc<Reactor>> {
    CURRENT
        .try_with(|c| c.borrow().clone())
        .ok()
        .flatten()
        .ok_or_else(|| {
            io::Error::other(
                "there is no weft runtime on this thread: create I/O objects inside a task or \
             Runtime::block_on, or after Handle::enter()",
            )
        })
}
