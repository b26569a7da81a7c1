//! `join!`, `try_join!` and `select!`: run futures concurrently inside the current task.
//! The futures they build live in `combinators/`.

/// Runs up to 12 futures concurrently in the current task and waits for all of them;
/// evaluates to the tuple of their outputs, in argument order (asyncio's
/// `await asyncio.gather(a, b, c)`).
///
/// The futures run in this task, not in parallel: use it to overlap waits (I/O, channels,
/// locks). To run work on several threads, [`spawn`](crate::spawn) it and join the
/// handles (or a [`JoinSet`](crate::task::JoinSet)). For a list of futures built at run
/// time, use [`join_all`](crate::task::join_all).
///
/// Must be used inside an `async` context: it `.await`s.
///
/// # Cancel safety
///
/// Dropping the enclosing future drops every future still running (and the outputs of
/// those that finished).
///
/// # Examples
///
/// ```
/// use weft::sync::oneshot;
///
/// weft::run(async {
///     let (tx, rx) = oneshot::channel();
///     let (sent, received, n) = weft::join!(
///         async move { tx.send("ping").is_ok() },
///         rx,
///         async { 1 + 1 },
///     );
///     assert!(sent);
///     assert_eq!(received.unwrap(), "ping");
///     assert_eq!(n, 2);
/// });
/// ```
#[macro_export]
macro_rules! join {
    ($($future:expr),+ $(,)?) => {
        $crate::task::combinators::join(($($future,)+)).await
    };
}

/// Runs up to 12 futures of `Result`s concurrently in the current task; evaluates to
/// `Ok` of the tuple of their values once all succeed, or to the first `Err`, at which
/// point the others are dropped (asyncio's `gather`, failing fast on the first
/// exception).
///
/// All the futures must have the same error type. Must be used inside an `async` context.
///
/// # Cancel safety
///
/// Dropping the enclosing future (or an early `Err`) drops every future still running.
///
/// # Examples
///
/// ```
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// weft::run(async {
///     let ok = weft::try_join!(parse("1"), parse("2"));
///     assert_eq!(ok, Ok((1, 2)));
///     let err = weft::try_join!(parse("1"), parse("two"), std::future::pending::<Result<(), _>>());
///     assert!(err.is_err(), "the error ends the join; the pending future is dropped");
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    ($($future:expr),+ $(,)?) => {
        $crate::task::combinators::try_join(($($future,)+)).await
    };
}

/// Waits for the first of up to 8 futures to complete, runs that branch's handler, and
/// drops the other futures (asyncio's `wait(..., return_when=FIRST_COMPLETED)`, then
/// cancelling the rest).
///
/// ```text
/// weft::select! {
///     pattern = future => handler,
///     ...
/// }
/// ```
///
/// Every future is evaluated first, in order; then they are polled together in the
/// current task (starting with a different one on each poll, for fairness). When one
/// completes, its output is bound to `pattern` and the whole `select!` evaluates to its
/// `handler`. The patterns must be irrefutable (a name, `_`, or a destructuring that
/// always matches); match on the value inside the handler to branch further. Handlers run
/// in the enclosing `async` context, so they may `.await`, `return`, `break` or use `?`.
/// A handler that is a block needs no trailing comma.
///
/// # Cancel safety
///
/// The futures of the branches that lost are dropped when `select!` completes. That is
/// fine for cancel-safe futures (each weft future says whether it is in its
/// `# Cancel safety` section, e.g. [`Receiver::recv`](crate::sync::mpsc::Receiver::recv)
/// is), but a branch like `write_all(..)` loses the progress it had made. To keep a
/// losing future alive for the next round, pass `&mut fut` (of a pinned future) instead
/// of the future itself.
///
/// # Examples
///
/// ```
/// use weft::sync::{mpsc, oneshot};
///
/// weft::run(async {
///     let (tx, mut rx) = mpsc::channel(4);
///     let (stop_tx, mut stop) = oneshot::channel::<()>();
///     weft::spawn(async move {
///         tx.send(1).await.unwrap();
///         tx.send(2).await.unwrap();
///         stop_tx.send(()).unwrap();
///         // Keep the channel open: only `stop` ends the loop.
///         std::future::pending::<()>().await;
///         drop(tx);
///     });
///     let mut total = 0;
///     loop {
///         weft::select! {
///             msg = rx.recv() => total += msg.unwrap(),
///             _ = &mut stop => {
///                 // Messages sent before the stop may still be queued.
///                 while let Ok(msg) = rx.try_recv() {
///                     total += msg;
///                 }
///                 break;
///             }
///         }
///     }
///     assert_eq!(total, 3);
/// });
/// ```
#[macro_export]
macro_rules! select {
    // Collect the branches, giving each the next `Selected` variant name.
    (@branches [$($done:tt)*] [$variant:ident $($variants:ident)*]
        $pattern:pat = $future:expr => $handler:expr, $($rest:tt)*) => {
        $crate::select!(@branches [$($done)* ($variant, $pattern, $future, $handler)]
            [$($variants)*] $($rest)*)
    };
    (@branches [$($done:tt)*] [$variant:ident $($variants:ident)*]
        $pattern:pat = $future:expr => $handler:block $($rest:tt)*) => {
        $crate::select!(@branches [$($done)* ($variant, $pattern, $future, $handler)]
            [$($variants)*] $($rest)*)
    };
    (@branches [$($done:tt)*] [$variant:ident $($variants:ident)*]
        $pattern:pat = $future:expr => $handler:expr) => {
        $crate::select!(@branches [$($done)* ($variant, $pattern, $future, $handler)]
            [$($variants)*])
    };
    (@branches [$($done:tt)*] [] $($rest:tt)+) => {
        ::core::compile_error!("weft::select! takes at most 8 branches")
    };
    (@branches [$(($variant:ident, $pattern:pat, $future:expr, $handler:expr))+] [$($unused:ident)*]) => {
        match $crate::task::combinators::select(($($future,)+)).await {
            $(
                $crate::task::combinators::Selected::$variant(output) => {
                    let $pattern = output;
                    $handler
                }
            )+
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: the unused branches have no values"),
        }
    };
    ($($branches:tt)+) => {
        $crate::select!(@branches []
            [Branch0 Branch1 Branch2 Branch3 Branch4 Branch5 Branch6 Branch7] $($branches)+)
    };
}
