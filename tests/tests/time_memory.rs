//! Armed-then-dropped timers leave the wheel empty, and the wheel's storage is reused, not
//! grown, from one round of timers to the next. In its own test binary, with an allocator
//! that counts live heap bytes, so that no other test's allocations are counted. (Bytes as
//! requested, not RSS: a sanitizer's allocator or glibc's thresholds move RSS, not this.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weft::time::sleep;
use weft_tests::{poll_once, within};

/// The system allocator, counting the bytes handed out and not yet freed.
struct CountingBytes;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for CountingBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), SeqCst);
        // SAFETY: `ptr` came from `alloc` with this `layout` (the caller's contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract, which we pass on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size, SeqCst);
            LIVE_BYTES.fetch_sub(layout.size(), SeqCst);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingBytes = CountingBytes;

/// Room for incidental allocations of the runtime's threads between two readings; far
/// below what one round of 100 000 timers holds (several MiB of wheel entries).
const SLACK: usize = 64 * 1024;

fn armed_timers() -> usize {
    weft::Handle::current().metrics().num_armed_timers()
}

#[test]
fn armed_then_dropped_sleeps_leave_the_wheel_empty_and_its_storage_reused() {
    within(|| {
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        rt.block_on(async {
            // Arm-and-cancel cycles, one at a time: each reuses the entry the last freed.
            drop(poll_once(sleep(Duration::from_secs(60))).await);
            let before = LIVE_BYTES.load(SeqCst);
            for _ in 0..100_000 {
                drop(poll_once(sleep(Duration::from_secs(60))).await);
            }
            assert_eq!(armed_timers(), 0);
            let after = LIVE_BYTES.load(SeqCst);
            assert!(
                after <= before + SLACK,
                "100 000 arm-and-cancel cycles grew the heap from {before} to {after} bytes"
            );

            // 100 000 armed together, four times: after the first round has sized the
            // wheel, later rounds reuse its entries, so the heap returns to the same level
            // after every round. Deadlines an hour out (spread over 100 s, so over many
            // slots and levels) never fire during the test, however slow the machine.
            let mut live_after = Vec::new();
            for _ in 0..4 {
                let mut all = Vec::with_capacity(100_000);
                for i in 0..100_000u64 {
                    let d = Duration::from_secs(3_600) + Duration::from_millis(i);
                    all.push(poll_once(sleep(d)).await);
                }
                assert_eq!(armed_timers(), 100_000);
                drop(all);
                assert_eq!(armed_timers(), 0);
                live_after.push(LIVE_BYTES.load(SeqCst));
            }
            let (first, last) = (live_after[0], live_after[3]);
            assert!(
                last <= first + SLACK,
                "the heap grew from {first} to {last} bytes over rounds of re-armed timers"
            );
        });
    });
}
