//! The embedded default backend: [`SqliteStore`], one SQLite file.
//!
//! All writes go through one writer thread that owns the write connection. It takes every job
//! waiting in its queue, runs each inside its own savepoint (a failing job rolls back alone),
//! commits once, and only then answers the callers. With `synchronous = FULL` in WAL mode an
//! answered write is on disk, so an acknowledgement sent after it survives a crash; batching
//! lets many writers share one fsync. The single writer also serialises every write, which is
//! what makes the read-then-write methods (`append`, `reserve_attempt`…) atomic here.
//!
//! Reads use a separate connection (WAL lets readers run beside the writer).
//!
//! Schema versions are `rusqlite_migration` steps tracked in `PRAGMA user_version`.

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

use rampart_protocol::EpochId;
use rusqlite::Connection;

use super::{HubStore, StoreError};

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(Box::new(error))
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(error: rusqlite_migration::Error) -> Self {
        Self::Migration(Box::new(error))
    }
}

/// The hub's database in one SQLite file. Cheap to clone; implements
/// [`HubStore`](super::HubStore).
#[derive(Clone)]
pub struct SqliteStore {
    writer: writer::Writer,
    reader: Arc<std::sync::Mutex<Connection>>,
    path: Arc<PathBuf>,
    /// This opening's epoch: every deletion recorded through this value carries it.
    epoch: EpochId,
}

impl HubStore for SqliteStore {}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_named(path, None)
    }

    /// Like [`SqliteStore::open`], and names the `default` organisation `default_org_name`
    /// (the configuration's `organisation`).
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
            epoch: EpochId::new(),
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the write connection inside the next group commit.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Runs `f` with the read connection on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::SqliteStore;
    use crate::store::Store;

    fn fresh() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let sqlite = SqliteStore::open(&dir.path().join("hub.db")).expect("open");
        (dir, Store::with_backend(Arc::new(sqlite)))
    }

    crate::hub_store_conformance!(fresh());
}
