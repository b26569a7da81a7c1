//! `weft::select!` as tokio users write it: refutable patterns that disable their branch,
//! `, if` preconditions, `else`, `biased;`, any `IntoFuture`, 64 branches and a random
//! fair start; and `join!`/`try_join!` with `biased;` and `IntoFuture`.

use std::cell::RefCell;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use weft::sync::{mpsc, oneshot};
use weft_tests::{panic_message, runtime, within, OnDrop};

/// Ready at once with `value`, counting its polls.
struct CountPolls<T> {
    value: Option<T>,
    polls: Arc<AtomicUsize>,
    /// Pending this many polls first.
    pending: usize,
}

impl<T: Unpin> Future for CountPolls<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.polls.fetch_add(1, SeqCst);
        if self.pending > 0 {
            self.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.value.take().expect("polled after completion"))
    }
}

fn counted<T>(value: T, pending: usize, polls: &Arc<AtomicUsize>) -> CountPolls<T> {
    CountPolls {
        value: Some(value),
        polls: polls.clone(),
        pending,
    }
}

#[test]
fn a_branch_whose_pattern_fails_is_disabled_and_the_others_keep_racing() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let polls = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = oneshot::channel();
            let sender = weft::spawn(async move {
                weft::task::yield_now().await;
                tx.send(5).unwrap();
            });
            let out = weft::select! {
                // Completes first, with a value its pattern rejects.
                Some(v) = counted(None::<u32>, 0, &polls) => v,
                Ok(v) = rx => v * 10,
            };
            assert_eq!(out, 50);
            assert_eq!(
                polls.load(SeqCst),
                1,
                "a disabled branch is not polled again"
            );
            sender.await.unwrap();
        });
    });
}

#[test]
fn else_runs_once_every_branch_is_disabled_by_pattern_or_precondition() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            drop(tx);
            let never_polled = Arc::new(AtomicUsize::new(0));
            let out = weft::select! {
                Some(v) = rx.recv() => v.to_string(),
                v = counted(1u8, 0, &never_polled), if false => v.to_string(),
                else => "else".to_string(),
            };
            assert_eq!(out, "else");
            assert_eq!(
                never_polled.load(SeqCst),
                0,
                "a false precondition: never polled"
            );
        });
    });
}

#[test]
fn preconditions_are_evaluated_first_then_every_future_in_order() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let note = |what: &'static str| log.borrow_mut().push(what);
            let out = weft::select! {
                a = { note("future a"); async { 1 } }, if { note("if a"); true } => a,
                b = { note("future b"); async { 2 } }, if { note("if b"); false } => b,
            };
            assert_eq!(out, 1);
            assert_eq!(*log.borrow(), ["if a", "if b", "future a", "future b"]);
        });
    });
}

#[test]
fn without_else_a_select_whose_branches_are_all_disabled_panics_clearly() {
    within(|| {
        let rt = runtime(1);
        let joined = rt.block_on(rt.spawn(async {
            weft::select! {
                Some(v) = async { None::<u8> } => v,
                Ok(v) = async { Err::<u8, ()>(()) } => v,
            }
        }));
        let err = joined.unwrap_err();
        let msg = panic_message(&*err.into_panic());
        assert!(
            msg.contains("every branch is disabled") && msg.contains("no `else`"),
            "{msg}"
        );
    });
}

#[test]
fn biased_polls_the_branches_in_the_order_written() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            for _ in 0..50 {
                let polls = Arc::new(AtomicUsize::new(0));
                let winner = weft::select! {
                    biased;
                    a = counted('a', 1, &polls) => a,
                    b = counted('b', 0, &polls) => b,
                    c = counted('c', 0, &polls) => c,
                };
                // a is polled first and pending; b is next, and ready.
                assert_eq!(winner, 'b');
                assert_eq!(polls.load(SeqCst), 2, "c was never polled");
            }
        });
    });
}

#[test]
fn without_biased_every_ready_branch_gets_to_win() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let mut wins = [0u32; 4];
            // Each branch wins with probability 1/4 per round: the chance that one never
            // wins in 400 rounds is below 1e-49.
            for _ in 0..400 {
                let w: usize = weft::select! {
                    a = async { 0 } => a,
                    b = async { 1 } => b,
                    c = async { 2 } => c,
                    d = async { 3 } => d,
                };
                wins[w] += 1;
            }
            assert!(wins.iter().all(|&n| n > 0), "{wins:?}");
        });
    });
}

macro_rules! sixty_four {
    ($ready:literal; $($n:literal)*) => {
        weft::select! {
            $( v = async {
                if $n == $ready {
                    $n
                } else {
                    std::future::pending::<u32>().await
                }
            } => (v, $n), )*
        }
    };
}

#[test]
fn sixty_four_branches_each_run_their_own_handler() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            #[rustfmt::skip]
            let first = sixty_four!(0;
                0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
                30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55
                56 57 58 59 60 61 62 63);
            assert_eq!(first, (0, 0));
            #[rustfmt::skip]
            let last = sixty_four!(63;
                0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
                30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55
                56 57 58 59 60 61 62 63);
            assert_eq!(last, (63, 63));
        });
    });
}

/// Not a future itself: only `IntoFuture`.
struct Doubling(u32);

impl IntoFuture for Doubling {
    type Output = u32;
    type IntoFuture = std::future::Ready<u32>;
    fn into_future(self) -> Self::IntoFuture {
        std::future::ready(self.0 * 2)
    }
}

#[test]
fn any_into_future_can_be_a_branch_or_a_join_argument() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let out = weft::select! {
                v = Doubling(21) => v,
            };
            assert_eq!(out, 42);
            // A JoinHandle is a future; `&mut` of a pinned one keeps it alive.
            let handle = weft::spawn(async { 7 });
            let out = weft::select! { r = handle => r.unwrap() };
            assert_eq!(out, 7);
            assert_eq!(weft::join!(Doubling(1), Doubling(2)), (2, 4));
            let ok = weft::try_join!(async { Ok::<_, ()>(1) }, Doubling(3).into_future_ok());
            assert_eq!(ok, Ok((1, 6)));
        });
    });
}

/// `IntoFuture` with a `Result` output, for `try_join!`.
struct DoublingOk(u32);

impl IntoFuture for DoublingOk {
    type Output = Result<u32, ()>;
    type IntoFuture = std::future::Ready<Result<u32, ()>>;
    fn into_future(self) -> Self::IntoFuture {
        std::future::ready(Ok(self.0 * 2))
    }
}

impl Doubling {
    fn into_future_ok(self) -> DoublingOk {
        DoublingOk(self.0)
    }
}

#[test]
fn handlers_run_after_the_futures_are_dropped_and_may_use_what_they_borrowed() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
            let dropped = Arc::new(AtomicUsize::new(0));
            let loser = OnDrop::new(std::future::pending::<u8>(), dropped.clone());
            let got = weft::select! {
                Some(v) = rx.recv() => {
                    assert_eq!(dropped.load(SeqCst), 1, "the losing future went first");
                    // `rx` is borrowed by the branch's future: free again here.
                    (v, rx.recv().await)
                }
                _ = loser => unreachable!(),
            };
            assert_eq!(got, (1, Some(2)));
        });
    });
}

async fn first_even(values: &[u32]) -> Result<u32, String> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for &v in values {
        tx.send(v).unwrap();
    }
    drop(tx);
    loop {
        weft::select! {
            Some(v) = rx.recv() => {
                if v % 2 == 1 {
                    continue;
                }
                if v == 0 {
                    return Err("zero".into());
                }
                let checked: u32 = v.to_string().parse().map_err(|_| "parse".to_string())?;
                break Ok(checked);
            }
            else => break Err("none".into()),
        }
    }
}

#[test]
fn handlers_can_continue_break_return_and_use_the_question_mark() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            assert_eq!(first_even(&[1, 3, 4, 6]).await, Ok(4));
            assert_eq!(first_even(&[1, 0]).await, Err("zero".into()));
            assert_eq!(first_even(&[1, 3]).await, Err("none".into()));
        });
    });
}

#[test]
fn patterns_may_bind_by_value_mutably_by_reference_and_destructure() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let out = weft::select! {
                Some(mut s) = async { Some(String::from("a")) } => {
                    s.push('b');
                    s
                }
            };
            assert_eq!(out, "ab");
            let out = weft::select! {
                (ref a, mut b, [_, c]) = async { (String::from("x"), 1, [2, 3]) } => {
                    b += c;
                    format!("{a}{b}")
                }
            };
            assert_eq!(out, "x4");
            let five = 5;
            let out = weft::select! {
                &n = async { &five } => n,
            };
            assert_eq!(out, 5);
            let out = weft::select! {
                Ok(1..=3) = async { Ok::<u8, ()>(9) } => "small",
                n @ (Ok(_) | Err(_)) = async { Ok::<u8, ()>(1) } => if n.is_ok() { "any" } else { "err" },
            };
            assert_eq!(out, "any");
        });
    });
}

#[test]
fn a_select_in_a_loop_consumes_a_stream_until_it_ends() {
    within(|| {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            let (stop_tx, mut stop) = oneshot::channel::<()>();
            let producer = weft::spawn(async move {
                for i in 0..100u32 {
                    tx.send(i).await.unwrap();
                }
                stop_tx.send(()).unwrap();
            });
            let (mut sum, mut stopped) = (0, false);
            loop {
                weft::select! {
                    Some(v) = rx.recv() => sum += v,
                    Ok(()) = &mut stop, if !stopped => stopped = true,
                    else => break,
                }
            }
            producer.await.unwrap();
            assert!(stopped);
            assert_eq!(sum, 4950);
        });
    });
}

#[test]
fn join_biased_polls_in_argument_order_and_try_join_too() {
    within(|| {
        let rt = runtime(1);
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let step = |id: u8| {
                let log = &log;
                async move {
                    for _ in 0..3 {
                        log.borrow_mut().push(id);
                        weft::task::yield_now().await;
                    }
                    id
                }
            };
            let out = weft::join!(biased; step(0), step(1), step(2));
            assert_eq!(out, (0, 1, 2));
            assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
            log.borrow_mut().clear();
            let ok = async |id| Ok::<_, ()>(step(id).await);
            let out = weft::try_join!(biased; ok(0), ok(1));
            assert_eq!(out, Ok((0, 1)));
            assert_eq!(*log.borrow(), [0, 1, 0, 1, 0, 1]);
        });
    });
}
