//! Every platform but Linux: the `polling` crate (kqueue, event ports, poll), edge-triggered
//! where it supports that and oneshot re-armed per wait otherwise.

use polling::{Event, PollMode, Poller};
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

pub(crate) struct Selector {
    poller: Poller,
    edge: bool,
}

pub(crate) struct Events {
    events: polling::Events,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let poller = Poller::new()?;
        Ok(Selector {
            edge: poller.supports_edge(),
            poller,
        })
    }

    pub(crate) fn supports_edge(&self) -> bool {
        self.edge
    }

    /// # Safety
    ///
    /// `fd` must be deleted with [`delete`](Self::delete) before it is closed.
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        let mode = if self.edge {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        };
        // SAFETY: forwarded from the caller.
        unsafe { self.poller.add_with_mode(fd, Event::all(key), mode) }
    }

    pub(crate) fn rearm(
        &self,
        fd: BorrowedFd<'_>,
        key: usize,
        read: bool,
        write: bool,
    ) -> io::Result<()> {
        if self.edge {
            return Ok(());
        }
        self.poller.modify(fd, Event::new(key, read, write))
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.events.clear();
        match self.poller.wait(&mut events.events, timeout) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}

impl Events {
    pub(crate) fn new() -> Events {
        Events {
            events: polling::Events::new(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, bool, bool)> + '_ {
        self.events
            .iter()
            .map(|ev| (ev.key, ev.readable, ev.writable))
    }
}
