//! Connection settings and versioned migrations of the hub database.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::store::StoreError;

/// Opens a connection with the hub's settings: WAL, full fsync on commit, foreign keys, and a
/// busy timeout so the reader waits for a checkpoint instead of failing.
pub(super) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// Schema versions, oldest first. Never edit a released migration; add a new one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
        CREATE TABLE conversations (
            id          TEXT PRIMARY KEY,
            visitor_id  TEXT NOT NULL,
            locale      TEXT NOT NULL,
            state       TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
            agent_id    TEXT,
            created_at  INTEGER NOT NULL,
            closed_at   INTEGER,
            last_seq    INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX conversations_by_state ON conversations (state, created_at);

        CREATE TABLE messages (
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq             INTEGER NOT NULL,
            id              TEXT NOT NULL UNIQUE,
            author_kind     TEXT NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'system')),
            author_id       TEXT,
            author_name     TEXT,
            text            TEXT NOT NULL,
            spans           TEXT NOT NULL,
            sent_at         INTEGER NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        ) STRICT, WITHOUT ROWID;
        "#,
        ),
        M::up(
            r#"
        CREATE TABLE agents (
            id                    TEXT PRIMARY KEY,
            username              TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name          TEXT NOT NULL,
            role                  TEXT NOT NULL
                                  CHECK (role IN ('agent', 'supervisor', 'trainer', 'admin')),
            password_hash         TEXT,
            enrollment_hash       BLOB,
            enrollment_expires_at INTEGER,
            totp_secret           BLOB,
            totp_last_step        INTEGER,
            recovery_codes        TEXT,
            failures              INTEGER NOT NULL DEFAULT 0,
            last_failure_at       INTEGER,
            created_at            INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE sessions (
            token_hash  BLOB PRIMARY KEY,
            agent_id    TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
            created_at  INTEGER NOT NULL,
            last_seen   INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX sessions_by_agent ON sessions (agent_id);
        "#,
        ),
        M::up(
            r#"
        CREATE TABLE allowlist (
            id          INTEGER PRIMARY KEY,
            role        TEXT CHECK (role IN ('agent', 'supervisor', 'trainer', 'admin')),
            cidr        TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            UNIQUE (role, cidr)
        ) STRICT;
        "#,
        ),
        M::up(
            r#"
        CREATE TABLE visitor_tokens (
            token_hash      BLOB PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            visitor_id      TEXT NOT NULL,
            created_at      INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        "#,
        ),
        M::up(
            r#"
        ALTER TABLE conversations ADD COLUMN privacy_notice TEXT;
        ALTER TABLE conversations ADD COLUMN privacy_ack_at INTEGER;
        "#,
        ),
        M::up(
            r#"
        CREATE TABLE span_originals (
            message_id      TEXT NOT NULL,
            span            INTEGER NOT NULL,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            kind            TEXT NOT NULL,
            sealed          BLOB NOT NULL,
            expires_at      INTEGER NOT NULL,
            PRIMARY KEY (message_id, span)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX span_originals_by_expiry ON span_originals (expires_at);
        CREATE INDEX span_originals_by_conversation ON span_originals (conversation_id);
        "#,
        ),
        // Originals of card numbers and CVVs must never be written to disk, not even
        // encrypted: they moved to memory (crate::reveal) and the table of version 6 goes.
        M::up("DROP TABLE span_originals;"),
        // A remote wipe ordered by an admin, until the account's next successful login.
        M::up("ALTER TABLE agents ADD COLUMN wipe_ordered_at INTEGER;"),
        // Conversations erased (right to erasure) or purged by a retention shorter than a
        // console's cache: the ids only, so consoles drop their copies (crate::forget).
        M::up(
            r#"
        CREATE TABLE forgotten (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL,
            at              INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX forgotten_by_time ON forgotten (at);
        "#,
        ),
        // Sessions ended by a remote wipe, kept (by hash) so that a console that was offline
        // when the order came learns to wipe when it reconnects with its old token.
        M::up(
            r#"
        CREATE TABLE wiped_sessions (
            token_hash BLOB PRIMARY KEY,
            agent_id   TEXT NOT NULL,
            ordered_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        "#,
        ),
        // Keyed hashes of the email addresses visitors wrote (crate::email_index), per
        // conversation, so `visitor erase --email` finds them; they go with the conversation.
        M::up(
            r#"
        CREATE TABLE visitor_emails (
            email_key       BLOB NOT NULL,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            PRIMARY KEY (email_key, conversation_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX visitor_emails_by_conversation ON visitor_emails (conversation_id);
        "#,
        ),
        // Security training (crate::training): imported lesson packs (every version, as the
        // files' text), attempts and completions (scores and dates only: never answers or
        // drill text), cohorts, their members and assigned lessons.
        M::up(
            r#"
        CREATE TABLE training_packs (
            id          TEXT NOT NULL,
            version     INTEGER NOT NULL,
            files       TEXT NOT NULL,
            imported_at INTEGER NOT NULL,
            importer    TEXT NOT NULL,
            PRIMARY KEY (id, version)
        ) STRICT;

        CREATE TABLE training_attempts (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id  TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
            pack_id   TEXT NOT NULL,
            lesson_id TEXT NOT NULL,
            version   INTEGER NOT NULL,
            language  TEXT NOT NULL,
            kind      TEXT NOT NULL CHECK (kind IN ('quiz', 'drill')),
            drill_id  TEXT,
            percent   INTEGER NOT NULL,
            passed    INTEGER NOT NULL,
            at        INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX training_attempts_by_agent ON training_attempts (agent_id, pack_id, lesson_id);

        CREATE TABLE training_completions (
            id        TEXT PRIMARY KEY,
            agent_id  TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
            pack_id   TEXT NOT NULL,
            lesson_id TEXT NOT NULL,
            version   INTEGER NOT NULL,
            language  TEXT NOT NULL,
            percent   INTEGER NOT NULL,
            passed_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX training_completions_by_agent ON training_completions (agent_id);

        CREATE TABLE training_cohorts (
            id         TEXT PRIMARY KEY,
            name       TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE training_cohort_members (
            cohort_id TEXT NOT NULL REFERENCES training_cohorts (id) ON DELETE CASCADE,
            agent_id  TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
            PRIMARY KEY (cohort_id, agent_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX training_members_by_agent ON training_cohort_members (agent_id);

        CREATE TABLE training_assignments (
            cohort_id TEXT NOT NULL REFERENCES training_cohorts (id) ON DELETE CASCADE,
            pack_id   TEXT NOT NULL,
            lesson_id TEXT NOT NULL,
            due_at    INTEGER NOT NULL,
            PRIMARY KEY (cohort_id, pack_id, lesson_id)
        ) STRICT;
        "#,
        ),
        // Several organisations on one hub (crate::org). What existed belongs to `default`,
        // named from the configuration when the hub opens. Columns added to existing tables
        // carry no REFERENCES clause (SQLite refuses one with a non-NULL default while foreign
        // keys are on); the store checks that an organisation exists before it is named.
        // The allow-list is rebuilt: an entry is unique per organisation now.
        M::up(
            r#"
        CREATE TABLE orgs (
            id             TEXT PRIMARY KEY,
            name           TEXT NOT NULL,
            retention_days INTEGER CHECK (retention_days BETWEEN 1 AND 3650),
            created_at     INTEGER NOT NULL
        ) STRICT;
        INSERT INTO orgs (id, name, created_at)
        VALUES ('default', 'default', CAST(strftime('%s', 'now') AS INTEGER));

        ALTER TABLE agents ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';
        CREATE INDEX agents_by_org ON agents (org_id);

        ALTER TABLE conversations ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';
        CREATE INDEX conversations_by_org ON conversations (org_id, state, closed_at);

        ALTER TABLE forgotten ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';

        ALTER TABLE training_cohorts ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';

        CREATE TABLE allowlist_by_org (
            id          INTEGER PRIMARY KEY,
            org_id      TEXT NOT NULL,
            role        TEXT CHECK (role IN ('agent', 'supervisor', 'trainer', 'admin')),
            cidr        TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            UNIQUE (org_id, role, cidr)
        ) STRICT;
        INSERT INTO allowlist_by_org (id, org_id, role, cidr, created_at)
            SELECT id, 'default', role, cidr, created_at FROM allowlist;
        DROP TABLE allowlist;
        ALTER TABLE allowlist_by_org RENAME TO allowlist;
        "#,
        ),
        // The epoch (one opening of this database, a random id) that recorded each deletion,
        // so a console's position is recognised only by the database that gave it
        // (crate::forget). Earlier records have none.
        M::up("ALTER TABLE forgotten ADD COLUMN epoch TEXT;"),
    ])
}

/// Brings the database to the latest schema version.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrations().to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgId;
    use crate::store::Store;
    use rampart_protocol::{AgentId, ConversationId, Seq};

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    /// The schema version released before organisations existed.
    const BEFORE_ORGS: usize = 12;

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[tokio::test]
    async fn a_database_from_before_organisations_moves_into_the_default_one_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let (agent, conversation, cohort) = (
            AgentId::new().to_string(),
            ConversationId::new().to_string(),
            rampart_protocol::CohortId::new().to_string(),
        );
        {
            // A hub of the previous release, with the settings the hub always uses.
            let mut conn = connect(&path).unwrap();
            migrations().to_version(&mut conn, BEFORE_ORGS).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO agents (id, username, display_name, role, created_at)
                     VALUES ('{agent}', 'ana', 'Ana', 'supervisor', 1);
                 INSERT INTO conversations (id, visitor_id, locale, state, agent_id, created_at,
                                            closed_at, last_seq)
                     VALUES ('{conversation}', 'v', 'es', 'closed', '{agent}', 10, 20, 1);
                 INSERT INTO messages (conversation_id, seq, id, author_kind, text, spans, sent_at)
                     VALUES ('{conversation}', 1, '{}', 'visitor', 'hola', '[]', 11);
                 INSERT INTO allowlist (id, role, cidr, created_at)
                     VALUES (5, NULL, '198.51.100.0/24', 1), (9, 'admin', '192.0.2.1/32', 2);
                 INSERT INTO forgotten (conversation_id, at) VALUES ('gone', 30);
                 INSERT INTO training_cohorts (id, name, created_at) VALUES ('{cohort}', 'New', 3);
                 INSERT INTO training_cohort_members (cohort_id, agent_id)
                     VALUES ('{cohort}', '{agent}');",
                rampart_protocol::MessageId::new()
            ))
            .unwrap();
            migrate(&mut conn).unwrap();
            // Everything is still there, and all of it is the default organisation's.
            for (table, rows) in [
                ("agents", 1),
                ("conversations", 1),
                ("allowlist", 2),
                ("forgotten", 1),
                ("training_cohorts", 1),
            ] {
                assert_eq!(
                    count(
                        &conn,
                        &format!("SELECT count(*) FROM {table} WHERE org_id = 'default'")
                    ),
                    rows,
                    "{table}"
                );
            }
            assert_eq!(count(&conn, "SELECT count(*) FROM messages"), 1);
            assert_eq!(
                count(&conn, "SELECT count(*) FROM training_cohort_members"),
                1
            );
            assert_eq!(count(&conn, "SELECT count(*) FROM orgs"), 1);
            // Entries are unique per organisation now: the same network may be listed by two.
            conn.execute_batch(
                "INSERT INTO orgs (id, name, created_at) VALUES ('acme', 'Acme', 4);
                 INSERT INTO allowlist (org_id, role, cidr, created_at)
                     VALUES ('acme', 'admin', '192.0.2.1/32', 4);",
            )
            .unwrap();
            assert!(
                conn.execute(
                    "INSERT INTO allowlist (org_id, role, cidr, created_at)
                     VALUES ('acme', 'admin', '192.0.2.1/32', 5)",
                    [],
                )
                .is_err()
            );
        }
        // The hub opens it, names the default organisation from its configuration, and reads
        // it through the same API as a new database.
        let store = Store::open_named(&path, Some("Acme Support")).unwrap();
        let orgs = store.orgs().await.unwrap();
        assert_eq!(orgs[0].id, OrgId::default_org());
        assert_eq!(orgs[0].name, "Acme Support");
        assert_eq!(orgs[0].retention_days, None);
        let account = store
            .account(agent.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.org, OrgId::default_org());
        let entries = store.allow_entries().await.unwrap();
        let ids: Vec<(i64, &str)> = entries.iter().map(|e| (e.id, e.org.as_str())).collect();
        assert_eq!(ids[..2], [(5, "default"), (9, "default")]);
        let conversation: ConversationId = conversation.parse().unwrap();
        let (org, _, holder) = store.conversation_in(conversation).await.unwrap();
        assert_eq!(org, OrgId::default_org());
        assert_eq!(holder, Some(account.id));
        assert_eq!(
            store
                .messages_after(conversation, Seq::ZERO, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let cohorts = store.cohorts(Some(&OrgId::default_org())).await.unwrap();
        assert_eq!(cohorts.len(), 1);
        assert_eq!(cohorts[0].members, vec![account.id]);
        assert!(
            store
                .cohorts(Some(&OrgId::parse("acme").unwrap()))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
