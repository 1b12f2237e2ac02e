//! Durable state of the hub, behind the [`HubStore`] traits.
//!
//! The domain API is a set of traits grouped by area ([`AccountStore`], [`SessionStore`],
//! [`ConversationStore`], [`ErasureStore`], [`OrgStore`], [`AllowListStore`],
//! [`TrainingStore`]); [`HubStore`] is all of them. Their signatures name no database: a
//! backend maps its driver's errors to [`StoreError`]. [`SqliteStore`] is the embedded default;
//! a PostgreSQL backend for several hub instances implements the same traits and must pass the
//! same conformance suite (`conformance`, run against SQLite by `cargo test`). ARCHITECTURE.md
//! ("Hub storage") says what such a backend must guarantee.
//!
//! The rest of the hub holds a [`Store`]: a cheap-to-clone handle that derefs to
//! `dyn HubStore`, whose methods (every area's) need no import.

mod accounts;
mod allowlist;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod conversations;
mod forgotten;
mod orgs;
mod sqlite;
mod training;

use std::path::Path;
use std::sync::Arc;

pub use accounts::{
    Account, AccountStore, LoginCompletion, NewAccount, Reservation, SessionStore, Ticket,
    role_label,
};
pub use allowlist::{AllowChange, AllowListStore, Keep, decide_add, decide_remove};
pub use conversations::{
    Appended, ConversationState, ConversationStore, NewMessage, StoredAuthor, StoredMessage,
    Waiting,
};
pub use forgotten::{ErasureStore, Forgotten};
pub use orgs::OrgStore;
pub use sqlite::SqliteStore;
pub use training::{
    AttemptKind, StaffMember, StoredAttempt, StoredCohort, StoredCompletion, StoredPack,
    TrainingStore,
};

/// A backend driver's own error, kept as the source of [`StoreError::Database`] and
/// [`StoreError::Migration`]. Not part of the contract: callers never branch on it.
pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// Errors from the store. Messages never contain message text or other personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened, read or written. The source is the backend's driver
    /// error (rusqlite's for SQLite).
    #[error("database error: {0}")]
    Database(#[source] BackendError),
    /// A schema migration failed (the source is the backend's migration error).
    #[error("database migration failed: {0}")]
    Migration(#[source] BackendError),
    /// The backend stopped (the hub is shutting down or the disk failed).
    #[error("the store is closed")]
    Closed,
    /// No such conversation.
    #[error("conversation not found")]
    ConversationNotFound,
    /// The conversation is closed; nothing more can be added.
    #[error("conversation is closed")]
    ConversationClosed,
    /// A message id was reused for a different conversation.
    #[error("message id already used in another conversation")]
    IdConflict,
    /// A stored value could not be decoded (the database was edited or is corrupt).
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// An account with this username exists.
    #[error("username already taken")]
    UsernameTaken,
    /// The blocking task running a read panicked or was cancelled.
    #[error("read task failed")]
    ReadTask,
    /// An organisation with this id exists.
    #[error("an organisation with that id exists")]
    OrgExists,
    /// No organisation has this id.
    #[error("no such organisation")]
    OrgNotFound,
}

/// Everything the hub stores: one backend implements every area, then says so with an empty
/// `impl HubStore for MyBackend {}`.
pub trait HubStore:
    AccountStore
    + SessionStore
    + ConversationStore
    + ErasureStore
    + OrgStore
    + AllowListStore
    + TrainingStore
    + Send
    + Sync
{
}

/// Handle to the hub's database. Cheap to clone; derefs to [`HubStore`].
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn HubStore>,
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_named(path, None)
    }

    /// Like [`Store::open`], and names the `default` organisation `default_org_name` (the
    /// configuration's `organisation`).
    pub fn open_named(path: &Path, default_org_name: Option<&str>) -> Result<Self, StoreError> {
        Ok(Self::with_backend(Arc::new(SqliteStore::open_named(
            path,
            default_org_name,
        )?)))
    }

    /// A handle on any backend.
    pub fn with_backend(backend: Arc<dyn HubStore>) -> Self {
        Self { backend }
    }
}

impl std::ops::Deref for Store {
    type Target = dyn HubStore;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}
