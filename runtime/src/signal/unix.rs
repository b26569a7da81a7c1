//! Unix signals as streams of events: [`signal`] and [`Signal`] (tokio's
//! `tokio::signal::unix`).

use super::registry::{self, Action};
use crate::io::Async;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::task::{ready, Context, Poll};

/// A kind of signal: a signal number, with constructors for the usual ones.
///
/// # Examples
///
/// ```
/// use weft::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// The signal with number `signum` (for signals without a constructor, such as
    /// `SIGWINCH` or the real-time signals).
    ///
    /// ```
    /// use weft::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::from_raw(libc::SIGWINCH).as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    ///
    /// ```
    /// use weft::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn as_raw_value(self) -> libc::c_int {
        self.0
    }

    /// `SIGINT`: the terminal's interrupt key (Ctrl-C). Its default action ends the process.
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGTERM`: a polite request to end (what `kill` and service managers send first).
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload your configuration".
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGUSR1`, for the application's own use.
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`, for the application's own use.
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGCHLD`: a child process stopped or exited. (`weft::process` waits for its
    /// children without it where the kernel has pidfds.)
    ///
    /// ```
    /// assert_eq!(weft::signal::unix::SignalKind::child().as_raw_value(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl fmt::Debug for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(self.0))
    }
}

/// `"SIGINT (2)"`, or `"signal 77"` for a number without a well-known name.
pub(super) fn describe(signum: libc::c_int) -> String {
    let name = match signum {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGTTIN => "SIGTTIN",
        libc::SIGTTOU => "SIGTTOU",
        libc::SIGURG => "SIGURG",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGVTALRM => "SIGVTALRM",
        libc::SIGPROF => "SIGPROF",
        libc::SIGWINCH => "SIGWINCH",
        libc::SIGIO => "SIGIO",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signum}"),
    };
    format!("{name} ({signum})")
}

/// Starts listening for signal `kind` and returns the listener (tokio's
/// `tokio::signal::unix::signal`; asyncio's `loop.add_signal_handler`).
///
/// The first listener for a signal installs the process's handler for it; a process that
/// never calls this installs none. The handler stays installed after the last listener is
/// dropped (as tokio's does): from then on that signal is ignored rather than taking its
/// default action, such as ending the process on `SIGINT`.
///
/// Each listener sees every delivery from the moment it was created: several listeners
/// for one signal are all woken, and a signal that arrives while nobody awaits is kept for
/// the next [`Signal::recv`], which returns at once. Signals that arrive between two
/// `recv`s are coalesced into one event, as the operating system coalesces them.
///
/// # Errors
///
/// - `InvalidInput`, naming the signal, for the signals that cannot be listened for:
///   `SIGKILL` and `SIGSTOP` (the OS never lets a process catch them), `SIGSEGV`, `SIGILL`
///   and `SIGFPE` (faults of the thread that raised them: a handler that returned would
///   re-run the faulting instruction), and numbers that are not signals.
/// - Outside a runtime, or after the runtime's io-driver shut down: call it inside a task
///   or `block_on`.
/// - The OS error if the process is out of descriptors (each listener has a socket pair).
///
/// # Examples
///
/// ```
/// use weft::signal::unix::{signal, SignalKind};
///
/// weft::run(async {
///     let mut hangups = signal(SignalKind::hangup()).unwrap();
///     // SAFETY of the test: the handler is installed, so SIGHUP no longer ends the process.
///     unsafe { libc::raise(libc::SIGHUP) };
///     assert_eq!(hangups.recv().await, Some(()));
///
///     let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///     assert!(err.to_string().contains("SIGKILL"));
/// });
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    if let Some(why) = registry::forbidden(signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot listen for {}: {why}", describe(signum)),
        ));
    }
    let (rx, tx) = UnixStream::pair()?;
    // Register the read end first: outside a runtime this fails before any handler exists.
    let rx = Async::new(rx)?;
    let action = Action::register(signum, tx)?;
    Ok(Signal {
        _action: action,
        rx,
        kind,
    })
}

/// A listener for one kind of signal, made by [`signal`].
///
/// Dropping it stops the listening (the process's handler stays installed).
///
/// # Examples
///
/// ```
/// use weft::signal::unix::{signal, SignalKind};
///
/// weft::run(async {
///     let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
///     assert_eq!(usr2.kind(), SignalKind::user_defined2());
///     std::thread::spawn(|| {
///         // SAFETY of the test: the handler is installed, so SIGUSR2 does not end the
///         // process.
///         unsafe { libc::raise(libc::SIGUSR2) };
///     });
///     usr2.recv().await.unwrap();
/// });
/// ```
pub struct Signal {
    // Declared first so it drops first: the write end closes before the read end, and a
    // handler never writes to a socket whose reader is gone.
    _action: Action,
    rx: Async<UnixStream>,
    kind: SignalKind,
}

impl Signal {
    /// The signal this listener listens for.
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    /// weft::run(async {
    ///     let s = signal(SignalKind::user_defined1()).unwrap();
    ///     assert_eq!(s.kind(), SignalKind::user_defined1());
    /// });
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// Waits for the next delivery of the signal: `Some(())`, or `None` once no more can
    /// be received (the runtime's io-driver has shut down).
    ///
    /// Returns at once if the signal arrived since the last `recv` (or since the listener
    /// was made); several deliveries in that time count as one.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a signal is consumed only by the poll that returns it, so a `recv`
    /// dropped in a `select!` loses nothing, and the next `recv` sees the signal.
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    ///
    /// weft::run(async {
    ///     let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
    ///     // SAFETY of the test: the handler is installed.
    ///     unsafe { libc::raise(libc::SIGUSR1) };
    ///     unsafe { libc::raise(libc::SIGUSR1) };
    ///     assert_eq!(usr1.recv().await, Some(()), "pending, so at once");
    ///     let again = weft::time::timeout(std::time::Duration::from_millis(10), usr1.recv());
    ///     assert!(again.await.is_err(), "the two deliveries were coalesced");
    /// });
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; the poll form of [`recv`](Self::recv), for hand-written
    /// futures and streams.
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    ///
    /// weft::run(async {
    ///     let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
    ///     // SAFETY of the test: the handler is installed.
    ///     unsafe { libc::raise(libc::SIGUSR1) };
    ///     std::future::poll_fn(|cx| usr1.poll_recv(cx)).await.unwrap();
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        match ready!(self.rx.poll_read_with(cx, drain)) {
            Ok(()) => Poll::Ready(Some(())),
            Err(_) => Poll::Ready(None),
        }
    }
}

/// Reads every pending byte: `Ok` if there was at least one, `WouldBlock` if none (so the
/// reactor forgets the readiness and waits for the next write).
fn drain(mut rx: &UnixStream) -> io::Result<()> {
    let mut buf = [0u8; 64];
    let mut got = false;
    loop {
        match rx.read(&mut buf) {
            // A short read emptied the socket.
            Ok(n) if n > 0 && n < buf.len() => return Ok(()),
            Ok(0) => {
                // The write end closes only when the action is unregistered, on drop.
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the signal's write end closed",
                ));
            }
            Ok(_) => got = true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && got => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}
