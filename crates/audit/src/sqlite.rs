//! [`SqliteStore`]: an [`AuditStore`] on a SQLite (SQLCipher build) connection. Feature
//! `sqlite`.
//!
//! The caller opens the connection, so the hub applies its SQLCipher key as the very first
//! statement, exactly as for its other tables; this module never sees a key. One table,
//! [`SCHEMA`], with real columns so the log can be queried (by actor, action, time) and so
//! tamper tests can edit rows directly. Triggers refuse `UPDATE` and `DELETE`: that stops
//! application bugs, not an attacker with the file (who can drop them) — the hash chain and an
//! anchored head are what catch that.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

use crate::Error;
use crate::jsonl::{ActorLine, RecordLine, TargetLine};
use crate::record::AuditRecord;
use crate::store::AuditStore;

/// The table and its append-only triggers (idempotent). The hub may run this from its own
/// migrations instead; [`SqliteStore::new`] runs it too. The functions [`insert`],
/// [`read_from`] and [`last`] work on any connection with this table, so the hub can implement
/// [`AuditStore`] on its own connection pool or append inside its own transactions.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    time        TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    origin      TEXT,
    action      TEXT NOT NULL,
    target_kind TEXT,
    target_id   TEXT,
    outcome     TEXT NOT NULL,
    code        TEXT,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log (time);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
";

const COLUMNS: &str = "seq, time, actor_kind, actor_id, actor_name, origin, action, \
                       target_kind, target_id, outcome, code, details, prev_hash, hash";

/// An audit store on one SQLite connection.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Uses `conn` (already keyed, if SQLCipher encryption is wanted) and creates the table if
    /// it is missing.
    pub fn new(conn: Connection) -> Result<Self, Error> {
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A connection stays usable after a panic in another thread: every write is a single
        // statement, committed or not.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection, for the hub's other statements on the same database.
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&self.lock())
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn to_i64(seq: u64) -> Result<i64, Error> {
    i64::try_from(seq).map_err(|_| Error::InvalidField {
        field: "seq",
        reason: "above the SQLite integer range",
    })
}

fn malformed(seq: u64, e: Error) -> Error {
    match e {
        Error::InvalidField { field, reason } => Error::Malformed { seq, field, reason },
        other => other,
    }
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<AuditRecord, Error>> {
    let seq: i64 = row.get(0)?;
    let details: String = row.get(11)?;
    let target_kind: Option<String> = row.get(7)?;
    let target_id: Option<String> = row.get(8)?;
    let line = (|| {
        let seq = u64::try_from(seq).map_err(|_| Error::InvalidField {
            field: "seq",
            reason: "negative",
        })?;
        let details: BTreeMap<String, String> =
            serde_json::from_str(&details).map_err(|_| Error::InvalidField {
                field: "details",
                reason: "must be a JSON object of strings",
            })?;
        let target = match (target_kind, target_id) {
            (None, None) => None,
            (Some(kind), Some(id)) => Some(TargetLine { kind, id }),
            _ => {
                return Err(Error::InvalidField {
                    field: "target",
                    reason: "kind and id must both be set or both be null",
                });
            }
        };
        Ok((seq, details, target))
    })();
    let (seq, details, target) = match line {
        Ok(v) => v,
        Err(e) => return Ok(Err(malformed(seq.max(0).unsigned_abs(), e))),
    };
    Ok(RecordLine {
        seq,
        time: row.get(1)?,
        actor: ActorLine {
            kind: row.get(2)?,
            id: row.get(3)?,
            name: row.get(4)?,
        },
        origin: row.get(5)?,
        action: row.get(6)?,
        target,
        outcome: row.get(9)?,
        code: row.get(10)?,
        details,
        prev: row.get(12)?,
        hash: row.get(13)?,
    }
    .into_record()
    .map_err(|e| malformed(seq, e)))
}

impl AuditStore for SqliteStore {
    fn append(&self, record: &AuditRecord) -> Result<(), Error> {
        insert(&self.lock(), record)
    }

    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error> {
        read_from(&self.lock(), from, limit)
    }

    fn last(&self) -> Result<Option<AuditRecord>, Error> {
        last(&self.lock())
    }
}

/// Inserts `record` through `conn` — inside the caller's transaction if one is open, so a hub
/// with its own store type can reuse this. A duplicate seq is [`Error::Conflict`].
pub fn insert(conn: &Connection, record: &AuditRecord) -> Result<(), Error> {
    let line = RecordLine::from_record(record)?;
    let details = serde_json::to_string(&line.details).map_err(|e| Error::Io(e.into()))?;
    let (target_kind, target_id) = match line.target {
        Some(t) => (Some(t.kind), Some(t.id)),
        None => (None, None),
    };
    let result = conn.execute(
        &format!(
            "INSERT INTO audit_log ({COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ),
        params![
            to_i64(line.seq)?,
            line.time,
            line.actor.kind,
            line.actor.id,
            line.actor.name,
            line.origin,
            line.action,
            target_kind,
            target_id,
            line.outcome,
            line.code,
            details,
            line.prev,
            line.hash,
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(Error::Conflict { seq: record.seq })
        }
        Err(e) => Err(e.into()),
    }
}

/// Up to `limit` records with `seq >= from`, in seq order, read through `conn`.
pub fn read_from(conn: &Connection, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![from, limit], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// The record with the highest seq, read through `conn`.
pub fn last(conn: &Connection) -> Result<Option<AuditRecord>, Error> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"),
            [],
            from_row,
        )
        .optional()?;
    row.transpose()
}
