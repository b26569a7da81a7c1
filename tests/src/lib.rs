//! Integration tests of weft live in `tests/tests/`, one file per capability; this library
//! holds helpers they share.
//!
//! - [`within`] runs a test body on its own thread and turns a hang into a failure.
//! - [`wait_until`] polls a condition with a generous deadline (a hang guard, never a
//!   timing assert).
//! - [`park_on`] drives a future on the calling thread without any weft runtime, for
//!   awaiting `JoinHandle`s after their runtime is gone.
//! - [`OnDrop`] wraps a future and counts its drop, to observe cancellation and leaks.
//! - [`panic_message`] reads the text out of a panic payload.
//! - [`spin_for`] keeps a thread busy without sleeping (CPU-bound task bodies).
//! - [`runtime`] builds a runtime with a given number of workers.
//! - [`TempDir`] makes (and removes) a unique directory for Unix-socket paths.
//! - [`open_fds`], [`highest_fd`] count descriptors; [`nofile_limit`],
//!   [`set_nofile_soft_limit`] and [`raise_nofile_limit`] read and move `RLIMIT_NOFILE`.
//! - With feature `hyper`: [`http`] (a hyper client over weft's TCP, a plain-socket HTTP
//!   client) and [`events`] (captures what `weft::hyper::serve` logs).

#[cfg(feature = "hyper")]
pub mod events;
#[cfg(feature = "hyper")]
pub mod http;

use std::any::Any;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a test body may run before it counts as hung: far beyond what any test here
/// needs, even on a loaded 2-core machine.
pub const HANG: Duration = Duration::from_secs(30);

/// Runs `body` on a fresh thread and returns its result; panics if it has not finished
/// within [`HANG`] (the body's thread is then left behind), and re-raises its panic if it
/// panicked.
#[track_caller]
pub fn within<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let thread = thread::Builder::new()
        .name("test-body".into())
        .spawn(move || {
            let _ = tx.send(body());
        })
        .expect("spawn the test body thread");
    match rx.recv_timeout(HANG) {
        Ok(out) => {
            let _ = thread.join();
            out
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test body did not finish within {HANG:?}: the runtime hung")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the body sends before its thread ends"),
        },
    }
}

/// Polls `cond` until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread with a parking waker and no runtime
/// context, panicking if it takes longer than [`HANG`].
#[track_caller]
pub fn park_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let deadline = Instant::now() + HANG;
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        let now = Instant::now();
        assert!(now < deadline, "future not ready within {HANG:?}");
        thread::park_timeout(deadline - now);
    }
}

/// A future that counts its own drop in a shared counter.
pub struct OnDrop<F> {
    future: Pin<Box<F>>,
    dropped: Arc<AtomicUsize>,
}

impl<F> OnDrop<F> {
    /// Wraps `future`; `dropped` goes up by one when the wrapper is dropped.
    pub fn new(future: F, dropped: Arc<AtomicUsize>) -> OnDrop<F> {
        OnDrop {
            future: Box::pin(future),
            dropped,
        }
    }
}

impl<F: Future> Future for OnDrop<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.future.as_mut().poll(cx)
    }
}

impl<F> Drop for OnDrop<F> {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, SeqCst);
    }
}

/// The text of a panic payload (`panic!` makes a `&'static str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// Keeps the CPU busy with arithmetic the optimizer cannot remove for about `busy` (never
/// sleeping), the same in debug and release builds; returns the rounds done.
pub fn spin_for(busy: Duration) -> u64 {
    let start = Instant::now();
    let mut x = 0u64;
    let mut rounds = 0u64;
    while start.elapsed() < busy {
        for i in 0..64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        rounds += 1;
    }
    std::hint::black_box(x);
    rounds
}

/// A runtime with `n` worker threads and default settings otherwise.
pub fn runtime(n: usize) -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(n)
        .build()
        .expect("build a runtime")
}

/// A fresh directory under the system temp dir for Unix-socket paths, unique per process
/// and per call, removed (with everything in it) when dropped.
pub struct TempDir {
    path: std::path::PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/weft-<tag>-<pid>-<n>`; short, so socket paths stay under the 108-byte
    /// `sun_path` limit.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, SeqCst);
        let path = std::env::temp_dir().join(format!("weft-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temp dir");
        TempDir { path }
    }

    /// The path of `name` inside the directory.
    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.path.join(name)
    }

    /// The directory itself.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The descriptors open in this process now (Linux: the entries of `/proc/self/fd`, less
/// the one the listing itself uses); `None` where that cannot be read.
pub fn open_fds() -> Option<usize> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    Some(entries.count().saturating_sub(1))
}

/// The highest descriptor number open in this process (Linux), if it can be read.
pub fn highest_fd() -> Option<i32> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .max()
}

/// `RLIMIT_NOFILE` as `(soft, hard)`.
///
/// # Errors
///
/// The OS error of `getrlimit`.
pub fn nofile_limit() -> std::io::Result<(u64, u64)> {
    // SAFETY: an all-zero rlimit is a valid value for getrlimit to overwrite.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `lim` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((lim.rlim_cur as u64, lim.rlim_max as u64))
}

/// Sets the soft `RLIMIT_NOFILE` (the hard limit is kept). Process-wide: only tests that
/// own their test binary may call it.
///
/// # Errors
///
/// The OS error of `getrlimit` or `setrlimit` (e.g. a soft limit above the hard one).
pub fn set_nofile_soft_limit(soft: u64) -> std::io::Result<()> {
    let (_, hard) = nofile_limit()?;
    let lim = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: `lim` is a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit so a test can open `want`
/// descriptors; returns false (and changes nothing) if the hard limit is below `want`.
///
/// # Errors
///
/// The OS error of `getrlimit` or `setrlimit`.
pub fn raise_nofile_limit(want: u64) -> std::io::Result<bool> {
    let (soft, hard) = nofile_limit()?;
    if hard < want {
        return Ok(false);
    }
    if soft < hard {
        set_nofile_soft_limit(hard)?;
    }
    Ok(true)
}

/// Polls `fut` once (for a timer: arms it) and hands it back, to be awaited, inspected or
/// dropped later.
pub async fn poll_once<F: Future + Unpin>(mut fut: F) -> F {
    std::future::poll_fn(|cx| {
        let _ = std::pin::Pin::new(&mut fut).poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    fut
}

/// The system allocator, counting live heap blocks, for leak tests. A test binary that
/// wants it installs it as its own global allocator (alone in its binary, so no other
/// test's allocations count):
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: weft_tests::CountingAllocator = weft_tests::CountingAllocator;
/// ```
pub struct CountingAllocator;

static LIVE_BLOCKS: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

/// Heap blocks live now, as counted by [`CountingAllocator`] (0 where it is not installed).
pub fn live_heap_blocks() -> isize {
    LIVE_BLOCKS.load(std::sync::atomic::Ordering::SeqCst)
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counter has no effect on the memory handed out.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            LIVE_BLOCKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE_BLOCKS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: `ptr` came from `alloc` with this `layout` (the caller's contract).
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract, which we pass on. A block moved
        // by realloc is still one block.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

/// The process's thread count (the `Threads:` line of /proc/self/status; Linux).
pub fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("a Threads: line")
        .trim()
        .parse()
        .expect("a thread count")
}
