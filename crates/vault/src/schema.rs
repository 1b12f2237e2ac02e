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

static MIGRATIONS: &[M<'static>] = &[M::up(V1)];

/// The migration list, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The schema version a fully migrated cache has.
#[cfg(test)]
const LATEST_VERSION: i64 = 1;

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

    #[test]
    fn fts_follows_inserts_and_deletes() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory db");
        migrations().to_latest(&mut conn).expect("migrate");
        conn.execute_batch(
            "INSERT INTO conversations VALUES ('c', 't', 0);
             INSERT INTO messages(id, conversation_id, author, body, sent_at)
                 VALUES ('m', 'c', 'agent', 'hello zebra', 0);",
        )
        .expect("insert");
        let hits = |conn: &rusqlite::Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'",
                [],
                |r| r.get(0),
            )
            .expect("query")
        };
        assert_eq!(hits(&conn), 1);
        conn.execute("DELETE FROM messages", []).expect("delete");
        assert_eq!(hits(&conn), 0);
    }
}
