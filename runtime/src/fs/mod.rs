//! Files and directories without blocking a worker (tokio's `tokio::fs`; asyncio's
//! `loop.run_in_executor(None, ...)` around file calls).
//!
//! The OS reports regular files as always ready, so the io-driver cannot wait on them;
//! every call here runs the std call on the runtime's blocking pool
//! ([`spawn_blocking`](crate::spawn_blocking)) and awaits it. [`File`] adds buffering so
//! small reads and writes share one blocking call (see its docs), and [`ReadDir`] fetches
//! entries in batches.
//!
//! | asyncio | weft |
//! |---|---|
//! | `await loop.run_in_executor(None, open(p).read)` | [`read`], [`read_to_string`], [`File::open`] |
//! | `await loop.run_in_executor(None, os.listdir, p)` | [`read_dir`] (a `Stream` of [`DirEntry`]) |
//! | `await loop.run_in_executor(None, shutil.copyfile, a, b)` | [`copy`] |
//!
//! Every function needs a runtime (it returns an error outside one), and none of them is
//! cancelled by dropping its future: the std call already on the pool runs to its end, and
//! only its result is dropped.
//!
//! # Examples
//!
//! ```
//! weft::run(async {
//!     let dir = std::env::temp_dir().join(format!("weft-doc-fs-{}", std::process::id()));
//!     weft::fs::create_dir_all(dir.join("a/b")).await.unwrap();
//!     weft::fs::write(dir.join("a/b/note.txt"), "hello").await.unwrap();
//!     assert_eq!(weft::fs::read_to_string(dir.join("a/b/note.txt")).await.unwrap(), "hello");
//!     weft::fs::rename(dir.join("a/b/note.txt"), dir.join("a/note.txt")).await.unwrap();
//!     assert!(weft::fs::try_exists(dir.join("a/note.txt")).await.unwrap());
//!     weft::fs::remove_dir_all(&dir).await.unwrap();
//! });
//! ```

mod file;
mod open_options;
mod read_dir;
mod seek;

pub use file::File;
pub use futures_io::AsyncSeek;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use seek::{AsyncSeekExt, Rewind, Seek};

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Runs the blocking `f` on the current runtime's blocking pool.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let handle = crate::Handle::try_current()
        .map_err(|e| io::Error::other(format!("weft::fs needs a weft runtime: {e}")))?;
    handle.spawn_blocking(f).await?
}

/// Declares an async wrapper of a std path function.
macro_rules! path_fn {
    (
        $(#[$doc:meta])*
        $name:ident($($arg:ident),+) -> $ret:ty = $std:path
    ) => {
        $(#[$doc])*
        ///
        /// # Cancel safety
        ///
        /// Dropping the future does not undo the call: once on the blocking pool it runs
        /// to its end, and only its result is dropped.
        pub async fn $name($($arg: impl AsRef<Path>),+) -> io::Result<$ret> {
            $(let $arg = $arg.as_ref().to_owned();)+
            asyncify(move || $std($(&$arg),+)).await
        }
    };
}

path_fn! {
    /// Reads the whole file (std's `fs::read`).
    ///
    /// # Errors
    ///
    /// As `open(2)` and `read(2)`; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let bytes = weft::fs::read("/proc/self/cmdline").await.unwrap();
    ///     assert!(!bytes.is_empty());
    /// });
    /// ```
    read(path) -> Vec<u8> = std::fs::read
}

path_fn! {
    /// Reads the whole file as UTF-8 text (std's `fs::read_to_string`).
    ///
    /// # Errors
    ///
    /// As [`read`], and `InvalidData` if the file is not UTF-8.
    ///
    /// ```
    /// weft::run(async {
    ///     let text = weft::fs::read_to_string("/proc/self/status").await.unwrap();
    ///     assert!(text.contains("Pid:"));
    /// });
    /// ```
    read_to_string(path) -> String = std::fs::read_to_string
}

/// Writes `contents` as the whole file, creating or truncating it (std's `fs::write`).
///
/// # Errors
///
/// As `open(2)` and `write(2)`; an error outside a runtime.
///
/// # Cancel safety
///
/// Dropping the future does not undo the call: once on the blocking pool it runs to its
/// end, and only its result is dropped.
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-write-{}", std::process::id()));
///     weft::fs::write(&path, b"bytes").await.unwrap();
///     assert_eq!(weft::fs::read(&path).await.unwrap(), b"bytes");
///     # weft::fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

path_fn! {
    /// Creates a directory; its parent must exist (std's `fs::create_dir`).
    ///
    /// # Errors
    ///
    /// `AlreadyExists`, `NotFound` (no parent), `PermissionDenied`; an error outside a
    /// runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::create_dir("/no/such/parent/dir").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    create_dir(path) -> () = std::fs::create_dir
}

path_fn! {
    /// Creates a directory and every missing parent; `Ok` if it already exists (std's
    /// `fs::create_dir_all`).
    ///
    /// # Errors
    ///
    /// `PermissionDenied`, or a path component that is a file; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-mkdirs-{}/x/y", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await.unwrap();
    ///     weft::fs::create_dir_all(&dir).await.unwrap();
    ///     # weft::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap()).await.unwrap();
    /// });
    /// ```
    create_dir_all(path) -> () = std::fs::create_dir_all
}

path_fn! {
    /// Removes a file or symlink (std's `fs::remove_file`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`, or a directory; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::remove_file("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    remove_file(path) -> () = std::fs::remove_file
}

path_fn! {
    /// Removes an empty directory (std's `fs::remove_dir`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `DirectoryNotEmpty`, `PermissionDenied`; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-rmdir-{}", std::process::id()));
    ///     weft::fs::create_dir(&dir).await.unwrap();
    ///     weft::fs::remove_dir(&dir).await.unwrap();
    /// });
    /// ```
    remove_dir(path) -> () = std::fs::remove_dir
}

path_fn! {
    /// Removes a directory and everything in it, without following symlinks (std's
    /// `fs::remove_dir_all`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-rmtree-{}", std::process::id()));
    ///     weft::fs::create_dir_all(dir.join("sub")).await.unwrap();
    ///     weft::fs::write(dir.join("sub/f"), "x").await.unwrap();
    ///     weft::fs::remove_dir_all(&dir).await.unwrap();
    ///     assert!(!weft::fs::try_exists(&dir).await.unwrap());
    /// });
    /// ```
    remove_dir_all(path) -> () = std::fs::remove_dir_all
}

path_fn! {
    /// Renames `from` to `to`, replacing `to` if it is a file (std's `fs::rename`; atomic
    /// within one file system).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`, `CrossesDevices` across file systems; an error
    /// outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = std::env::temp_dir().join(format!("weft-doc-mv-a-{}", std::process::id()));
    ///     let b = a.with_extension("b");
    ///     weft::fs::write(&a, "x").await.unwrap();
    ///     weft::fs::rename(&a, &b).await.unwrap();
    ///     assert!(weft::fs::try_exists(&b).await.unwrap());
    ///     # weft::fs::remove_file(&b).await.unwrap();
    /// });
    /// ```
    rename(from, to) -> () = std::fs::rename
}

path_fn! {
    /// The metadata of `path`, following symlinks (std's `fs::metadata`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     assert!(weft::fs::metadata("/").await.unwrap().is_dir());
    /// });
    /// ```
    metadata(path) -> Metadata = std::fs::metadata
}

path_fn! {
    /// The metadata of `path` itself, not following a symlink (std's
    /// `fs::symlink_metadata`).
    ///
    /// # Errors
    ///
    /// As [`metadata`].
    ///
    /// ```
    /// weft::run(async {
    ///     let meta = weft::fs::symlink_metadata("/proc/self").await.unwrap();
    ///     assert!(meta.file_type().is_symlink());
    /// });
    /// ```
    symlink_metadata(path) -> Metadata = std::fs::symlink_metadata
}

path_fn! {
    /// Copies the contents and permissions of file `from` to `to`, replacing it; returns
    /// the bytes copied (std's `fs::copy`, which uses `copy_file_range` where it can).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`, `from` not a file; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = std::env::temp_dir().join(format!("weft-doc-cp-{}", std::process::id()));
    ///     let b = a.with_extension("copy");
    ///     weft::fs::write(&a, "12345").await.unwrap();
    ///     assert_eq!(weft::fs::copy(&a, &b).await.unwrap(), 5);
    ///     # weft::fs::remove_file(&a).await.unwrap();
    ///     # weft::fs::remove_file(&b).await.unwrap();
    /// });
    /// ```
    copy(from, to) -> u64 = std::fs::copy
}

path_fn! {
    /// Makes `link` a new hard link to the file `original` (std's `fs::hard_link`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `AlreadyExists`, `CrossesDevices`; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let a = std::env::temp_dir().join(format!("weft-doc-ln-{}", std::process::id()));
    ///     let b = a.with_extension("link");
    ///     weft::fs::write(&a, "shared").await.unwrap();
    ///     weft::fs::hard_link(&a, &b).await.unwrap();
    ///     assert_eq!(weft::fs::read_to_string(&b).await.unwrap(), "shared");
    ///     # weft::fs::remove_file(&a).await.unwrap();
    ///     # weft::fs::remove_file(&b).await.unwrap();
    /// });
    /// ```
    hard_link(original, link) -> () = std::fs::hard_link
}

path_fn! {
    /// Makes `link` a symbolic link to `original` (std's `os::unix::fs::symlink`).
    ///
    /// # Errors
    ///
    /// `AlreadyExists`, `NotFound` (no parent of `link`); an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let link = std::env::temp_dir().join(format!("weft-doc-symlink-{}", std::process::id()));
    ///     weft::fs::symlink("/", &link).await.unwrap();
    ///     assert_eq!(weft::fs::read_link(&link).await.unwrap(), std::path::Path::new("/"));
    ///     # weft::fs::remove_file(&link).await.unwrap();
    /// });
    /// ```
    symlink(original, link) -> () = std::os::unix::fs::symlink
}

path_fn! {
    /// Where the symbolic link `path` points (std's `fs::read_link`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `InvalidInput` if `path` is not a symlink; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let target = weft::fs::read_link("/proc/self").await.unwrap();
    ///     assert_eq!(target, std::path::Path::new(&std::process::id().to_string()));
    /// });
    /// ```
    read_link(path) -> PathBuf = std::fs::read_link
}

path_fn! {
    /// The absolute path with every symlink, `.` and `..` resolved (std's
    /// `fs::canonicalize`).
    ///
    /// # Errors
    ///
    /// `NotFound` if the path (or a component) does not exist; an error outside a runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let p = weft::fs::canonicalize("/proc/../proc/./self/..").await.unwrap();
    ///     assert_eq!(p, std::path::Path::new("/proc"));
    /// });
    /// ```
    canonicalize(path) -> PathBuf = std::fs::canonicalize
}

/// Whether `path` exists, following symlinks: `Ok(false)` only when it surely does not,
/// an error when that cannot be told (std's `fs::exists`).
///
/// # Errors
///
/// `PermissionDenied` on a directory of the path, and other errors of `stat` but
/// `NotFound`; an error outside a runtime.
///
/// # Cancel safety
///
/// Cancel safe.
///
/// ```
/// weft::run(async {
///     assert!(weft::fs::try_exists("/").await.unwrap());
///     assert!(!weft::fs::try_exists("/no/such/thing").await.unwrap());
/// });
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

/// Sets the permissions of `path`, following symlinks (std's `fs::set_permissions`).
///
/// # Errors
///
/// `NotFound`, `PermissionDenied` (not the owner); an error outside a runtime.
///
/// # Cancel safety
///
/// Dropping the future does not undo the call: once on the blocking pool it runs to its
/// end, and only its result is dropped.
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-chmod-{}", std::process::id()));
///     weft::fs::write(&path, "x").await.unwrap();
///     weft::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).await.unwrap();
///     let mode = weft::fs::metadata(&path).await.unwrap().permissions().mode();
///     assert_eq!(mode & 0o777, 0o640);
///     # weft::fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}
