//! Integration tests of rampart-pii: corpus quality, properties, snapshots and the CLI.

mod cli;
mod eval;
mod corpus;
mod props;
mod snapshots;
mod support;
