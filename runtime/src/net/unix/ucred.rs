//! `UCred`: the credentials of a Unix-socket peer, as the kernel recorded them when the
//! connection was made. One `getsockopt` per platform family, kept in this leaf file.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The user, group and (where the system tells) process of a Unix-socket peer, from
/// [`UnixStream::peer_cred`](super::UnixStream::peer_cred).
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
///     let cred = a.peer_cred().unwrap();
///     // SAFETY: getuid has no preconditions and cannot fail.
///     assert_eq!(cred.uid(), unsafe { libc::getuid() });
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    uid: libc::uid_t,
    gid: libc::gid_t,
    pid: Option<libc::pid_t>,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let _uid = a.peer_cred().unwrap().uid();
    /// });
    /// ```
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     let _gid = a.peer_cred().unwrap().gid();
    /// });
    /// ```
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id, where the system reports it (Linux and Android do; the BSDs
    /// and macOS give `None`).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair().unwrap();
    ///     if cfg!(target_os = "linux") {
    ///         assert_eq!(a.peer_cred().unwrap().pid(), Some(std::process::id() as i32));
    ///     }
    /// });
    /// ```
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<UCred> {
    // SAFETY: an all-zero ucred is a valid value of this plain C struct.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes and `len` holds `cred`'s size, as
    // SO_PEERCRED requires; the descriptor is open for the duration of the call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid: cred.uid,
        gid: cred.gid,
        pid: Some(cred.pid),
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<UCred> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: `uid` and `gid` are valid for writes; the descriptor is open for the call.
    if unsafe { libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid,
        gid,
        pid: None,
    })
}
