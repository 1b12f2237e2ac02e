//! Versioned schema migrations (rusqlite_migration, tracked in `PRAGMA user_version`).
//!
//! Invariants: migrations are append-only; a released migration is never edited. Each runs in
//! a transaction, so a failed upgrade leaves the previous version intact.

use rusqlite_migration::{M, Migrations};

/// Version 1: conversations, messages (masked) with FTS5, outbox, training, settings, events.
const V1: &str = r#"
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE messages (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author           TEXT NOT NULL CHECK (author IN ('agent', 'customer', 'system')),
    body             TEXT NOT NULL,
    sent_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at);
CREATE INDEX messages_by_time ON messages(sent_at);

-- External-content index over the (already masked) bodies, kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
-- Deleted rows leave no tokens behind in the index pages.
INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END;

-- Unsent messages and audit events, in order. Retention never touches this table.
CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id        TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('message', 'audit')),
    conversation_id  TEXT,
    payload          TEXT NOT NULL,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE training_progress (
    module      TEXT PRIMARY KEY NOT NULL,
    completed   INTEGER NOT NULL CHECK (completed >= 0),
    total       INTEGER NOT NULL CHECK (total >= completed),
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
) STRICT;

-- What happened to the vault itself (e.g. a damaged cache moved aside).
CREATE TABLE vault_events (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;
"#;

/// Version 2: the same contents, laid out for fast batched inserts (see the README, *Speed*).
///
/// - `messages` is rebuilt only to change how the author check is written. SQLite evaluates
///   `x IN (a, b, c)` with three or more constants by building a temporary b-tree for every
///   row checked (about nine allocations per insert, each locked and wiped under
///   `cipher_memory_security`); a chain of `=` tests checks the same thing without allocating.
/// - The FTS index no longer has an insert trigger: `insert_messages` indexes each batch's new
///   rows with one `INSERT … SELECT` at the end of the batch's transaction. With a per-row
///   trigger every row ran as its own statement with a statement savepoint, and FTS5 writes
///   its pending terms to disk at every savepoint: one index segment per message.
/// - `columnsize=0`: no `messages_fts_docsize` table (one b-tree row per message); nothing
///   ranks results (search is newest first), and bm25 would still work, computing sizes itself.
/// - The delete and update triggers stay: purges and edits change few rows per statement.
const V2: &str = r#"
CREATE TABLE messages_v2 (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author           TEXT NOT NULL
                     CHECK (author = 'agent' OR author = 'customer' OR author = 'system'),
    body             TEXT NOT NULL,
    sent_at          INTEGER NOT NULL
) STRICT;
INSERT INTO messages_v2(seq, id, conversation_id, author, body, sent_at)
    SELECT seq, id, conversation_id, author, body, sent_at FROM messages;
-- Drops the index's shadow tables; dropping `messages` drops its indexes and triggers.
DROP TABLE messages_fts;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at);
CREATE INDEX messages_by_time ON messages(sent_at);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'seq', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
-- No insert trigger: see `insert_messages`. A row is indexed by the end of the transaction
-- that inserts it, so these two only ever see indexed rows.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END;
"#;

/// Indexes the messages inserted after `?1` (the highest `seq` before the batch). Run once per
/// batch, inside the batch's transaction, after its inserts.
pub(crate) const INDEX_NEW_MESSAGES: &str =
    "INSERT INTO messages_fts(rowid, body) SELECT seq, body FROM messages WHERE seq > ?1";

static MIGRATIONS: &[M<'static>] = &[M::up(V1), M::up(V2)];

/// The migration list, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The schema version a fully migrated cache has.
#[cfg(test)]
const LATEST_VERSION: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations()
            .validate()
            .expect("migrations apply to an empty database");
    }

    #[test]
    fn latest_version_matches_the_list() {
        assert_eq!(i64::try_from(MIGRATIONS.len()), Ok(LATEST_VERSION));
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        migrations().to_latest(&mut conn).expect("first run");
        migrations().to_latest(&mut conn).expect("second run");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version");
        assert_eq!(v, LATEST_VERSION);
    }

    /// Checks the FTS index against the messages table (FTS5's own check, content included).
    fn assert_index_matches_messages(conn: &rusqlite::Connection) {
        conn.execute(
            "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the FTS index matches the messages table");
    }

    fn hits(conn: &rusqlite::Connection, word: &str) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [word],
            |r| r.get(0),
        )
        .expect("query")
    }

    #[test]
    fn fts_follows_batch_indexing_edits_and_deletes() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        migrations().to_latest(&mut conn).expect("migrate");
        conn.execute_batch(
            "INSERT INTO conversations VALUES ('c', 't', 0);
             INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES ('m', 'c', 'agent', 'hello zebra', 0);",
        )
        .expect("insert");
        assert_eq!(hits(&conn, "zebra"), 0, "not indexed before the batch end");
        conn.execute(INDEX_NEW_MESSAGES, [0]).expect("index");
        assert_eq!(hits(&conn, "zebra"), 1);
        conn.execute("UPDATE messages SET body = 'hello okapi'", [])
            .expect("edit");
        assert_eq!((hits(&conn, "zebra"), hits(&conn, "okapi")), (0, 1));
        assert_index_matches_messages(&conn);
        conn.execute("DELETE FROM messages", []).expect("delete");
        assert_eq!(hits(&conn, "okapi"), 0);
        assert_index_matches_messages(&conn);
    }

    #[test]
    fn the_author_check_still_refuses_unknown_authors() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        migrations().to_latest(&mut conn).expect("migrate");
        conn.execute("INSERT INTO conversations VALUES ('c', 't', 0)", [])
            .expect("conversation");
        for (author, ok) in [("agent", true), ("customer", true), ("system", true)] {
            let r = conn.execute(
                "INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES (?1, 'c', ?1, 'x', 0)",
                [author],
            );
            assert_eq!(r.is_ok(), ok, "{author}");
        }
        for author in ["Agent", "bot", ""] {
            let r = conn.execute(
                "INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES (?1 || '-id', 'c', ?1, 'x', 0)",
                [author],
            );
            assert!(r.is_err(), "{author:?} must be refused");
        }
    }

    #[test]
    fn upgrading_from_v1_keeps_messages_and_their_index() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        Migrations::from_slice(&MIGRATIONS[..1])
            .to_latest(&mut conn)
            .expect("v1");
        conn.execute_batch(
            "INSERT INTO conversations VALUES ('c', 't', 0);
             INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES ('m1', 'c', 'agent', 'hello zebra', 0),
                        ('m2', 'c', 'customer', 'hello okapi', 1);
             DELETE FROM messages WHERE id = 'm1';
             INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES ('m3', 'c', 'system', 'hello quokka', 2);",
        )
        .expect("v1 contents");
        let before: Vec<(i64, String)> = {
            let mut st = conn
                .prepare("SELECT seq, id FROM messages ORDER BY seq")
                .expect("prepare");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        migrations().to_latest(&mut conn).expect("v1 to latest");
        let after: Vec<(i64, String)> = {
            let mut st = conn
                .prepare("SELECT seq, id FROM messages ORDER BY seq")
                .expect("prepare");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        assert_eq!(before, after, "same rows, same seq (the FTS rowid)");
        assert_eq!(
            (
                hits(&conn, "zebra"),
                hits(&conn, "okapi"),
                hits(&conn, "quokka")
            ),
            (0, 1, 1)
        );
        assert_index_matches_messages(&conn);
        let triggers: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(triggers, 2, "delete and update triggers only");
    }
}
