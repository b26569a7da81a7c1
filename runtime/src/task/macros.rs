//! `join!`, `try_join!` and `select!`: run futures concurrently inside the current task.
//! The futures behind `join!` and `try_join!` live in `combinators/`; `select!` expands to
//! a `poll_fn` of its own (the protocol is described on the macro).

/// Runs up to 12 futures concurrently in the current task and waits for all of them;
/// evaluates to the tuple of their outputs, in argument order (asyncio's
/// `await asyncio.gather(a, b, c)`).
///
/// Anything [`IntoFuture`](std::future::IntoFuture) may be passed. Each poll goes over the
/// futures starting one further along than the last time, so an always-ready future
/// cannot starve the others; `biased;` first polls them in argument order every time.
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
///     let (a, b) = weft::join!(biased; async { 'a' }, async { 'b' });
///     assert_eq!((a, b), ('a', 'b'));
/// });
/// ```
///
/// # Compile errors
///
/// "weft::join! needs at least one future":
///
/// ```compile_fail
/// weft::run(async { weft::join!() });
/// ```
///
/// "weft::join! takes at most 12 futures; for more, use weft::task::join_all (or a
/// JoinSet)":
///
/// ```compile_fail
/// weft::run(async {
///     weft::join!(
///         async {}, async {}, async {}, async {}, async {}, async {}, async {},
///         async {}, async {}, async {}, async {}, async {}, async {}
///     )
/// });
/// ```
#[macro_export]
macro_rules! join {
    () => {
        ::core::compile_error!("weft::join! needs at least one future")
    };
    (biased;) => {
        ::core::compile_error!("weft::join! needs at least one future")
    };
    (biased; $f0:expr, $f1:expr, $f2:expr, $f3:expr, $f4:expr, $f5:expr, $f6:expr,
        $f7:expr, $f8:expr, $f9:expr, $f10:expr, $f11:expr, $f12:expr $(, $rest:expr)* $(,)?) => {
        $crate::join!($f0, $f1, $f2, $f3, $f4, $f5, $f6, $f7, $f8, $f9, $f10, $f11, $f12)
    };
    ($f0:expr, $f1:expr, $f2:expr, $f3:expr, $f4:expr, $f5:expr, $f6:expr,
        $f7:expr, $f8:expr, $f9:expr, $f10:expr, $f11:expr, $f12:expr $(, $rest:expr)* $(,)?) => {
        ::core::compile_error!(
            "weft::join! takes at most 12 futures; for more, use weft::task::join_all (or a JoinSet)"
        )
    };
    (biased; $($future:expr),+ $(,)?) => {
        $crate::task::combinators::join(
            ($(::core::future::IntoFuture::into_future($future),)+),
            true,
        )
        .await
    };
    ($($future:expr),+ $(,)?) => {
        $crate::task::combinators::join(
            ($(::core::future::IntoFuture::into_future($future),)+),
            false,
        )
        .await
    };
}

/// Runs up to 12 futures of `Result`s concurrently in the current task; evaluates to
/// `Ok` of the tuple of their values once all succeed, or to the first `Err`, at which
/// point the others are dropped (asyncio's `gather`, failing fast on the first
/// exception).
///
/// All the futures must have the same error type. Anything
/// [`IntoFuture`](std::future::IntoFuture) may be passed; `biased;` polls in argument
/// order, as for [`join!`](crate::join). Must be used inside an `async` context.
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
///     assert_eq!(weft::try_join!(biased; parse("3")), Ok((3,)));
/// });
/// ```
///
/// # Compile errors
///
/// "weft::try_join! needs at least one future":
///
/// ```compile_fail
/// weft::run(async { weft::try_join!() });
/// ```
///
/// "weft::try_join! takes at most 12 futures; for more, spawn them into a JoinSet":
///
/// ```compile_fail
/// async fn ok() -> Result<(), ()> { Ok(()) }
/// weft::run(async {
///     weft::try_join!(ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok())
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    () => {
        ::core::compile_error!("weft::try_join! needs at least one future")
    };
    (biased;) => {
        ::core::compile_error!("weft::try_join! needs at least one future")
    };
    (biased; $f0:expr, $f1:expr, $f2:expr, $f3:expr, $f4:expr, $f5:expr, $f6:expr,
        $f7:expr, $f8:expr, $f9:expr, $f10:expr, $f11:expr, $f12:expr $(, $rest:expr)* $(,)?) => {
        $crate::try_join!($f0, $f1, $f2, $f3, $f4, $f5, $f6, $f7, $f8, $f9, $f10, $f11, $f12)
    };
    ($f0:expr, $f1:expr, $f2:expr, $f3:expr, $f4:expr, $f5:expr, $f6:expr,
        $f7:expr, $f8:expr, $f9:expr, $f10:expr, $f11:expr, $f12:expr $(, $rest:expr)* $(,)?) => {
        ::core::compile_error!(
            "weft::try_join! takes at most 12 futures; for more, spawn them into a JoinSet"
        )
    };
    (biased; $($future:expr),+ $(,)?) => {
        $crate::task::combinators::try_join(
            ($(::core::future::IntoFuture::into_future($future),)+),
            true,
        )
        .await
    };
    ($($future:expr),+ $(,)?) => {
        $crate::task::combinators::try_join(
            ($(::core::future::IntoFuture::into_future($future),)+),
            false,
        )
        .await
    };
}

/// Waits on several futures at once and runs the handler of the first to complete whose
/// output matches its pattern; the other futures are dropped (asyncio's
/// `wait(..., return_when=FIRST_COMPLETED)`, then cancelling the rest). tokio's `select!`,
/// as users write it.
///
/// ```text
/// weft::select! {
///     biased;                                      // optional: poll in order
///     pattern = future => handler,
///     pattern = future, if condition => handler,   // optional precondition
///     ...                                          // up to 64 branches
///     else => handler,                             // optional, last
/// }
/// ```
///
/// What happens, in order:
///
/// 1. Every `if condition` is evaluated, in order; a branch whose condition is false is
///    *disabled* for this `select!`.
/// 2. Every `future` is evaluated, in order (a disabled branch's too; it is never
///    polled). Anything [`IntoFuture`](std::future::IntoFuture) works, so
///    `&mut join_handle`, a `JoinHandle` or a `Sleep` can be used directly.
/// 3. If every branch is disabled, go to 6.
/// 4. The futures of the enabled branches are polled together in the current task. Each
///    poll starts at a branch picked at random (so none is favoured when several are
///    ready); with `biased;` it goes in the order written.
/// 5. When one completes, it is disabled, and its output is matched against its
///    `pattern`. If it matches, every future is dropped and the handler runs with the
///    pattern's bindings; the `select!` evaluates to the handler's value. If it does not
///    match (a refutable pattern like `Some(v)` meeting `None`), the others keep racing:
///    back to 3.
/// 6. The `else` handler runs. Without an `else`, `select!` panics: every branch was
///    disabled, so there is nothing left to wait for.
///
/// Handlers run in the enclosing `async` context after the futures are dropped, so they
/// may `.await`, `return`, `break`, `continue` or use `?`, and may use whatever the
/// futures borrowed. A handler that is a block needs no trailing comma.
///
/// # Cancel safety
///
/// The futures of the branches that lost are dropped when `select!` completes, and all
/// of them if the enclosing future is dropped. That is fine for cancel-safe futures (each
/// weft future says whether it is in its `# Cancel safety` section:
/// [`mpsc::Receiver::recv`](crate::sync::mpsc::Receiver::recv) and
/// [`broadcast::Receiver::recv`](crate::sync::broadcast::Receiver::recv) are), but a
/// branch like `write_all(..)` loses the progress it made. To keep a future alive across
/// loop iterations, pin it once outside the loop and pass `&mut fut`.
///
/// # Examples
///
/// A main loop: messages until the channel ends, a shutdown signal, and an `else` for when
/// both are done. `Some(msg) = rx.recv()` disables its branch when the channel ends;
/// `, if !stopping` keeps a finished shutdown from being awaited again.
///
/// ```
/// use weft::sync::{broadcast, mpsc};
///
/// weft::run(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     let (shutdown_tx, mut shutdown) = broadcast::channel::<()>(1);
///     weft::spawn(async move {
///         for i in 1..=3 {
///             tx.send(i).await.unwrap();
///         }
///         // tx is dropped: the channel ends.
///         shutdown_tx.send(()).unwrap();
///     });
///     let (mut total, mut stopping) = (0, false);
///     loop {
///         weft::select! {
///             Some(msg) = rx.recv() => total += msg,
///             Ok(()) = shutdown.recv(), if !stopping => stopping = true,
///             else => break,
///         }
///     }
///     assert_eq!(total, 6);
///     assert!(stopping);
/// });
/// ```
///
/// `biased;` polls in the order written: here the ready branch written first always wins.
///
/// ```
/// weft::run(async {
///     let winner = weft::select! {
///         biased;
///         a = async { 1 } => a,
///         b = async { 2 } => b,
///     };
///     assert_eq!(winner, 1);
/// });
/// ```
///
/// A timeout around a receive, with a `JoinHandle` used directly (it is a future):
///
/// ```
/// use std::time::Duration;
///
/// weft::run(async {
///     let task = weft::spawn(async { "done" });
///     let out = weft::select! {
///         res = task => res.unwrap(),
///         _ = weft::time::sleep(Duration::from_secs(30)) => "timed out",
///     };
///     assert_eq!(out, "done");
/// });
/// ```
///
/// With no `else`, running out of branches is a bug, and panics:
///
/// ```should_panic
/// weft::run(async {
///     weft::select! {
///         Some(v) = async { None::<u8> } => v,
///     }
/// });
/// ```
///
/// # Compile errors
///
/// Each mistake is one error with its message (these examples are checked to fail to
/// compile).
///
/// "weft::select! needs at least one branch: `pattern = future => handler`":
///
/// ```compile_fail
/// weft::run(async { weft::select! {} });
/// ```
///
/// "weft::select! needs at least one branch besides `else`":
///
/// ```compile_fail
/// weft::run(async { weft::select! { else => 1 } });
/// ```
///
/// "weft::select!: `else => handler` must be the last branch, and there can be only one":
///
/// ```compile_fail
/// weft::run(async {
///     weft::select! {
///         else => 0,
///         x = async { 1 } => x,
///     }
/// });
/// ```
///
/// "weft::select!: `biased;` must come before the first branch":
///
/// ```compile_fail
/// weft::run(async {
///     weft::select! {
///         x = async { 1 } => x,
///         biased;
///     }
/// });
/// ```
///
/// "weft::select!: expected a branch `pattern = future => handler` (or `pattern = future,
/// if condition => handler`, or `else => handler`)", here for a missing `=>`:
///
/// ```compile_fail
/// weft::run(async {
///     weft::select! {
///         x = async { 1 } { x }
///     }
/// });
/// ```
///
/// "weft::select! takes at most 64 branches" (65 here):
///
/// ```compile_fail
/// macro_rules! sixty_five {
///     ($($n:literal)*) => {
///         weft::select! { $( _ = async { $n } => (), )* }
///     };
/// }
/// weft::run(async {
///     sixty_five!(
///         0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
///         30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56
///         57 58 59 60 61 62 63 64
///     )
/// });
/// ```
#[macro_export]
macro_rules! select {
    // ---- Entry.
    () => {
        ::core::compile_error!(
            "weft::select! needs at least one branch: `pattern = future => handler`"
        )
    };
    (biased;) => {
        ::core::compile_error!(
            "weft::select! needs at least one branch: `pattern = future => handler`"
        )
    };
    (biased; $($branches:tt)+) => {
        $crate::select!(@begin [biased] $($branches)+)
    };
    // The branch indices, each with names for the branch's pinned future and its output
    // slot (names made here are hygienic: the user's code cannot see or clash with them).
    (@begin [$mode:ident] $($branches:tt)+) => {
        $crate::select!(@parse [$mode] [] [
            (0 __f0 __o0) (1 __f1 __o1) (2 __f2 __o2) (3 __f3 __o3) (4 __f4 __o4) (5 __f5 __o5)
            (6 __f6 __o6) (7 __f7 __o7) (8 __f8 __o8) (9 __f9 __o9) (10 __f10 __o10) (11 __f11 __o11)
            (12 __f12 __o12) (13 __f13 __o13) (14 __f14 __o14) (15 __f15 __o15) (16 __f16 __o16) (17 __f17 __o17)
            (18 __f18 __o18) (19 __f19 __o19) (20 __f20 __o20) (21 __f21 __o21) (22 __f22 __o22) (23 __f23 __o23)
            (24 __f24 __o24) (25 __f25 __o25) (26 __f26 __o26) (27 __f27 __o27) (28 __f28 __o28) (29 __f29 __o29)
            (30 __f30 __o30) (31 __f31 __o31) (32 __f32 __o32) (33 __f33 __o33) (34 __f34 __o34) (35 __f35 __o35)
            (36 __f36 __o36) (37 __f37 __o37) (38 __f38 __o38) (39 __f39 __o39) (40 __f40 __o40) (41 __f41 __o41)
            (42 __f42 __o42) (43 __f43 __o43) (44 __f44 __o44) (45 __f45 __o45) (46 __f46 __o46) (47 __f47 __o47)
            (48 __f48 __o48) (49 __f49 __o49) (50 __f50 __o50) (51 __f51 __o51) (52 __f52 __o52) (53 __f53 __o53)
            (54 __f54 __o54) (55 __f55 __o55) (56 __f56 __o56) (57 __f57 __o57) (58 __f58 __o58) (59 __f59 __o59)
            (60 __f60 __o60) (61 __f61 __o61) (62 __f62 __o62) (63 __f63 __o63)
        ] $($branches)+)
    };

    // ---- Parsing: one step per branch (the recursion limit allows 64 and more), each
    // taking the next index (a bit in the disabled mask, and names for the branch's
    // pinned future and its output slot).
    (@parse [$mode:ident] [$($branches:tt)*] [$($idx:tt)*]) => {
        $crate::select!(@emit [$mode] [$($branches)*] {
            ::core::panic!(
                "weft::select!: every branch is disabled (its `if` condition was false, or \
                 its output did not match its pattern) and there is no `else` branch"
            )
        })
    };
    (@parse [$mode:ident] [] [$($idx:tt)*] else => $else:expr $(,)?) => {
        ::core::compile_error!("weft::select! needs at least one branch besides `else`")
    };
    (@parse [$mode:ident] [$($branches:tt)+] [$($idx:tt)*] else => $else:block $(,)?) => {
        $crate::select!(@emit [$mode] [$($branches)+] $else)
    };
    (@parse [$mode:ident] [$($branches:tt)+] [$($idx:tt)*] else => $else:expr $(,)?) => {
        $crate::select!(@emit [$mode] [$($branches)+] { $else })
    };
    (@parse [$mode:ident] [$($branches:tt)*] [$($idx:tt)*] else $($rest:tt)*) => {
        ::core::compile_error!(
            "weft::select!: `else => handler` must be the last branch, and there can be only one"
        )
    };
    (@parse [$mode:ident] [$($branches:tt)*] [$($idx:tt)*] biased; $($rest:tt)*) => {
        ::core::compile_error!("weft::select!: `biased;` must come before the first branch")
    };
    (@parse [$mode:ident] [$($branches:tt)*] [] $($rest:tt)+) => {
        ::core::compile_error!("weft::select! takes at most 64 branches")
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:block, $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [$c] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [$c] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [$c] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [$c] { $h })] [$($idx)*])
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr => $h:block, $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [true] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [true] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [true] { $h })] [$($idx)*] $($rest)*)
    };
    (@parse [$mode:ident] [$($branches:tt)*] [($i:tt $fut:ident $out:ident) $($idx:tt)*]
        $p:pat = $f:expr => $h:expr) => {
        $crate::select!(@parse [$mode]
            [$($branches)* ($i $fut $out [$p] [$f] [true] { $h })] [$($idx)*])
    };
    (@parse [$mode:ident] [$($branches:tt)*] [$($idx:tt)*] $($rest:tt)+) => {
        ::core::compile_error!(
            "weft::select!: expected a branch `pattern = future => handler` (or \
             `pattern = future, if condition => handler`, or `else => handler`)"
        )
    };

    // ---- The expansion.
    (@start fair $n:expr) => { $crate::task::combinators::select_start($n) };
    (@start biased $n:expr) => { 0u32 };
    (@emit [$mode:ident]
        [$(($i:tt $fut:ident $out:ident [$p:pat] [$f:expr] [$c:expr] $h:tt))+]
        $else:tt) => {{
        const BRANCHES: u32 = [$($i),+].len() as u32;
        // 1. Every precondition, in order; a false one disables its branch.
        let mut disabled: u64 = 0;
        $(
            if !$c {
                disabled |= 1u64 << $i;
            }
        )+
        // One slot per branch for the output that completed it.
        $( let mut $out = ::core::option::Option::None; )+
        let selected: ::core::option::Option<u32> = {
            // 2. Every future, in order (a disabled branch's too: it is built, not
            // polled), pinned here and dropped before the handler runs, so the handler
            // may use what the futures borrowed.
            $(
                let mut $fut = ::core::pin::pin!(::core::future::IntoFuture::into_future($f));
            )+
            ::core::future::poll_fn(|cx| {
                let start = $crate::select!(@start $mode BRANCHES);
                let mut pending = false;
                for k in 0..BRANCHES {
                    // `start + k` wrapped into range (no `%`: it would be `% 1` for one
                    // branch, which lints in the caller's crate).
                    let branch = if start + k >= BRANCHES {
                        start + k - BRANCHES
                    } else {
                        start + k
                    };
                    if disabled & (1u64 << branch) != 0 {
                        continue;
                    }
                    match branch {
                        $(
                            $i => match ::core::future::Future::poll($fut.as_mut(), cx) {
                                ::core::task::Poll::Pending => pending = true,
                                ::core::task::Poll::Ready(output) => {
                                    // Done either way: it is never polled again.
                                    disabled |= 1u64 << $i;
                                    #[allow(unused_variables, unreachable_patterns)]
                                    match &output {
                                        $crate::task::combinators::select_probe!($p) => {
                                            $out = ::core::option::Option::Some(output);
                                            return ::core::task::Poll::Ready(
                                                ::core::option::Option::Some($i),
                                            );
                                        }
                                        // The pattern failed: the branch stays disabled
                                        // and the others race on.
                                        _ => {}
                                    }
                                }
                            },
                        )+
                        _ => ::core::unreachable!("weft::select!: a branch index out of range"),
                    }
                }
                if pending {
                    ::core::task::Poll::Pending
                } else {
                    // Every branch is disabled.
                    ::core::task::Poll::Ready(::core::option::Option::None)
                }
            })
            .await
        };
        match selected {
            $(
                ::core::option::Option::Some($i) => match $out {
                    ::core::option::Option::Some($p) => $h,
                    _ => ::core::unreachable!(
                        "weft::select!: a branch is chosen only with an output its pattern matches"
                    ),
                },
            )+
            ::core::option::Option::None => $else,
            _ => ::core::unreachable!("weft::select!: a branch index out of range"),
        }
    }};

    // ---- Entry without `biased;` (last: the rules above are internal).
    ($($branches:tt)+) => {
        $crate::select!(@begin [fair] $($branches)+)
    };
}
