//! `task::Builder`: spawn with a name.

use super::JoinHandle;
use crate::Handle;
use std::future::Future;
use std::io;

/// Configures a task before spawning it: for now, its name, which shows in `Debug` output
/// and [`JoinHandle::name`] (and later in task dumps and slow-poll warnings).
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let h = weft::task::Builder::new().name("conn-42").spawn(async { 42 }).unwrap();
///     assert_eq!(h.name(), Some("conn-42"));
///     assert_eq!(h.await.unwrap(), 42);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name set.
    ///
    /// ```
    /// let b = weft::task::Builder::new();
    /// # let _ = b;
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task.
    ///
    /// ```
    /// let b = weft::task::Builder::new().name("worker-1");
    /// # let _ = b;
    /// ```
    pub fn name(mut self, name: &'a str) -> Builder<'a> {
        self.name = Some(name);
        self
    }

    /// Spawns on the current runtime.
    ///
    /// # Errors
    ///
    /// An `io::Error` of kind `Other` if called outside a runtime; use
    /// [`spawn_on`](Self::spawn_on) with a [`Handle`] there.
    ///
    /// ```
    /// let err = weft::task::Builder::new().spawn(async {}).unwrap_err();
    /// assert!(err.to_string().contains("no weft runtime"));
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = Handle::try_current().map_err(|e| io::Error::other(e.to_string()))?;
        self.spawn_on(future, &handle)
    }

    /// Spawns on the runtime of `handle`.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for limits on names or task counts.
    ///
    /// ```
    /// let rt = weft::Runtime::new().unwrap();
    /// let h = weft::task::Builder::new().name("a").spawn_on(async { 1 }, rt.handle()).unwrap();
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.inner.spawn(
            future,
            self.name.map(Box::from),
            std::panic::Location::caller(),
        ))
    }
}
