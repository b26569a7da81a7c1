//! The parent's ends of a child's standard streams: pipes registered with the io-driver.

use crate::io::{Async, AsyncRead, AsyncWrite};
use std::fmt;
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

/// One end of a pipe, non-blocking and registered. (`File` only because std's `&File`
/// implements `Read` and `Write` over any descriptor.)
fn register(fd: OwnedFd) -> io::Result<Async<File>> {
    Async::new(File::from(fd))
}

/// The child's standard input, written by the parent: an [`AsyncWrite`]
/// ([`Child::stdin`](super::Child::stdin) when spawned with `Stdio::piped()`).
///
/// The child sees end of input once this is dropped or [closed](crate::io::AsyncWriteExt::close).
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::process::Command;
///
/// weft::run(async {
///     let mut child = Command::new("cat")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()
///         .unwrap();
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"hello").await.unwrap();
///     stdin.close().await.unwrap(); // end of input: cat exits
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
///     assert_eq!(out, "hello");
///     assert!(child.wait().await.unwrap().success());
/// });
/// ```
pub struct ChildStdin {
    /// `None` once closed.
    pipe: Option<Async<File>>,
}

/// The child's standard output, read by the parent: an [`AsyncRead`]
/// ([`Child::stdout`](super::Child::stdout) when spawned with `Stdio::piped()`).
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::AsyncReadExt;
/// use weft::process::Command;
///
/// weft::run(async {
///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn().unwrap();
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
///     assert_eq!(out, "hi\n");
///     child.wait().await.unwrap();
/// });
/// ```
pub struct ChildStdout {
    pipe: Async<File>,
}

/// The child's standard error, read by the parent: an [`AsyncRead`]
/// ([`Child::stderr`](super::Child::stderr) when spawned with `Stdio::piped()`).
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::AsyncReadExt;
/// use weft::process::Command;
///
/// weft::run(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "echo oops >&2"])
///         .stderr(Stdio::piped())
///         .spawn()
///         .unwrap();
///     let mut err = String::new();
///     child.stderr.take().unwrap().read_to_string(&mut err).await.unwrap();
///     assert_eq!(err, "oops\n");
///     child.wait().await.unwrap();
/// });
/// ```
pub struct ChildStderr {
    pipe: Async<File>,
}

impl ChildStdin {
    pub(super) fn new(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            pipe: Some(register(std.into())?),
        })
    }

    fn pipe(&mut self) -> io::Result<Pin<&mut Async<File>>> {
        match &mut self.pipe {
            Some(pipe) => Ok(Pin::new(pipe)),
            None => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the child's stdin was closed by this process",
            )),
        }
    }
}

impl ChildStdout {
    pub(super) fn new(std: std::process::ChildStdout) -> io::Result<ChildStdout> {
        Ok(ChildStdout {
            pipe: register(std.into())?,
        })
    }
}

impl ChildStderr {
    pub(super) fn new(std: std::process::ChildStderr) -> io::Result<ChildStderr> {
        Ok(ChildStderr {
            pipe: register(std.into())?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.pipe() {
            Ok(pipe) => pipe.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.pipe() {
            Ok(pipe) => pipe.poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no buffer of ours to flush.
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe, so the child reads end of input; later writes fail with
    /// `BrokenPipe`.
    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        drop(self.pipe.take());
        Poll::Ready(Ok(()))
    }
}

macro_rules! reader {
    ($name:ident) => {
        impl AsyncRead for $name {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.pipe).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.pipe).poll_read_vectored(cx, bufs)
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.as_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.as_raw_fd()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("fd", &self.pipe.as_raw_fd())
                    .finish()
            }
        }
    };
}

reader!(ChildStdout);
reader!(ChildStderr);

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("fd", &self.pipe.as_ref().map(|p| p.as_raw_fd()))
            .finish()
    }
}
