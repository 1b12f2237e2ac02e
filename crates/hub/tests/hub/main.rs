//! Integration tests of the hub, over real sockets on loopback where the network is involved.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod admin;
mod custom_forms;
mod forms;
mod live;
mod login;
mod orgs;
mod process;
mod reveal;
mod store;
mod support;
mod training;
mod training_live;
mod widget;
