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

mod ext;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) mod uninit;

pub use ext::{
    copy, AsyncReadExt, AsyncWriteExt, Close, Flush, Read, ReadExact, ReadToEnd, Write, WriteAll,
    WriteVectored,
};
pub use futures_io::{AsyncRead, AsyncWrite};
pub use weft_io::Async;
