//! Every task allocation is freed: after runtimes full of finished, pending, aborted,
//! detached and panicked tasks are dropped, the process holds no more heap blocks than
//! before. Alone in its own test binary, with a counting global allocator, so that no
//! other test's allocations are counted.

use std::future::pending;
use weft_tests::{park_on, runtime, within};

#[global_allocator]
static ALLOCATOR: weft_tests::CountingAllocator = weft_tests::CountingAllocator;

/// One runtime's life with tasks ending every way a task can end.
fn a_runtime_full_of_tasks() {
    let rt = runtime(2);
    let finished: Vec<_> = (0..1_000u64)
        .map(|i| rt.spawn(async move { vec![i; 4] }))
        .collect();
    for h in finished {
        rt.block_on(h).unwrap();
    }
    let aborted: Vec<_> = (0..1_000).map(|_| rt.spawn(pending::<()>())).collect();
    for h in &aborted {
        h.abort();
    }
    for h in aborted {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
    for i in 0..1_000u64 {
        // Detached: some finish (their output is dropped by the runtime), some stay
        // pending until shutdown.
        if i % 2 == 0 {
            drop(rt.spawn(async move { vec![i; 4] }));
        } else {
            drop(rt.spawn(pending::<Vec<u64>>()));
        }
    }
    let panicked: Vec<_> = (0..100)
        .map(|i| rt.spawn(async move { panic!("leak test {}", std::hint::black_box(i)) }))
        .collect();
    for h in panicked {
        assert!(rt.block_on(h).unwrap_err().is_panic());
    }
    let kept_pending: Vec<_> = (0..1_000).map(|_| rt.spawn(pending::<()>())).collect();
    drop(rt);
    for h in kept_pending {
        assert!(park_on(h).unwrap_err().is_shutdown());
    }
}

#[test]
fn dropped_runtimes_free_every_task_allocation() {
    // Silence the panics of the panicking tasks: printing them is not what is measured.
    std::panic::set_hook(Box::new(|_| {}));
    within(|| {
        // Once first, so one-time allocations (thread-locals, the panic machinery) are made.
        a_runtime_full_of_tasks();
        let before = weft_tests::live_heap_blocks();
        for _ in 0..3 {
            a_runtime_full_of_tasks();
        }
        let after = weft_tests::live_heap_blocks();
        // Back to the default hook, so a failure below is reported.
        drop(std::panic::take_hook());
        // 3 runtimes of 5 100 tasks each: a leak of even one block per 100 tasks shows.
        assert!(
            after - before < 100,
            "{} heap blocks more after 3 runtimes than before",
            after - before
        );
    });
}
