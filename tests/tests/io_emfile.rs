//! Running out of descriptors: `accept` returns `EMFILE` as an error (no panic), the
//! listener stays usable, and the waiting connection is accepted as soon as descriptors
//! are free again. In its own test binary because it lowers the process's
//! `RLIMIT_NOFILE` and fills the descriptor table, which would break any test beside it.

use std::fs::File;
use std::io::{Read, Write};
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpListener;
use weft_tests::{highest_fd, nofile_limit, runtime, set_nofile_soft_limit, within};

/// Restores the soft descriptor limit when dropped, even if the test fails.
struct RestoreSoftLimit(u64);

impl Drop for RestoreSoftLimit {
    fn drop(&mut self) {
        let _ = set_nofile_soft_limit(self.0);
    }
}

/// Spare descriptor numbers above the highest one in use when the limit is lowered; they
/// (and any free numbers below) are then taken by fillers.
const SPARE: i32 = 8;

#[test]
fn accept_out_of_descriptors_is_an_error_and_succeeds_once_some_are_freed() {
    within(|| {
        let Some(_) = highest_fd() else {
            eprintln!("skipped: /proc/self/fd cannot be read here");
            return;
        };
        let (soft, _) = nofile_limit().unwrap();
        let rt = runtime(1);
        let listener = rt.block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() });
        let addr = listener.local_addr().unwrap();
        // Connected through the backlog: pending until accepted.
        let first = std::net::TcpStream::connect(addr).unwrap();
        let second = std::net::TcpStream::connect(addr).unwrap();

        let restore = RestoreSoftLimit(soft);
        let top = highest_fd().unwrap();
        let limit = (top + 1 + SPARE) as usize;
        set_nofile_soft_limit(limit as u64).unwrap();
        let mut fillers = Vec::new();
        let full = loop {
            match File::open("/dev/null") {
                Ok(f) => fillers.push(f),
                Err(e) => break e,
            }
            // Fillers take every free number below the limit, gaps included.
            assert!(fillers.len() < limit, "the limit did not apply");
        };
        assert_eq!(full.raw_os_error(), Some(libc::EMFILE), "{full}");

        // Twice: an error leaves the listener as it was.
        for _ in 0..2 {
            let err = rt.block_on(listener.accept()).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        }

        // Two free descriptors: the accepted socket needs one.
        drop(fillers.pop());
        drop(fillers.pop());
        let (mut stream, peer) = rt
            .block_on(listener.accept())
            .expect("accept after freeing");
        assert!(
            peer == first.local_addr().unwrap() || peer == second.local_addr().unwrap(),
            "accepted {peer}, not one of the waiting clients"
        );
        drop(fillers);
        drop(restore);
        assert_eq!(nofile_limit().unwrap().0, soft);

        // The accepted connection works, and the other waiting one is accepted too.
        let (mut accepted_peer, mut waiting) = if peer == first.local_addr().unwrap() {
            (first, second)
        } else {
            (second, first)
        };
        accepted_peer.write_all(b"alive").unwrap();
        rt.block_on(async {
            let mut got = [0u8; 5];
            stream.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"alive");
            stream.write_all(b"yes").await.unwrap();
            let (mut other, _) = listener.accept().await.unwrap();
            other.write_all(b"two").await.unwrap();
        });
        let mut reply = [0u8; 3];
        accepted_peer.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"yes");
        waiting.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"two");
    });
}
