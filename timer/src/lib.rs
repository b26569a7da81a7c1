//! `weft-timer`: the hierarchical timing wheel behind `weft::time`, as a pure data structure.
//!
//! Six levels of 64 slots at one tick (1 ms in weft) per level-0 slot: level `L` slots are
//! `64^L` ticks wide, so the wheel spans `64^6` ticks (about 2.2 years of milliseconds).
//! Each level keeps a 64-bit occupancy bitmap, so finding the next deadline is a rotate and
//! a `trailing_zeros` per level. Entries live in a slab and are linked into their slot's
//! doubly linked list, so insert and cancel are O(1).
//!
//! The crate has no threads, no clock and no I/O: the caller passes time in as ticks. The
//! io-driver thread of weft calls [`Wheel::advance`] after each wait and sleeps until
//! [`Wheel::next_deadline`].
//!
//! Semantics:
//! - a deadline at or before the wheel's current tick fires at the next `advance`;
//! - a deadline beyond the range saturates to the far end ([`MAX_RANGE`] ticks ahead);
//! - `advance(now)` yields every entry whose deadline is `<= now`, exactly once, in
//!   deadline order, and entries of equal deadline in insertion order;
//! - a [`Key`] names one insertion; cancelling it after the entry fired (or twice) is a
//!   harmless no-op that returns `None`, even if the slab slot was reused.
//!
//! # Examples
//!
//! ```
//! use weft_timer::Wheel;
//!
//! let mut wheel = Wheel::new();
//! let a = wheel.insert(10, "a");
//! let _b = wheel.insert(5, "b");
//! let c = wheel.insert(70, "c");
//! assert_eq!(wheel.next_deadline(), Some(5));
//! assert_eq!(wheel.cancel(c), Some("c"));
//!
//! let mut fired = Vec::new();
//! wheel.advance(10, |_, v| fired.push(v));
//! assert_eq!(fired, ["b", "a"]);
//! assert_eq!(wheel.cancel(a), None, "already fired");
//! assert!(wheel.is_empty());
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;

const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = SLOTS as u64 - 1;
const LEVELS: usize = 6;
const NIL: u32 = u32::MAX;

/// Ticks ahead of the current tick that a deadline may lie; later deadlines saturate to
/// this. One top-level slot short of the full `64^6`, so an entry never wraps around into
/// the top-level slot the wheel is currently in.
pub const MAX_RANGE: u64 =
    (1 << (SLOT_BITS as u64 * LEVELS as u64)) - (1 << (SLOT_BITS as u64 * (LEVELS as u64 - 1))) - 1;

/// Names one inserted entry, for [`Wheel::cancel`] and [`Wheel::get_mut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    index: u32,
    generation: u32,
}

struct Node<T> {
    value: Option<T>,
    deadline: u64,
    generation: u32,
    level: u8,
    slot: u8,
    prev: u32,
    next: u32,
}

/// A hierarchical hashed timing wheel holding values of type `T`.
pub struct Wheel<T> {
    /// Current tick: every entry's deadline is `>= elapsed` (past deadlines are clamped).
    elapsed: u64,
    nodes: Vec<Node<T>>,
    /// Free node indices, reused LIFO.
    free: Vec<u32>,
    /// `heads[level][slot]`, `tails[level][slot]`: the slot's list, oldest first.
    heads: [[u32; SLOTS]; LEVELS],
    tails: [[u32; SLOTS]; LEVELS],
    occupied: [u64; LEVELS],
    len: usize,
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Wheel::new()
    }
}

/// The level whose slots distinguish `when` from `elapsed`: the highest differing bit,
/// in units of `SLOT_BITS`.
fn level_for(elapsed: u64, when: u64) -> usize {
    let masked = (elapsed ^ when) | SLOT_MASK;
    let significant = 63 - masked.leading_zeros();
    (significant / SLOT_BITS) as usize
}

fn slot_for(level: usize, when: u64) -> usize {
    ((when >> (level as u32 * SLOT_BITS)) & SLOT_MASK) as usize
}

impl<T> Wheel<T> {
    /// An empty wheel at tick 0.
    ///
    /// ```
    /// let wheel: weft_timer::Wheel<()> = weft_timer::Wheel::new();
    /// assert_eq!(wheel.elapsed(), 0);
    /// ```
    pub fn new() -> Wheel<T> {
        Wheel {
            elapsed: 0,
            nodes: Vec::new(),
            free: Vec::new(),
            heads: [[NIL; SLOTS]; LEVELS],
            tails: [[NIL; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            len: 0,
        }
    }

    /// The wheel's current tick: the `now` of the last `advance` (never decreases).
    ///
    /// ```
    /// let mut wheel: weft_timer::Wheel<()> = weft_timer::Wheel::new();
    /// wheel.advance(42, |_, _| {});
    /// assert_eq!(wheel.elapsed(), 42);
    /// ```
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Entries armed now.
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// wheel.insert(1, ());
    /// assert_eq!(wheel.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if no entry is armed.
    ///
    /// ```
    /// let wheel: weft_timer::Wheel<()> = weft_timer::Wheel::new();
    /// assert!(wheel.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Arms `value` to fire at tick `deadline` (clamped into `[elapsed, elapsed + MAX_RANGE]`).
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// let k = wheel.insert(u64::MAX, "far");
    /// assert_eq!(wheel.deadline(k), Some(weft_timer::MAX_RANGE));
    /// ```
    pub fn insert(&mut self, deadline: u64, value: T) -> Key {
        let deadline = deadline.clamp(self.elapsed, self.elapsed.saturating_add(MAX_RANGE));
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.nodes.len()).expect("fewer than 2^32 timers");
                assert!(i != NIL, "fewer than 2^32 - 1 timers");
                self.nodes.push(Node {
                    value: None,
                    deadline: 0,
                    generation: 0,
                    level: 0,
                    slot: 0,
                    prev: NIL,
                    next: NIL,
                });
                i
            }
        };
        let node = &mut self.nodes[index as usize];
        node.value = Some(value);
        node.deadline = deadline;
        let generation = node.generation;
        self.link(index);
        self.len += 1;
        Key { index, generation }
    }

    /// Links node `index` into the slot its deadline maps to, at the tail.
    fn link(&mut self, index: u32) {
        let deadline = self.nodes[index as usize].deadline;
        let level = level_for(self.elapsed, deadline).min(LEVELS - 1);
        let slot = slot_for(level, deadline);
        let tail = self.tails[level][slot];
        {
            let node = &mut self.nodes[index as usize];
            node.level = level as u8;
            node.slot = slot as u8;
            node.prev = tail;
            node.next = NIL;
        }
        if tail == NIL {
            self.heads[level][slot] = index;
        } else {
            self.nodes[tail as usize].next = index;
        }
        self.tails[level][slot] = index;
        self.occupied[level] |= 1 << slot;
    }

    fn unlink(&mut self, index: u32) {
        let (level, slot, prev, next) = {
            let n = &self.nodes[index as usize];
            (n.level as usize, n.slot as usize, n.prev, n.next)
        };
        if prev == NIL {
            self.heads[level][slot] = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.tails[level][slot] = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        if self.heads[level][slot] == NIL {
            self.occupied[level] &= !(1 << slot);
        }
    }

    fn release(&mut self, index: u32) -> T {
        let node = &mut self.nodes[index as usize];
        node.generation = node.generation.wrapping_add(1);
        let value = node.value.take().expect("a linked node holds a value");
        self.free.push(index);
        self.len -= 1;
        value
    }

    fn live(&self, key: Key) -> bool {
        self.nodes
            .get(key.index as usize)
            .is_some_and(|n| n.generation == key.generation && n.value.is_some())
    }

    /// Disarms `key`, returning its value, or `None` if it already fired or was cancelled.
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// let k = wheel.insert(5, 1);
    /// assert_eq!(wheel.cancel(k), Some(1));
    /// assert_eq!(wheel.cancel(k), None);
    /// ```
    pub fn cancel(&mut self, key: Key) -> Option<T> {
        if !self.live(key) {
            return None;
        }
        self.unlink(key.index);
        Some(self.release(key.index))
    }

    /// The value of an armed entry, to update it in place (weft swaps in a new waker).
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// let k = wheel.insert(5, 1);
    /// *wheel.get_mut(k).unwrap() = 2;
    /// assert_eq!(wheel.cancel(k), Some(2));
    /// ```
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        if !self.live(key) {
            return None;
        }
        self.nodes[key.index as usize].value.as_mut()
    }

    /// The (clamped) deadline of an armed entry.
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// let k = wheel.insert(5, ());
    /// assert_eq!(wheel.deadline(k), Some(5));
    /// ```
    pub fn deadline(&self, key: Key) -> Option<u64> {
        self.live(key)
            .then(|| self.nodes[key.index as usize].deadline)
    }

    /// The earliest tick at which `advance` would fire or move an entry, if any entry is
    /// armed. It is exact for entries in level 0; for higher levels it is the start of the
    /// slot holding them, which is never after their deadline.
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// assert_eq!(wheel.next_deadline(), None);
    /// wheel.insert(3, ());
    /// assert_eq!(wheel.next_deadline(), Some(3));
    /// ```
    pub fn next_deadline(&self) -> Option<u64> {
        self.next_expiration().map(|(_, _, at)| at)
    }

    /// (level, slot, tick) of the first slot to process.
    fn next_expiration(&self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied == 0 {
                continue;
            }
            let shift = level as u32 * SLOT_BITS;
            let slot_range = 1u64 << shift;
            let level_range = slot_range << SLOT_BITS;
            let now_slot = (self.elapsed >> shift) & SLOT_MASK;
            let distance = occupied.rotate_right(now_slot as u32).trailing_zeros() as u64;
            let slot = (now_slot + distance) & SLOT_MASK;
            let level_start = self.elapsed & !(level_range.wrapping_sub(1));
            let mut at = level_start + slot * slot_range;
            if slot < now_slot {
                // Only the top level wraps: its entries may lie in the next lap.
                at += level_range;
            }
            // The slot the wheel is in started in the past; nothing in it is due before now.
            return Some((level, slot as usize, at.max(self.elapsed)));
        }
        None
    }

    /// Moves time forward to `now`, calling `fire(key, value)` for every entry whose
    /// deadline is `<= now`, in deadline order (insertion order among equal deadlines).
    /// A `now` earlier than [`elapsed`](Self::elapsed) changes nothing.
    ///
    /// ```
    /// let mut wheel = weft_timer::Wheel::new();
    /// for t in [300, 5, 4000, 5] { wheel.insert(t, t); }
    /// let mut fired = vec![];
    /// wheel.advance(4000, |_, v| fired.push(v));
    /// assert_eq!(fired, [5, 5, 300, 4000]);
    /// ```
    pub fn advance(&mut self, now: u64, mut fire: impl FnMut(Key, T)) {
        while let Some((level, slot, at)) = self.next_expiration() {
            if at > now {
                break;
            }
            self.elapsed = at;
            // Detach the whole slot, then fire or re-file each entry in list order.
            let mut index = self.heads[level][slot];
            self.heads[level][slot] = NIL;
            self.tails[level][slot] = NIL;
            self.occupied[level] &= !(1 << slot);
            while index != NIL {
                let next = self.nodes[index as usize].next;
                if self.nodes[index as usize].deadline <= self.elapsed {
                    let key = Key {
                        index,
                        generation: self.nodes[index as usize].generation,
                    };
                    let value = self.release(index);
                    fire(key, value);
                } else {
                    self.link(index);
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len)
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

#[cfg(any(test, feature = "model"))]
pub mod model;
#[cfg(test)]
mod tests;
