//! A tour of weft's task API, for readers who know Python's asyncio.
//!
//! Run it with `cargo run --release --example tour`. It spawns named tasks, watches their
//! states, cancels one, catches a panicking one and joins the rest, echoes over TCP,
//! offloads CPU work with `spawn_blocking`, bounds concurrency with a `Semaphore`, and
//! sets a `Promise` from a `call_later` callback. Every line it prints is
//! the same on every run: where a state could race (a worker may be polling a task at the
//! moment we look), the tour first waits until the race is settled, so what it prints is
//! what the task is, not what it happened to be.

use std::future::{self, Future};
use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Poll, Waker};
use std::time::Duration;

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::sync::{oneshot, Promise, Semaphore};
use weft::task::{self, AbortHandle, JoinHandle, TaskState};

fn main() {
    // asyncio.run(main()): start a runtime, run one future on this thread, shut down.
    let total = weft::run(tour());
    println!("\nall done, total = {total}");
}

async fn tour() -> u64 {
    // -- 1. Named tasks, parked on an event ------------------------------------------------
    //
    // asyncio's `create_task(coro, name=...)`. Each worker waits for `start` before it
    // computes, so the tour can look at the tasks while they are idle.
    println!("1. spawn three named tasks that wait for an event");
    let start = Event::default();
    let mut workers: Vec<JoinHandle<u64>> = Vec::new();
    for (name, n) in [("sum-10", 10u64), ("sum-100", 100), ("sum-1000", 1000)] {
        let start = start.clone();
        let handle = task::Builder::new()
            .name(name)
            .spawn(async move {
                start.wait().await;
                (1..=n).sum::<u64>()
            })
            // `Builder::spawn` only fails outside a runtime, and we are inside one.
            .expect("inside weft::run there is a runtime to spawn on");
        workers.push(handle);
    }
    // A worker thread polls each task once and parks it on `start`. Until that first poll
    // has returned, a task may be seen `Running`; wait it out so the output is stable.
    while start.waiters() < workers.len() || workers.iter().any(|w| w.state() == TaskState::Running)
    {
        task::yield_now().await;
    }
    for w in &workers {
        // Pending: asyncio's word for "not finished", whether queued or waiting.
        println!("   {:<9} {:?}", w.name().unwrap_or("?"), w.state());
    }

    // -- 2. A task looking at itself -------------------------------------------------------
    //
    // asyncio.current_task(): inside a task, `task::id()` names it. The task also reads its
    // own state through an AbortHandle, which is the only way to see `Running` without a
    // race: from inside its own poll, the task is running by definition.
    println!("\n2. a task looks at itself");
    let me: Arc<OnceLock<AbortHandle>> = Arc::default();
    let introspect = task::Builder::new()
        .name("introspect")
        .spawn({
            let me = Arc::clone(&me);
            async move {
                // The handle is stored just after spawn returns; yield until it is there
                // rather than block the worker thread.
                let own = loop {
                    match me.get() {
                        Some(own) => break own,
                        None => task::yield_now().await,
                    }
                };
                (task::id() == own.id(), own.state())
            }
        })
        .expect("inside a runtime");
    me.set(introspect.abort_handle())
        .expect("set once, here and nowhere else");
    let (id_matches, seen) = introspect
        .await
        .expect("introspect neither panics nor is aborted");
    println!("   task::id() == its handle's id: {id_matches}");
    println!("   state seen from inside:        {seen:?}");

    // -- 3. Cancellation --------------------------------------------------------------------
    //
    // task.cancel(): `abort()` drops the task's future at its next await point (at once,
    // if it is idle), and awaiting the handle yields a cancelled JoinError.
    println!("\n3. abort a task that would never finish");
    let mut stuck = task::Builder::new()
        .name("stuck")
        .spawn(future::pending::<()>())
        .expect("inside a runtime");
    stuck.abort();
    // `JoinHandle` is `Unpin`, so `(&mut handle).await` joins without giving the handle up
    // and we can still ask for its state afterwards.
    let err = (&mut stuck)
        .await
        .expect_err("an aborted pending task cannot succeed");
    println!("   is_cancelled: {}", err.is_cancelled());
    println!("   error:        {err}");
    println!("   state:        {:?}", stuck.state());

    // -- 4. A panicking task -----------------------------------------------------------------
    //
    // An exception in an asyncio Task is stored and re-raised by `await task`. weft catches
    // the panic on the worker (which survives) and hands it back as a JoinError.
    println!("\n4. a task that panics");
    // The default panic hook prints to stderr from whichever worker ran the task, which
    // would make the output differ from run to run. Silence it for this one task only; in
    // a real program keep the hook, it is how panics in detached tasks get noticed.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut faulty = task::Builder::new()
        .name("faulty")
        .spawn(async { "forty-two".parse::<u32>().expect("the port is a number") })
        .expect("inside a runtime");
    let err = (&mut faulty).await.expect_err("the task panics");
    panic::set_hook(default_hook);
    println!("   is_panic: {}", err.is_panic());
    println!("   error:    {err}");
    // Like asyncio, a task that raised is done, not cancelled.
    println!("   state:    {:?}", faulty.state());
    // The payload is what `panic!` was given, ready for `std::panic::resume_unwind`.
    let payload = err.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>");
    println!("   message:  {message:?}");

    // -- 5. Join the rest ------------------------------------------------------------------
    //
    // Setting the event wakes the parked tasks; awaiting each handle collects its output,
    // like `await asyncio.gather(*tasks)`.
    println!("\n5. set the event and join the named tasks");
    start.set();
    let mut total = 0;
    for mut w in workers {
        let value = (&mut w)
            .await
            .expect("the sums neither panic nor get aborted");
        println!(
            "   {:<9} {:?} -> {value}",
            w.name().unwrap_or("?"),
            w.state()
        );
        total += value;
    }

    // -- 6. TCP: a server task and a client ------------------------------------------------
    //
    // asyncio's `start_server` and `open_connection`. The listener, the accepted stream and
    // the client are all driven by the runtime's io-driver thread: a task waiting for bytes
    // parks, and the reactor wakes it when the socket becomes readable.
    println!("\n6. a TCP echo round trip");
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback is available");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let server = weft::spawn(async move {
        let (mut conn, _peer) = listener.accept().await?;
        // Echo until the client closes its write side.
        let (mut reader, mut writer) = conn.split();
        let n = weft::io::copy(&mut reader, &mut writer).await?;
        Ok::<u64, std::io::Error>(n)
    });
    let mut client = TcpStream::connect(addr)
        .await
        .expect("the server is listening");
    client
        .write_all(b"hello, weft")
        .await
        .expect("loopback write");
    // Half-close: the server's copy sees end of stream and finishes.
    client.close().await.expect("shutdown(Write)");
    let mut echoed = Vec::new();
    client
        .read_to_end(&mut echoed)
        .await
        .expect("loopback read");
    let served = server
        .await
        .expect("the server task neither panics nor is aborted");
    println!("   sent:    {:?}", "hello, weft");
    println!("   echoed:  {:?}", String::from_utf8_lossy(&echoed));
    println!(
        "   server copied {} bytes",
        served.expect("the echo succeeds")
    );

    // -- 7. CPU offload: spawn_blocking ----------------------------------------------------
    //
    // asyncio's `await loop.run_in_executor(None, f)`. A task must not hog its worker
    // thread: CPU-heavy or blocking work goes to the runtime's blocking pool, and the
    // event loops keep running other tasks meanwhile. The result comes back through the
    // same JoinHandle as a task's (a panic in the job would arrive as a JoinError).
    println!("\n7. offload a CPU-heavy job with spawn_blocking");
    let primes = weft::spawn_blocking(|| count_primes(200_000))
        .await
        .expect("counting primes does not panic");
    println!("   primes below 200 000: {primes}");

    // -- 8. Bounded concurrency: a Semaphore -------------------------------------------------
    //
    // asyncio's `sem = Semaphore(3)` and `async with sem:`. Twenty "downloads" start at
    // once, but each must hold one of three permits while it works, so at most three run
    // at a time; the rest wait their turn in FIFO order. A JoinSet (asyncio's TaskGroup)
    // collects them as they finish.
    println!("\n8. twenty downloads, at most three at a time (Semaphore)");
    let permits = Arc::new(Semaphore::new(3));
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut downloads = task::JoinSet::new();
    for id in 0..20u64 {
        let (permits, running, peak) = (permits.clone(), running.clone(), peak.clone());
        downloads.spawn(async move {
            let _permit = permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            let now = running.fetch_add(1, SeqCst) + 1;
            peak.fetch_max(now, SeqCst);
            // "Download": a few awaits while holding the permit.
            for _ in 0..3 {
                task::yield_now().await;
            }
            running.fetch_sub(1, SeqCst);
            id
        });
    }
    let mut finished = 0;
    while let Some(done) = downloads.join_next().await {
        done.expect("the downloads neither panic nor are aborted");
        finished += 1;
    }
    println!("   finished: {finished}");
    println!("   never more than 3 at once: {}", peak.load(SeqCst) <= 3);
    println!(
        "   permits back at the end: {}",
        permits.available_permits()
    );

    // -- 9. Scheduled callbacks and a Promise ------------------------------------------------
    //
    // asyncio's `loop.call_later(delay, cb)` and `fut = loop.create_future()`. A callback
    // costs no task while it waits (it is one entry in the timer wheel) and runs on a
    // worker when due; this one sets the result of a Promise that three tasks await. A
    // second callback is cancelled before it is due, so it never runs, and a done-callback
    // runs once the promise is complete.
    println!("\n9. call_later sets a Promise that three tasks await");
    let answer: Promise<u64> = Promise::new();
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let answer = answer.clone();
            weft::spawn(async move { answer.wait().await })
        })
        .collect();
    let (seen_tx, seen_rx) = oneshot::channel();
    answer.add_done_callback(move |p| {
        let _ = seen_tx.send(p.done());
    });
    let setter = answer.clone();
    weft::call_later(Duration::from_millis(10), move || {
        setter.set_result(total).expect("nobody else sets it");
    });
    let never = weft::call_later(Duration::from_millis(5), || unreachable!("cancelled"));
    println!("   cancelled the other callback: {}", never.cancel());
    for r in readers {
        let got = r.await.expect("the readers do not panic");
        println!(
            "   a reader got {}",
            got.expect("the promise gets a result")
        );
    }
    let seen = seen_rx.await.expect("the done-callback runs");
    println!("   the done-callback saw it done: {seen}");
    // asyncio's InvalidStateError: a promise is completed once.
    println!("   set again: {:?}", answer.set_result(0));
    total
}

/// Counts the primes below `n` with a sieve of Eratosthenes: a stand-in for CPU-bound work.
fn count_primes(n: usize) -> usize {
    let mut composite = vec![false; n];
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            for multiple in (i * i..n).step_by(i) {
                composite[multiple] = true;
            }
        }
    }
    count
}

/// A one-shot event made from std only, like asyncio's `Event`: `wait()` completes once
/// `set()` has been called. weft has one ready-made (`weft::sync::Event`); this one shows
/// what such a primitive does underneath (remember the waker of each waiting task and wake
/// it later), and counts its waiters, which the tour needs to print stable output.
#[derive(Clone, Default)]
struct Event(Arc<Mutex<EventState>>);

#[derive(Default)]
struct EventState {
    set: bool,
    wakers: Vec<Waker>,
}

impl Event {
    /// Completes once the event is set.
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.set {
                return Poll::Ready(());
            }
            // Keep one waker per task: a task polled again must not be counted twice.
            if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                state.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
    }

    /// Sets the event and wakes every task waiting on it.
    fn set(&self) {
        let wakers = {
            let mut state = self.0.lock().unwrap();
            state.set = true;
            std::mem::take(&mut state.wakers)
        };
        // Wake outside the lock: a woken task may be polled at once on another worker and
        // would block on the mutex we still held.
        for waker in wakers {
            waker.wake();
        }
    }

    /// How many tasks are parked on the event.
    fn waiters(&self) -> usize {
        self.0.lock().unwrap().wakers.len()
    }
}
