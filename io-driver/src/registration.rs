//! One registered descriptor's readiness and waiters: the protocol between the reactor
//! thread (which learns of readiness) and tasks (which consume it).
//!
//! The `readiness` word holds a ready bit per direction, an "unknown" bit per direction, a
//! `SHUTDOWN` bit, and above them a `tick` that the reactor bumps on every event for this
//! source.
//!
//! - The reactor, per event: sets the direction bits and bumps the tick (one `fetch_update`),
//!   *then* locks `waiters` and takes the wakers of the ready directions, and wakes them after
//!   releasing the lock (batched with the other events of the same `wait`).
//! - A new registration starts with both "unknown" bits set: nothing has been learned about
//!   the descriptor yet, and a socket fresh from `accept` often already has bytes to read and
//!   room to write. An *operation* ([`Want::Attempt`]) counts an unknown direction as ready
//!   and tries the syscall at once, instead of waiting for the io thread to report the
//!   registration's first edge (a round trip through another thread on every new
//!   connection). A plain readiness wait ([`Want::Edge`]: `readable()`, `writable()`, the
//!   end of a non-blocking connect) ignores the unknown bits and waits for a real edge.
//! - A task that finds a direction not ready locks `waiters`, re-reads `readiness`, and only
//!   if it is still not ready stores its waker. Because the reactor sets the bits before it
//!   takes the lock, either the task's re-read sees them or the reactor finds the waker:
//!   no lost wakeup.
//! - A task that got `WouldBlock` clears the direction's ready and unknown bits in one
//!   compare-and-swap, but only if the tick is the one it saw when it found the direction
//!   ready (or unknown). A newer tick means an edge arrived after the failed attempt, and
//!   clearing would lose it. So after a `WouldBlock` the direction is known not ready, and
//!   the next attempt waits for the reactor's next edge.
//! - Several tasks may wait on one direction (a listener shared by acceptors): all of them
//!   are woken.

use crate::loom::{AtomicUsize, Mutex};
use std::io;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::task::{Context, Poll, Waker};

/// The descriptor can be read (or has an error/hang-up to report).
pub(crate) const READABLE: usize = 1 << 0;
/// The descriptor can be written (or has an error/hang-up to report).
pub(crate) const WRITABLE: usize = 1 << 1;
/// The reactor shut down or the source was deregistered: waiters get an error.
pub(crate) const SHUTDOWN: usize = 1 << 2;
/// Read readiness is not known yet, so an operation may try the syscall. Set at
/// registration; cleared only by a task, with `READABLE`, after a `WouldBlock` at an
/// unchanged tick (`clear_readiness`). The reactor never touches it.
const READ_UNKNOWN: usize = 1 << 3;
/// As `READ_UNKNOWN`, for writes.
const WRITE_UNKNOWN: usize = 1 << 4;
const TICK_SHIFT: usize = 5;
const TICK_ONE: usize = 1 << TICK_SHIFT;

/// A direction of I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Reading (or accepting, or receiving).
    Read,
    /// Writing (or connecting, or sending).
    Write,
}

impl Direction {
    /// The bit the reactor sets when an edge makes this direction ready.
    fn ready_bit(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }

    /// The bit that says this direction's readiness is not known yet.
    fn unknown_bit(self) -> usize {
        match self {
            Direction::Read => READ_UNKNOWN,
            Direction::Write => WRITE_UNKNOWN,
        }
    }
}

/// The readiness a caller wants to wait for or act on: readable, writable, or both
/// (`Interest::READABLE | Interest::WRITABLE`). Re-exported as `weft::io::Interest`.
///
/// # Examples
///
/// ```
/// use weft_io::Interest;
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// assert_eq!(Interest::READABLE.add(Interest::WRITABLE), both);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading (or accepting, or receiving).
    pub const READABLE: Interest = Interest(READABLE as u8);
    /// Interest in writing (or connecting, or sending).
    pub const WRITABLE: Interest = Interest(WRITABLE as u8);

    /// Whether this includes [`READABLE`](Self::READABLE).
    ///
    /// ```
    /// assert!(weft_io::Interest::READABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE as u8 != 0
    }

    /// Whether this includes [`WRITABLE`](Self::WRITABLE).
    ///
    /// ```
    /// assert!(weft_io::Interest::WRITABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE as u8 != 0
    }

    /// Both interests: `self | other`, usable in `const` context.
    ///
    /// ```
    /// use weft_io::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_writable());
    /// ```
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// The directions this interest names, reads first.
    pub(crate) fn directions(self) -> impl Iterator<Item = Direction> {
        [
            self.is_readable().then_some(Direction::Read),
            self.is_writable().then_some(Direction::Write),
        ]
        .into_iter()
        .flatten()
    }
}

impl std::ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl std::ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl std::fmt::Debug for Interest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, _) => f.write_str("WRITABLE"),
        }
    }
}

/// The readiness an [`Async::ready`](crate::Async::ready) wait found: the directions of
/// the asked [`Interest`] that the reactor reported ready (or that reported an error or
/// hang-up, which an operation then returns). Re-exported as `weft::io::Ready`.
///
/// # Examples
///
/// ```
/// use weft_io::Ready;
/// assert!(Ready::READABLE.is_readable());
/// assert!(!Ready::READABLE.is_writable());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ready(u8);

impl Ready {
    /// No direction ready.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE as u8);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE as u8);

    /// Whether the read direction is ready.
    ///
    /// ```
    /// assert!(weft_io::Ready::READABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE as u8 != 0
    }

    /// Whether the write direction is ready.
    ///
    /// ```
    /// assert!(weft_io::Ready::WRITABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE as u8 != 0
    }

    /// Whether no direction is ready.
    ///
    /// ```
    /// assert!(!weft_io::Ready::WRITABLE.is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn with(self, direction: Direction) -> Ready {
        Ready(self.0 | direction.ready_bit() as u8)
    }
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready")
            .field("readable", &self.is_readable())
            .field("writable", &self.is_writable())
            .finish()
    }
}

/// What a poll for readiness waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// An edge the reactor reported: for waits that do no I/O of their own (`readable()`,
    /// `writable()`, completing a non-blocking connect).
    Edge,
    /// Leave to try an operation: an edge, or readiness not known yet (a new
    /// registration), in which case trying the syscall is how it becomes known.
    Attempt,
}

/// Proof that a direction was ready at a given tick; pass it back to `clear_readiness`.
#[derive(Clone, Copy, Debug)]
pub struct ReadyEvent {
    tick: usize,
    direction: Direction,
}

#[derive(Default)]
pub(crate) struct Waiters {
    pub(crate) read: Vec<Waker>,
    pub(crate) write: Vec<Waker>,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

fn push_unique(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(READ_UNKNOWN | WRITE_UNKNOWN),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Reactor side: records `ready` (a set of direction bits, maybe `SHUTDOWN`) and moves the
    /// wakers that may now proceed into `wake`.
    pub(crate) fn set_readiness(&self, ready: usize, wake: &mut Vec<Waker>) {
        let mut cur = self.readiness.load(Acquire);
        loop {
            let next = (cur | ready).wrapping_add(TICK_ONE);
            match self
                .readiness
                .compare_exchange_weak(cur, next, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let mut waiters = self.waiters.lock().unwrap();
        if ready & (READABLE | SHUTDOWN) != 0 {
            wake.append(&mut waiters.read);
        }
        if ready & (WRITABLE | SHUTDOWN) != 0 {
            wake.append(&mut waiters.write);
        }
    }

    /// Task side: `Ready` with the event if `direction` is ready, or unknown and `want` is
    /// `Attempt` (an error after shutdown); otherwise stores the waker and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        want: Want,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(direction, want) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock().unwrap();
        // Re-read under the lock: pairs with the reactor setting bits before it locks.
        if let Some(ready) = self.ready_now(direction, want) {
            return Poll::Ready(ready);
        }
        match direction {
            Direction::Read => push_unique(&mut waiters.read, cx.waker()),
            Direction::Write => push_unique(&mut waiters.write, cx.waker()),
        }
        Poll::Pending
    }

    fn ready_now(&self, direction: Direction, want: Want) -> Option<io::Result<ReadyEvent>> {
        let cur = self.readiness.load(Acquire);
        if cur & SHUTDOWN != 0 {
            return Some(Err(io::Error::other(
                "the weft runtime that owns this I/O source has shut down (or the source was \
                 deregistered); create the source again on a running runtime",
            )));
        }
        let mask = match want {
            Want::Edge => direction.ready_bit(),
            Want::Attempt => direction.ready_bit() | direction.unknown_bit(),
        };
        (cur & mask != 0).then_some(Ok(ReadyEvent {
            tick: cur >> TICK_SHIFT,
            direction,
        }))
    }

    /// Task side, after `WouldBlock`: forget the readiness `event` reported (and that the
    /// direction was unknown), unless a newer event has arrived since.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let mut cur = self.readiness.load(Acquire);
        loop {
            if cur >> TICK_SHIFT != event.tick || cur & SHUTDOWN != 0 {
                return;
            }
            let next = cur & !(event.direction.ready_bit() | event.direction.unknown_bit());
            match self
                .readiness
                .compare_exchange_weak(cur, next, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// True if a waker waits in the given direction (for oneshot re-arming).
    pub(crate) fn has_waiters(&self) -> (bool, bool) {
        let w = self.waiters.lock().unwrap();
        (!w.read.is_empty(), !w.write.is_empty())
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;
    use std::sync::atomic::Ordering::SeqCst;
    use std::task::Wake;

    /// A waker that records whether it was woken.
    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    fn flag_waker() -> (std::sync::Arc<Flag>, Waker) {
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        (flag.clone(), Waker::from(flag))
    }

    /// The reactor thread delivering one event for `io`: records `ready`, then wakes the
    /// waiters it took with no lock held, as `Reactor::turn` does.
    fn reactor_event(io: &Arc<ScheduledIo>, ready: usize) -> thread::JoinHandle<()> {
        let io = io.clone();
        thread::spawn(move || {
            let mut wake = Vec::new();
            io.set_readiness(ready, &mut wake);
            for w in wake {
                w.wake();
            }
        })
    }

    /// The task's syscall for `event` said `WouldBlock`: it clears the readiness and polls
    /// again. Returns whether that poll found the source ready.
    fn would_block_then_poll(io: &ScheduledIo, event: ReadyEvent, cx: &mut Context<'_>) -> bool {
        io.clear_readiness(event);
        io.poll_ready(Direction::Read, Want::Attempt, cx).is_ready()
    }

    /// The reactor sets readiness while a task, having just failed with `WouldBlock`,
    /// clears it and registers its waker: the task must either see the readiness or be woken.
    #[test]
    fn set_readiness_vs_clear_vs_register() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            // The task saw the source readable once (tick 1) and its read then failed.
            io.set_readiness(READABLE, &mut Vec::new());
            let (flag, waker) = flag_waker();
            let mut cx = Context::from_waker(&waker);
            let event = match io.poll_ready(Direction::Read, Want::Attempt, &mut cx) {
                Poll::Ready(Ok(ev)) => ev,
                _ => unreachable!(),
            };

            let reactor = reactor_event(&io, READABLE);
            let ready = would_block_then_poll(&io, event, &mut cx);
            reactor.join().unwrap();
            assert!(ready || flag.0.load(SeqCst), "a readiness edge was lost");
        });
    }

    /// A new registration's optimistic first read fails with `WouldBlock` while the
    /// reactor delivers the source's first edge (data arriving as the task tries): clearing
    /// the unknown state must not swallow that edge. The task must see it or be woken.
    #[test]
    fn first_attempt_vs_first_edge() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let (flag, waker) = flag_waker();
            let mut cx = Context::from_waker(&waker);
            let reactor = reactor_event(&io, READABLE);
            // Readiness is unknown (or the edge is already in): the task tries at once.
            let event = match io.poll_ready(Direction::Read, Want::Attempt, &mut cx) {
                Poll::Ready(Ok(ev)) => ev,
                _ => panic!("a new registration must let the first attempt through"),
            };
            // ... and its syscall says WouldBlock (the bytes were not there yet).
            let ready = would_block_then_poll(&io, event, &mut cx);
            reactor.join().unwrap();
            assert!(ready || flag.0.load(SeqCst), "the first edge was lost");
        });
    }

    /// `Async::try_io` checks readiness with a no-op waker, runs the syscall, and on
    /// `WouldBlock` clears readiness; the caller then waits with `ready()`, which wants a
    /// real edge. An edge the reactor delivers while the syscall fails must survive the
    /// clear: the `ready()` poll sees it, or its waker is woken.
    #[test]
    fn try_io_would_block_vs_edge_then_ready() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            // Readiness already learned once (tick 1), as on a stream in use.
            io.set_readiness(READABLE, &mut Vec::new());
            let mut noop = Context::from_waker(Waker::noop());
            let event = match io.poll_ready(Direction::Read, Want::Attempt, &mut noop) {
                Poll::Ready(Ok(ev)) => ev,
                _ => unreachable!("readable at tick 1"),
            };
            let reactor = reactor_event(&io, READABLE);
            // The syscall said WouldBlock.
            io.clear_readiness(event);
            let (flag, waker) = flag_waker();
            let mut cx = Context::from_waker(&waker);
            let ready = io
                .poll_ready(Direction::Read, Want::Edge, &mut cx)
                .is_ready();
            reactor.join().unwrap();
            assert!(ready || flag.0.load(SeqCst), "ready() missed the edge");
        });
    }

    /// Shutdown wakes every waiter of both directions, and later polls get an error.
    #[test]
    fn shutdown_vs_register() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let (flag, waker) = flag_waker();
            let reactor = reactor_event(&io, SHUTDOWN);
            let mut cx = Context::from_waker(&waker);
            let first = io.poll_ready(Direction::Write, Want::Edge, &mut cx);
            reactor.join().unwrap();
            match first {
                Poll::Ready(Err(_)) => {}
                Poll::Pending => assert!(flag.0.load(SeqCst)),
                Poll::Ready(Ok(_)) => panic!("never writable"),
            }
            assert!(matches!(
                io.poll_ready(Direction::Write, Want::Edge, &mut cx),
                Poll::Ready(Err(_))
            ));
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn stale_clear_keeps_a_newer_edge() {
        let io = ScheduledIo::new();
        io.set_readiness(READABLE, &mut Vec::new());
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(Direction::Read, Want::Attempt, &mut cx) else {
            panic!()
        };
        io.set_readiness(READABLE, &mut Vec::new()); // a new edge after our failed read
        io.clear_readiness(ev);
        assert!(io
            .poll_ready(Direction::Read, Want::Attempt, &mut cx)
            .is_ready());
    }

    #[test]
    fn clear_then_wait_then_wake() {
        let io = ScheduledIo::new();
        io.set_readiness(WRITABLE, &mut Vec::new());
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(Direction::Write, Want::Edge, &mut cx) else {
            panic!()
        };
        io.clear_readiness(ev);
        assert!(io
            .poll_ready(Direction::Write, Want::Attempt, &mut cx)
            .is_pending());
        assert!(io
            .poll_ready(Direction::Read, Want::Edge, &mut cx)
            .is_pending());
        let mut wake = Vec::new();
        io.set_readiness(WRITABLE, &mut wake);
        assert_eq!(wake.len(), 1, "only the writer is woken");
        assert_eq!(io.has_waiters(), (true, false));
    }

    #[test]
    fn a_new_registration_lets_an_attempt_through_but_not_an_edge_wait() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        for direction in [Direction::Read, Direction::Write] {
            assert!(io.poll_ready(direction, Want::Attempt, &mut cx).is_ready());
            assert!(io.poll_ready(direction, Want::Edge, &mut cx).is_pending());
        }
    }

    #[test]
    fn would_block_on_a_new_registration_waits_for_the_next_edge() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(Direction::Read, Want::Attempt, &mut cx) else {
            panic!()
        };
        io.clear_readiness(ev);
        assert!(io
            .poll_ready(Direction::Read, Want::Attempt, &mut cx)
            .is_pending());
        // The write direction is still unknown: one direction's WouldBlock says nothing of it.
        assert!(io
            .poll_ready(Direction::Write, Want::Attempt, &mut cx)
            .is_ready());
        let mut wake = Vec::new();
        io.set_readiness(READABLE, &mut wake);
        assert_eq!(wake.len(), 1);
        assert!(io
            .poll_ready(Direction::Read, Want::Attempt, &mut cx)
            .is_ready());
    }

    #[test]
    fn the_first_edge_during_the_first_attempt_is_kept() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(ev)) = io.poll_ready(Direction::Read, Want::Attempt, &mut cx) else {
            panic!()
        };
        io.set_readiness(READABLE, &mut Vec::new()); // bytes arrive as the read fails
        io.clear_readiness(ev);
        assert!(io
            .poll_ready(Direction::Read, Want::Edge, &mut cx)
            .is_ready());
    }
}
