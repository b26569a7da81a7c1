//! Reserved slots of a bounded channel: `Permit` (borrows its sender) and `OwnedPermit`
//! (owns it). Sending through one cannot fail or wait, even after the receiver closed;
//! dropping one unused gives the slot back. Each holds one capacity permit and counts as
//! outstanding in the channel's `state` (see `chan.rs`) until it is used or dropped.

use super::bounded::Sender;
use super::chan::Chan;
use std::fmt;

/// One reserved slot in a bounded channel: sending through it cannot fail or wait.
/// Dropping it unused gives the slot back.
///
/// A permit granted before the receiver [closed](super::Receiver::close) still delivers
/// its message: the receiver gets it, and sees the end of the channel only once no
/// permit is left.
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
    /// Sends `value` into the reserved slot. Never waits, and is delivered even if the
    /// receiver closed since the reservation; if the receiver was dropped, the value is
    /// dropped.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// rx.close();
    /// permit.send(1); // reserved before the close: still delivered
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot and the permit's count now belong to the message: not released on drop.
        std::mem::forget(self);
        send_through(chan, value);
    }
}

/// Sends a permit's message; if the receiver is gone, gives its slot back and drops the
/// message (here, outside the channel's lock).
fn send_through<T>(chan: &Chan<T>, value: T) {
    if let Err(value) = chan.send_permit(value) {
        release_slot(chan);
        drop(value);
    }
}

fn release_slot<T>(chan: &Chan<T>) {
    if let Some(sem) = &chan.capacity {
        sem.release(1);
    }
}

/// A permit goes unused: its slot comes back and it stops counting as outstanding.
fn release_unused<T>(chan: &Chan<T>) {
    release_slot(chan);
    chan.release_permit();
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_unused(self.chan);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Permit").finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and gives the sender back. As
    /// [`Permit::send`], the value is delivered even if the receiver closed since the
    /// reservation (and dropped if the receiver was dropped).
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
        send_through(sender.chan(), value);
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
        release_unused(sender.chan());
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            release_unused(sender.chan());
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::OwnedPermit").finish_non_exhaustive()
    }
}
