//! The `SIGCHLD` fallback, forced on a kernel that has pidfds (the integration tests in
//! `tests/tests/process*.rs` cover the pidfd path through the public API).

use super::Command;
use std::time::Duration;

fn runtime() -> crate::Runtime {
    crate::Builder::new().worker_threads(2).build().unwrap()
}

#[test]
fn sigchld_fallback_waits_for_and_reaps_children() {
    runtime().block_on(async {
        let mut children: Vec<_> = (0..20)
            .map(|i| {
                Command::new("sh")
                    .arg("-c")
                    .arg(format!("exit {i}"))
                    .without_pidfd()
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, child) in children.iter_mut().enumerate() {
            let status = crate::time::timeout(Duration::from_secs(30), child.wait())
                .await
                .expect("a SIGCHLD was missed")
                .unwrap();
            assert_eq!(status.code(), Some(i32::try_from(i).unwrap()));
        }
    });
}

#[test]
fn sigchld_fallback_output_captures_stdout() {
    runtime().block_on(async {
        let out = Command::new("sh")
            .args(["-c", "echo fallback; exit 2"])
            .without_pidfd()
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"fallback\n");
        assert_eq!(out.status.code(), Some(2));
    });
}
