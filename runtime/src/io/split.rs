//! `split`: a read half and a write half of any `AsyncRead + AsyncWrite`, for reading and
//! writing from two tasks (or two branches of a `select!`).
//!
//! Both halves share the stream behind one `Arc<Mutex<T>>`; each poll locks it for the
//! duration of that one poll. The stream is pinned there: it is never moved while shared,
//! and [`ReadHalf::unsplit`] (which moves it out) needs `T: Unpin`.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Splits `stream` into a read half and a write half that can be used, and moved,
/// separately; [`ReadHalf::unsplit`] joins them again.
///
/// For weft's own sockets prefer their `into_split` (e.g.
/// [`TcpStream::into_split`](crate::net::TcpStream::into_split)): it needs no lock, since
/// the two directions of a socket are independent. This works for any stream: a
/// [`BufReader`](super::BufReader)-wrapped socket, a [`DuplexStream`](super::DuplexStream),
/// a TLS stream.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (a, mut b) = weft::io::duplex(64);
///     let (mut read, mut write) = weft::io::split(a);
///     let writer = weft::spawn(async move {
///         write.write_all(b"from the write half").await.unwrap();
///         write
///     });
///     let mut buf = [0; 19];
///     b.read_exact(&mut buf).await.unwrap();
///     b.write_all(b"back").await.unwrap();
///     let mut back = [0; 4];
///     read.read_exact(&mut back).await.unwrap();
///     let _a = read.unsplit(writer.await.unwrap());
/// });
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let shared = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            shared: shared.clone(),
        },
        WriteHalf { shared },
    )
}

/// The read half of [`split`]; implements [`AsyncRead`].
pub struct ReadHalf<T> {
    shared: Arc<Mutex<T>>,
}

/// The write half of [`split`]; implements [`AsyncWrite`].
pub struct WriteHalf<T> {
    shared: Arc<Mutex<T>>,
}

/// Locks the shared stream and runs `f` on it, pinned.
fn with_pinned<T, R>(shared: &Mutex<T>, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
    // A panic inside a poll leaves the stream as that poll left it, which the stream's own
    // contract covers (it may report an error next): a poisoned lock is still usable.
    let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: the stream lives in the `Arc`'s allocation from `split` until the last half
    // is dropped (dropping it in place) or `unsplit` moves it out, which requires
    // `T: Unpin`. So a `!Unpin` stream is never moved after this pin, as `Pin` requires.
    f(unsafe { Pin::new_unchecked(&mut *guard) })
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half split from the same stream.
    ///
    /// ```
    /// let (r, w) = weft::io::split(weft::io::duplex(8).0);
    /// let (_r2, w2) = weft::io::split(weft::io::duplex(8).0);
    /// assert!(r.is_pair_of(&w));
    /// assert!(!r.is_pair_of(&w2));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Joins the halves again and returns the stream.
    ///
    /// # Panics
    ///
    /// If `write` was split from a different stream ([`is_pair_of`](Self::is_pair_of)
    /// says which).
    ///
    /// ```
    /// let (r, w) = weft::io::split(weft::io::duplex(8).0);
    /// let stream = r.unsplit(w);
    /// # drop(stream);
    /// ```
    pub fn unsplit(self, write: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&write),
            "ReadHalf::unsplit: the write half was split from a different stream"
        );
        drop(write);
        let mutex = Arc::try_unwrap(self.shared)
            .unwrap_or_else(|_| unreachable!("the two halves held the only references"));
        mutex.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.shared, |s| s.poll_read(cx, buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.shared, |s| s.poll_read_vectored(cx, bufs))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.shared, |s| s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.shared, |s| s.poll_write_vectored(cx, bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_pinned(&self.shared, |s| s.poll_flush(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_pinned(&self.shared, |s| s.poll_close(cx))
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half split from the same stream.
    ///
    /// ```
    /// let (r, w) = weft::io::split(weft::io::duplex(8).0);
    /// assert!(w.is_pair_of(&r));
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
