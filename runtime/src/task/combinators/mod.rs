//! Running several futures concurrently inside one task: the futures behind
//! [`join!`](crate::join), [`try_join!`](crate::try_join) and [`select!`](crate::select)
//! (asyncio's `gather` and `wait(..., return_when=FIRST_COMPLETED)`), and [`join_all`]
//! for a dynamic number of futures.
//!
//! Unlike spawning, these run the futures in the current task: no allocation per future,
//! no `Send` or `'static` needed, and nothing runs in parallel. Each poll of a join goes
//! over the futures starting one further along than the last time (unless `biased;`), so
//! a future that is always ready (or spends the cooperative budget first) cannot starve
//! the others; `select!` starts each poll at a random branch instead (see
//! [`select_start`]).
//!
//! `select!` itself expands to a `poll_fn` over its branches' futures, pinned on the
//! stack of the enclosing future, with a bitmask of the branches disabled so far (by a
//! false `if` precondition, or by an output that did not match the branch's pattern); the
//! only helpers it needs from here are [`select_start`] and [`select_probe!`], which turns
//! a branch's pattern into one that can test a borrowed output (without its `mut`, `ref`
//! and `&`), so a refutable pattern is checked inside the poll without moving the output.
//!
//! # Pinning
//!
//! The tuple futures and `MaybeDone` pin their futures structurally through
//! `pin_project!`, which writes the projections and checks what makes them sound (no
//! `Drop` impl, `Unpin` only when every pinned field is). A future is polled where it is
//! and dropped in place, by `Pin::set` or `project_replace`, never moved. The one
//! hand-written projection left is `JoinAll::slot`, into a pinned boxed slice, for which
//! no safe API exists.

use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// A future, then its output, then nothing once the output was taken.
    #[doc(hidden)]
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    pub enum MaybeDone<F: Future> {
        Future { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Future { future }
    }

    /// Polls the future if it is still running; true once its output is stored.
    fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let output = match self.as_mut().project() {
            MaybeDoneProj::Future { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return false,
            },
            _ => return true,
        };
        // Drops the finished future in place.
        self.set(MaybeDone::Done { output });
        true
    }

    /// Takes the stored output.
    ///
    /// # Panics
    ///
    /// If there is none (still running, or already taken): a bug in the combinator.
    fn take_output(self: Pin<&mut Self>) -> F::Output {
        match self.project_replace(MaybeDone::Taken) {
            MaybeDoneReplace::Done { output } => output,
            _ => panic!("a joined future's output is taken once, after it completed"),
        }
    }
}

pin_project! {
    /// A future of a `Result`, then its `Ok` value, then nothing. An `Err` is handed
    /// straight to the caller (which then stops: `try_join!` short-circuits).
    #[doc(hidden)]
    #[project = TryMaybeDoneProj]
    #[project_replace = TryMaybeDoneReplace]
    pub enum TryMaybeDone<F, T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        Future { #[pin] future: F },
        Done { value: T },
        Taken,
    }
}

impl<F: Future<Output = Result<T, E>>, T, E> TryMaybeDone<F, T, E> {
    fn new(future: F) -> TryMaybeDone<F, T, E> {
        TryMaybeDone::Future { future }
    }

    /// Polls the future if it is still running: `Ok(true)` once its value is stored,
    /// `Err` if it failed.
    fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Result<bool, E> {
        let value = match self.as_mut().project() {
            TryMaybeDoneProj::Future { future } => match future.poll(cx) {
                Poll::Ready(Ok(value)) => value,
                Poll::Ready(Err(err)) => {
                    self.set(TryMaybeDone::Taken);
                    return Err(err);
                }
                Poll::Pending => return Ok(false),
            },
            _ => return Ok(true),
        };
        self.set(TryMaybeDone::Done { value });
        Ok(true)
    }

    /// Takes the stored value.
    ///
    /// # Panics
    ///
    /// If there is none (still running, failed, or already taken): a bug in the
    /// combinator.
    fn take_output(self: Pin<&mut Self>) -> T {
        match self.project_replace(TryMaybeDone::Taken) {
            TryMaybeDoneReplace::Done { value } => value,
            _ => panic!("a joined future's value is taken once, after it completed"),
        }
    }
}

/// The polling order of one round over `n` futures: from `*start` on, wrapping around.
/// Unless `biased`, `*start` moves one further for the next round, so a future that is
/// always ready (or spends the cooperative budget first) cannot starve the ones after it;
/// `biased` keeps argument order in every round (the caller's choice, as `biased;`).
#[inline]
fn round(start: &mut usize, n: usize, biased: bool) -> impl Iterator<Item = usize> {
    let first = *start;
    if !biased {
        *start = (first + 1) % n;
    }
    (0..n).map(move |k| (first + k) % n)
}

/// Tuples of futures that [`join!`](crate::join) can run together (1 to 12 of them).
#[doc(hidden)]
pub trait IntoJoin {
    type Join: Future;
    fn into_join(self, biased: bool) -> Self::Join;
}

/// Tuples of `Result` futures that [`try_join!`](crate::try_join) can run together.
#[doc(hidden)]
pub trait IntoTryJoin {
    type TryJoin: Future;
    fn into_try_join(self, biased: bool) -> Self::TryJoin;
}

/// The future of `join!`: `biased` polls in argument order every round.
#[doc(hidden)]
pub fn join<T: IntoJoin>(futures: T, biased: bool) -> T::Join {
    futures.into_join(biased)
}

/// The future of `try_join!`: `biased` polls in argument order every round.
#[doc(hidden)]
pub fn try_join<T: IntoTryJoin>(futures: T, biased: bool) -> T::TryJoin {
    futures.into_try_join(biased)
}

#[doc(hidden)]
pub use weft_macros::select_probe;

/// The branch a non-`biased` [`select!`](crate::select) polls first, in `0..branches`: a
/// fresh pseudo-random pick at every poll, so no branch is favoured when several are
/// ready (tokio does the same).
///
/// xorshift64* over a per-thread state seeded from `RandomState` (the OS's randomness,
/// once per thread): two instructions and a multiply, no lock, no syscall per poll.
#[doc(hidden)]
pub fn select_start(branches: u32) -> u32 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    std::thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            // Never zero (xorshift's fixed point).
            x = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
                | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        // The high bits of the multiply are the well-mixed ones; a multiply-shift maps
        // them into range without a division.
        let r = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32;
        ((u64::from(r) * u64::from(branches)) >> 32) as u32
    })
}

macro_rules! join_tuple {
    ($Join:ident $TryJoin:ident; $($F:ident $T:ident $f:ident $i:tt),+) => {
        pin_project! {
            /// The future of [`join!`](crate::join) over this many futures.
            ///
            /// # Cancel safety
            ///
            /// Not cancel safe: dropping it drops the futures still running and the
            /// outputs of those that finished.
            #[doc(hidden)]
            #[must_use = "futures do nothing unless `.await`ed"]
            pub struct $Join<$($F: Future),+> {
                $(#[pin] $f: MaybeDone<$F>,)+
                start: usize,
                biased: bool,
            }
        }

        impl<$($F: Future),+> IntoJoin for ($($F,)+) {
            type Join = $Join<$($F),+>;
            fn into_join(self, biased: bool) -> Self::Join {
                $Join { $($f: MaybeDone::new(self.$i),)+ start: 0, biased }
            }
        }

        impl<$($F: Future),+> Future for $Join<$($F),+> {
            type Output = ($($F::Output,)+);

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                const N: usize = [$($i),+].len();
                let mut this = self.project();
                let mut all_done = true;
                for i in round(this.start, N, *this.biased) {
                    match i {
                        $($i => all_done &= this.$f.as_mut().poll_done(cx),)+
                        _ => unreachable!("the index is below N"),
                    }
                }
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(($(this.$f.take_output(),)+))
            }
        }

        impl<$($F: Future),+> fmt::Debug for $Join<$($F),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($Join)).finish_non_exhaustive()
            }
        }

        pin_project! {
            /// The future of [`try_join!`](crate::try_join) over this many futures.
            ///
            /// # Cancel safety
            ///
            /// Not cancel safe: dropping it drops the futures still running and the
            /// values of those that succeeded.
            #[doc(hidden)]
            #[must_use = "futures do nothing unless `.await`ed"]
            pub struct $TryJoin<E, $($F, $T),+>
            where
                $($F: Future<Output = Result<$T, E>>,)+
            {
                $(#[pin] $f: TryMaybeDone<$F, $T, E>,)+
                start: usize,
                biased: bool,
            }
        }

        impl<E, $($F: Future<Output = Result<$T, E>>, $T),+> IntoTryJoin for ($($F,)+) {
            type TryJoin = $TryJoin<E, $($F, $T),+>;
            fn into_try_join(self, biased: bool) -> Self::TryJoin {
                $TryJoin { $($f: TryMaybeDone::new(self.$i),)+ start: 0, biased }
            }
        }

        impl<E, $($F: Future<Output = Result<$T, E>>, $T),+> Future for $TryJoin<E, $($F, $T),+> {
            type Output = Result<($($T,)+), E>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                const N: usize = [$($i),+].len();
                let mut this = self.project();
                let mut all_done = true;
                for i in round(this.start, N, *this.biased) {
                    let done = match i {
                        $($i => this.$f.as_mut().poll_done(cx),)+
                        _ => unreachable!("the index is below N"),
                    };
                    match done {
                        Ok(done) => all_done &= done,
                        Err(err) => return Poll::Ready(Err(err)),
                    }
                }
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(Ok(($(this.$f.take_output(),)+)))
            }
        }

        impl<E, $($F: Future<Output = Result<$T, E>>, $T),+> fmt::Debug for $TryJoin<E, $($F, $T),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($TryJoin)).finish_non_exhaustive()
            }
        }
    };
}

join_tuple!(Join1 TryJoin1; F0 T0 f0 0);
join_tuple!(Join2 TryJoin2; F0 T0 f0 0, F1 T1 f1 1);
join_tuple!(Join3 TryJoin3; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2);
join_tuple!(Join4 TryJoin4; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3);
join_tuple!(Join5 TryJoin5; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4);
join_tuple!(Join6 TryJoin6; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5);
join_tuple!(Join7 TryJoin7; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6);
join_tuple!(Join8 TryJoin8; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6, F7 T7 f7 7);
join_tuple!(Join9 TryJoin9; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6, F7 T7 f7 7, F8 T8 f8 8);
join_tuple!(Join10 TryJoin10; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6, F7 T7 f7 7, F8 T8 f8 8, F9 T9 f9 9);
join_tuple!(Join11 TryJoin11; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6, F7 T7 f7 7, F8 T8 f8 8, F9 T9 f9 9, F10 T10 f10 10);
join_tuple!(Join12 TryJoin12; F0 T0 f0 0, F1 T1 f1 1, F2 T2 f2 2, F3 T3 f3 3, F4 T4 f4 4,
    F5 T5 f5 5, F6 T6 f6 6, F7 T7 f7 7, F8 T8 f8 8, F9 T9 f9 9, F10 T10 f10 10,
    F11 T11 f11 11);

/// Runs every future of `futures` concurrently in the current task and returns their
/// outputs in the same order (asyncio's `gather(*aws)` for a list built at run time).
///
/// Each poll goes over every future that is not done yet, so this suits tens of futures;
/// for many more, or to get results as they complete, spawn them into a
/// [`JoinSet`](super::JoinSet).
///
/// # Cancel safety
///
/// Not cancel safe: dropping the future drops every future still running, and the
/// outputs already produced are lost with it.
///
/// # Examples
///
/// ```
/// weft::run(async {
///     let lengths = weft::task::join_all(["a", "bb", "ccc"].map(|s| async move { s.len() })).await;
///     assert_eq!(lengths, [1, 2, 3]);
/// });
/// ```
pub fn join_all<I>(futures: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let futures: Box<[_]> = futures.into_iter().map(MaybeDone::new).collect();
    JoinAll {
        len: futures.len(),
        futures: Box::into_pin(futures),
    }
}

/// The future of [`join_all`].
///
/// # Cancel safety
///
/// Not cancel safe: dropping it drops every future still running, and the outputs of
/// those that finished, so their results are lost (each running future's own
/// `# Cancel safety` says what dropping it half way does).
///
/// # Examples
///
/// ```
/// let all: weft::task::JoinAll<_> = weft::task::join_all((1..=3).map(|i| async move { i * 2 }));
/// assert_eq!(weft::run(all), [2, 4, 6]);
/// ```
#[must_use = "futures do nothing unless `.await`ed"]
pub struct JoinAll<F: Future> {
    /// Never moved while pinned: a boxed slice does not reallocate.
    futures: Pin<Box<[MaybeDone<F>]>>,
    /// `futures.len()`, kept apart: reading it through the slice would take a shared
    /// reference over the pinned futures, which (under Stacked Borrows) invalidates the
    /// references a self-referential future holds into itself.
    len: usize,
}

impl<F: Future> JoinAll<F> {
    /// The `i`-th future, pinned in place.
    fn slot(&mut self, i: usize) -> Pin<&mut MaybeDone<F>> {
        assert!(i < self.len);
        // SAFETY: the slice is pinned and never moved; the element is re-pinned where it
        // is. Going through a raw pointer (never a `&[_]` over the slice) keeps the other
        // elements' self-references valid.
        unsafe {
            let base = self.futures.as_mut().get_unchecked_mut().as_mut_ptr();
            Pin::new_unchecked(&mut *base.add(i))
        }
    }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `JoinAll` itself is `Unpin` (the futures are behind the pinned box).
        let this = self.get_mut();
        let mut all_done = true;
        for i in 0..this.len {
            all_done &= this.slot(i).poll_done(cx);
        }
        if !all_done {
            return Poll::Pending;
        }
        Poll::Ready((0..this.len).map(|i| this.slot(i).take_output()).collect())
    }
}

impl<F: Future> fmt::Debug for JoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `len`, not `futures.len()`: see the field.
        f.debug_struct("JoinAll").field("len", &self.len).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
