//! Reserved slots of a bounded channel: `Permit` (borrows its sender) and `OwnedPermit`
//! (owns it). Sending through one cannot fail or wait; dropping one unused gives the slot
//! back.

use super::bounded::Sender;
use super::chan::Chan;
use std::fmt;

/// One reserved slot in a bounded channel: sending through it cannot fail or wait.
/// Dropping it unused gives the slot back.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(1);
/// weft::run(async move {
///     let permit = tx.reserve().await.unwrap();
///     // Build the message only once there is room for it.
///     permit.send(String::from("built after reserving"));
///     assert!(rx.recv().await.is_some());
/// });
/// ```
pub struct Permit<'a, T> {
    pub(super) chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender (`'static`); [`send`](Self::send) gives the
/// sender back.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(1);
/// weft::run(async move {
///     let permit = tx.reserve_owned().await.unwrap();
///     let tx = permit.send(1);
///     assert_eq!(rx.recv().await, Some(1));
///     drop(tx);
/// });
/// ```
pub struct OwnedPermit<T> {
    pub(super) sender: Option<Sender<T>>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot. Never waits; if the receiver closed since
    /// the reservation, the value is dropped.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// tx.try_reserve().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot now belongs to the message: do not release it on drop.
        std::mem::forget(self);
        if chan.push(value).is_err() {
            // Nobody will receive it: give the slot back.
            release_slot(chan);
        }
    }
}

fn release_slot<T>(chan: &Chan<T>) {
    if let Some(sem) = &chan.capacity {
        sem.release(1);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_slot(self.chan);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Permit").finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and gives the sender back.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # drop(tx);
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an OwnedPermit holds its sender until it is used");
        if sender.chan().push(value).is_err() {
            release_slot(sender.chan());
        }
        sender
    }

    /// Gives the slot back without sending, returning the sender.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
    /// let tx = tx.try_reserve_owned().unwrap().release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an OwnedPermit holds its sender until it is used");
        release_slot(sender.chan());
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            release_slot(sender.chan());
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::OwnedPermit").finish_non_exhaustive()
    }
}
