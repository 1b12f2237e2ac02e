//! Integration tests of the client: against a real hub on loopback (REST, live, the no-loss
//! chaos test) and against tiny fake servers that misbehave on purpose.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod chaos;
mod fake;
mod findings;
mod rest;
mod support;
mod tls;
mod training;
