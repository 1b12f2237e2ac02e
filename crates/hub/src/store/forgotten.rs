//! Conversations the hub deleted, by id only, so that consoles delete their copies too.

use rampart_protocol::ConversationId;
use rusqlite::{Connection, params};

use super::conversations::parse_id;
use super::orgs::parse_org;
use super::{Store, StoreError};
use crate::org::OrgId;

/// Records deleted conversations, `(id, organisation)`, inside the deleting transaction.
pub(super) fn remember_forgotten(
    conn: &Connection,
    ids: &[(String, String)],
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO forgotten (conversation_id, org_id, at) VALUES (?1, ?2, ?3)",
    )?;
    for (id, org) in ids {
        statement.execute(params![id, org, now_ms])?;
    }
    Ok(())
}

impl Store {
    /// Deleted conversations recorded after position `after` and at or after `since_ms`, in
    /// order, at most `limit`: `(position, id, organisation)`. Start with position 0.
    pub async fn forgotten_after(
        &self,
        after: i64,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(i64, ConversationId, OrgId)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, conversation_id, org_id FROM forgotten WHERE seq > ?1 AND at >= ?2
                 ORDER BY seq LIMIT ?3",
            )?;
            let rows = statement.query_map(params![after, since_ms, limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, id, org) = row?;
                out.push((seq, parse_id(&id, "conversation id")?, parse_org(&org)?));
            }
            Ok(out)
        })
        .await
    }

    /// The position of the latest record (0 when there is none).
    pub async fn forgotten_head(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT coalesce(max(seq), 0) FROM forgotten", [], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
    }

    /// The highest position ever given to a record, pruned or not (0 when none was): a
    /// console's position above it comes from another database.
    pub async fn forgotten_issued(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            use rusqlite::OptionalExtension;
            Ok(conn
                .query_row(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'forgotten'",
                    [],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or(0))
        })
        .await
    }

    /// Drops records older than `before_ms`: no console holds those conversations any more.
    pub async fn prune_forgotten(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM forgotten WHERE at < ?1", params![before_ms])?)
        })
        .await
    }
}
