//! Integration tests of rampart-pii: corpus quality, properties, snapshots and the CLI.

// Helpers outside #[test] functions unwrap too: in a test binary a panic is a failed test with
// a clear location, which is what clippy.toml allows inside the tests themselves.
#![allow(clippy::unwrap_used)]

mod cli;
mod corpus;
mod eval;
mod props;
mod rules;
mod snapshots;
mod support;
