//! Running several futures concurrently inside one task: the futures behind
//! [`join!`](crate::join), [`try_join!`](crate::try_join) and [`select!`](crate::select)
//! (asyncio's `gather` and `wait(..., return_when=FIRST_COMPLETED)`), and [`join_all`]
//! for a dynamic number of futures.
//!
//! Unlike spawning, these run the futures in the current task: no allocation per future,
//! no `Send` or `'static` needed, and nothing runs in parallel. Each poll goes over the
//! futures starting one further along than the last time, so a future that is always
//! ready (or spends the cooperative budget first) cannot starve the others.
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
/// `*start` moves one further for the next round, so a future that is always ready (or
/// spends the cooperative budget first) cannot starve the ones after it.
#[inline]
fn round(start: &mut usize, n: usize) -> impl Iterator<Item = usize> {
    let first = *start;
    *start = (first + 1) % n;
    (0..n).map(move |k| (first + k) % n)
}

/// Tuples of futures that [`join!`](crate::join) can run together (1 to 12 of them).
#[doc(hidden)]
pub trait IntoJoin {
    type Join: Future;
    fn into_join(self) -> Self::Join;
}

/// Tuples of `Result` futures that [`try_join!`](crate::try_join) can run together.
#[doc(hidden)]
pub trait IntoTryJoin {
    type TryJoin: Future;
    fn into_try_join(self) -> Self::TryJoin;
}

/// Tuples of futures that [`select!`](crate::select) can race (1 to 8 of them).
#[doc(hidden)]
pub trait IntoSelect {
    type Select: Future;
    fn into_select(self) -> Self::Select;
}

#[doc(hidden)]
pub fn join<T: IntoJoin>(futures: T) -> T::Join {
    futures.into_join()
}

#[doc(hidden)]
pub fn try_join<T: IntoTryJoin>(futures: T) -> T::TryJoin {
    futures.into_try_join()
}

#[doc(hidden)]
pub fn select<T: IntoSelect>(futures: T) -> T::Select {
    futures.into_select()
}

/// An uninhabited type: the unused branches of a [`Selected`].
#[doc(hidden)]
#[derive(Debug)]
pub enum Never {}

/// Which branch of a [`select!`](crate::select) completed first, with its output.
#[doc(hidden)]
#[derive(Debug)]
pub enum Selected<A, B = Never, C = Never, D = Never, E = Never, F = Never, G = Never, H = Never> {
    Branch0(A),
    Branch1(B),
    Branch2(C),
    Branch3(D),
    Branch4(E),
    Branch5(F),
    Branch6(G),
    Branch7(H),
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
            }
        }

        impl<$($F: Future),+> IntoJoin for ($($F,)+) {
            type Join = $Join<$($F),+>;
            fn into_join(self) -> Self::Join {
                $Join { $($f: MaybeDone::new(self.$i),)+ start: 0 }
            }
        }

        impl<$($F: Future),+> Future for $Join<$($F),+> {
            type Output = ($($F::Output,)+);

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                const N: usize = [$($i),+].len();
                let mut this = self.project();
                let mut all_done = true;
                for i in round(this.start, N) {
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
            }
        }

        impl<E, $($F: Future<Output = Result<$T, E>>, $T),+> IntoTryJoin for ($($F,)+) {
            type TryJoin = $TryJoin<E, $($F, $T),+>;
            fn into_try_join(self) -> Self::TryJoin {
                $TryJoin { $($f: TryMaybeDone::new(self.$i),)+ start: 0 }
            }
        }

        impl<E, $($F: Future<Output = Result<$T, E>>, $T),+> Future for $TryJoin<E, $($F, $T),+> {
            type Output = Result<($($T,)+), E>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                const N: usize = [$($i),+].len();
                let mut this = self.project();
                let mut all_done = true;
                for i in round(this.start, N) {
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

macro_rules! select_tuple {
    ($Select:ident; $($F:ident $f:ident $V:ident $i:tt),+) => {
        pin_project! {
            /// The future of [`select!`](crate::select) over this many branches.
            ///
            /// # Cancel safety
            ///
            /// As cancel safe as the least cancel-safe branch: dropping it drops every
            /// branch's future half way.
            #[doc(hidden)]
            #[must_use = "futures do nothing unless `.await`ed"]
            pub struct $Select<$($F: Future),+> {
                $(#[pin] $f: $F,)+
                start: usize,
            }
        }

        impl<$($F: Future),+> IntoSelect for ($($F,)+) {
            type Select = $Select<$($F),+>;
            fn into_select(self) -> Self::Select {
                $Select { $($f: self.$i,)+ start: 0 }
            }
        }

        impl<$($F: Future),+> Future for $Select<$($F),+> {
            type Output = Selected<$($F::Output),+>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                const N: usize = [$($i),+].len();
                let mut this = self.project();
                for i in round(this.start, N) {
                    match i {
                        $($i => {
                            if let Poll::Ready(out) = this.$f.as_mut().poll(cx) {
                                return Poll::Ready(Selected::$V(out));
                            }
                        })+
                        _ => unreachable!("the index is below N"),
                    }
                }
                Poll::Pending
            }
        }

        impl<$($F: Future),+> fmt::Debug for $Select<$($F),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($Select)).finish_non_exhaustive()
            }
        }
    };
}

select_tuple!(Select1; F0 f0 Branch0 0);
select_tuple!(Select2; F0 f0 Branch0 0, F1 f1 Branch1 1);
select_tuple!(Select3; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2);
select_tuple!(Select4; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2, F3 f3 Branch3 3);
select_tuple!(Select5; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2, F3 f3 Branch3 3,
    F4 f4 Branch4 4);
select_tuple!(Select6; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2, F3 f3 Branch3 3,
    F4 f4 Branch4 4, F5 f5 Branch5 5);
select_tuple!(Select7; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2, F3 f3 Branch3 3,
    F4 f4 Branch4 4, F5 f5 Branch5 5, F6 f6 Branch6 6);
select_tuple!(Select8; F0 f0 Branch0 0, F1 f1 Branch1 1, F2 f2 Branch2 2, F3 f3 Branch3 3,
    F4 f4 Branch4 4, F5 f5 Branch5 5, F6 f6 Branch6 6, F7 f7 Branch7 7);

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
