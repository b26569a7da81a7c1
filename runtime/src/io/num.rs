//! Fixed-size numbers over `AsyncRead`/`AsyncWrite`: the futures behind
//! `AsyncReadExt::read_u8 .. read_f64(_le)` and `AsyncWriteExt::write_u8 .. write_f64(_le)`,
//! and the macros that write those methods (with their docs) into the two traits.
//!
//! Big-endian (network order) without a suffix, little-endian with `_le`, as tokio names
//! them.

use futures_io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The widest number: `u128`.
const MAX_SIZE: usize = 16;

/// A number read and written as a fixed number of bytes. Public in a private module: it
/// bounds the public futures but cannot be named or implemented outside weft.
pub trait Num: Copy {
    /// Bytes on the wire.
    const SIZE: usize;
    /// Decodes `Self::SIZE` bytes.
    fn decode(bytes: &[u8], le: bool) -> Self;
    /// Encodes into the first `Self::SIZE` bytes of `out`.
    fn encode(self, le: bool, out: &mut [u8]);
}

macro_rules! num_impls {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn decode(bytes: &[u8], le: bool) -> Self {
                let array = bytes[..Self::SIZE].try_into().expect("SIZE bytes");
                if le { <$t>::from_le_bytes(array) } else { <$t>::from_be_bytes(array) }
            }
            fn encode(self, le: bool, out: &mut [u8]) {
                let bytes = if le { self.to_le_bytes() } else { self.to_be_bytes() };
                out[..Self::SIZE].copy_from_slice(&bytes);
            }
        }
    )*};
}
num_impls!(u8, i8, u16, i16, u32, i32, u64, i64, u128, i128, f32, f64);

/// The future of `AsyncReadExt::read_u8` and its siblings; resolves to the number read.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadNum<'a, R: ?Sized, N> {
    reader: &'a mut R,
    buf: [u8; MAX_SIZE],
    filled: usize,
    le: bool,
    _num: PhantomData<fn() -> N>,
}

impl<'a, R: ?Sized, N> ReadNum<'a, R, N> {
    pub(super) fn new(reader: &'a mut R, le: bool) -> Self {
        ReadNum {
            reader,
            buf: [0; MAX_SIZE],
            filled: 0,
            le,
            _num: PhantomData,
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized, N: Num> Future for ReadNum<'_, R, N> {
    type Output = io::Result<N>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.filled < N::SIZE {
            let dst = &mut this.buf[this.filled..N::SIZE];
            match ready!(Pin::new(&mut *this.reader).poll_read(cx, dst))? {
                0 => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the stream ended {} bytes into a {}-byte number",
                            this.filled,
                            N::SIZE
                        ),
                    )))
                }
                n => this.filled += n,
            }
        }
        Poll::Ready(Ok(N::decode(&this.buf, this.le)))
    }
}

/// The future of `AsyncWriteExt::write_u8` and its siblings.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct WriteNum<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: [u8; MAX_SIZE],
    written: usize,
    len: usize,
}

impl<'a, W: ?Sized> WriteNum<'a, W> {
    pub(super) fn new<N: Num>(writer: &'a mut W, n: N, le: bool) -> Self {
        let mut buf = [0; MAX_SIZE];
        n.encode(le, &mut buf);
        WriteNum {
            writer,
            buf,
            written: 0,
            len: N::SIZE,
        }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteNum<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.written < this.len {
            let src = &this.buf[this.written..this.len];
            match ready!(Pin::new(&mut *this.writer).poll_write(cx, src))? {
                0 => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the stream accepted no more bytes",
                    )))
                }
                n => this.written += n,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// The `# Cancel safety` sentence for a number of the given type.
macro_rules! num_cancel_safety {
    (u8) => {
        "Cancel safe: a one-byte read (or write) either happened, and the future returned, or did not."
    };
    (i8) => {
        $crate::io::num::num_cancel_safety!(u8)
    };
    ($t:ident) => {
        "Not cancel safe: if the future is dropped after part of the number moved, those bytes are lost (a read) or sent without the rest (a write)."
    };
}

/// `AsyncReadExt` methods: `name, type, little-endian;` per line.
macro_rules! read_num_methods {
    ($($name:ident, $t:ident, $le:tt;)*) => {$(
        #[doc = concat!(
            "Reads a `", stringify!($t), "` in ",
            $crate::io::num::read_num_methods!(@order $le), " byte order.\n\n",
            "# Errors\n\n",
            "`UnexpectedEof` if the stream ends before the whole number; any error of the reader.\n\n",
            "# Cancel safety\n\n",
            $crate::io::num::num_cancel_safety!($t), "\n\n",
            "```\n",
            "use weft::io::AsyncReadExt;\n",
            "weft::run(async {\n",
            "    let bytes: Vec<u8> = (1..=16).collect();\n",
            "    let mut reader = &bytes[..];\n",
            "    let n = reader.", stringify!($name), "().await.unwrap();\n",
            "    let size = std::mem::size_of::<", stringify!($t), ">();\n",
            "    let want = ", stringify!($t), "::", $crate::io::num::read_num_methods!(@from $le),
            "(bytes[..size].try_into().unwrap());\n",
            "    assert_eq!(n.to_ne_bytes(), want.to_ne_bytes());\n",
            "    assert_eq!(reader.len(), 16 - size);\n",
            "});\n",
            "```"
        )]
        fn $name(&mut self) -> ReadNum<'_, Self, $t> {
            ReadNum::new(self, $le)
        }
    )*};
    (@order false) => { "big-endian (network)" };
    (@order true) => { "little-endian" };
    (@from false) => { "from_be_bytes" };
    (@from true) => { "from_le_bytes" };
    (@to false) => { "to_be_bytes" };
    (@to true) => { "to_le_bytes" };
}

/// `AsyncWriteExt` methods: `name, type, little-endian;` per line.
macro_rules! write_num_methods {
    ($($name:ident, $t:ident, $le:tt;)*) => {$(
        #[doc = concat!(
            "Writes a `", stringify!($t), "` in ",
            $crate::io::num::read_num_methods!(@order $le), " byte order.\n\n",
            "# Errors\n\n",
            "`WriteZero` if the stream stops accepting bytes; any error of the writer.\n\n",
            "# Cancel safety\n\n",
            $crate::io::num::num_cancel_safety!($t), "\n\n",
            "```\n",
            "use weft::io::AsyncWriteExt;\n",
            "weft::run(async {\n",
            "    let mut out = Vec::new();\n",
            "    let n: ", stringify!($t), " = 7 as ", stringify!($t), ";\n",
            "    out.", stringify!($name), "(n).await.unwrap();\n",
            "    assert_eq!(out, n.", $crate::io::num::read_num_methods!(@to $le), "());\n",
            "});\n",
            "```"
        )]
        fn $name(&mut self, n: $t) -> WriteNum<'_, Self> {
            WriteNum::new(self, n, $le)
        }
    )*};
}

pub(crate) use {num_cancel_safety, read_num_methods, write_num_methods};
