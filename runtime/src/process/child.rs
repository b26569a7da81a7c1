//! [`Child`]: a spawned process, its pipes, and waiting for its exit.

use super::orphan;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::watch::Reaper;
use crate::io::{AsyncRead, AsyncReadExt};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{ready, Context, Poll};

/// A child process spawned by [`Command::spawn`](super::Command::spawn) (tokio's
/// `tokio::process::Child`; asyncio's `Process`).
///
/// Its exit is awaited with [`wait`](Self::wait), without a thread per child (see the
/// [module docs](super)). A `Child` dropped before its process was reaped does not leave a
/// zombie: the process keeps running (unless [`kill_on_drop`] was set, which kills it) and
/// weft reaps it when it exits.
///
/// [`kill_on_drop`]: super::Command::kill_on_drop
///
/// # Examples
///
/// ```
/// use weft::process::Command;
///
/// weft::run(async {
///     let mut child = Command::new("sleep").arg("0").spawn().unwrap();
///     assert!(child.id().is_some());
///     let status = child.wait().await.unwrap();
///     assert!(status.success());
///     assert_eq!(child.id(), None, "reaped");
/// });
/// ```
pub struct Child {
    /// The parent's end of the child's stdin, if spawned with `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The parent's end of the child's stdout, if spawned with `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The parent's end of the child's stderr, if spawned with `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    state: State,
    kill_on_drop: bool,
}

enum State {
    Running(Reaper),
    Exited(ExitStatus),
}

impl Child {
    pub(super) fn new(
        reaper: Reaper,
        stdin: Option<ChildStdin>,
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
        kill_on_drop: bool,
    ) -> Child {
        Child {
            stdin,
            stdout,
            stderr,
            state: State::Running(reaper),
            kill_on_drop,
        }
    }

    /// The process id, or `None` once the process has been reaped (its id may then belong
    /// to another process already).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("true").spawn().unwrap();
    ///     assert!(child.id().unwrap() > 0);
    ///     child.wait().await.unwrap();
    ///     assert!(child.id().is_none());
    /// });
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(reaper) => Some(reaper.child.id()),
            State::Exited(_) => None,
        }
    }

    /// Waits for the process to exit, reaps it, and returns its exit status (asyncio's
    /// `await proc.wait()`). Returns the same status again once reaped.
    ///
    /// Closes [`stdin`](Self::stdin) first (as tokio does), so a child that reads its input
    /// to the end does not wait forever for a parent that waits for it.
    ///
    /// # Errors
    ///
    /// Once the runtime's io-driver has shut down while the process still runs; the OS
    /// error of `waitpid` (`ECHILD` if something else in the process reaped the child).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing; call `wait` again.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
    ///     assert_eq!(child.wait().await.unwrap().code(), Some(7));
    /// });
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        match &mut self.state {
            State::Running(reaper) => {
                let status = ready!(reaper.poll_wait(cx))?;
                self.state = State::Exited(status);
                orphan::sweep();
                Poll::Ready(Ok(status))
            }
            State::Exited(status) => Poll::Ready(Ok(*status)),
        }
    }

    /// The exit status if the process has exited (reaping it), `None` if it still runs.
    ///
    /// # Errors
    ///
    /// The OS error of `waitpid`.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("sleep").arg("10").spawn().unwrap();
    ///     assert!(child.try_wait().unwrap().is_none());
    ///     child.kill().await.unwrap();
    ///     assert!(child.try_wait().unwrap().is_some());
    /// });
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Running(reaper) => match reaper.child.try_wait()? {
                Some(status) => {
                    self.state = State::Exited(status);
                    orphan::sweep();
                    Ok(Some(status))
                }
                None => Ok(None),
            },
            State::Exited(status) => Ok(Some(*status)),
        }
    }

    /// Sends `SIGKILL` without waiting for the process to exit; [`wait`](Self::wait) then
    /// reaps it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the process was already reaped (its id may belong to another
    /// process by now, so nothing is sent); the OS error of `kill`.
    ///
    /// ```
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("sleep").arg("10").spawn().unwrap();
    ///     child.start_kill().unwrap();
    ///     let status = child.wait().await.unwrap();
    ///     assert!(!status.success());
    ///     assert!(child.start_kill().is_err(), "already reaped");
    /// });
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(reaper) => reaper.child.kill(),
            State::Exited(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot kill a child process that has already exited and been reaped",
            )),
        }
    }

    /// Sends `SIGKILL` and waits for the process to exit, reaping it.
    ///
    /// # Errors
    ///
    /// As [`start_kill`](Self::start_kill) and [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the signal is sent on the first poll; dropping the future after that
    /// only stops waiting (the process still dies and is reaped later).
    ///
    /// ```
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("sleep").arg("10").spawn().unwrap();
    ///     child.kill().await.unwrap();
    ///     assert!(child.id().is_none());
    /// });
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Reads all of stdout and stderr (those that are piped) while waiting for the process
    /// to exit, and returns them with the status (asyncio's `proc.communicate()`, with the
    /// input already written).
    ///
    /// # Errors
    ///
    /// An I/O error reading the pipes, or as [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the `Child` (the process is reaped when
    /// it exits, or killed first with `kill_on_drop`) and the output read so far.
    ///
    /// ```
    /// use std::process::Stdio;
    /// weft::run(async {
    ///     let child = weft::process::Command::new("echo")
    ///         .arg("out")
    ///         .stdout(Stdio::piped())
    ///         .spawn()
    ///         .unwrap();
    ///     let output = child.wait_with_output().await.unwrap();
    ///     assert_eq!(output.stdout, b"out\n");
    /// });
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let stdout = self.stdout.take();
        let stderr = self.stderr.take();
        let (status, stdout, stderr) =
            crate::join!(self.wait(), read_all(stdout), read_all(stderr));
        Ok(Output {
            status: status?,
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

async fn read_all<R: AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut out).await?;
    }
    Ok(out)
}

impl Drop for Child {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut self.state, State::Exited(ExitStatus::default()));
        if let State::Running(mut reaper) = state {
            if self.kill_on_drop {
                // The process cannot have been reaped (we would have its status), so its id
                // is still its own. An error means it is already dead.
                let _ = reaper.child.kill();
            }
            orphan::adopt(reaper);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.state {
            State::Running(reaper) => d.field("pid", &reaper.child.id()),
            State::Exited(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
