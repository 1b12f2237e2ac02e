//! Durable state of the hub.
//!
//! All writes go through one writer thread that owns the write connection. It takes every job
//! waiting in its queue, runs each inside its own savepoint (a failing job rolls back alone),
//! commits once, and only then answers the callers. With `synchronous = FULL` in WAL mode an
//! answered write is on disk, so an acknowledgement sent after it survives a crash; batching
//! lets many writers share one fsync.
//!
//! Reads use a separate connection (WAL lets readers run beside the writer).
//!
//! The SQLite backend is the embedded default. The domain API ([`Store`]) is written in terms of
//! statements any SQL database offers, so a PostgreSQL backend for several hub instances can
//! implement the same operations later.

mod accounts;
mod allowlist;
mod conversations;
mod forgotten;
mod orgs;
mod schema;
mod training;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

pub use accounts::{Account, LoginCompletion, NewAccount, Reservation, Ticket, role_label};
pub use conversations::{
    Appended, ConversationState, NewMessage, StoredAuthor, StoredMessage, Waiting,
};
pub use training::{
    AttemptKind, StaffMember, StoredAttempt, StoredCohort, StoredCompletion, StoredPack,
};

/// Errors from the store. Messages never contain message text or other personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A schema migration failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The writer thread stopped (the hub is shutting down or the disk failed).
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

/// Handle to the hub's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: writer::Writer,
    reader: Arc<std::sync::Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_named(path, None)
    }

    /// Like [`Store::open`], and names the `default` organisation `default_org_name` (the
    /// configuration's `organisation`).
    pub fn open_named(path: &Path, default_org_name: Option<&str>) -> Result<Self, StoreError> {
        let mut conn = schema::connect(path)?;
        schema::migrate(&mut conn)?;
        if let Some(name) = default_org_name {
            orgs::name_default(&conn, name)?;
        }
        let reader = schema::connect(path)?;
        Ok(Self {
            writer: writer::Writer::spawn(conn)?,
            reader: Arc::new(std::sync::Mutex::new(reader)),
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the write connection inside the next group commit.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Runs `f` with the read connection on the blocking pool.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            // A poisoned lock means a reader panicked mid-query; the connection itself is still
            // consistent (SQLite statements are atomic), so keep using it.
            let conn = reader
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&conn)
        })
        .await
        .map_err(|_| StoreError::ReadTask)?
    }
}
