//! How a child's exit reaches the task waiting for it: a pidfd registered with the
//! io-driver where the kernel has them, a `SIGCHLD` listener otherwise. Either way no
//! thread waits per child.
//!
//! A pidfd (Linux 5.3+) becomes readable when its process exits, so the io-driver wakes
//! exactly the task waiting for that child. Without pidfds (an older kernel, a seccomp
//! filter that refuses `pidfd_open`, another Unix), every child has a `SIGCHLD` listener
//! instead: any child's exit wakes every waiter, and each checks its own child with a
//! non-blocking `waitpid` (a sweep). The listener is made before the first check, so an
//! exit is either seen by that check or delivers a signal the listener keeps.

use crate::io::Async;
use crate::signal::unix::{signal, Signal, SignalKind};
use std::io;
use std::os::fd::OwnedFd;
use std::process::ExitStatus;
use std::task::{ready, Context, Poll};

/// A running child and the descriptor that says when it exits.
pub(super) struct Reaper {
    pub(super) child: std::process::Child,
    watch: Watch,
}

enum Watch {
    /// Readable once the process has exited.
    Pidfd(Async<OwnedFd>),
    /// Woken by every child's exit; the child is checked after each.
    Sigchld(Signal),
}

impl Reaper {
    /// Watches `child`; `pidfd` says whether to try a pidfd first.
    ///
    /// On error the child is still running and unreaped: the caller disposes of it.
    pub(super) fn new(
        child: std::process::Child,
        pidfd: bool,
    ) -> Result<Reaper, (io::Error, std::process::Child)> {
        if pidfd {
            match super::pidfd::open(child.id()) {
                Ok(Some(fd)) => match Async::new(fd) {
                    Ok(fd) => {
                        return Ok(Reaper {
                            child,
                            watch: Watch::Pidfd(fd),
                        })
                    }
                    Err(e) => return Err((e, child)),
                },
                // No pidfds here: fall back to SIGCHLD.
                Ok(None) => {}
                Err(e) => return Err((e, child)),
            }
        }
        match signal(SignalKind::child()) {
            Ok(sigchld) => Ok(Reaper {
                child,
                watch: Watch::Sigchld(sigchld),
            }),
            Err(e) => Err((e, child)),
        }
    }

    /// The exit status, reaping the child, once it has exited.
    pub(super) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let child = &mut self.child;
        match &mut self.watch {
            Watch::Pidfd(fd) => fd.poll_read_with(cx, |_| match child.try_wait() {
                Ok(Some(status)) => Ok(status),
                // Readable only once the process exited; should it ever be early, report
                // WouldBlock so the reactor waits for the next edge.
                Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                Err(e) => Err(e),
            }),
            Watch::Sigchld(sigchld) => loop {
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                if ready!(sigchld.poll_recv(cx)).is_none() {
                    return Poll::Ready(Err(io::Error::other(
                        "the runtime's io-driver shut down while waiting for a child process",
                    )));
                }
            },
        }
    }
}
