//! Reading and writing the cache contents of an open [`Vault`].
//!
//! Invariant: every multi-row write is one transaction, so a crash or a full disk leaves either
//! all of it or none of it.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::{Error, Result};
use crate::model::{
    Author, Conversation, MaskedText, Message, OutboxItem, OutboxPayload, SearchHit,
    TrainingProgress, UnixMillis, VaultEvent, VaultEventKind,
};
use crate::schema;
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
    /// updated (edits), so replaying a batch is harmless. When the call returns, the batch is
    /// in the search index too.
    ///
    /// Written for speed under `cipher_memory_security`, where every heap allocation SQLite
    /// makes is locked and wiped (see the README, *Speed*):
    /// - New rows are indexed together by one statement at the end of the transaction
    ///   (`schema::INDEX_NEW_MESSAGES`), so FTS5 writes one index segment per batch.
    /// - A new row is a plain `INSERT … DO NOTHING`: with no trigger involved it needs no
    ///   statement journal (an upsert whose `DO UPDATE` fires the FTS update trigger copies
    ///   every page it touches into one, about twelve allocations per row). Only ids already
    ///   cached take the `UPDATE`, whose trigger re-indexes them.
    /// - A batch naming one id several times is merged first, so the update trigger only ever
    ///   sees rows that are already indexed.
    pub fn insert_messages(&mut self, batch: &[Message]) -> Result<()> {
        let batch = merge_repeated_ids(batch);
        // Cached messages are copies of what the hub holds, so their commit skips the WAL
        // fsync: `NORMAL` in WAL mode survives any crash of the app, and a power cut loses at
        // most the latest batches, never consistency. The next `FULL` commit (outbox, events,
        // purge, settings) syncs them too, since the WAL is one file written in order.
        self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let stored = self.insert_merged(&batch);
        let restored = self.conn.execute_batch("PRAGMA synchronous = FULL");
        stored?;
        restored?;
        Ok(())
    }

    fn insert_merged(&mut self, batch: &[(&Message, &MaskedText)]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last_before: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) FROM messages", [], |r| {
                r.get(0)
            })?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
            )?;
            let mut edit = tx.prepare_cached("UPDATE messages SET body = ?2 WHERE id = ?1")?;
            for (m, body) in batch {
                let inserted = insert.execute(params![
                    m.id,
                    m.conversation_id,
                    m.author.as_str(),
                    body.as_str(),
                    m.sent_at.0
                ])?;
                if inserted == 0 {
                    edit.execute(params![m.id, body.as_str()])?;
                }
            }
        }
        tx.prepare_cached(schema::INDEX_NEW_MESSAGES)?
            .execute([last_before])?;
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

/// One entry per distinct id, in order of first appearance, carrying the body of the last
/// appearance: the rows a sequence of upserts (`ON CONFLICT(id) DO UPDATE SET body`) would
/// leave behind.
fn merge_repeated_ids(batch: &[Message]) -> Vec<(&Message, &MaskedText)> {
    let mut first_at: HashMap<&str, usize> = HashMap::with_capacity(batch.len());
    let mut merged: Vec<(&Message, &MaskedText)> = Vec::with_capacity(batch.len());
    for m in batch {
        match first_at.get(m.id.as_str()) {
            Some(&i) => merged[i].1 = &m.body,
            None => {
                first_at.insert(m.id.as_str(), merged.len());
                merged.push((m, &m.body));
            }
        }
    }
    merged
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

    use crate::model::Conversation;
    use crate::store::{BuildKind, MemoryStore, Namespace};
    use crate::vault::VaultConfig;

    const WORDS: [&str; 4] = ["zebra", "okapi", "quokka", "card"];

    fn open_vault(dir: &std::path::Path) -> Vault {
        let ns = Namespace::new(BuildKind::Dev, "a@hub").expect("valid account");
        let (vault, _) = Vault::open(
            &VaultConfig::new(dir, ns),
            &MemoryStore::new(),
            UnixMillis(0),
        )
        .expect("open");
        for c in ["c0", "c1"] {
            vault
                .upsert_conversation(&Conversation {
                    id: c.into(),
                    title: MaskedText::already_masked("t"),
                    updated_at: UnixMillis(0),
                })
                .expect("conversation");
        }
        vault
    }

    fn msg(id: u8, conversation: u8, body: &str, at: i64) -> Message {
        Message {
            id: format!("m{id}"),
            conversation_id: format!("c{conversation}"),
            author: Author::Customer,
            body: MaskedText::already_masked(body),
            sent_at: UnixMillis(at),
        }
    }

    /// What the per-row upsert used to do, one statement per message, as the reference.
    fn reference_rows(batches: &[Vec<Message>]) -> Vec<(String, String, String, i64)> {
        let conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        conn.execute_batch(
            "CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                 conversation_id TEXT NOT NULL, body TEXT NOT NULL, sent_at INTEGER NOT NULL);",
        )
        .expect("schema");
        for m in batches.iter().flatten() {
            conn.execute(
                "INSERT INTO messages(id, conversation_id, body, sent_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                params![m.id, m.conversation_id, m.body.as_str(), m.sent_at.0],
            )
            .expect("reference upsert");
        }
        let mut st = conn
            .prepare("SELECT id, conversation_id, body, sent_at FROM messages ORDER BY seq")
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    fn vault_rows(vault: &Vault) -> Vec<(String, String, String, i64)> {
        let mut st = vault
            .conn
            .prepare("SELECT id, conversation_id, body, sent_at FROM messages ORDER BY seq")
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    fn assert_index_matches_messages(vault: &Vault) {
        vault
            .conn
            .execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .expect("the FTS index matches the messages table");
    }

    #[test]
    fn a_batch_naming_an_id_twice_keeps_the_first_row_with_the_last_body() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut vault = open_vault(tmp.path());
        vault
            .insert_messages(&[msg(1, 0, "zebra", 1)])
            .expect("first batch");
        vault
            .insert_messages(&[
                msg(2, 0, "okapi", 2),
                msg(1, 1, "quokka", 9),
                msg(2, 1, "card", 8),
                msg(1, 0, "okapi card", 7),
            ])
            .expect("second batch");
        assert_eq!(
            vault_rows(&vault),
            [
                ("m1".into(), "c0".into(), "okapi card".into(), 1),
                ("m2".into(), "c0".into(), "card".into(), 2),
            ]
        );
        let found = |q: &str| -> Vec<String> {
            let mut ids: Vec<_> = vault
                .search(q, 10)
                .expect("search")
                .into_iter()
                .map(|h| h.message_id)
                .collect();
            ids.sort();
            ids
        };
        assert!(found("zebra").is_empty() && found("quokka").is_empty());
        assert_eq!(found("okapi"), ["m1"]);
        assert_eq!(found("card"), ["m1", "m2"]);
        assert_index_matches_messages(&vault);
    }

    fn synchronous(vault: &Vault) -> i64 {
        vault
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("pragma")
    }

    #[test]
    fn a_batch_commits_without_fsync_and_leaves_full_sync_for_every_other_write() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut vault = open_vault(tmp.path());
        assert_eq!(synchronous(&vault), 2, "FULL after open");
        vault
            .insert_messages(&[msg(1, 0, "zebra", 1)])
            .expect("insert");
        assert_eq!(synchronous(&vault), 2, "FULL again after a batch");
        let unknown_conversation = Message {
            conversation_id: "nowhere".into(),
            ..msg(2, 0, "okapi", 2)
        };
        assert!(vault.insert_messages(&[unknown_conversation]).is_err());
        assert_eq!(synchronous(&vault), 2, "FULL again after a failed batch");
        assert_eq!(
            vault.message_count().expect("count"),
            1,
            "nothing half-stored"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Batches with repeated ids, edits of earlier batches and purges in between leave
        /// the same rows as one upsert per message did, and an index that matches them.
        #[test]
        fn batches_match_per_row_upserts_and_the_index_stays_exact(
            batches in proptest::collection::vec(
                proptest::collection::vec((0u8..12, 0u8..2, 0usize..4, 0usize..4, 0i64..20), 0..10),
                1..5,
            ),
            purge_after in 0usize..5,
        ) {
            let tmp = tempfile::tempdir().expect("tempdir");
            let mut vault = open_vault(tmp.path());
            let batches: Vec<Vec<Message>> = batches
                .iter()
                .map(|b| {
                    b.iter()
                        .map(|&(id, c, w1, w2, at)| {
                            msg(id, c, &format!("{} {}", WORDS[w1], WORDS[w2]), at)
                        })
                        .collect()
                })
                .collect();
            let mut applied = Vec::new();
            for (i, batch) in batches.iter().enumerate() {
                vault.insert_messages(batch).expect("insert");
                applied.push(batch.clone());
                if i == purge_after {
                    // Retention: drop everything sent before t=10, in the vault and the reference.
                    vault.conn.execute("DELETE FROM messages WHERE sent_at < 10", []).expect("purge");
                    let kept = reference_rows(&applied);
                    applied = vec![kept
                        .into_iter()
                        .filter(|r| r.3 >= 10)
                        .map(|(id, c, body, at)| Message {
                            id,
                            conversation_id: c,
                            author: Author::Customer,
                            body: MaskedText::already_masked(body),
                            sent_at: UnixMillis(at),
                        })
                        .collect()];
                }
            }
            let rows = vault_rows(&vault);
            proptest::prop_assert_eq!(&rows, &reference_rows(&applied));
            assert_index_matches_messages(&vault);
            for word in WORDS {
                let mut hits: Vec<_> = vault
                    .search(word, 100)
                    .expect("search")
                    .into_iter()
                    .map(|h| h.message_id)
                    .collect();
                hits.sort();
                let mut expected: Vec<_> = rows
                    .iter()
                    .filter(|r| r.2.split(' ').any(|w| w == word))
                    .map(|r| r.0.clone())
                    .collect();
                expected.sort();
                proptest::prop_assert_eq!(hits, expected, "{}", word);
            }
        }
    }
}
