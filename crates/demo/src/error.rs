//! The crate's one error type. Messages name what failed and why, never a password, a TOTP
//! code or secret, a token or message text (the sources it wraps make the same promise).

use std::path::PathBuf;

/// Why the demo hub could not start, provision its account or stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The data directory (or a file in it) could not be created, read or written.
    #[error("demo data directory {path}: {source}")]
    DataDir {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The loopback port could not be bound (taken, or not permitted).
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        /// The port asked for (0: any free port).
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The embedded hub failed to open its databases or stopped with an error.
    #[error("demo hub: {0}")]
    Hub(#[from] rampart_hub::server::HubError),
    /// An in-process account operation of the hub failed (create, reset, unlock).
    #[error("demo account ({step}): {source}")]
    Account {
        /// Which operation.
        step: &'static str,
        /// The hub's answer.
        source: rampart_hub::login::LoginError,
    },
    /// A step of the HTTP provisioning flow (enroll, login, TOTP, logout) failed.
    #[error("demo account provisioning ({step}): {source}")]
    Provision {
        /// Which step.
        step: &'static str,
        /// The client's error (never carries the password or code).
        source: Box<rampart_client::ClientError>,
    },
    /// The hub answered the provisioning flow with something it should not have (for example
    /// no TOTP enrollment on a fresh account, or an unusable enrollment URI).
    #[error("demo account provisioning: {0}")]
    Unexpected(&'static str),
    /// The demo's custom secure form (`forms.toml`) does not read as hub configuration.
    #[error("demo secure forms: {0}")]
    Forms(rampart_hub::config::ConfigError),
    /// The demo agent's training could not be seeded.
    #[error("demo training seeding failed: {0}")]
    Training(Box<rampart_hub::training::TrainingError>),
    /// Password hashing, the TOTP engine or the clock failed.
    #[error("demo account: {0}")]
    Auth(#[from] rampart_auth::Error),
    /// A background task panicked or did not stop in time.
    #[error("demo {task} task: {reason}")]
    Task {
        /// Which task (`hub`, `visitors`).
        task: &'static str,
        /// What happened.
        reason: &'static str,
    },
}

impl From<rampart_hub::training::TrainingError> for DemoError {
    fn from(error: rampart_hub::training::TrainingError) -> Self {
        Self::Training(Box::new(error))
    }
}
