//! Child processes with asynchronous pipes (tokio's `tokio::process`; asyncio's
//! `asyncio.subprocess`).
//!
//! | asyncio | weft |
//! |---|---|
//! | `await asyncio.create_subprocess_exec(prog, *args, stdin=PIPE, stdout=PIPE)` | `Command::new(prog).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?` |
//! | `await proc.communicate()` | [`Child::wait_with_output`], or [`Command::output`] |
//! | `await proc.wait()`, `proc.returncode` | [`Child::wait`], [`Child::try_wait`] |
//! | `proc.kill()`, `proc.pid` | [`Child::start_kill`] (or `kill().await`), [`Child::id`] |
//! | `proc.stdin.write(b); await proc.stdin.drain()` | [`ChildStdin`] is an [`AsyncWrite`](crate::io::AsyncWrite) |
//! | `await proc.stdout.read(n)` | [`ChildStdout`], [`ChildStderr`] are [`AsyncRead`](crate::io::AsyncRead) |
//!
//! # How a child's exit is noticed
//!
//! Without a thread per child. On Linux 5.3 and later each child gets a pidfd
//! (`pidfd_open`), a descriptor that becomes readable when the process exits; the
//! io-driver multiplexes it like a socket and wakes exactly the task in [`Child::wait`].
//! Where pidfds are missing (older kernels, seccomp filters that refuse the call, other
//! Unixes), each waiting child listens for `SIGCHLD` through [`crate::signal`] and checks
//! its own process with a non-blocking `waitpid` after every delivery.
//!
//! # Orphans and zombies
//!
//! A process that exits stays a zombie until its parent reaps it. A [`Child`] dropped
//! before that (never waited for, or a cancelled `output()`) is still reaped: its process
//! keeps running, unless [`Command::kill_on_drop`] was set, which kills it, and a task of
//! the current runtime reaps it when it exits. A child dropped outside a runtime, or
//! while its runtime shuts down, is queued and reaped at the next spawn, wait or drop of
//! any child (tokio's orphan queue).
//!
//! # Examples
//!
//! ```
//! use std::process::Stdio;
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::process::Command;
//!
//! weft::run(async {
//!     let mut child = Command::new("tr")
//!         .arg("a-z")
//!         .arg("A-Z")
//!         .stdin(Stdio::piped())
//!         .stdout(Stdio::piped())
//!         .spawn()
//!         .unwrap();
//!     let mut stdin = child.stdin.take().unwrap();
//!     // Write and read at once: a pipe holds only so much.
//!     let writer = weft::spawn(async move {
//!         stdin.write_all(b"shout").await.unwrap();
//!     });
//!     let mut out = String::new();
//!     child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
//!     writer.await.unwrap();
//!     assert_eq!(out, "SHOUT");
//!     assert!(child.wait().await.unwrap().success());
//! });
//! ```

mod child;
mod command;
mod orphan;
mod pidfd;
mod pipe;
mod watch;

#[cfg(test)]
mod tests;

pub use child::Child;
pub use command::Command;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
