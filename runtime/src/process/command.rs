//! [`Command`]: what to run, and spawning it.

use super::child::Child;
use super::orphan;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::watch::Reaper;
use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

/// A process to spawn: program, arguments, environment, working directory and standard
/// streams (tokio's `tokio::process::Command`, a wrapper of `std::process::Command`;
/// asyncio's `create_subprocess_exec`).
///
/// By default the child inherits the parent's stdin, stdout and stderr (for
/// [`spawn`](Self::spawn) and [`status`](Self::status)); [`output`](Self::output)
/// captures stdout and stderr and gives the child an empty stdin unless told otherwise.
///
/// # Examples
///
/// ```
/// use weft::process::Command;
///
/// weft::run(async {
///     let output = Command::new("sh")
///         .arg("-c")
///         .arg("echo hi; exit 3")
///         .output()
///         .await
///         .unwrap();
///     assert_eq!(output.stdout, b"hi\n");
///     assert_eq!(output.status.code(), Some(3));
/// });
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Which streams were set explicitly, so `output` captures only the others (std's rule).
    stdin_set: bool,
    stdout_set: bool,
    stderr_set: bool,
    /// Off only in weft's own tests of the `SIGCHLD` fallback.
    pidfd: bool,
}

impl Command {
    /// A command to run `program`, found on `PATH` unless it contains a `/`.
    ///
    /// ```
    /// let cmd = weft::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    ///
    /// ```
    /// let mut cmd = weft::process::Command::new("ls");
    /// cmd.arg("-l").arg("/");
    /// assert_eq!(cmd.as_std().get_args().count(), 2);
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// ```
    /// let mut cmd = weft::process::Command::new("ls");
    /// cmd.args(["-l", "-a"]);
    /// assert_eq!(cmd.as_std().get_args().count(), 2);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets one environment variable of the child.
    ///
    /// ```
    /// weft::run(async {
    ///     let out = weft::process::Command::new("sh")
    ///         .args(["-c", "echo $GREETING"])
    ///         .env("GREETING", "hello")
    ///         .output()
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(out.stdout, b"hello\n");
    /// });
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables of the child.
    ///
    /// ```
    /// let mut cmd = weft::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(cmd.as_std().get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes one environment variable from what the child inherits.
    ///
    /// ```
    /// let mut cmd = weft::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the child's environment: it inherits nothing, and sees only what
    /// [`env`](Self::env) sets afterwards.
    ///
    /// ```
    /// weft::run(async {
    ///     let out = weft::process::Command::new("/usr/bin/env")
    ///         .env_clear()
    ///         .env("ONLY", "me")
    ///         .output()
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(out.stdout, b"ONLY=me\n");
    /// });
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Runs the child in `dir`.
    ///
    /// ```
    /// weft::run(async {
    ///     let out = weft::process::Command::new("pwd").current_dir("/").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"/\n");
    /// });
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: `Stdio::piped()` for a [`ChildStdin`] to write to,
    /// `Stdio::null()`, `Stdio::inherit()` (the default), or any descriptor.
    ///
    /// ```
    /// use std::process::Stdio;
    /// let mut cmd = weft::process::Command::new("cat");
    /// cmd.stdin(Stdio::null());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// The child's stdout: `Stdio::piped()` for a [`ChildStdout`] to read from,
    /// `Stdio::null()`, `Stdio::inherit()` (the default), or any descriptor.
    ///
    /// ```
    /// use std::process::Stdio;
    /// let mut cmd = weft::process::Command::new("ls");
    /// cmd.stdout(Stdio::piped());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdout_set = true;
        self
    }

    /// The child's stderr: `Stdio::piped()` for a [`ChildStderr`] to read from,
    /// `Stdio::null()`, `Stdio::inherit()` (the default), or any descriptor.
    ///
    /// ```
    /// use std::process::Stdio;
    /// let mut cmd = weft::process::Command::new("ls");
    /// cmd.stderr(Stdio::null());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stderr_set = true;
        self
    }

    /// Whether dropping the [`Child`] (or a `status`/`output` future) before the process
    /// was reaped sends it `SIGKILL`. Off by default: a dropped child keeps running, and is
    /// reaped when it exits. Either way no zombie is left.
    ///
    /// ```
    /// weft::run(async {
    ///     let child = weft::process::Command::new("sleep")
    ///         .arg("1000")
    ///         .kill_on_drop(true)
    ///         .spawn()
    ///         .unwrap();
    ///     drop(child); // killed, then reaped by weft
    /// });
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The wrapped `std::process::Command`, to read its settings.
    ///
    /// ```
    /// let cmd = weft::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The wrapped `std::process::Command`, for settings weft has no method for
    /// (`std::os::unix::process::CommandExt`: `uid`, `gid`, `process_group`, `pre_exec`).
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    /// let mut cmd = weft::process::Command::new("ls");
    /// cmd.as_std_mut().process_group(0);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the process (asyncio's `create_subprocess_exec`).
    ///
    /// The child's exit is then watched by the current runtime's io-driver (see the
    /// [module docs](super)), so this must run inside the runtime.
    ///
    /// # Errors
    ///
    /// - `NotFound`, naming the program, when it does not exist (or is not on `PATH`);
    ///   `PermissionDenied` when it is not executable; other errors of `fork`/`exec`, also
    ///   naming it.
    /// - Outside a runtime, or once the runtime has shut down (no process is started then).
    /// - The OS error if the process is out of descriptors for the pipes or the pidfd
    ///   (the process was started then: it is killed and reaped).
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// weft::run(async {
    ///     let mut child = weft::process::Command::new("true").spawn().unwrap();
    ///     assert!(child.wait().await.unwrap().success());
    ///
    ///     let err = weft::process::Command::new("no-such-program-here").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), ErrorKind::NotFound);
    ///     assert!(err.to_string().contains("no-such-program-here"));
    /// });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        let handle = crate::Handle::try_current().map_err(|e| {
            io::Error::other(format!("cannot spawn {:?}: {e}", self.std.get_program()))
        })?;
        if handle.is_shutdown() {
            return Err(io::Error::other(format!(
                "cannot spawn {:?}: the runtime has shut down",
                self.std.get_program()
            )));
        }
        orphan::sweep();
        let mut child = self.std.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot spawn {:?}: {e}", self.std.get_program()),
            )
        })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let reaper = match Reaper::new(child, self.pidfd) {
            Ok(reaper) => reaper,
            Err((e, mut child)) => {
                let _ = child.kill();
                // Killed, so this returns promptly.
                let _ = child.wait();
                return Err(e);
            }
        };
        let pipes = (|| {
            Ok::<_, io::Error>((
                stdin.map(ChildStdin::new).transpose()?,
                stdout.map(ChildStdout::new).transpose()?,
                stderr.map(ChildStderr::new).transpose()?,
            ))
        })();
        match pipes {
            Ok((stdin, stdout, stderr)) => {
                Ok(Child::new(reaper, stdin, stdout, stderr, self.kill_on_drop))
            }
            Err(e) => {
                let mut reaper = reaper;
                let _ = reaper.child.kill();
                orphan::adopt(reaper);
                Err(e)
            }
        }
    }

    /// Runs the process to its end and returns its exit status (std's `status`).
    ///
    /// The child inherits stdin, stdout and stderr unless they were set.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn) and [`Child::wait`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the child (killed first if
    /// [`kill_on_drop`](Self::kill_on_drop) is set; reaped when it exits either way).
    ///
    /// ```
    /// weft::run(async {
    ///     let status = weft::process::Command::new("false").status().await.unwrap();
    ///     assert_eq!(status.code(), Some(1));
    /// });
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // Nothing would ever write to a piped stdin; close it so the child sees its end.
        drop(child.stdin.take());
        child.wait().await
    }

    /// Runs the process to its end, capturing stdout and stderr (asyncio's
    /// `create_subprocess_exec(..., stdout=PIPE, stderr=PIPE)` then `communicate()`).
    ///
    /// Unless set explicitly, stdout and stderr are piped and captured, and stdin is
    /// `Stdio::null()` (std's rule).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn) and [`Child::wait_with_output`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the child (killed first if
    /// [`kill_on_drop`](Self::kill_on_drop) is set; reaped when it exits either way) and
    /// the output read so far.
    ///
    /// ```
    /// weft::run(async {
    ///     let out = weft::process::Command::new("echo").arg("hi").output().await.unwrap();
    ///     assert!(out.status.success());
    ///     assert_eq!(out.stdout, b"hi\n");
    ///     assert!(out.stderr.is_empty());
    /// });
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        if !self.stdout_set {
            self.std.stdout(Stdio::piped());
        }
        if !self.stderr_set {
            self.std.stderr(Stdio::piped());
        }
        let spawned = self.spawn();
        // Restore what was not set, so the command can be reused as configured.
        if !self.stdin_set {
            self.std.stdin(Stdio::inherit());
        }
        if !self.stdout_set {
            self.std.stdout(Stdio::inherit());
        }
        if !self.stderr_set {
            self.std.stderr(Stdio::inherit());
        }
        spawned?.wait_with_output().await
    }

    /// Off in weft's own tests, to exercise the `SIGCHLD` fallback on a kernel with pidfds.
    #[cfg(test)]
    pub(super) fn without_pidfd(&mut self) -> &mut Command {
        self.pidfd = false;
        self
    }
}

impl From<std::process::Command> for Command {
    /// Wraps a std command; its stdio settings count as unset for
    /// [`output`](Command::output).
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
            stdout_set: false,
            stderr_set: false,
            pidfd: true,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
