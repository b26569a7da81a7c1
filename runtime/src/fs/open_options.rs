//! [`OpenOptions`]: how to open a file.

use super::{asyncify, File};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How to open a file: read, write, append, truncate, create (std's and tokio's
/// `OpenOptions`).
///
/// # Examples
///
/// ```
/// use weft::fs::OpenOptions;
/// use weft::io::AsyncWriteExt;
///
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-opts-{}", std::process::id()));
///     let mut log = OpenOptions::new().append(true).create(true).open(&path).await.unwrap();
///     log.write_all(b"one line\n").await.unwrap();
///     log.flush().await.unwrap();
///     # weft::fs::remove_file(&path).await.unwrap();
/// });
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// All options off: set at least one of `read`, `write` or `append`.
    ///
    /// ```
    /// let opts = weft::fs::OpenOptions::new();
    /// # drop(opts);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    ///
    /// ```
    /// weft::fs::OpenOptions::new().read(true);
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing (from the start, overwriting, unless `append`).
    ///
    /// ```
    /// weft::fs::OpenOptions::new().write(true);
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end of the file.
    ///
    /// ```
    /// weft::fs::OpenOptions::new().append(true);
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to 0 bytes (needs `write`).
    ///
    /// ```
    /// weft::fs::OpenOptions::new().write(true).truncate(true);
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    ///
    /// ```
    /// weft::fs::OpenOptions::new().write(true).create(true);
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (atomically).
    ///
    /// ```
    /// weft::fs::OpenOptions::new().write(true).create_new(true);
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits of a created file (before the umask); `0o666` by default.
    ///
    /// ```
    /// weft::fs::OpenOptions::new().write(true).create(true).mode(0o600);
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.0.mode(mode);
        self
    }

    /// Extra `open(2)` flags (such as `libc::O_NOFOLLOW`).
    ///
    /// ```
    /// weft::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW);
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.0.custom_flags(flags);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    ///
    /// `NotFound`, `AlreadyExists` (with `create_new`), `PermissionDenied`,
    /// `InvalidInput` for a contradictory set of options, and the other errors of
    /// `open(2)`; an error outside a runtime.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped after the job started, a file may have
    /// been created or truncated anyway.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::OpenOptions::new().read(true).open("/no/such").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (opts, path) = (self.0.clone(), path.as_ref().to_owned());
        asyncify(move || opts.open(path)).await.map(File::from_std)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(std: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(std)
    }
}
