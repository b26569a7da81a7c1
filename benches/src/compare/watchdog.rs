//! A watchdog that ends the process when one sample runs past its limit, so `compare`
//! never hangs (a deadlocked runtime under test must fail the run, not stall CI).
//!
//! The watchdog thread sleeps on a condition variable until the armed deadline; it makes
//! no periodic wakeups of its own.

use std::process;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct State {
    /// The deadline of the sample in progress and what it is; `None` between samples.
    armed: Option<(Instant, Duration, String)>,
}

/// Ends the process with exit status 3 if a sample outlives its limit.
#[derive(Clone, Debug)]
pub struct Watchdog {
    shared: Arc<(Mutex<State>, Condvar)>,
}

/// Disarms the watchdog when dropped.
#[derive(Debug)]
pub struct Armed<'a>(&'a Watchdog);

impl Watchdog {
    /// Starts the watchdog thread.
    pub fn start() -> Watchdog {
        let dog = Watchdog {
            shared: Arc::new((Mutex::new(State::default()), Condvar::new())),
        };
        let shared = dog.shared.clone();
        thread::Builder::new()
            .name("compare-watchdog".to_owned())
            .spawn(move || watch(&shared))
            .expect("cannot start the watchdog thread");
        dog
    }

    /// Allows `what` to run for `limit` until the guard drops.
    pub fn arm(&self, limit: Duration, what: String) -> Armed<'_> {
        let (lock, cvar) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        state.armed = Some((Instant::now() + limit, limit, what));
        cvar.notify_one();
        Armed(self)
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.0.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).armed = None;
        cvar.notify_one();
    }
}

fn watch(shared: &(Mutex<State>, Condvar)) {
    let (lock, cvar) = shared;
    let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let wait = match &state.armed {
            None => None,
            Some((deadline, limit, what)) => {
                let now = Instant::now();
                if now >= *deadline {
                    eprintln!(
                        "compare: {what} ran past its limit of {limit:?}; giving up so the \
                         run cannot hang"
                    );
                    process::exit(3);
                }
                Some(*deadline - now)
            }
        };
        state = match wait {
            None => cvar.wait(state).unwrap_or_else(PoisonError::into_inner),
            Some(d) => {
                cvar.wait_timeout(state, d)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}
