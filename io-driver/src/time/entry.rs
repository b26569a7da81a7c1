//! `TimerEntry`: the task side of a timer, as a `weft::time::Sleep` holds it.
//!
//! It sits above the reactor: it finds the current one when first armed, asks its
//! [`Timers`](super::timers::Timers) to arm, reset or cancel the entry's wheel key, and
//! notifies the reactor's selector when `Timers` says the driver sleeps past the new
//! deadline. All locking and the protocol with the driver thread live in `Timers`.
//!
//! A second, unbound way to use it (`arm_in`/`disarm_in`) serves a timer whose waker is
//! the whole timer (weft's scheduled callbacks): the caller passes the reactor in, so an
//! entry costs no reference count on it, and must disarm it itself.

use crate::reactor::{self, Reactor};
use crate::time::timers::ShutDown;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use weft_timer::Key;

/// A timer registration, as held by `weft::time::Sleep`. It binds to the current runtime's
/// reactor when it is first armed, arms itself lazily (a timer that is never polled, or polled only
/// after its deadline, never touches the wheel), and disarms on drop, from any thread.
pub struct TimerEntry {
    reactor: Option<Arc<Reactor>>,
    deadline: Instant,
    /// The entry's place in the reactor's wheel: `Some` once armed, and still after it
    /// fired until `Timers` next finds it gone. Only `Timers` changes it.
    key: Option<Key>,
}

impl TimerEntry {
    /// An entry for `deadline`, not yet armed.
    ///
    /// ```
    /// let e = weft_io::TimerEntry::new(std::time::Instant::now());
    /// assert!(e.is_elapsed());
    /// ```
    pub fn new(deadline: Instant) -> TimerEntry {
        // Bound to a reactor only when first armed: an entry that is never armed (a
        // `timeout` whose future is ready at once) costs no lookup and no reference count.
        TimerEntry {
            reactor: None,
            deadline,
            key: None,
        }
    }

    /// The deadline.
    ///
    /// ```
    /// let at = std::time::Instant::now();
    /// assert_eq!(weft_io::TimerEntry::new(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the clock has reached the deadline.
    ///
    /// ```
    /// let later = std::time::Instant::now() + std::time::Duration::from_secs(60);
    /// assert!(!weft_io::TimerEntry::new(later).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later). An armed entry stays armed, with the waker
    /// of its last poll, and fires at the new deadline: a task waiting on it is woken then,
    /// even if it does not poll the entry again first (say the reset came from another
    /// thread while the task was parked).
    ///
    /// ```
    /// let now = std::time::Instant::now();
    /// let mut e = weft_io::TimerEntry::new(now + std::time::Duration::from_secs(60));
    /// e.reset(now);
    /// assert!(e.is_elapsed());
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(reactor) = &self.reactor {
            if reactor.timers.reset(&mut self.key, deadline) {
                reactor.notify();
            }
        }
    }

    /// `Ready` once the deadline has passed; otherwise arms the timer (or refreshes its
    /// waker) and returns `Pending`.
    ///
    /// # Panics
    ///
    /// If polled outside a weft runtime (there is no driver to fire it).
    ///
    /// # Errors
    ///
    /// `Ready(Err)` if the deadline has not passed and the runtime's io-driver has shut
    /// down (the runtime was dropped or shut down while the timer waited): no driver is
    /// left to fire it. Create the timer again on a running runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut e = weft_io::TimerEntry::new(std::time::Instant::now());
    ///     std::future::poll_fn(|cx| e.poll_elapsed(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.is_elapsed() {
            self.disarm();
            return Poll::Ready(Ok(()));
        }
        if self.reactor.is_none() {
            match reactor::current() {
                Ok(r) => self.reactor = Some(r),
                Err(_) => panic!(
                    "a weft timer was polled outside a weft runtime: await sleeps and timeouts \
                     inside a task or Runtime::block_on"
                ),
            }
        }
        let reactor = self.reactor.as_ref().expect("bound just above");
        // The flag is set before the driver's last turn; `arm` checks the wheel's own
        // shutdown mark under its lock as well, for an arming that races the final firing.
        if reactor.is_shut_down() {
            return Poll::Ready(Err(reactor::shut_down_error()));
        }
        match reactor.timers.arm(&mut self.key, self.deadline, cx.waker()) {
            Ok(true) => reactor.notify(),
            Ok(false) => {}
            Err(ShutDown) => return Poll::Ready(Err(reactor::shut_down_error())),
        }
        Poll::Pending
    }

    /// Arms the entry on `reactor`'s wheel with `waker` (moved into the wheel, no clone),
    /// for a caller that keeps the reactor itself: weft's scheduled callbacks, which hold
    /// one reference to their runtime rather than one per timer. Unlike
    /// [`poll_elapsed`](Self::poll_elapsed) it reads no clock (a deadline already past
    /// fires at the driver's next turn) and it leaves the entry unbound: dropping the
    /// entry does **not** disarm it, so disarm it with [`disarm_in`](Self::disarm_in) and
    /// the same reactor, or let the waker fire. Re-arming first disarms the previous
    /// arming. Meant for an entry that is never polled.
    ///
    /// # Errors
    ///
    /// The reactor's driver has shut down: the timer could never fire, and `waker` is
    /// dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::{Wake, Waker};
    /// use std::time::{Duration, Instant};
    ///
    /// struct Flag(std::sync::mpsc::Sender<()>);
    /// impl Wake for Flag {
    ///     fn wake(self: Arc<Self>) {
    ///         let _ = self.0.send(());
    ///     }
    /// }
    ///
    /// let driver = weft_io::Driver::start("io".into()).unwrap();
    /// let (tx, fired) = std::sync::mpsc::channel();
    /// let mut e = weft_io::TimerEntry::new(Instant::now() + Duration::from_millis(2));
    /// e.arm_in(driver.reactor(), Waker::from(Arc::new(Flag(tx)))).unwrap();
    /// fired.recv().unwrap();
    /// ```
    pub fn arm_in(&mut self, reactor: &Reactor, waker: Waker) -> std::io::Result<()> {
        debug_assert!(
            self.reactor.is_none(),
            "arm_in on an entry bound by poll_elapsed"
        );
        if self.key.is_some() {
            self.disarm_in(reactor);
        }
        match reactor.timers.insert(&mut self.key, self.deadline, waker) {
            Ok(true) => reactor.notify(),
            Ok(false) => {}
            Err(ShutDown) => return Err(reactor::shut_down_error()),
        }
        Ok(())
    }

    /// Takes an entry armed with [`arm_in`](Self::arm_in) out of `reactor`'s wheel (its
    /// waker is dropped, not woken); a no-op if it already fired or was never armed.
    ///
    /// ```
    /// use std::task::Waker;
    /// use std::time::{Duration, Instant};
    ///
    /// let driver = weft_io::Driver::start("io".into()).unwrap();
    /// let mut e = weft_io::TimerEntry::new(Instant::now() + Duration::from_secs(60));
    /// e.arm_in(driver.reactor(), Waker::noop().clone()).unwrap();
    /// assert_eq!(driver.reactor().num_timers(), 1);
    /// e.disarm_in(driver.reactor());
    /// assert_eq!(driver.reactor().num_timers(), 0);
    /// ```
    pub fn disarm_in(&mut self, reactor: &Reactor) {
        reactor.timers.cancel(&mut self.key);
    }

    fn disarm(&mut self) {
        if let Some(reactor) = &self.reactor {
            reactor.timers.cancel(&mut self.key);
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.disarm();
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry")
            .field("deadline", &self.deadline)
            .field("armed", &self.key.is_some())
            .finish()
    }
}
