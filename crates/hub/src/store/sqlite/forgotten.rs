//! The deletion log in SQLite. `AUTOINCREMENT` keeps positions from being reused after the
//! newest records are pruned (`sqlite_sequence` remembers the highest one issued).

use async_trait::async_trait;
use rampart_protocol::{ConversationId, VisitorId};
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::conversations::parse_id;
use super::orgs::parse_org;
use crate::org::OrgId;
use crate::store::{ErasureStore, StoreError};

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

#[async_trait]
impl ErasureStore for SqliteStore {
    async fn purge_closed_before(
        &self,
        org: &OrgId,
        cutoff_ms: i64,
        remember: Option<i64>,
    ) -> Result<usize, StoreError> {
        let org = org.clone();
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
                    remember_forgotten(conn, &ids, now_ms)?;
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
            remember_forgotten(conn, &ids, now_ms)?;
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

    async fn forgotten_issued(&self) -> Result<i64, StoreError> {
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

    async fn prune_forgotten(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM forgotten WHERE at < ?1", params![before_ms])?)
        })
        .await
    }
}
