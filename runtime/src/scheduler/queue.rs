//! The run queues behind one small interface: a worker's local FIFO deque, the stealers
//! its peers use, and the global injector.
//!
//! A normal build uses `crossbeam-deque` (Chase-Lev deques and a segmented injector). Under
//! `--cfg loom` the same interface is backed by `loom` mutexes around `VecDeque`s, so the
//! scheduler's own protocols (idle, park/unpark, shutdown) can be model-checked; the
//! deque's own lock-free algorithm is crossbeam's and is checked there.

use crate::task::header::Notified;

#[cfg(not(loom))]
mod imp {
    use super::Notified;
    use crossbeam_deque::Steal;

    fn settle(mut steal: impl FnMut() -> Steal<Notified>) -> Option<Notified> {
        loop {
            match steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// A worker's own queue. Only its worker thread pushes and pops.
    pub(crate) struct Local(crossbeam_deque::Worker<Notified>);

    /// The handle peers use to steal from a `Local`.
    pub(crate) struct Stealer(crossbeam_deque::Stealer<Notified>);

    /// The global queue for work scheduled from outside the workers.
    pub(crate) struct Injector(crossbeam_deque::Injector<Notified>);

    pub(crate) fn local() -> (Local, Stealer) {
        let worker = crossbeam_deque::Worker::new_fifo();
        let stealer = worker.stealer();
        (Local(worker), Stealer(stealer))
    }

    impl Local {
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dest` and returns one of them.
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            settle(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            settle(|| self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(crossbeam_deque::Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            settle(|| self.0.steal())
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            settle(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::Notified;
    use crate::loom::{Arc, Mutex};
    use std::collections::VecDeque;

    type Queue = Arc<Mutex<VecDeque<Notified>>>;

    pub(crate) struct Local(Queue);
    pub(crate) struct Stealer(Queue);
    pub(crate) struct Injector(Mutex<VecDeque<Notified>>);

    pub(crate) fn local() -> (Local, Stealer) {
        let q: Queue = Arc::new(Mutex::new(VecDeque::new()));
        (Local(q.clone()), Stealer(q))
    }

    fn take_half(src: &mut VecDeque<Notified>, dest: &Local) -> Option<Notified> {
        let first = src.pop_front()?;
        let extra = src.len() / 2;
        if extra > 0 {
            let mut d = dest.0.lock().unwrap();
            for _ in 0..extra {
                d.push_back(src.pop_front().unwrap());
            }
        }
        Some(first)
    }

    impl Local {
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().unwrap().push_back(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().unwrap().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
    }

    impl Stealer {
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            let mut src = self.0.lock().unwrap();
            take_half(&mut src, dest)
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            self.0.lock().unwrap().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(Mutex::new(VecDeque::new()))
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().unwrap().push_back(task);
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            self.0.lock().unwrap().pop_front()
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Option<Notified> {
            let mut src = self.0.lock().unwrap();
            take_half(&mut src, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
    }
}

pub(crate) use imp::{local, Injector, Local, Stealer};
