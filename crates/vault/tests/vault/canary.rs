//! Canary scans: after writing known strings with a known key, no file in the data directory
//! (db, -wal, -shm, journals, temp files) contains the strings or the key, in any form.

use std::path::Path;

use rampart_vault::{MaskedText, OutboxItem, OutboxPayload, TrainingProgress};

use crate::crash::{CANARY, kill_writer_mid_batch};
use crate::support::*;

fn needles<'a>(key: &'a [u8; 32], hex: &'a str, upper: &'a str) -> Vec<&'a [u8]> {
    vec![CANARY.as_bytes(), key, hex.as_bytes(), upper.as_bytes()]
}

fn assert_clean(dir: &Path, key: &[u8; 32], hex: &str) {
    let upper = hex.to_uppercase();
    let files = files_under(dir);
    assert!(!files.is_empty(), "nothing to scan");
    let hits = files_containing(dir, &needles(key, hex, &upper));
    assert!(hits.is_empty(), "plaintext or key found in {hits:?}");
}

#[test]
fn the_scanner_finds_a_canary_in_a_plain_file() {
    // Guards the scan itself: if this fails, the zero-hit results below mean nothing.
    let tmp = tempdir();
    std::fs::write(tmp.path().join("x"), format!("..{CANARY}..")).expect("write");
    assert_eq!(files_containing(tmp.path(), &[CANARY.as_bytes()]).len(), 1);
}

#[test]
fn no_canary_or_key_bytes_in_any_file_while_open_and_after_close() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let (key, hex) = random_key();
    let store = store_with_key(&hex);
    let (mut vault, _) = open(&config, &store);
    conversation(&vault, "c", NOW);
    let batch: Vec<_> = (0..500)
        .map(|i| message(&format!("m{i}"), "c", &format!("{CANARY} {i}"), NOW))
        .collect();
    vault.insert_messages(&batch).expect("insert");
    vault
        .enqueue(&OutboxItem {
            client_id: "o1".into(),
            payload: OutboxPayload::Message {
                conversation_id: "c".into(),
                body: MaskedText::already_masked(format!("{CANARY} unsent")),
            },
            created_at: NOW,
        })
        .expect("enqueue");
    vault.set_setting("canary", CANARY).expect("setting");
    vault
        .record_training(&TrainingProgress {
            module: CANARY.into(),
            completed: 1,
            total: 2,
            updated_at: NOW,
        })
        .expect("training");
    assert_eq!(vault.search(CANARY, 5).expect("search").len(), 5);

    // While open: the WAL holds the recent pages.
    assert_clean(tmp.path(), &key, &hex);
    vault.close().expect("close");
    assert_clean(tmp.path(), &key, &hex);
}

#[test]
fn no_canary_or_key_bytes_after_a_kill_9_mid_write() {
    let tmp = tempdir();
    let (key, hex) = random_key();
    let reported = kill_writer_mid_batch(tmp.path(), &hex, 3);
    assert!(reported >= 3);
    assert_clean(tmp.path(), &key, &hex);
    // And the cache still opens with the data.
    let (vault, _) = open(&config(tmp.path()), &store_with_key(&hex));
    assert!(vault.message_count().expect("count") >= 3 * crate::crash::BATCH);
}
