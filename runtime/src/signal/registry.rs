//! The process-wide half of signal delivery: one action per listener, registered with
//! `signal-hook-registry`, that writes one byte into the listener's own socket.
//!
//! # Protocol
//!
//! - The OS handler for a signal is installed the first time a listener asks for that
//!   signal, never earlier: a process that never asks installs no handler.
//!   signal-hook-registry installs it, chains any handler installed before it (tokio's,
//!   signal-hook's, a C library's), and keeps it for the life of the process, as tokio does.
//! - Each listener owns a Unix socket pair. The write end belongs to the registered action
//!   and nothing else: on every delivery the handler runs the action, which `write(2)`s one
//!   byte (async-signal-safe; `errno` is saved and restored by the registry) on the
//!   non-blocking write end. A full socket already holds unread bytes, so a failed write
//!   coalesces the signal with them; nothing is lost.
//! - The read end belongs to the listener, which drains every pending byte in one `recv`:
//!   signals that arrived while nobody waited are coalesced into that one event.
//! - Dropping the listener unregisters its action. signal-hook-registry drops a removed
//!   action only once no handler runs it any more, and dropping the action is what closes
//!   the write end: a handler can never write into a descriptor number that was closed and
//!   reused for something else.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

/// One registered action; unregistering it (on drop) closes the write end it owns.
#[derive(Debug)]
pub(super) struct Action {
    id: signal_hook_registry::SigId,
}

impl Action {
    /// Registers an action for `signum` that writes one byte into `tx` on each delivery.
    ///
    /// `signum` must already be checked against [`forbidden`]: the registry panics on those.
    pub(super) fn register(signum: libc::c_int, tx: UnixStream) -> io::Result<Action> {
        debug_assert!(forbidden(signum).is_none());
        tx.set_nonblocking(true)?;
        let action = move || {
            let byte = 1u8;
            // SAFETY: write(2) is async-signal-safe; the pointer is to a live local byte and
            // the descriptor is `tx`, owned by this closure, so it stays open for as long as
            // the closure can run (the registry drops the closure only after every handler
            // running it has returned). Its result is ignored on purpose: `WouldBlock` means
            // bytes are pending already and the signal coalesces with them.
            unsafe { libc::write(tx.as_raw_fd(), (&raw const byte).cast(), 1) };
        };
        // SAFETY: the action only calls write(2), which is async-signal-safe, allocates
        // nothing and takes no lock; `signum` is not one of the registry's FORBIDDEN signals
        // (checked by the caller), so `register` does not panic.
        let id = unsafe { signal_hook_registry::register(signum, action) }.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot install a handler for {}: {e}",
                    super::unix::describe(signum)
                ),
            )
        })?;
        Ok(Action { id })
    }
}

impl Drop for Action {
    fn drop(&mut self) {
        signal_hook_registry::unregister(self.id);
    }
}

/// Why `signum` cannot be listened for, if it cannot: the signals that POSIX does not let a
/// process catch, and those that report a fault in the thread that raised them (a handler
/// that returns from one would re-run the faulting instruction forever).
pub(super) fn forbidden(signum: libc::c_int) -> Option<&'static str> {
    if signum == libc::SIGKILL || signum == libc::SIGSTOP {
        Some("the operating system does not let a process catch it")
    } else if signal_hook_registry::FORBIDDEN.contains(&signum) {
        Some("it reports a fault in the thread that raised it and cannot be awaited")
    } else {
        None
    }
}
