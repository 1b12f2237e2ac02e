//! Integration tests of `rampart-audit`: every action, chain verification and each tamper
//! kind, neutralisation end to end, JSONL export/import, concurrency, property tests, and (with
//! the `sqlite` feature) tampering with a real database file.

mod chain;
mod jsonl;
mod log;
mod neutralise;
mod props;
#[cfg(feature = "sqlite")]
mod sqlite;
mod support;
