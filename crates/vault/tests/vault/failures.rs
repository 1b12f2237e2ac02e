//! Every failure mode of the issue: keychain unavailable/locked/denied, key missing, wrong
//! key, plain SQLite, corrupt file, disk full.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_vault::{
    MemoryStore, OutboxItem, OutboxPayload, SimulatedFailure, UnsentOutbox, Vault, VaultEventKind,
};

use crate::support::*;

/// Asserts two snapshots are equal, naming the differing files (never dumping bytes).
#[track_caller]
fn assert_same_files(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) {
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "set of files changed");
    let changed: Vec<_> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(changed.is_empty(), "files modified: {changed:?}");
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect()
}

/// A cache with 300 messages and one outbox item; returned still open or closed as asked.
fn populated(config: &rampart_vault::VaultConfig, store: &MemoryStore) -> Vault {
    let (mut vault, _) = open(config, store);
    conversation(&vault, "c", NOW);
    let batch: Vec<_> = (0..300)
        .map(|i| message(&format!("m{i}"), "c", &format!("hello number {i}"), NOW))
        .collect();
    vault.insert_messages(&batch).expect("insert");
    vault
        .enqueue(&OutboxItem {
            client_id: "out-1".into(),
            payload: OutboxPayload::Message {
                conversation_id: "c".into(),
                body: rampart_vault::MaskedText::already_masked("unsent reply"),
            },
            created_at: NOW,
        })
        .expect("enqueue");
    vault
}

#[test]
fn keychain_unavailable_locked_or_denied_refuses_to_create_a_cache() {
    for (failure, code) in [
        (SimulatedFailure::Unavailable, "unavailable"),
        (SimulatedFailure::Locked, "locked"),
        (SimulatedFailure::Denied, "denied"),
    ] {
        let tmp = tempdir();
        let store = MemoryStore::new();
        store.simulate_failure(Some(failure));
        let err = Vault::open(&config(tmp.path()), &store, NOW)
            .err()
            .expect("refused");
        assert_eq!(err.code().as_str(), code);
        assert!(
            files_under(tmp.path()).is_empty(),
            "{code}: nothing written"
        );
    }
}

#[test]
fn keychain_failure_on_an_existing_cache_refuses_and_leaves_it_untouched() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    populated(&config, &store).close().expect("close");
    let before = snapshot(tmp.path());
    store.simulate_failure(Some(SimulatedFailure::Unavailable));
    let err = Vault::open(&config, &store, NOW).err().expect("refused");
    assert_eq!(err.code().as_str(), "unavailable");
    assert_same_files(&snapshot(tmp.path()), &before);
}

#[test]
fn missing_key_is_explained_and_the_reset_reports_the_unreadable_outbox() {
    let tmp = tempdir();
    let config = config(tmp.path());
    populated(&config, &MemoryStore::new())
        .close()
        .expect("close");
    let before = snapshot(tmp.path());

    let empty = MemoryStore::new();
    let err = Vault::open(&config, &empty, NOW).err().expect("refused");
    assert_eq!(err.code().as_str(), "key-missing");
    assert!(err.to_string().contains("key is missing"), "{err}");
    assert_same_files(&snapshot(tmp.path()), &before);

    let (vault, report) = Vault::reset_after_lost_key(&config, &empty, NOW).expect("reset");
    assert_eq!(report.unsent_outbox, UnsentOutbox::Unreadable);
    let aside = report.set_aside.expect("old cache kept aside");
    assert_eq!(
        std::fs::read(&aside).expect("set-aside file"),
        before[&config.db_path()],
        "the old cache is moved, not rewritten"
    );
    assert_eq!(vault.message_count().expect("count"), 0);
    let kinds: Vec<_> = vault
        .events()
        .expect("events")
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [VaultEventKind::LostKeyCacheReplaced]);
    let unsent = vault.unsent(10).expect("unsent");
    assert!(matches!(&unsent[0].payload, OutboxPayload::Audit { record }
        if record.contains("lost-key-cache-replaced")));
}

#[test]
fn wrong_key_is_rejected_and_every_file_stays_byte_identical() {
    let tmp = tempdir();
    let config = config(tmp.path());
    // A writer killed mid-batch: the WAL and SHM are left behind, the hardest case.
    let (_, right) = random_key();
    crate::crash::kill_writer_mid_batch(tmp.path(), &right, 2);
    let before = snapshot(tmp.path());
    assert!(before.keys().any(|p| p.to_string_lossy().ends_with("-wal")));

    let (_, wrong) = random_key();
    let err = Vault::open(&config, &store_with_key(&wrong), NOW)
        .err()
        .expect("refused");
    assert_eq!(err.code().as_str(), "key-rejected");
    assert_same_files(&snapshot(tmp.path()), &before);
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&wrong) && !shown.contains(&right),
        "key in error: {shown}"
    );
}

#[test]
fn plain_sqlite_cannot_read_the_cache() {
    let tmp = tempdir();
    let config = config(tmp.path());
    populated(&config, &MemoryStore::new())
        .close()
        .expect("close");
    let head = std::fs::read(config.db_path()).expect("read");
    assert_ne!(
        &head[..16],
        b"SQLite format 3\0",
        "header must be encrypted"
    );

    let plain = rusqlite::Connection::open(config.db_path()).expect("open handle");
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect_err("plain SQLite must not read it");
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase),
        "{err}"
    );
}

fn flip_bytes(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    assert!(
        bytes.len() > offset + 64,
        "file too small to damage at {offset}"
    );
    for b in &mut bytes[offset..offset + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_damaged_page_is_detected_moved_aside_and_replaced_with_an_audited_event() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    populated(&config, &store).close().expect("close");
    flip_bytes(&config.db_path(), 3 * 4096 + 700);
    let damaged = std::fs::read(config.db_path()).expect("read");

    let (vault, report) = open(&config, &store);
    let aside = report.replaced_corrupt_cache.expect("corruption detected");
    assert_eq!(std::fs::read(&aside).expect("kept aside"), damaged);
    assert_eq!(vault.message_count().expect("count"), 0, "fresh cache");
    let kinds: Vec<_> = vault
        .events()
        .expect("events")
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [VaultEventKind::CorruptCacheReplaced]);
    let unsent = vault.unsent(10).expect("unsent");
    assert!(matches!(&unsent[0].payload, OutboxPayload::Audit { record }
        if record.contains("vault.corrupt-cache-replaced")));
}

#[test]
fn a_damaged_first_page_is_refused_like_a_wrong_key_and_not_modified() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    populated(&config, &store).close().expect("close");
    flip_bytes(&config.db_path(), 200);
    let before = snapshot(tmp.path());
    let err = Vault::open(&config, &store, NOW).err().expect("refused");
    assert_eq!(err.code().as_str(), "key-rejected");
    assert_same_files(&snapshot(tmp.path()), &before);
}

#[test]
fn a_full_disk_fails_the_write_cleanly_and_keeps_what_was_stored() {
    let tmp = tempdir();
    let mut config = config(tmp.path());
    config.max_bytes = Some(256 * 1024);
    let store = MemoryStore::new();
    let (mut vault, _) = match Vault::open(&config, &store, NOW) {
        Ok(v) => v,
        Err(e) => panic!("{e:?}"),
    };
    conversation(&vault, "c", NOW);
    let body = "x".repeat(400);
    let mut stored = 0;
    let err = loop {
        let batch: Vec<_> = (0..50)
            .map(|i| message(&format!("m{stored}-{i}"), "c", &body, NOW))
            .collect();
        match vault.insert_messages(&batch) {
            Ok(()) => stored += batch.len(),
            Err(e) => break e,
        }
        assert!(stored < 100_000, "the size cap never triggered");
    };
    assert_eq!(err.code().as_str(), "disk-full");
    assert!(stored > 0);
    assert_eq!(vault.message_count().expect("still readable"), stored);
    vault.set_setting("after", "full").ok(); // may or may not fit; must not corrupt
    drop(vault);

    let (vault, report) = open(&config, &store);
    assert_eq!(report.replaced_corrupt_cache, None);
    assert_eq!(
        vault.message_count().expect("count"),
        stored,
        "nothing lost"
    );
    drop(vault);
    config.max_bytes = None;
    let (mut vault, _) = open(&config, &store);
    vault
        .insert_messages(&[message("after", "c", "room again", NOW)])
        .expect("writes work once there is space");
}

/// Child side, inside a private mount namespace: fills a 1 MiB tmpfs for real.
pub fn run_tmpfs_full() {
    println!("@@started");
    let dir = PathBuf::from(std::env::var("VAULT_DIR").expect("VAULT_DIR"));
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&dir)
        .status()
        .expect("run mount");
    if !status.success() {
        println!("@@skip mount failed");
        return;
    }
    // Room to give back after the disk filled up.
    let filler = dir.join("filler");
    std::fs::write(&filler, vec![0u8; 128 * 1024]).expect("filler");
    let config = config(&dir);
    let store = MemoryStore::new();
    let (mut vault, _) = open(&config, &store);
    conversation(&vault, "c", NOW);
    let body = "y".repeat(300);
    let mut stored = 0;
    let err = loop {
        let batch: Vec<_> = (0..20)
            .map(|i| message(&format!("m{stored}-{i}"), "c", &body, NOW))
            .collect();
        match vault.insert_messages(&batch) {
            Ok(()) => stored += batch.len(),
            Err(e) => break e,
        }
        assert!(stored < 100_000, "a 1 MiB tmpfs never filled up");
    };
    println!("@@full {}", err.code());
    let after = vault.message_count().map_or(usize::MAX, |n| n);
    println!("@@kept {}", after == stored);
    drop(vault);
    std::fs::remove_file(&filler).expect("free some space");
    let (vault, report) = open(&config, &store);
    let count = vault.message_count().expect("count");
    println!(
        "@@reopened {} {}",
        count == stored,
        report.replaced_corrupt_cache.is_none()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_really_full_tmpfs_fails_the_write_cleanly_and_keeps_what_was_stored() {
    let tmp = tempdir();
    let dir = tmp.path().to_str().expect("utf-8 temp path");
    let exe = std::env::current_exe().expect("test binary");
    // A private mount namespace: the tmpfs vanishes with the child, whatever happens.
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(exe)
        .args(["child_process_entry", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_MODE, "tmpfs-full")
        .env("VAULT_DIR", dir)
        .stderr(std::process::Stdio::inherit())
        .output();
    let Ok(out) = out else {
        eprintln!("note: skipping the real full-disk test: `unshare` is not available");
        return;
    };
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("@@").map(|(_, r)| r.to_owned()))
        .collect();
    // No `started`: unshare itself was refused (not root). `skip`: mount was refused.
    if lines.first().map(String::as_str) != Some("started")
        || lines.get(1).is_some_and(|l| l.starts_with("skip"))
    {
        eprintln!("note: skipping the real full-disk test (needs root, unshare and mount)");
        return;
    }
    lines.remove(0);
    assert!(out.status.success(), "child failed: {lines:?}");
    assert_eq!(
        lines,
        ["full disk-full", "kept true", "reopened true true"],
        "a full disk must fail cleanly and lose nothing"
    );
}
