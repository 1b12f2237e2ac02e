//! The hub's audit trail: a hash-chained log (`rampart-audit`) in its own SQLite file.
//!
//! Writing is synchronous SQLite work, so it runs on the blocking pool. Failing to audit a
//! security event fails the operation (fail closed): a login that cannot be recorded does not
//! happen.

use std::path::Path;
use std::sync::Arc;

use rampart_audit::{AuditEvent, AuditLog, SqliteStore, UtcDateTime};

/// Errors from the audit trail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log could not be opened or written.
    #[error("audit log: {0}")]
    Log(#[from] rampart_audit::Error),
    /// The audit database could not be opened.
    #[error("audit database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The time could not be represented.
    #[error("audit time out of range")]
    Time,
    /// The blocking task failed.
    #[error("audit task failed")]
    Task,
}

/// Handle to the audit log. Cheap to clone.
#[derive(Clone)]
pub struct Audit {
    log: Arc<AuditLog<SqliteStore>>,
}

impl Audit {
    /// Opens (creating) the audit database at `path`.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let store = SqliteStore::new(conn)?;
        Ok(Self {
            log: Arc::new(AuditLog::open(store)?),
        })
    }

    /// Appends an event at `unix_secs`.
    pub async fn record(&self, event: AuditEvent, unix_secs: u64) -> Result<(), AuditError> {
        let time = i64::try_from(unix_secs)
            .ok()
            .and_then(|s| UtcDateTime::from_unix_timestamp(s).ok())
            .ok_or(AuditError::Time)?;
        let log = Arc::clone(&self.log);
        tokio::task::spawn_blocking(move || log.append(event, time).map(|_| ()))
            .await
            .map_err(|_| AuditError::Task)??;
        Ok(())
    }

    /// The underlying log (verification, export).
    pub fn log(&self) -> &AuditLog<SqliteStore> {
        &self.log
    }
}
