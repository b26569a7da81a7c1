//! `AsyncBufReadExt`: line and delimiter reading over any `AsyncBufRead` (a
//! [`BufReader`](super::BufReader), `&[u8]`, ...), and [`Lines`], the cancel-safe stream of
//! lines.

use futures_core::Stream;
use futures_io::AsyncBufRead;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Line and delimiter helpers for every [`AsyncBufRead`].
///
/// | asyncio | weft |
/// |---|---|
/// | `await reader.readline()` | [`read_line`](Self::read_line), or [`lines`](Self::lines) + [`Lines::next_line`] |
/// | `await reader.readuntil(sep)` | [`read_until`](Self::read_until) (one-byte separator) |
///
/// # Examples
///
/// ```
/// use weft::io::AsyncBufReadExt;
/// weft::run(async {
///     let mut input: &[u8] = b"key=value\n";
///     let mut key = Vec::new();
///     input.read_until(b'=', &mut key).await.unwrap();
///     let mut value = String::new();
///     input.read_line(&mut value).await.unwrap();
///     assert_eq!((&key[..], value.as_str()), (&b"key="[..], "value\n"));
/// });
/// ```
pub trait AsyncBufReadExt: AsyncBufRead + Unpin {
    /// Returns the buffered bytes, reading more from the inner reader first if there are
    /// none; an empty slice means end of stream. Mark bytes used with
    /// [`consume`](Self::consume).
    ///
    /// # Errors
    ///
    /// Any error of the inner reader.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: bytes read while filling stay in the buffer.
    ///
    /// ```
    /// use weft::io::{AsyncBufReadExt, BufReader};
    /// weft::run(async {
    ///     let mut r = BufReader::new(&b"abc"[..]);
    ///     assert_eq!(r.fill_buf().await.unwrap(), b"abc");
    ///     r.consume(3);
    ///     assert!(r.fill_buf().await.unwrap().is_empty());
    /// });
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self> {
        FillBuf { reader: Some(self) }
    }

    /// Marks `amt` bytes of the buffer as used: the next [`fill_buf`](Self::fill_buf) or
    /// read starts after them.
    ///
    /// ```
    /// use weft::io::{AsyncBufReadExt, AsyncReadExt};
    /// weft::run(async {
    ///     let mut r: &[u8] = b"skip keep";
    ///     r.fill_buf().await.unwrap();
    ///     r.consume(5);
    ///     let mut rest = String::new();
    ///     r.read_to_string(&mut rest).await.unwrap();
    ///     assert_eq!(rest, "keep");
    /// });
    /// ```
    fn consume(&mut self, amt: usize) {
        Pin::new(self).consume(amt)
    }

    /// Reads into `buf` until `byte` (included) or end of stream; returns the number of
    /// bytes appended (0 at end of stream).
    ///
    /// # Errors
    ///
    /// Any error of the inner reader; the bytes read before it are in `buf`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that nothing is lost: bytes are appended to `buf` as they
    /// are taken from the reader. If the future is dropped, `buf` holds the partial
    /// record; call `read_until` again with the same `buf` to finish it.
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// weft::run(async {
    ///     let mut r: &[u8] = b"a,b";
    ///     let mut field = Vec::new();
    ///     assert_eq!(r.read_until(b',', &mut field).await.unwrap(), 2);
    ///     assert_eq!(field, b"a,");
    ///     field.clear();
    ///     assert_eq!(r.read_until(b',', &mut field).await.unwrap(), 1);
    ///     assert_eq!(field, b"b");
    /// });
    /// ```
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self> {
        ReadUntil {
            reader: self,
            byte,
            buf,
            read: 0,
        }
    }

    /// Reads a line, `\n` included, and appends it to `buf`; returns the number of bytes
    /// read (0 at end of stream). The last line of a stream may lack its `\n`.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8 (`buf` is left as it was; the line's bytes
    /// are consumed); any error of the inner reader.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the part of a line read before the future is dropped is lost
    /// (`buf` is unchanged). In a `select!` loop use [`lines`](Self::lines) and
    /// [`Lines::next_line`], which keep a partial line between calls.
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// weft::run(async {
    ///     let mut r: &[u8] = b"first\nlast";
    ///     let mut line = String::new();
    ///     assert_eq!(r.read_line(&mut line).await.unwrap(), 6);
    ///     assert_eq!(line, "first\n");
    ///     line.clear();
    ///     r.read_line(&mut line).await.unwrap();
    ///     assert_eq!(line, "last");
    ///     assert_eq!(r.read_line(&mut line).await.unwrap(), 0);
    /// });
    /// ```
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self> {
        ReadLine {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// A [`Stream`] of the lines of this reader, without their `\n` (or `\r\n`).
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// weft::run(async {
    ///     let mut lines = (&b"a\r\nb\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("b"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines {
            reader: self,
            line: Vec::new(),
        }
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> AsyncBufReadExt for R {}

/// Moves bytes from `reader` into `buf` up to and including `byte`; `Ready(true)` when the
/// delimiter was found, `Ready(false)` at end of stream. Every byte is in `buf` before it
/// is consumed from the reader, so a caller that keeps `buf` across polls loses nothing.
fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    byte: u8,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<bool>> {
    loop {
        let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
        if available.is_empty() {
            return Poll::Ready(Ok(false));
        }
        let (used, found) = match available.iter().position(|&b| b == byte) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        buf.extend_from_slice(&available[..used]);
        reader.as_mut().consume(used);
        if found {
            return Poll::Ready(Ok(true));
        }
    }
}

fn invalid_utf8(e: std::string::FromUtf8Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the line is not UTF-8 ({})", e.utf8_error()),
    )
}

#[doc = future_doc!("AsyncBufReadExt::fill_buf")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct FillBuf<'a, R: ?Sized> {
    reader: Option<&'a mut R>,
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let reader = this
            .reader
            .take()
            .expect("FillBuf polled after it completed");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Pending => {
                this.reader = Some(reader);
                Poll::Pending
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok([])) => Poll::Ready(Ok(&[])),
            // The slice above borrows `reader` only for this call; to hand out one that
            // lives for 'a, ask again through the 'a borrow. With bytes buffered,
            // `poll_fill_buf` returns them again without I/O (its contract).
            Poll::Ready(Ok(_)) => Pin::new(reader).poll_fill_buf(cx),
        }
    }
}

#[doc = future_doc!("AsyncBufReadExt::read_until")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    byte: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let before = this.buf.len();
        let res = poll_read_until(Pin::new(&mut *this.reader), cx, this.byte, this.buf);
        this.read += this.buf.len() - before;
        ready!(res)?;
        Poll::Ready(Ok(std::mem::take(&mut this.read)))
    }
}

#[doc = future_doc!("AsyncBufReadExt::read_line")]
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// The line so far: appended to `buf` once whole and checked to be UTF-8.
    bytes: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(poll_read_until(
            Pin::new(&mut *this.reader),
            cx,
            b'\n',
            &mut this.bytes
        ))?;
        let line = String::from_utf8(std::mem::take(&mut this.bytes)).map_err(invalid_utf8)?;
        this.buf.push_str(&line);
        Poll::Ready(Ok(line.len()))
    }
}

/// The lines of an [`AsyncBufRead`], from [`AsyncBufReadExt::lines`]: a [`Stream`] of
/// `io::Result<String>`, each line without its `\n` or `\r\n`.
///
/// The partial line read so far lives in the `Lines` itself, not in the future of
/// [`next_line`](Self::next_line) (or of a `Stream` poll), so dropping that future (a
/// `select!` branch that lost) loses nothing: the next call continues the same line.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncBufReadExt, BufReader};
/// weft::run(async {
///     let mut lines = BufReader::new(&b"PING\nQUIT\n"[..]).lines();
///     let mut seen = Vec::new();
///     while let Some(line) = lines.next_line().await.unwrap() {
///         seen.push(line);
///     }
///     assert_eq!(seen, ["PING", "QUIT"]);
/// });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<R> {
    reader: R,
    line: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// The next line, `Ok(None)` at end of stream.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8 (the line is skipped: the next call reads
    /// the one after it); any error of the reader (the partial line is kept).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, the bytes of the partial line stay in the
    /// `Lines` and the next call returns the whole line.
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// weft::run(async {
    ///     let mut lines = (&b"only"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("only"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        std::future::poll_fn(|cx| self.poll_next_line(cx)).await
    }

    /// Polls for the next line; see [`next_line`](Self::next_line).
    ///
    /// # Errors
    ///
    /// As [`next_line`](Self::next_line).
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// weft::run(async {
    ///     let mut lines = (&b"x\n"[..]).lines();
    ///     let line = std::future::poll_fn(|cx| lines.poll_next_line(cx)).await.unwrap();
    ///     assert_eq!(line.as_deref(), Some("x"));
    /// });
    /// ```
    pub fn poll_next_line(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<String>>> {
        let found = ready!(poll_read_until(
            Pin::new(&mut self.reader),
            cx,
            b'\n',
            &mut self.line
        ))?;
        if !found && self.line.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Poll::Ready(String::from_utf8(line).map(Some).map_err(invalid_utf8))
    }
}

impl<R> Lines<R> {
    /// The reader (bytes it buffered past the current line are still in it).
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// let lines = (&b"a\nb"[..]).lines();
    /// assert_eq!(lines.get_ref().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably.
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// let mut lines = (&b"a"[..]).lines();
    /// *lines.get_mut() = &b"b"[..];
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Returns the reader; a partial line read so far is dropped.
    ///
    /// ```
    /// use weft::io::AsyncBufReadExt;
    /// let lines = (&b"a"[..]).lines();
    /// assert_eq!(lines.into_inner(), b"a");
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead + Unpin> Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_line(cx).map(Result::transpose)
    }
}
