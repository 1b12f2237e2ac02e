//! The deletion log in SQLite. `AUTOINCREMENT` keeps positions from being reused after the
//! newest records are pruned (`sqlite_sequence` remembers the highest one issued); each record
//! carries the epoch of the [`SqliteStore`] that wrote it.

use async_trait::async_trait;
use rampart_protocol::{ConversationId, EpochId, ForgetPosition, VisitorId};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::conversations::parse_id;
use super::orgs::parse_org;
use crate::org::OrgId;
use crate::store::{ErasureStore, Forgotten, StoreError};

/// Records deleted conversations, `(id, organisation)`, under `epoch`, inside the deleting
/// transaction.
fn remember_forgotten(
    conn: &Connection,
    ids: &[(String, String)],
    now_ms: i64,
    epoch: EpochId,
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO forgotten (conversation_id, org_id, at, epoch) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let epoch = epoch.to_string();
    for (id, org) in ids {
        statement.execute(params![id, org, now_ms, epoch])?;
    }
    Ok(())
}

#[async_trait]
impl ErasureStore for SqliteStore {
    async fn purge_closed_before(
        &self,
        org: &OrgId,
        cutoff_ms: i64,
        remember: Option<i64>,
    ) -> Result<usize, StoreError> {
        let org = org.clone();
        let epoch = self.epoch;
        self.write(move |conn| {
            // The writer runs this inside its transaction: deleting and recording go together.
            let purged = {
                let mut statement = conn.prepare_cached(
                    "DELETE FROM conversations
                     WHERE org_id = ?1 AND state = 'closed' AND closed_at < ?2
                     RETURNING id, org_id",
                )?;
                let ids = statement
                    .query_map(params![org.as_str(), cutoff_ms], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(now_ms) = remember {
                    remember_forgotten(conn, &ids, now_ms, epoch)?;
                }
                ids.len()
            };
            Ok(purged)
        })
        .await
    }

    async fn erase_visitor(
        &self,
        visitor: VisitorId,
        now_ms: i64,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let epoch = self.epoch;
        self.write(move |conn| {
            // The writer runs this inside its transaction: deleting and recording go together.
            let ids = {
                let mut statement = conn.prepare_cached(
                    "DELETE FROM conversations WHERE visitor_id = ?1 RETURNING id, org_id",
                )?;
                statement
                    .query_map(params![visitor.to_string()], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?
            };
            remember_forgotten(conn, &ids, now_ms, epoch)?;
            ids.iter()
                .map(|(id, _)| parse_id(id, "conversation id"))
                .collect()
        })
        .await
    }

    async fn visitors_with_email(
        &self,
        key: crate::email_index::EmailKey,
    ) -> Result<Vec<VisitorId>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT DISTINCT c.visitor_id FROM visitor_emails e
                 JOIN conversations c ON c.id = e.conversation_id
                 WHERE e.email_key = ?1 ORDER BY c.visitor_id",
            )?;
            let ids = statement
                .query_map(params![key.as_slice()], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<String>, _>>()?;
            ids.iter().map(|id| parse_id(id, "visitor id")).collect()
        })
        .await
    }

    async fn forgotten_after(
        &self,
        after: i64,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Forgotten>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, conversation_id, org_id, epoch FROM forgotten
                 WHERE seq > ?1 AND at >= ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = statement.query_map(params![after, since_ms, limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (position, id, org, epoch) = row?;
                out.push(Forgotten {
                    position,
                    conversation: parse_id(&id, "conversation id")?,
                    org: parse_org(&org)?,
                    epoch: epoch.map(|e| parse_id(&e, "deletion epoch")).transpose()?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn forgotten_head(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT coalesce(max(seq), 0) FROM forgotten", [], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
    }

    async fn forgotten_recorded(&self, at: ForgetPosition) -> Result<bool, StoreError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM forgotten WHERE seq = ?1 AND epoch = ?2",
                    params![at.through, at.epoch.to_string()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
        .await
    }

    async fn prune_forgotten(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM forgotten WHERE at < ?1", params![before_ms])?)
        })
        .await
    }
}
