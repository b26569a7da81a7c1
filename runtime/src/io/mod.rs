//! Asynchronous I/O: [`Async<T>`] for any descriptor, the ecosystem's [`AsyncRead`] and
//! [`AsyncWrite`] traits (from `futures-io`), and extension traits with the usual helpers.
//!
//! | asyncio | weft |
//! |---|---|
//! | `loop.add_reader(fd, cb)` | [`Async::readable`] / [`Async::read_with`] |
//! | `await reader.read(n)` | [`AsyncReadExt::read`] |
//! | `await reader.readexactly(n)` | [`AsyncReadExt::read_exact`] |
//! | `writer.write(b); await writer.drain()` | [`AsyncWriteExt::write_all`] |
//! | `writer.close()` | [`AsyncWriteExt::close`] |
//! | `StreamReader` (buffered) | [`BufReader`] |
//! | `StreamWriter` (buffered; `drain()`) | [`BufWriter`] ([`AsyncWriteExt::flush`]) |
//! | `await reader.readline()` | [`AsyncBufReadExt::read_line`], or [`AsyncBufReadExt::lines`] + [`Lines::next_line`] (cancel safe) |
//! | `await reader.readuntil(sep)` | [`AsyncBufReadExt::read_until`] (one-byte separator) |
//! | `reader.read(n)` into a growing buffer | [`AsyncReadExt::read_buf`] (cancel safe) |
//! | an in-memory pipe for tests | [`duplex`] |
//!
//! Readiness for hand-written I/O: [`Async::ready`] with an [`Interest`], then
//! [`Async::try_io`]; readiness is cleared only when an operation reports `WouldBlock`.

/// The doc line of an extension trait's future type.
macro_rules! future_doc {
    ($name:literal) => {
        concat!(
            "The future returned by [`",
            $name,
            "`]; resolves to the operation's result."
        )
    };
}

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) mod uninit;

mod buf_read_ext;
mod buf_reader;
mod buf_writer;
mod copy;
mod duplex;
mod num;
mod read_ext;
mod split;
mod write_ext;

pub use buf_read_ext::{AsyncBufReadExt, FillBuf, Lines, ReadLine, ReadUntil};
pub use buf_reader::BufReader;
pub use buf_writer::BufWriter;
pub use copy::{copy, copy_bidirectional};
pub use duplex::{duplex, DuplexStream};
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
pub use num::{ReadNum, WriteNum};
pub use read_ext::{AsyncReadExt, Read, ReadBuf, ReadExact, ReadToEnd, ReadToString};
pub use split::{split, ReadHalf, WriteHalf};
pub use weft_io::{Async, Interest, Ready};
pub use write_ext::{AsyncWriteExt, Close, Flush, Write, WriteAll, WriteAllBuf, WriteVectored};
