//! Vault speed: batched inserts, open+unlock, FTS search over 100,000 messages, the cost of
//! encryption (SQLCipher keyed vs the same SQLCipher build unkeyed, i.e. plain SQLite format) and
//! FTS5's share of an insert under memory security. Figures and the command are recorded in the
//! crate README.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rampart_vault::{
    Author, BuildKind, Conversation, MaskedText, MemoryStore, Message, Namespace, UnixMillis,
    Vault, VaultConfig,
};

const NOW: UnixMillis = UnixMillis(1_800_000_000_000);
const BATCH: usize = 500;

/// A deterministic pseudo-random generator (xorshift), so runs are comparable.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// One of 2,000 synthetic words, skewed so some are common and most are rare.
    fn word(&mut self) -> String {
        let r = self.next() % 2_000;
        let w = (r * r) / 2_000;
        format!("w{w}x")
    }

    fn body(&mut self) -> String {
        let n = 8 + (self.next() % 20) as usize;
        let mut s = String::from("hello, ");
        for _ in 0..n {
            s.push_str(&self.word());
            s.push(' ');
        }
        s.push_str("card ****1111");
        s
    }
}

/// `RAMPART_VAULT_BENCH_INSECURE_NO_MEMSEC=1` measures with `cipher_memory_security` off.
/// It is process-wide and one-way, so each setting needs its own `cargo bench` run.
fn config(dir: &Path) -> VaultConfig {
    let ns = Namespace::new(BuildKind::Dev, "bench@hub.test").expect("valid account");
    let mut config = VaultConfig::new(dir, ns);
    config.insecure_skip_memory_security =
        std::env::var("RAMPART_VAULT_BENCH_INSECURE_NO_MEMSEC").as_deref() == Ok("1");
    config
}

fn messages(from: usize, n: usize, words: &mut Words) -> Vec<Message> {
    (from..from + n)
        .map(|i| Message {
            id: format!("m{i}"),
            conversation_id: format!("c{}", i % 100),
            author: if i % 2 == 0 {
                Author::Agent
            } else {
                Author::Customer
            },
            body: MaskedText::already_masked(words.body()),
            sent_at: UnixMillis(NOW.0 + i64::try_from(i).expect("small")),
        })
        .collect()
}

fn filled_vault(dir: &Path, store: &MemoryStore, total: usize) -> Vault {
    let (mut vault, _) = Vault::open(&config(dir), store, NOW).expect("open");
    for c in 0..100 {
        vault
            .upsert_conversation(&Conversation {
                id: format!("c{c}"),
                title: MaskedText::already_masked("t"),
                updated_at: NOW,
            })
            .expect("conversation");
    }
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    for start in (0..total).step_by(BATCH) {
        vault
            .insert_messages(&messages(start, BATCH.min(total - start), &mut words))
            .expect("insert");
    }
    vault
}

/// 10,000 messages through `insert_messages`. Batches of 500 are the headline figure; the larger
/// batches show how FTS5's per-commit cost (one locked allocation per distinct term per batch,
/// see the README) shrinks as more messages share a commit.
fn insert(c: &mut Criterion) {
    let mut g = c.benchmark_group("insert");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    for batch in [BATCH, 2_000, 10_000] {
        g.bench_function(format!("10k_messages_in_batches_of_{batch}"), |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let store = MemoryStore::new();
                    let vault = filled_vault(dir.path(), &store, 0);
                    (dir, store, vault, batches(batch))
                },
                |(dir, store, mut vault, data)| {
                    for batch in &data {
                        vault.insert_messages(batch).expect("insert");
                    }
                    (dir, store, vault)
                },
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
}

/// The 10,000 benchmark messages, cut into batches.
fn batches(batch: usize) -> Vec<Vec<Message>> {
    let mut w = Words(7);
    (0..10_000 / batch)
        .map(|k| messages(k * batch, batch, &mut w))
        .collect()
}

fn open_unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MemoryStore::new();
    filled_vault(dir.path(), &store, 10_000)
        .close()
        .expect("close");
    let config = config(dir.path());
    let mut g = c.benchmark_group("open");
    g.sample_size(30);
    g.bench_function("open_unlock_10k_cache", |b| {
        b.iter(|| {
            let (vault, _) = Vault::open(&config, &store, NOW).expect("open");
            black_box(&vault);
            vault.close().expect("close");
        });
    });
    g.finish();
}

fn search(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MemoryStore::new();
    let vault = filled_vault(dir.path(), &store, 100_000);
    vault.checkpoint().expect("checkpoint");
    let mut words = Words(42);
    let queries: Vec<String> = (0..1_000).map(|_| words.word()).collect();

    // p50/p95/max over 1,000 distinct one-word queries (criterion reports means only).
    let mut times: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let t = Instant::now();
            black_box(vault.search(q, 50).expect("search"));
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "fts over 100k messages, limit 50: p50 {:?}  p95 {:?}  max {:?}",
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times[times.len() - 1]
    );

    let mut g = c.benchmark_group("search");
    g.bench_function("fts_100k_one_word_limit_50", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(vault.search(&queries[i], 50).expect("search"))
        });
    });
    g.bench_function("fts_100k_two_words_limit_50", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 2) % queries.len();
            let q = format!("{} {}", queries[i], queries[i + 1]);
            black_box(vault.search(&q, 50).expect("search"))
        });
    });
    g.finish();
}

/// How the raw workload below is set up.
#[derive(Clone, Copy)]
struct Raw {
    keyed: bool,
    memory_security: bool,
    fts: bool,
}

/// The same schema and batched workload on raw rusqlite (rows inserted one statement each, the
/// batch indexed by one `INSERT … SELECT` at its end unless `fts` is off, committed with
/// `synchronous = NORMAL`, as the vault does).
fn raw_batches(b: &mut criterion::Bencher<'_>, raw: Raw) {
    const SCHEMA: &str = "
        PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;
        CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL,
            sent_at INTEGER NOT NULL) STRICT;
        CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at);
        CREATE INDEX messages_by_time ON messages(sent_at);
        CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages',
            content_rowid = 'seq', columnsize = 0);";
    b.iter_batched(
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            let conn = rusqlite::Connection::open(dir.path().join("db")).expect("open");
            if raw.keyed {
                conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))
                    .expect("key");
            }
            if raw.memory_security {
                conn.execute_batch("PRAGMA cipher_memory_security = ON;")
                    .expect("memory security");
            }
            conn.execute_batch(SCHEMA).expect("schema");
            (dir, conn, batches(BATCH))
        },
        |(dir, mut conn, data)| {
            for batch in &data {
                let tx = conn.transaction().expect("tx");
                let last: i64 = tx
                    .query_row("SELECT coalesce(max(seq), 0) FROM messages", [], |r| {
                        r.get(0)
                    })
                    .expect("max seq");
                {
                    let mut st = tx
                        .prepare_cached(
                            "INSERT INTO messages(id, conversation_id, author, body,
                             sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .expect("prepare");
                    for m in batch {
                        st.execute(rusqlite::params![
                            m.id,
                            m.conversation_id,
                            "agent",
                            m.body.as_str(),
                            m.sent_at.0
                        ])
                        .expect("insert");
                    }
                }
                if raw.fts {
                    tx.execute(
                        "INSERT INTO messages_fts(rowid, body)
                         SELECT seq, body FROM messages WHERE seq > ?1",
                        [last],
                    )
                    .expect("index");
                }
                tx.commit().expect("commit");
            }
            (dir, conn)
        },
        BatchSize::PerIteration,
    );
}

/// One benchmark group of the raw workload, one function per case.
fn raw_group(c: &mut Criterion, group: &str, cases: [(&str, Raw); 2]) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    for (name, raw) in cases {
        g.bench_function(name, |b| raw_batches(b, raw));
    }
    g.finish();
}

/// The cost of encryption: the raw workload once with the raw key, once without, both on the
/// same bundled SQLCipher build, so the difference is the encryption itself.
fn overhead(c: &mut Criterion) {
    let raw = |keyed| Raw {
        keyed,
        memory_security: false,
        fts: true,
    };
    raw_group(
        c,
        "overhead",
        [
            ("raw_sqlite_unkeyed_10k", raw(false)),
            ("raw_sqlcipher_keyed_10k", raw(true)),
        ],
    );
}

/// FTS5's share of an insert under memory security: the keyed raw workload with and without
/// indexing. Sets `cipher_memory_security` itself (unless the insecure variable is set), so
/// the group measures the same thing when run alone.
fn fts_share(c: &mut Criterion) {
    let memory_security =
        std::env::var("RAMPART_VAULT_BENCH_INSECURE_NO_MEMSEC").as_deref() != Ok("1");
    let raw = |fts| Raw {
        keyed: true,
        memory_security,
        fts,
    };
    raw_group(
        c,
        "fts_share",
        [
            ("raw_keyed_10k_with_fts", raw(true)),
            ("raw_keyed_10k_without_fts", raw(false)),
        ],
    );
}

// `overhead` first: its raw connections never enable memory security, and nothing before it
// in this process has, so it measures encryption alone. Every later group runs with memory
// security on (process-wide and one-way) unless the insecure variable is set.
criterion_group!(benches, overhead, insert, fts_share, open_unlock, search);
criterion_main!(benches);
