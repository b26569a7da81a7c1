//! Task identifiers.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::Ordering::Relaxed;

/// A task's identifier, unique among all tasks of the process for its lifetime.
///
/// Ids are handed out in blocks per thread, so spawning does not make every worker bump one
/// shared counter.
///
/// # Examples
///
/// ```
/// let rt = weft::Runtime::new().unwrap();
/// let a = rt.spawn(async { weft::task::id() });
/// let b = rt.spawn(async {});
/// let id = a.id();
/// assert_ne!(id, b.id());
/// assert_eq!(rt.block_on(a).unwrap(), id);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

/// Ids a thread takes from the global counter at once.
const BLOCK: u64 = 1024;

impl Id {
    pub(crate) fn next() -> Id {
        crate::loom::thread_local_const! {
            static NEXT: Cell<(u64, u64)> = Cell::new((0, 0));
        }
        // Plain std even under loom: id allocation is not part of any modelled race.
        static GLOBAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.with(|next| {
            let (mut cur, mut end) = next.get();
            if cur == end {
                cur = GLOBAL.fetch_add(BLOCK, Relaxed);
                end = cur + BLOCK;
            }
            next.set((cur + 1, end));
            Id(NonZeroU64::new(cur).expect("task ids start at 1 and do not wrap in 2^64"))
        })
    }

    /// The id as a number, for logs and metrics.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = rt.spawn(async {});
    /// assert!(h.id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

crate::loom::thread_local_const! {
    static CURRENT: Cell<Option<Id>> = Cell::new(None);
}

/// Sets the current task id for the length of a poll or drop; restores the previous one.
pub(crate) struct IdGuard(Option<Id>);

impl IdGuard {
    pub(crate) fn enter(id: Id) -> IdGuard {
        IdGuard(CURRENT.with(|c| c.replace(Some(id))))
    }
}

impl Drop for IdGuard {
    fn drop(&mut self) {
        let prev = self.0;
        CURRENT.with(|c| c.set(prev));
    }
}

/// The id of the task being polled on this thread, if any.
pub(crate) fn current() -> Option<Id> {
    CURRENT.try_with(|c| c.get()).ok().flatten()
}
