//! Multi-producer, single-consumer channels: asyncio's `Queue`.
//!
//! | asyncio | weft |
//! |---|---|
//! | `q = asyncio.Queue(maxsize=n)` | `let (tx, rx) = mpsc::channel(n)` |
//! | `q = asyncio.Queue()` | `let (tx, rx) = mpsc::unbounded_channel()` |
//! | `await q.put(v)` | `tx.send(v).await` |
//! | `q.put_nowait(v)` | `tx.try_send(v)` (bounded), `tx.send(v)` (unbounded) |
//! | `await q.get()` | `rx.recv().await` (`None` once all senders are gone) |
//! | `q.get_nowait()` | `rx.try_recv()` |
//! | `q.qsize()`, `q.empty()` | `rx.len()`, `rx.is_empty()` |
//! | `q.shutdown()` | `rx.close()` |
//! | `async for v in ...` | `while let Some(v) = rx.recv().await` (or the `Stream` impl) |
//!
//! Senders are cheap to clone; there is one receiver. Messages arrive in the order they
//! were sent (per sender; messages of different senders interleave in the order their
//! sends completed). When every sender is dropped, the receiver gets the messages still
//! queued and then `None`. When the receiver is dropped or closed, sends fail and hand the
//! message back; a closed receiver still gets the messages queued before, and those sent
//! through [`Permit`]s reserved before the close, and then `None`.
//!
//! A bounded channel makes a sender wait while `capacity` messages are queued, which is
//! how a fast producer is slowed to the consumer's pace (backpressure); waiting senders
//! get room in FIFO order. [`Sender::reserve`] waits for room without committing a
//! message, for senders that must not lose one if they are cancelled.
//!
//! # Examples
//!
//! A producer and a consumer with backpressure:
//!
//! ```
//! use weft::sync::mpsc;
//!
//! let total = weft::run(async {
//!     let (tx, mut rx) = mpsc::channel(16);
//!     weft::spawn(async move {
//!         for i in 0..1_000u64 {
//!             tx.send(i).await.unwrap();
//!         }
//!     });
//!     let mut total = 0;
//!     while let Some(i) = rx.recv().await {
//!         total += i;
//!     }
//!     total
//! });
//! assert_eq!(total, 999 * 1_000 / 2);
//! ```

mod bounded;
mod chan;
pub mod error;
mod permit;
mod unbounded;

pub use bounded::{channel, Receiver, Sender, WeakSender};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
