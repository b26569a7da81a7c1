//! epoll on Linux and Android: sources registered once, edge-triggered; an eventfd,
//! edge-triggered too, for `notify`.

use super::NOTIFY_KEY;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

pub(crate) struct Selector {
    epoll: OwnedFd,
    notifier: OwnedFd,
}

pub(crate) struct Events {
    list: Vec<libc::epoll_event>,
}

const READ_FLAGS: u32 =
    (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI) as u32;
const WRITE_FLAGS: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: epoll_create1 takes no pointers; the result is checked before use.
        let epoll = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `epoll` was just returned by the kernel and is owned by nobody else.
        let epoll = unsafe { OwnedFd::from_raw_fd(epoll) };
        // SAFETY: eventfd takes no pointers; the result is checked before use.
        let notifier = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: as for `epoll`.
        let notifier = unsafe { OwnedFd::from_raw_fd(notifier) };
        let selector = Selector { epoll, notifier };
        selector.ctl(
            libc::EPOLL_CTL_ADD,
            selector.notifier.as_raw_fd(),
            (libc::EPOLLIN | libc::EPOLLET) as u32,
            NOTIFY_KEY,
        )?;
        Ok(selector)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: u32, key: usize) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: flags,
            u64: key as u64,
        };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call.
        cvt(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut ev) })?;
        Ok(())
    }

    pub(crate) fn supports_edge(&self) -> bool {
        true
    }

    /// Registers `fd` for both directions, edge-triggered.
    ///
    /// # Safety
    ///
    /// `fd` must be deleted with [`delete`](Self::delete) before it is closed.
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        self.ctl(
            libc::EPOLL_CTL_ADD,
            fd,
            READ_FLAGS | WRITE_FLAGS | libc::EPOLLET as u32,
            key,
        )
    }

    /// Oneshot backends re-arm interest here; edge-triggered epoll never needs to.
    pub(crate) fn rearm(
        &self,
        _fd: BorrowedFd<'_>,
        _key: usize,
        _read: bool,
        _write: bool,
    ) -> io::Result<()> {
        Ok(())
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // A non-null event pointer keeps kernels before 2.6.9 happy; it is ignored.
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, 0)
    }

    /// Waits for events (or a notification, or `timeout`). Interrupted waits return with
    /// no events.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let timeout_ms = match timeout {
            None => -1,
            // Round up so the driver never wakes before a timer is due.
            Some(t) => t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int,
        };
        events.list.clear();
        let cap = events.list.capacity().min(i32::MAX as usize) as libc::c_int;
        // SAFETY: the kernel writes at most `cap` events into the vector's spare capacity.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.list.as_mut_ptr(),
                cap,
                timeout_ms,
            )
        };
        let n = match cvt(n) {
            Ok(n) => n as usize,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        // SAFETY: the kernel initialized the first `n` entries.
        unsafe { events.list.set_len(n) };
        if events.list.iter().any(|ev| ev.u64 == NOTIFY_KEY as u64) {
            // Reset the counter so it cannot saturate; edge-triggered, so this is only
            // needed after a notification, never per wait.
            let mut buf = [0u8; 8];
            // SAFETY: `buf` is valid for 8 bytes of writes.
            let _ = unsafe { libc::read(self.notifier.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
        }
        Ok(())
    }

    /// Wakes the current (or next) `wait`.
    pub(crate) fn notify(&self) -> io::Result<()> {
        let one = 1u64.to_ne_bytes();
        // SAFETY: `one` is valid for 8 bytes of reads.
        let n = unsafe { libc::write(self.notifier.as_raw_fd(), one.as_ptr().cast(), 8) };
        match cvt(n as libc::c_int) {
            Ok(_) => Ok(()),
            // The counter is full: a wakeup is already pending.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Events {
    pub(crate) fn new() -> Events {
        Events {
            list: Vec::with_capacity(1024),
        }
    }

    /// `(key, readable, writable)` for each source event (notifications are skipped).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, bool, bool)> + '_ {
        self.list
            .iter()
            .filter(|ev| ev.u64 != NOTIFY_KEY as u64)
            .map(|ev| {
                let flags = ev.events;
                (
                    ev.u64 as usize,
                    flags & READ_FLAGS != 0,
                    flags & WRITE_FLAGS != 0,
                )
            })
    }
}
