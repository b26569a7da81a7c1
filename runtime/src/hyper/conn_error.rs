//! Whose fault a connection's error is, so `serve` logs it once, at the right level.
//!
//! The rules, in order:
//!
//! 1. Cancelled during a graceful shutdown (hyper-util stops a connection whose protocol
//!    it has not read yet with an `Interrupted` error): nobody's; not logged.
//! 2. An I/O error anywhere in the chain that means the peer went away (reset, aborted,
//!    broken pipe, end of stream, not connected) or stalled (timed out): the client's.
//!    Any other I/O error (out of memory, a bad descriptor) is the server's.
//! 3. A hyper error: the server's when hyper calls it a user error (the service or a
//!    response body failed, or the service answered with something HTTP cannot carry);
//!    otherwise the client's (a malformed request, a message cut short, no headers within
//!    the header-read timeout, an HTTP/2 protocol error by the peer).
//! 4. Anything else: the server's, so that an error nobody foresaw is seen.

use std::error::Error;
use std::fmt;
use std::io;

/// Whose fault a connection's error is, which decides its log level.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fault {
    /// An expected end; not logged.
    None,
    /// The client went away or misbehaved: `DEBUG`.
    Client,
    /// The server's side failed: `ERROR`.
    Server,
}

/// Applies the module's rules to `err`; `stopping` is whether a graceful shutdown had
/// begun on this connection.
pub(super) fn classify(err: &(dyn Error + 'static), stopping: bool) -> Fault {
    for e in chain(err) {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            use io::ErrorKind::*;
            return match io.kind() {
                Interrupted if stopping => Fault::None,
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected
                | TimedOut => Fault::Client,
                _ => Fault::Server,
            };
        }
    }
    for e in chain(err) {
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            return if hyper.is_user() {
                Fault::Server
            } else {
                Fault::Client
            };
        }
    }
    Fault::Server
}

/// `err`, then its sources.
fn chain<'a>(err: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

/// Displays an error with its sources: `outer: inner: innermost`.
pub(super) struct Chain<'a>(pub(super) &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for e in chain(self.0) {
            write!(f, "{sep}{e}")?;
            sep = ": ";
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapped(io::Error);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("serving")
        }
    }

    impl Error for Wrapped {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_peer_that_went_away_is_the_clients_fault_at_any_depth() {
        let reset = Wrapped(io::ErrorKind::ConnectionReset.into());
        assert_eq!(classify(&reset, false), Fault::Client);
        assert_eq!(Chain(&reset).to_string(), "serving: connection reset");
    }

    #[test]
    fn other_io_errors_are_the_servers_fault() {
        let e = io::Error::from_raw_os_error(libc::ENOMEM);
        assert_eq!(classify(&e, false), Fault::Server);
    }

    #[test]
    fn interrupted_is_nobodys_fault_only_while_stopping() {
        let e = io::Error::new(io::ErrorKind::Interrupted, "Cancelled");
        assert_eq!(classify(&e, true), Fault::None);
        assert_eq!(classify(&e, false), Fault::Server);
    }
}
