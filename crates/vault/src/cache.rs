//! Reading and writing the cache contents of an open [`Vault`].
//!
//! Invariant: every multi-row write is one transaction, so a crash or a full disk leaves either
//! all of it or none of it.

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::model::{
    Author, Conversation, MaskedText, Message, OutboxItem, OutboxPayload, SearchHit,
    TrainingProgress, UnixMillis, VaultEvent, VaultEventKind,
};
use crate::vault::Vault;

impl Vault {
    /// Creates or updates a conversation header.
    pub fn upsert_conversation(&self, c: &Conversation) -> Result<()> {
        self.conn.execute(
            "INSERT INTO conversations(id, title, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET title = excluded.title,
                 updated_at = max(updated_at, excluded.updated_at)",
            params![c.id, c.title.as_str(), c.updated_at.0],
        )?;
        Ok(())
    }

    /// Conversations, most recently active first.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, updated_at FROM conversations ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Conversation {
                id: r.get(0)?,
                title: MaskedText::already_masked(r.get::<_, String>(1)?),
                updated_at: UnixMillis(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores a batch of messages in one transaction. A message whose id is already cached is
    /// updated (edits), so replaying a batch is harmless.
    pub fn insert_messages(&mut self, batch: &[Message]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            )?;
            for m in batch {
                stmt.execute(params![
                    m.id,
                    m.conversation_id,
                    m.author.as_str(),
                    m.body.as_str(),
                    m.sent_at.0
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The latest `limit` messages of a conversation, oldest first.
    pub fn messages(&self, conversation_id: &str, limit: usize) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, conversation_id, author, body, sent_at FROM (
                 SELECT * FROM messages WHERE conversation_id = ?1
                 ORDER BY sent_at DESC, seq DESC LIMIT ?2
             ) ORDER BY sent_at, seq",
        )?;
        let rows = stmt.query_map(params![conversation_id, to_i64(limit)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, conversation_id, author, body, sent_at) = row?;
            out.push(Message {
                id,
                conversation_id,
                author: Author::parse(&author)?,
                body: MaskedText::already_masked(body),
                sent_at: UnixMillis(sent_at),
            });
        }
        Ok(out)
    }

    /// One cached message by id.
    pub fn message(&self, id: &str) -> Result<Option<Message>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, conversation_id, author, body, sent_at FROM messages WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, conversation_id, author, body, sent_at)| {
            Ok(Message {
                id,
                conversation_id,
                author: Author::parse(&author)?,
                body: MaskedText::already_masked(body),
                sent_at: UnixMillis(sent_at),
            })
        })
        .transpose()
    }

    /// How many messages are cached.
    pub fn message_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
        usize::try_from(n).map_err(|_| Error::UnexpectedValue)
    }

    /// Full-text search over cached (masked) messages, newest first. Every whitespace-
    /// separated word of `query` must occur; the query is treated as plain words, never as FTS5
    /// syntax, so user input cannot produce a syntax error.
    ///
    /// Newest-first rather than bm25 rank: agents look for recent conversations, and FTS5 can
    /// walk the index backwards and stop at `limit`, where ranking must score every match (a
    /// common word over 100,000 messages took ~200 ms at p95; see the README).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(expr) = fts_expression(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.conversation_id, m.sent_at
             FROM messages_fts f JOIN messages m ON m.seq = f.rowid
             WHERE messages_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![expr, to_i64(limit)], |r| {
            Ok(SearchHit {
                message_id: r.get(0)?,
                conversation_id: r.get(1)?,
                sent_at: UnixMillis(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Queues an item for delivery. Queuing the same `client_id` twice keeps the first.
    /// On [`Error::DiskFull`] nothing was queued: the caller still holds the only copy and must
    /// keep it (and say so) rather than drop it.
    pub fn enqueue(&self, item: &OutboxItem) -> Result<()> {
        let (kind, conversation_id, payload) = match &item.payload {
            OutboxPayload::Message {
                conversation_id,
                body,
            } => ("message", Some(conversation_id.as_str()), body.as_str()),
            OutboxPayload::Audit { record } => ("audit", None, record.as_str()),
        };
        self.conn.execute(
            "INSERT INTO outbox(client_id, kind, conversation_id, payload, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(client_id) DO NOTHING",
            params![
                item.client_id,
                kind,
                conversation_id,
                payload,
                item.created_at.0
            ],
        )?;
        Ok(())
    }

    /// Undelivered items, oldest first.
    pub fn unsent(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, kind, conversation_id, payload, created_at
             FROM outbox ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([to_i64(limit)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (client_id, kind, conversation_id, payload, created_at) = row?;
            let payload = match (kind.as_str(), conversation_id) {
                ("message", Some(conversation_id)) => OutboxPayload::Message {
                    conversation_id,
                    body: MaskedText::already_masked(payload),
                },
                ("audit", None) => OutboxPayload::Audit { record: payload },
                _ => return Err(Error::UnexpectedValue),
            };
            out.push(OutboxItem {
                client_id,
                payload,
                created_at: UnixMillis(created_at),
            });
        }
        Ok(out)
    }

    /// How many items wait for delivery.
    pub fn unsent_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        usize::try_from(n).map_err(|_| Error::UnexpectedValue)
    }

    /// Removes items the hub has acknowledged.
    pub fn mark_delivered(&mut self, client_ids: &[&str]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?;
            for id in client_ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records progress through a training module.
    pub fn record_training(&self, p: &TrainingProgress) -> Result<()> {
        if p.completed > p.total {
            return Err(Error::UnexpectedValue);
        }
        self.conn.execute(
            "INSERT INTO training_progress(module, completed, total, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(module) DO UPDATE SET completed = excluded.completed,
                 total = excluded.total, updated_at = excluded.updated_at",
            params![p.module, p.completed, p.total, p.updated_at.0],
        )?;
        Ok(())
    }

    /// All training progress, by module id.
    pub fn training(&self) -> Result<Vec<TrainingProgress>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT module, completed, total, updated_at FROM training_progress ORDER BY module",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TrainingProgress {
                module: r.get(0)?,
                completed: r.get(1)?,
                total: r.get(2)?,
                updated_at: UnixMillis(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Reads a setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Events that happened to the vault itself, oldest first.
    pub fn events(&self) -> Result<Vec<VaultEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, at FROM vault_events ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, at) = row?;
            out.push(VaultEvent {
                kind: VaultEventKind::parse(&kind)?,
                at: UnixMillis(at),
            });
        }
        Ok(out)
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Turns user words into an FTS5 expression of quoted strings (implicit AND). Quotes inside a
/// word are doubled, which is FTS5's escape; nothing else is special inside a string.
fn fts_expression(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_expression_quotes_every_word() {
        assert_eq!(
            fts_expression("card  NEAR(x) \"y").as_deref(),
            Some("\"card\" \"NEAR(x)\" \"\"\"y\"")
        );
        assert_eq!(fts_expression("   "), None);
    }
}
