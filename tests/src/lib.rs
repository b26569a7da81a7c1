//! Integration tests of weft live in `tests/tests/`, one file per capability; this library
//! holds helpers they share.
