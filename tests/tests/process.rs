//! `weft::process` with real processes: output and status of `sh`, 10 MiB through `cat`,
//! 200 concurrent children all reaped (zombies counted in /proc), `kill_on_drop`, orphans
//! reaped when they exit, and the errors for a missing program and a runtime that is gone.
//!
//! Every test takes [`LOCK`], so "no zombie children of this process" is about this
//! test's children only.

use std::process::Stdio;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::process::Command;
use weft_tests::{runtime, wait_until, within, HANG};

static LOCK: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `(state, ppid)` of process `pid` from `/proc/<pid>/stat`, or `None` if there is none.
fn proc_state(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the
    // last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The zombie children of this process: exited, not reaped.
fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| proc_state(pid) == Some(('Z', me)))
        .collect()
}

/// True while `pid` is a child of this process (running or a zombie).
fn is_our_child(pid: u32) -> bool {
    matches!(proc_state(pid), Some((_, ppid)) if ppid == std::process::id())
}

async fn hang_guard<F: std::future::Future>(fut: F) -> F::Output {
    weft::time::timeout(HANG, fut)
        .await
        .expect("a child's exit was never noticed")
}

#[test]
fn sh_output_has_its_stdout_stderr_and_exit_code() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let out = hang_guard(
                Command::new("sh")
                    .arg("-c")
                    .arg("echo hi; echo err >&2; exit 3")
                    .output(),
            )
            .await
            .unwrap();
            assert_eq!(out.stdout, b"hi\n");
            assert_eq!(out.stderr, b"err\n");
            assert_eq!(out.status.code(), Some(3));
            assert!(!out.status.success());

            let status = hang_guard(
                Command::new("sh")
                    .arg("-c")
                    .arg("echo hi; exit 3")
                    .stdout(Stdio::null())
                    .status(),
            )
            .await
            .unwrap();
            assert_eq!(status.code(), Some(3));
        })
    });
}

#[test]
fn cat_echoes_10_mib_through_stdin_and_stdout_byte_exact() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            // Not a repeating byte: a dropped or reordered chunk must show.
            let mut state = 0x2545_f491_4f6c_dd1du64;
            let data: Vec<u8> = (0..10 << 20)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let to_send = data.clone();
            // Both at once: the pipes hold far less than 10 MiB.
            let writer = weft::spawn(async move {
                stdin.write_all(&to_send).await.unwrap();
                stdin.close().await.unwrap();
            });
            let mut echoed = Vec::with_capacity(data.len());
            hang_guard(stdout.read_to_end(&mut echoed)).await.unwrap();
            writer.await.unwrap();
            assert_eq!(echoed.len(), data.len());
            assert!(echoed == data, "the echo differs from what was sent");
            assert!(hang_guard(child.wait()).await.unwrap().success());
        })
    });
}

#[test]
fn two_hundred_concurrent_short_lived_children_are_all_reaped() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut tasks = Vec::new();
            for i in 0..200u32 {
                tasks.push(weft::spawn(async move {
                    let mut child = Command::new("sh")
                        .arg("-c")
                        .arg(format!("exit {}", i % 7))
                        .spawn()
                        .unwrap();
                    if i % 2 == 0 {
                        let status = hang_guard(child.wait()).await.unwrap();
                        assert_eq!(status.code(), Some((i % 7) as i32));
                    }
                    // The odd ones are dropped without a wait: weft reaps them.
                    child.id()
                }));
            }
            for (i, task) in tasks.into_iter().enumerate() {
                let id = task.await.unwrap();
                assert_eq!(id.is_none(), i % 2 == 0, "waited children have no id");
            }
            // While the runtime runs, the dropped ones are reaped as they exit. (One still
            // running when its runtime shuts down waits in the orphan queue for the next
            // spawn, wait or drop instead: see the next-spawn test.)
            let clean = weft::spawn_blocking(|| wait_until(HANG, || zombie_children().is_empty()));
            assert!(
                clean.await.unwrap(),
                "zombies left: {:?}",
                zombie_children()
            );
        });
    });
}

#[test]
fn kill_on_drop_leaves_no_process() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let child = Command::new("sleep")
                .arg("1000")
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            assert!(is_our_child(pid));
            drop(child);
            // Killed and reaped: neither running nor a zombie.
            let gone = weft::spawn_blocking(move || wait_until(HANG, || !is_our_child(pid)));
            assert!(
                gone.await.unwrap(),
                "pid {pid} is left: {:?}",
                proc_state(pid)
            );
        })
    });
}

#[test]
fn a_dropped_child_keeps_running_and_is_reaped_when_it_exits() {
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let child = Command::new("sleep").arg("1000").spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child);
            weft::time::sleep(Duration::from_millis(20)).await;
            assert!(
                matches!(proc_state(pid), Some((state, _)) if state != 'Z'),
                "without kill_on_drop the process keeps running"
            );
            // It ends on its own (here: killed by someone else) and is reaped by weft.
            // SAFETY: kill has no memory-safety preconditions; `pid` is our unreaped
            // child, so the id cannot have been reused.
            assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
            let gone = weft::spawn_blocking(move || wait_until(HANG, || !is_our_child(pid)));
            assert!(
                gone.await.unwrap(),
                "pid {pid} is left: {:?}",
                proc_state(pid)
            );
        })
    });
}

#[test]
fn a_child_dropped_outside_a_runtime_is_reaped_at_the_next_spawn() {
    let _serial = serial();
    within(|| {
        let child =
            runtime(1).block_on(async { Command::new("sleep").arg("1000").spawn().unwrap() });
        let pid = child.id().unwrap();
        // Outside any runtime: no task can wait for it, so it is queued.
        drop(child);
        // SAFETY: kill has no memory-safety preconditions; `pid` is our unreaped child.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
        assert!(wait_until(HANG, || proc_state(pid).map(|s| s.0) == Some('Z')));
        runtime(1).block_on(async {
            let status = hang_guard(Command::new("true").status()).await.unwrap();
            assert!(status.success());
        });
        assert!(!is_our_child(pid), "the queued orphan was not reaped");
    });
}

#[test]
fn kill_ends_the_child_and_wait_reports_the_signal() {
    use std::os::unix::process::ExitStatusExt;
    let _serial = serial();
    within(|| {
        runtime(2).block_on(async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            assert!(child.try_wait().unwrap().is_none());
            // A wait cancelled half way loses nothing.
            assert!(weft::time::timeout(Duration::from_millis(10), child.wait())
                .await
                .is_err());
            hang_guard(child.kill()).await.unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL));
            assert_eq!(child.try_wait().unwrap(), Some(status));
            assert_eq!(
                child.start_kill().unwrap_err().kind(),
                std::io::ErrorKind::InvalidInput
            );
        })
    });
}

#[test]
fn env_and_current_dir_reach_the_child() {
    let _serial = serial();
    within(|| {
        runtime(1).block_on(async {
            let out = hang_guard(
                Command::new("sh")
                    .args(["-c", "echo \"$A $B\"; pwd"])
                    .envs([("A", "one")])
                    .env("B", "two")
                    .current_dir("/")
                    .output(),
            )
            .await
            .unwrap();
            assert_eq!(out.stdout, b"one two\n/\n");
        })
    });
}

#[test]
fn a_missing_program_is_not_found_naming_it() {
    let _serial = serial();
    within(|| {
        runtime(1).block_on(async {
            let err = Command::new("weft-no-such-program").spawn().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
            assert!(err.to_string().contains("weft-no-such-program"), "{err}");
            let err = Command::new("weft-no-such-program")
                .output()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        })
    });
}

#[test]
fn spawning_after_the_runtime_shut_down_or_outside_one_is_an_error() {
    let _serial = serial();
    within(|| {
        assert!(Command::new("true").spawn().is_err(), "outside a runtime");
        let rt = runtime(1);
        let handle = rt.handle().clone();
        drop(rt);
        let _entered = handle.enter();
        let err = Command::new("true").spawn().unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
    });
    assert!(zombie_children().is_empty(), "no process was started");
}
