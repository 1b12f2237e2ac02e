//! Append and verify throughput (records/s). Run:
//! `cargo bench -p rampart-audit --all-features --bench audit`

use std::hint::black_box;
use std::io::BufReader;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_audit::{
    Action, Actor, AuditEvent, AuditLog, AuditRecord, JsonlReader, MemoryStore, Target, TargetKind,
    UtcDateTime, verify, write_jsonl,
};

const VERIFY_N: usize = 10_000;

fn at(i: usize) -> UtcDateTime {
    UtcDateTime::from_unix_timestamp(1_780_000_000 + (i as i64 % 1_000_000)).expect("in range")
}

/// A typical record: a named agent, an origin, a target, two details.
fn event(i: usize) -> AuditEvent {
    AuditEvent::new(
        Actor::named_user("9f1c2e7a-agent", "alice.support"),
        Action::ALL[i % Action::ALL.len()].clone(),
    )
    .from_ip([192, 0, 2, 10].into())
    .on(Target::new(
        TargetKind::Conversation,
        "018f3a2b-7c1d-7e00-9a4b-2f6d1e0c9b77",
    ))
    .with_detail("request_id", "req-4f2a9c")
    .and_then(|e| e.with_detail("reason", "customer_request"))
    .expect("valid details")
}

fn log_of(n: usize) -> Vec<AuditRecord> {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    for i in 0..n {
        let mut e = event(i);
        if e.action == Action::MaskedDataRevealed {
            e = AuditEvent::reveal(e.actor, Target::new(TargetKind::Message, "m-1"), "check");
        }
        log.append(e, at(i)).expect("append");
    }
    log.store().snapshot()
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(1));
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let mut i = 0;
    g.bench_function("memory", |b| {
        b.iter(|| {
            i += 1;
            black_box(log.append(event(i + 1), at(i)).expect("append"));
        });
    });
    #[cfg(feature = "sqlite")]
    {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = rusqlite::Connection::open(dir.path().join("bench.db")).expect("opens");
        // What a hub would use: WAL, fsync at checkpoints. Every append is its own transaction.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .expect("pragmas");
        let log =
            AuditLog::open(rampart_audit::SqliteStore::new(conn).expect("schema")).expect("opens");
        let mut i = 0;
        g.bench_function("sqlite_wal_normal", |b| {
            b.iter(|| {
                i += 1;
                black_box(log.append(event(i + 1), at(i)).expect("append"));
            });
        });
    }
    g.finish();
}

fn verify_throughput(c: &mut Criterion) {
    let records = log_of(VERIFY_N);
    let mut jsonl = Vec::new();
    write_jsonl(records.iter().cloned().map(Ok), &mut jsonl).expect("exports");
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(VERIFY_N as u64));
    g.bench_function("records_in_memory", |b| {
        b.iter(|| black_box(verify(records.iter().cloned().map(Ok)).expect("verifies")));
    });
    g.bench_function("jsonl_import", |b| {
        b.iter(|| {
            let reader = JsonlReader::new(BufReader::new(&jsonl[..]));
            black_box(verify(reader).expect("verifies"))
        });
    });
    #[cfg(feature = "sqlite")]
    {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = rusqlite::Connection::open(dir.path().join("verify.db")).expect("opens");
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .expect("pragmas");
        let store = rampart_audit::SqliteStore::new(conn).expect("schema");
        for r in &records {
            rampart_audit::AuditStore::append(&store, r).expect("append");
        }
        let log = AuditLog::open(store).expect("opens");
        g.bench_function("sqlite_store", |b| {
            b.iter(|| black_box(log.verify(None).expect("verifies")));
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = append, verify_throughput }
criterion_main!(benches);
