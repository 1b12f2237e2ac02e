//! `rampart-client`: the Rust client of Rampart Hub, shared by the console and the tests. It
//! has no Tauri dependency.
//!
//! - [`HubApi`]: the HTTP API (enroll, login, TOTP, logout, profile, privacy notice, new
//!   visitor).
//! - [`Live`]: the WebSocket connection as a task that owns its state; commands in, typed
//!   [`Event`]s out. Reconnects with capped, jittered exponential [`backoff`], resends the
//!   [`outbox`] with the same message ids until acknowledged, and resumes every conversation
//!   from the last seq it delivered, so each message reaches the user exactly once, in order
//!   ([`timeline`]).
//! - [`training`]: the training API on [`HubApi`] (lessons, quizzes, drills, certificates,
//!   live sessions; the trainer's packs, cohorts, dashboard and CSV export).
//! - [`TlsConfig`]: rustls (ring provider) trusting the system's roots or pinned CAs.
//! - [`ClientError`]: the one error type, with a stable [`ClientErrorCode`].
//!
//! Secrets (passwords, TOTP codes, tokens) are [`rampart_secret::SecretString`]s and are
//! exposed only while a request is written; message text is never logged.

pub mod backoff;
pub mod error;
pub mod hub_url;
pub mod live;
pub mod outbox;
pub mod rest;
pub mod timeline;
pub mod tls;
pub mod training;

pub use backoff::{Backoff, BackoffPolicy, Jitter, RandomJitter, SeededJitter};
pub use error::{ClientError, ClientErrorCode};
pub use hub_url::HubUrl;
pub use live::{Endpoint, Event, ForgetCursor, Live, LiveConfig};
pub use outbox::{MemoryOutbox, Outbox, Pending};
pub use rest::{ApiOptions, HubApi, PrivacyNotice, VisitorSession};
pub use timeline::Timeline;
pub use tls::TlsConfig;
