//! `block_in_place`: block the current thread without stalling the tasks queued behind it.

use crate::context;

/// Runs `f`, which may block, on this thread, after handing this worker's queued tasks to
/// other threads, so none of them waits until `f` returns (tokio's `block_in_place`). For
/// a short blocking call inside async code (a synchronous library call, a lock held
/// briefly) where moving the data into [`spawn_blocking`](crate::spawn_blocking) would
/// be awkward.
///
/// On a worker of a multi-thread runtime, the worker's deque and LIFO slot go to the
/// global queue and a relief thread (from the blocking pool) runs outside work until `f`
/// returns; an idle worker is woken too. Inside `f`, blocking calls are allowed
/// (`Handle::block_on` included). Off a worker (a `spawn_blocking` job, a plain thread, the
/// thread of a multi-thread `block_on`) it just runs `f`.
///
/// # Panics
///
/// On a current-thread runtime (inside its `block_on`), whose one worker is this thread:
/// there is nobody to hand the work to. Use [`spawn_blocking`](crate::spawn_blocking).
///
/// # Examples
///
/// ```
/// let rt = weft::Builder::new().worker_threads(2).build().unwrap();
/// let sum = rt.block_on(rt.spawn(async {
///     weft::task::block_in_place(|| {
///         std::thread::sleep(std::time::Duration::from_millis(5)); // a blocking call
///         (1..=10).sum::<u32>()
///     })
/// }));
/// assert_eq!(sum.unwrap(), 55);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    let mut f = Some(f);
    let out = context::with_worker(|worker| match worker {
        Some(local) if local.handle.shared.config.current_thread => panic!(
            "weft::task::block_in_place called on a current-thread runtime: its only worker \
             is this thread, so nothing could run the other tasks meanwhile; use \
             weft::spawn_blocking (and .await it), or build a multi-thread runtime"
        ),
        Some(local) => Some(local.block_in_place(f.take().expect("called once"))),
        None => None,
    });
    match out {
        Some(out) => out,
        None => (f.take().expect("not run yet"))(),
    }
}
