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

/// `n` reserved slots of a bounded channel, from [`Sender::reserve_many`]: an iterator
/// that hands out one [`Permit`] per slot. Dropping it gives back the slots it has not
/// handed out.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = weft::sync::mpsc::channel(4);
/// let permits = tx.try_reserve_many(3).unwrap();
/// for (i, permit) in permits.enumerate() {
///     permit.send(i);
/// }
/// assert_eq!(rx.try_recv(), Ok(0));
/// assert_eq!(tx.capacity(), 2, "two still queued, one received");
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    /// Slots (and counted permits) not handed out yet.
    left: usize,
}

impl<'a, T> PermitIterator<'a, T> {
    /// Takes over `n` slots already taken from the capacity semaphore and `n` permits
    /// already counted in the channel's state.
    pub(super) fn new(chan: &'a Chan<T>, n: usize) -> Self {
        PermitIterator { chan, left: n }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // One slot and one counted permit move to the `Permit`.
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if let Some(sem) = &self.chan.capacity {
            if self.left > 0 {
                sem.release(self.left);
            }
        }
        self.chan.release_permits(self.left);
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::PermitIterator")
            .field("left", &self.left)
            .finish()
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
