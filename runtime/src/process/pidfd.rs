//! `pidfd_open(2)`: a descriptor that becomes readable when a process exits (Linux 5.3+).

use std::io;
use std::os::fd::OwnedFd;

#[cfg(target_os = "linux")]
mod imp {
    use std::io;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set once `pidfd_open` turned out to be missing (`ENOSYS`) or refused by a seccomp
    /// filter (`EPERM`), so later spawns go straight to `SIGCHLD`. Only ever set, by any
    /// spawning thread; Relaxed because a stale `false` only costs one more failed call.
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

    pub(super) fn open(pid: u32) -> io::Result<Option<OwnedFd>> {
        if UNSUPPORTED.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
        // SAFETY: pidfd_open takes a pid and a flags word and returns a new descriptor or -1;
        // it touches no memory of ours.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOSYS | libc::EPERM) => {
                    UNSUPPORTED.store(true, Ordering::Relaxed);
                    Ok(None)
                }
                _ => Err(e),
            };
        }
        let fd = libc::c_int::try_from(fd).map_err(io::Error::other)?;
        // SAFETY: the kernel just returned `fd` as a new descriptor (close-on-exec) that
        // nothing else owns.
        Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io;
    use std::os::fd::OwnedFd;

    pub(super) fn open(_pid: u32) -> io::Result<Option<OwnedFd>> {
        Ok(None)
    }
}

/// A pidfd for the (unreaped) child `pid`, or `None` where pidfds are not available.
///
/// # Errors
///
/// The OS error other than "not supported" (out of descriptors).
pub(super) fn open(pid: u32) -> io::Result<Option<OwnedFd>> {
    imp::open(pid)
}
