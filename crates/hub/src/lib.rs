//! Rampart Hub: the enforcing chat server.
//!
//! - [`store`]: durable state (conversations, messages) with group-committed, idempotent
//!   appends: a message is acknowledged only after its transaction is on disk, and the same
//!   client id always maps to the same sequence number.

pub mod admin;
pub mod audit;
pub mod chat;
pub mod config;
pub mod custom_forms;
pub mod email_index;
pub mod forget;
pub mod forms;
pub mod http;
pub mod limits;
pub mod live;
pub mod login;
pub mod masking;
pub mod metrics;
pub mod net;
pub mod org;
pub mod reveal;
pub mod server;
pub mod store;
pub mod tls;
pub mod training;
pub mod widget;
pub mod ws;
