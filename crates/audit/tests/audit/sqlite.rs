//! The SQLite store on a real file: round trip, reopen, append-only triggers, and tampering
//! with rows (as an attacker with the file would) caught by verification.

use rampart_audit::{
    Action, AuditLog, AuditStore, Checkpoint, Error, SqliteStore, Tamper, Verifier, verify_with,
};
use rusqlite::Connection;
use tempfile::TempDir;

use crate::support::{at, event_for, finding};

struct Db {
    _dir: TempDir,
    path: std::path::PathBuf,
}

impl Db {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.db");
        Self { _dir: dir, path }
    }

    fn log(&self) -> AuditLog<SqliteStore> {
        let conn = Connection::open(&self.path).expect("opens");
        AuditLog::open(SqliteStore::new(conn).expect("schema")).expect("log opens")
    }

    /// A log of `n` records; returns its head.
    fn fill(&self, n: usize) -> Checkpoint {
        let log = self.log();
        for i in 0..n {
            let action = &Action::ALL[i % Action::ALL.len()];
            log.append(event_for(action, i), at(i as i64))
                .expect("append");
        }
        log.head()
    }

    /// Runs SQL on the file directly, after dropping the append-only triggers.
    fn tamper(&self, sql: &str) {
        let conn = Connection::open(&self.path).expect("opens");
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .expect("drops triggers");
        conn.execute_batch(sql).expect("tampering SQL runs");
    }

    fn verify(&self, head: Option<Checkpoint>) -> Result<rampart_audit::VerifySummary, Error> {
        self.log().verify(head)
    }
}

#[test]
fn records_round_trip_through_a_file_and_reopen_continues() {
    let db = Db::new();
    let written: Vec<_> = {
        let log = db.log();
        (0..Action::ALL.len())
            .map(|i| {
                log.append(event_for(&Action::ALL[i], i), at(i as i64))
                    .expect("append")
            })
            .collect()
    };
    let log = db.log();
    let read: Vec<_> = log.records_from(1).map(|r| r.expect("reads")).collect();
    assert_eq!(read, written);
    assert_eq!(log.head(), Checkpoint::of(&written[written.len() - 1]));
    let next = log
        .append(event_for(&Action::HubStopped, 0), at(99))
        .expect("append");
    assert_eq!(next.seq, written.len() as u64 + 1);
    assert_eq!(
        db.verify(Some(log.head())).expect("verifies").records,
        next.seq
    );
}

#[test]
fn a_duplicate_seq_is_a_conflict() {
    let db = Db::new();
    db.fill(2);
    let log = db.log();
    let first = log.records_from(1).next().expect("one").expect("reads");
    assert!(matches!(
        log.store().append(&first),
        Err(Error::Conflict { seq: 1 })
    ));
}

#[test]
fn the_table_refuses_update_and_delete() {
    let db = Db::new();
    db.fill(3);
    let conn = Connection::open(&db.path).expect("opens");
    assert!(
        conn.execute("UPDATE audit_log SET actor_id = 'x' WHERE seq = 2", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 3", [])
            .is_err()
    );
    assert!(db.verify(None).is_ok());
}

#[test]
fn an_edited_row_is_named() {
    let db = Db::new();
    db.fill(10);
    db.tamper("UPDATE audit_log SET outcome = 'success', code = NULL WHERE seq = 6");
    assert_eq!(finding(db.verify(None)), (6, 6, Tamper::Edited));
}

#[test]
fn a_deleted_row_in_the_middle_is_named() {
    let db = Db::new();
    db.fill(10);
    db.tamper("DELETE FROM audit_log WHERE seq = 4");
    assert_eq!(
        finding(db.verify(None)),
        (4, 5, Tamper::Deleted { first: 4, last: 4 })
    );
}

#[test]
fn a_deleted_last_row_is_caught_with_the_anchored_head() {
    let db = Db::new();
    let head = db.fill(10);
    db.tamper("DELETE FROM audit_log WHERE seq = 10");
    assert!(db.verify(None).is_ok(), "undetectable without an anchor");
    assert_eq!(
        finding(db.verify(Some(head))),
        (10, 10, Tamper::TruncatedTail { head: 10 })
    );
}

#[test]
fn two_rows_with_swapped_contents_are_named_as_a_reorder() {
    let db = Db::new();
    db.fill(10);
    // Move every column but the key: seq 4 and seq 5 trade places in the timeline.
    db.tamper(
        "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (4, 5);
         UPDATE audit_log SET (time, actor_kind, actor_id, actor_name, origin, action,
                 target_kind, target_id, outcome, code, details, prev_hash, hash) =
             (SELECT time, actor_kind, actor_id, actor_name, origin, action, target_kind,
                     target_id, outcome, code, details, prev_hash, hash
              FROM t WHERE t.seq = 9 - audit_log.seq)
         WHERE seq IN (4, 5);",
    );
    assert_eq!(finding(db.verify(None)), (4, 4, Tamper::Reordered));
}

#[test]
fn a_row_copied_over_the_next_is_named_as_a_duplicate() {
    let db = Db::new();
    db.fill(10);
    db.tamper(
        "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq = 6;
         DELETE FROM audit_log WHERE seq = 7;
         UPDATE t SET seq = 7;
         INSERT INTO audit_log SELECT * FROM t;",
    );
    assert_eq!(finding(db.verify(None)), (7, 7, Tamper::Duplicated));
}

#[test]
fn a_raw_control_character_in_a_row_is_malformed_not_cleaned() {
    let db = Db::new();
    db.fill(5);
    db.tamper("UPDATE audit_log SET actor_name = 'eve' || char(10) || 'x' WHERE seq = 3");
    let err = db.verify(None).expect_err("refused");
    assert!(matches!(err, Error::Malformed { seq: 3, .. }), "{err:?}");
}

#[test]
fn a_mangled_row_is_an_error_not_a_panic() {
    let db = Db::new();
    db.fill(5);
    db.tamper(
        "UPDATE audit_log SET details = 'not json' WHERE seq = 2;
         UPDATE audit_log SET hash = 'zz' WHERE seq = 4;",
    );
    let err = db.verify(None).expect_err("refused");
    assert!(matches!(err, Error::Malformed { seq: 2, .. }), "{err:?}");
}

#[test]
fn a_sqlite_log_exports_to_a_verifiable_jsonl_file() {
    let db = Db::new();
    let head = db.fill(25);
    let path = db.path.with_extension("jsonl");
    let file = std::fs::File::create(&path).expect("creates");
    assert_eq!(
        db.log()
            .export_jsonl(std::io::BufWriter::new(file))
            .expect("exports"),
        25
    );
    let reader = std::io::BufReader::new(std::fs::File::open(&path).expect("opens"));
    let summary = verify_with(
        Verifier::new().with_trusted_head(head),
        rampart_audit::JsonlReader::new(reader),
    )
    .expect("verifies");
    assert_eq!(summary.head, head);
}
