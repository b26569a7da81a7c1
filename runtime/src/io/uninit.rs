//! Reading into uninitialised memory, for the adapters that hand weft's streams to hyper
//! (`weft::hyper::WeftIo`) and to tokio's io traits (the `tokio-io` feature).
//!
//! hyper and tokio both pass a read buffer that may be uninitialised (hyper's `ReadBuf` is
//! made afresh over its `BytesMut`'s spare capacity on every read). futures-io's
//! `poll_read` takes `&mut [u8]`, which must be initialised, so an adapter over a
//! futures-io stream has to initialise something first. Two ways, cheapest first:
//!
//! - **Direct**: weft's own stream sockets ([`RecvUninit`]) call `recv(2)` straight into
//!   the uninitialised memory. The kernel only writes into it, so nothing is zeroed or
//!   copied.
//! - **Scratch**: any other futures-io reader reads into a buffer of the current thread's
//!   that was zeroed once, when it was first made ([`with_scratch`]), and the bytes read are
//!   copied out. The copy is of the bytes actually read (often a few hundred for a request),
//!   where zeroing hyper's buffer is of all of its spare capacity (8 KiB at least, and
//!   hundreds of KiB once hyper's adaptive buffer has grown) on every call. BENCHMARKS.md
//!   has the figures of both ways against tokio's `TokioIo`.

use crate::io::Async;
use std::cell::RefCell;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd};
use std::task::{Context, Poll};

/// Whether a receive takes the bytes it reads off the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recv {
    /// An ordinary read.
    Take,
    /// `MSG_PEEK`: the bytes stay queued for the next read.
    #[cfg_attr(not(feature = "hyper"), allow(dead_code))]
    Peek,
}

/// A stream socket of weft's that reads straight into uninitialised memory.
pub(crate) trait RecvUninit {
    /// Reads (or peeks) into `buf` once the socket is readable; `Ok(n)` means the first
    /// `n` bytes of `buf` are initialised (and filled).
    fn poll_recv_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
        how: Recv,
    ) -> Poll<io::Result<usize>>;
}

/// `recv(2)` into `buf` on `io`'s descriptor, waiting for readiness as every read does.
pub(crate) fn poll_recv_uninit<T: AsFd>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
    how: Recv,
) -> Poll<io::Result<usize>> {
    let flags = match how {
        Recv::Take => 0,
        Recv::Peek => libc::MSG_PEEK,
    };
    io.poll_read_with(cx, |s| {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole call, and
        // `recv(2)` only writes into it (never reads), so uninitialised bytes are fine;
        // the descriptor is open because `s` borrows the socket that owns it.
        let n = unsafe {
            libc::recv(
                s.as_fd().as_raw_fd(),
                buf.as_mut_ptr().cast::<libc::c_void>(),
                buf.len(),
                flags,
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    })
}

/// The type-erased form of [`RecvUninit`] for `T`, if `T` is one of weft's stream sockets.
///
/// By type, at run time: the adapters are generic over any futures-io stream and stable
/// Rust has no specialisation. The check is a comparison of two constants per call.
#[cfg(feature = "hyper")]
pub(crate) fn as_recv_uninit<T: 'static>(io: &T) -> Option<&dyn RecvUninit> {
    use std::any::Any;
    let any = io as &dyn Any;
    if let Some(s) = any.downcast_ref::<crate::net::TcpStream>() {
        return Some(s);
    }
    if let Some(s) = any.downcast_ref::<crate::net::UnixStream>() {
        return Some(s);
    }
    None
}

/// The largest scratch read: 64 KiB. hyper's HTTP/1 reads start at 8 KiB and grow while
/// reads fill them; a loopback socket rarely has more than this ready at once, and each
/// thread keeps only one such buffer.
pub(crate) const SCRATCH_MAX: usize = 64 * 1024;

thread_local! {
    /// Zeroed when it grows, never on a read: the initialised memory every scratch read
    /// on this thread reuses.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with an initialised buffer of `min(len, SCRATCH_MAX)` bytes: this thread's
/// scratch buffer, zeroed only when it grows.
///
/// A read cannot keep the buffer past its call (futures-io's `poll_read` borrows it for
/// the call), so one buffer per thread serves every stream polled there. Should `f` itself
/// end up here (a wrapped reader that is itself a scratch reader), the inner call gets a
/// fresh zeroed buffer instead.
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let len = len.min(SCRATCH_MAX);
    let mut f = Some(f);
    let shared = SCRATCH.try_with(|cell| {
        let mut buf = cell.try_borrow_mut().ok()?;
        if buf.len() < len {
            buf.resize(len, 0);
        }
        let f = f.take().expect("called once");
        Some(f(&mut buf[..len]))
    });
    match shared {
        Ok(Some(out)) => out,
        // Reentered, or the thread is exiting and its locals are gone.
        _ => {
            let f = f.take().expect("not called yet");
            f(&mut vec![0; len])
        }
    }
}
