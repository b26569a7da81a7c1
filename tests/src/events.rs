//! Captures `tracing` events, to check what `weft::hyper::serve` logs.
//!
//! [`capture`] installs a process-wide subscriber (once per test binary) that records
//! every event from a `weft` target, at any level, and every `WARN` or `ERROR` event from
//! anywhere (hyper's and h2's included). Tests that count events overlap in one binary, so
//! they filter by the `peer` field (the client's address, which `serve` logs) or run
//! one at a time ([`serial`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One recorded event.
#[derive(Clone, Debug)]
pub struct Logged {
    pub level: Level,
    pub target: String,
    /// Every field by name, displayed; the message is `message`.
    pub fields: BTreeMap<String, String>,
}

impl Logged {
    /// The field `name`, or "" if the event has none.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// The events recorded since the subscriber was installed.
pub struct Events {
    log: Mutex<Vec<Logged>>,
}

impl Events {
    /// A copy of the events recorded so far.
    pub fn all(&self) -> Vec<Logged> {
        self.log.lock().unwrap().clone()
    }

    /// The recorded events whose `peer` field is `peer`.
    pub fn for_peer(&self, peer: impl fmt::Display) -> Vec<Logged> {
        let peer = peer.to_string();
        self.all()
            .into_iter()
            .filter(|e| e.field("peer") == peer)
            .collect()
    }

    /// How many events were recorded so far: pass it to [`Events::since`].
    pub fn mark(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// The events recorded after `mark`.
    pub fn since(&self, mark: usize) -> Vec<Logged> {
        self.log.lock().unwrap()[mark..].to_vec()
    }
}

/// Installs the recording subscriber (first call in the process) and returns its events.
pub fn capture() -> &'static Events {
    static EVENTS: OnceLock<&'static Events> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let events: &'static Events = Box::leak(Box::new(Events {
            log: Mutex::new(Vec::new()),
        }));
        tracing::subscriber::set_global_default(Recorder(events))
            .expect("no other global subscriber in the test binary");
        events
    })
}

/// Runs tests that look at every event one at a time: hold the guard for the test.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Recorder(&'static Events);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target().starts_with("weft") || *meta.level() <= Level::WARN
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let meta = event.metadata();
        self.0.log.lock().unwrap().push(Logged {
            level: *meta.level(),
            target: meta.target().to_owned(),
            fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
