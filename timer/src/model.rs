//! A reference model of the wheel (a `BTreeMap` ordered by deadline, then insertion) and a
//! driver that runs the same operations on both. Used by the property test and by the
//! fuzz target in `timer/fuzz` (through the `model` feature).

use crate::{Key, Wheel, MAX_RANGE};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

fn check_eq<T: PartialEq + Debug>(a: T, b: T, what: &str) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!("{what}: wheel {a:?} != model {b:?}"))
    }
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(msg())
    }
}

/// One step of a model run.
#[derive(Clone, Debug)]
pub enum Op {
    /// Insert at `elapsed + delta` (or `elapsed - delta` when `past` is set).
    Insert {
        /// Distance from the current tick.
        delta: u64,
        /// Insert in the past.
        past: bool,
    },
    /// Cancel the n-th armed entry (modulo the count), if any.
    Cancel(usize),
    /// Advance by `delta` ticks (backwards when `back` is set: a no-op for the wheel).
    Advance {
        /// Distance from the current tick.
        delta: u64,
        /// Step backwards.
        back: bool,
    },
}

#[derive(Default)]
struct Model {
    elapsed: u64,
    seq: u64,
    queue: BTreeMap<(u64, u64), u32>,
    by_id: HashMap<u32, (u64, u64)>,
}

impl Model {
    fn insert(&mut self, deadline: u64, id: u32) {
        let d = deadline.clamp(self.elapsed, self.elapsed.saturating_add(MAX_RANGE));
        self.seq += 1;
        self.queue.insert((d, self.seq), id);
        self.by_id.insert(id, (d, self.seq));
    }
    fn cancel(&mut self, id: u32) -> Option<u32> {
        let k = self.by_id.remove(&id)?;
        self.queue.remove(&k)
    }
    fn advance(&mut self, now: u64, fired: &mut Vec<u32>) {
        while let Some((&(d, s), &id)) = self.queue.iter().next() {
            if d > now {
                break;
            }
            self.queue.remove(&(d, s));
            self.by_id.remove(&id);
            fired.push(id);
        }
        self.elapsed = self.elapsed.max(now);
    }
}

/// Runs `ops` on a wheel and on the model.
///
/// # Errors
///
/// A message naming the first difference between the wheel and the model (what was
/// compared, and both values). It is a bug in the wheel (or the model): keep `ops` as a
/// regression case and fix the one that is wrong.
pub fn run(ops: &[Op]) -> Result<(), String> {
    let mut wheel = Wheel::new();
    let mut model = Model::default();
    let mut keys: Vec<(u32, Key)> = Vec::new();
    let mut next_id = 0u32;
    let (mut fired_w, mut fired_m) = (Vec::new(), Vec::new());
    for op in ops {
        match *op {
            Op::Insert { delta, past } => {
                let deadline = if past {
                    wheel.elapsed().saturating_sub(delta)
                } else {
                    wheel.elapsed().saturating_add(delta)
                };
                let id = next_id;
                next_id += 1;
                keys.push((id, wheel.insert(deadline, id)));
                model.insert(deadline, id);
            }
            Op::Cancel(n) => {
                if keys.is_empty() {
                    continue;
                }
                let (id, key) = keys.swap_remove(n % keys.len());
                check_eq(wheel.cancel(key), model.cancel(id), "wheel.cancel(key)")?;
            }
            Op::Advance { delta, back } => {
                let now = if back {
                    wheel.elapsed().saturating_sub(delta)
                } else {
                    wheel.elapsed().saturating_add(delta)
                };
                fired_w.clear();
                fired_m.clear();
                wheel.advance(now, |_, id| fired_w.push(id));
                model.advance(now, &mut fired_m);
                check_eq(&fired_w, &fired_m, "fired at advance")?;
                check_eq(wheel.elapsed(), model.elapsed, "wheel.elapsed()")?;
            }
        }
        check_eq(wheel.len(), model.queue.len(), "wheel.len()")?;
        // The next deadline is never later than the earliest armed deadline.
        match (wheel.next_deadline(), model.queue.keys().next()) {
            (None, None) => {}
            (Some(w), Some(&(m, _))) => {
                check(w <= m, || format!("next_deadline {w} > earliest {m}"))?
            }
            (w, m) => return Err(format!("next_deadline {w:?} vs model {m:?}")),
        }
    }
    // Draining everything fires the rest in the same order.
    fired_w.clear();
    fired_m.clear();
    wheel.advance(u64::MAX, |_, id| fired_w.push(id));
    model.advance(u64::MAX, &mut fired_m);
    check_eq(fired_w, fired_m, "fired while draining")?;
    check(wheel.is_empty(), || "wheel not empty after draining".into())?;
    Ok(())
}
