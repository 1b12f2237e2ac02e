//! Cache contents: messages and search, outbox, training, settings, retention, wipe, reopen.

use std::time::Duration;

use rampart_vault::{
    BuildKind, MaskedText, MemoryStore, Namespace, OutboxItem, OutboxPayload, Purpose, Retention,
    SecretStore, TrainingProgress, UnixMillis, Vault, VaultConfig,
};

use crate::support::*;

fn ago(days: i64) -> UnixMillis {
    UnixMillis(NOW.0 - days * DAY_MS)
}

#[test]
fn first_open_creates_a_key_in_the_store_and_reopen_uses_it() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    let (vault, report) = open(&config, &store);
    assert!(report.created);
    let key = store
        .load(&namespace().entry(Purpose::CacheKey))
        .expect("key stored");
    assert_eq!(key.expose().len(), 64);
    conversation(&vault, "c", NOW);
    vault.close().expect("close");
    let (vault, report) = open(&config, &store);
    assert!(!report.created);
    assert_eq!(vault.conversations().expect("list").len(), 1);
}

#[test]
fn messages_round_trip_and_edits_replace_the_body() {
    let tmp = tempdir();
    let (mut vault, _) = open(&config(tmp.path()), &MemoryStore::new());
    conversation(&vault, "c", NOW);
    vault
        .insert_messages(&[
            message("a", "c", "first", ago(0)),
            message("b", "c", "second", UnixMillis(NOW.0 + 1)),
        ])
        .expect("insert");
    vault
        .insert_messages(&[message("a", "c", "first, edited", ago(0))])
        .expect("edit");
    let got = vault.messages("c", 10).expect("read");
    let bodies: Vec<_> = got.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["first, edited", "second"]);
    assert!(vault.search("edited", 10).expect("search").len() == 1);
    assert!(vault.search("first", 10).expect("search").len() == 1);
}

#[test]
fn search_finds_words_and_treats_fts_syntax_as_plain_text() {
    let tmp = tempdir();
    let (mut vault, _) = open(&config(tmp.path()), &MemoryStore::new());
    conversation(&vault, "c", NOW);
    vault
        .insert_messages(&[
            message("1", "c", "refund for order ****4242 approved", NOW),
            message("2", "c", "the refund was declined", NOW),
            message("3", "c", "weather is fine", NOW),
        ])
        .expect("insert");
    let ids = |q: &str| -> Vec<String> {
        let mut v: Vec<_> = vault
            .search(q, 10)
            .expect("search never fails on user input")
            .into_iter()
            .map(|h| h.message_id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("refund"), ["1", "2"]);
    let newest_first: Vec<_> = vault
        .search("refund", 10)
        .expect("search")
        .into_iter()
        .map(|h| h.message_id)
        .collect();
    assert_eq!(newest_first, ["2", "1"], "newest match first");
    assert_eq!(vault.search("refund", 1).expect("search").len(), 1, "limit");
    assert_eq!(ids("REFUND approved"), ["1"]);
    assert!(ids("nothing-here").is_empty());
    for hostile in ["\"", "refund OR", "NEAR(", "*", "c:refund", ")(", "''"] {
        let _ = ids(hostile);
    }
    assert!(ids("   ").is_empty());
}

#[test]
fn masked_text_does_not_show_in_debug_output() {
    let m = message("1", "c", "very personal text", NOW);
    assert!(!format!("{m:?}").contains("personal"));
}

#[test]
fn outbox_keeps_order_ignores_duplicates_and_forgets_delivered_items() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    let (vault, _) = open(&config, &store);
    conversation(&vault, "c", NOW);
    for id in ["o1", "o2", "o1"] {
        vault
            .enqueue(&OutboxItem {
                client_id: id.into(),
                payload: OutboxPayload::Message {
                    conversation_id: "c".into(),
                    body: MaskedText::already_masked(format!("body {id}")),
                },
                created_at: NOW,
            })
            .expect("enqueue");
    }
    vault
        .enqueue(&OutboxItem {
            client_id: "a1".into(),
            payload: OutboxPayload::Audit {
                record: "{\"action\":\"reveal\"}".into(),
            },
            created_at: NOW,
        })
        .expect("enqueue audit");
    vault.close().expect("close");

    let (mut vault, _) = open(&config, &store);
    let ids: Vec<_> = vault
        .unsent(10)
        .expect("unsent")
        .into_iter()
        .map(|i| i.client_id)
        .collect();
    assert_eq!(ids, ["o1", "o2", "a1"]);
    vault.mark_delivered(&["o1", "a1"]).expect("ack");
    assert_eq!(vault.unsent_count().expect("count"), 1);
}

#[test]
fn training_progress_and_settings_persist() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    let (vault, _) = open(&config, &store);
    let p = TrainingProgress {
        module: "pci-basics".into(),
        completed: 3,
        total: 5,
        updated_at: NOW,
    };
    vault.record_training(&p).expect("record");
    vault
        .record_training(&TrainingProgress {
            completed: 6,
            ..p.clone()
        })
        .expect_err("completed beyond total is refused");
    vault.set_setting("theme", "dark").expect("set");
    vault.close().expect("close");
    let (vault, _) = open(&config, &store);
    assert_eq!(vault.training().expect("read"), [p]);
    assert_eq!(
        vault.setting("theme").expect("read").as_deref(),
        Some("dark")
    );
    assert_eq!(vault.setting("missing").expect("read"), None);
}

#[test]
fn retention_purges_old_messages_on_open_and_on_demand_but_keeps_the_outbox() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    let (mut vault, _) = open(&config, &store);
    conversation(&vault, "old", ago(10));
    conversation(&vault, "new", NOW);
    vault
        .insert_messages(&[
            message("o", "old", "ancient history", ago(8)),
            message("n", "new", "recent news", ago(6)),
        ])
        .expect("insert");
    vault
        .enqueue(&OutboxItem {
            client_id: "pending".into(),
            payload: OutboxPayload::Audit {
                record: "{}".into(),
            },
            created_at: ago(30),
        })
        .expect("enqueue");
    vault.close().expect("close");

    // Default retention is 7 days: reopening at NOW purges the 8-day-old message.
    let (mut vault, report) = open(&config, &store);
    assert_eq!(report.purged_messages, 1);
    assert!(vault.search("ancient", 10).expect("search").is_empty());
    let convs: Vec<_> = vault
        .conversations()
        .expect("list")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(convs, ["new"], "the empty, idle conversation goes too");
    assert_eq!(
        vault.unsent_count().expect("count"),
        1,
        "outbox is never purged"
    );

    // Two days later the 6-day-old one is 8 days old.
    assert_eq!(
        vault
            .purge_expired(UnixMillis(NOW.0 + 2 * DAY_MS))
            .expect("purge"),
        1
    );
    assert_eq!(vault.message_count().expect("count"), 0);
}

#[test]
fn retention_is_configurable() {
    let tmp = tempdir();
    let mut config = config(tmp.path());
    config.retention = Retention(Duration::from_secs(60 * 60));
    let (mut vault, _) = open(&config, &MemoryStore::new());
    conversation(&vault, "c", NOW);
    vault
        .insert_messages(&[
            message("a", "c", "two hours old", UnixMillis(NOW.0 - 2 * 3_600_000)),
            message("b", "c", "fresh", NOW),
        ])
        .expect("insert");
    assert_eq!(vault.purge_expired(NOW).expect("purge"), 1);
    assert_eq!(Retention::default().0, Duration::from_secs(7 * 86_400));
}

#[test]
fn wipe_deletes_every_cache_file_and_the_keychain_entry() {
    let tmp = tempdir();
    let config = config(tmp.path());
    let store = MemoryStore::new();
    let (mut vault, _) = open(&config, &store);
    conversation(&vault, "c", NOW);
    vault
        .insert_messages(&[message("a", "c", "to be wiped", NOW)])
        .expect("insert");
    std::fs::write(config.dir.join("unrelated.txt"), "kept").expect("write");
    assert!(
        files_under(tmp.path()).len() >= 3,
        "db, wal and shm exist while open"
    );

    vault.close_and_wipe(&store).expect("wipe");
    let left: Vec<_> = files_under(tmp.path());
    assert_eq!(left, [config.dir.join("unrelated.txt")]);
    let err = store
        .load(&namespace().entry(Purpose::CacheKey))
        .expect_err("key gone");
    assert_eq!(err.code().as_str(), "not-found");

    // Repeatable, and works without an open vault (remote wipe while locked out).
    Vault::wipe(&config, &store).expect("second wipe");
    let (_, report) = open(&config, &store);
    assert!(report.created, "a wiped vault starts over with a new key");
}

#[test]
fn two_accounts_sharing_a_base_directory_keep_separate_caches() {
    let tmp = tempdir();
    let store = MemoryStore::new();
    let a = VaultConfig::new(tmp.path(), namespace());
    let b = VaultConfig::new(
        tmp.path(),
        Namespace::new(BuildKind::Dev, "other@hub.test").expect("valid account"),
    );
    let (va, _) = open(&a, &store);
    conversation(&va, "only-a", NOW);
    va.close().expect("close");
    let (vb, report) = open(&b, &store);
    assert!(report.created, "b gets its own cache and key");
    assert!(vb.conversations().expect("list").is_empty());
    vb.close().expect("close");
    let (va, _) = open(&a, &store);
    assert_eq!(va.conversations().expect("list").len(), 1, "a is untouched");
}

#[test]
fn wipe_also_removes_set_aside_caches() {
    let tmp = tempdir();
    let config = config(tmp.path());
    open(&config, &MemoryStore::new()).0.close().expect("close");
    let store = MemoryStore::new();
    let (vault, report) = Vault::reset_after_lost_key(&config, &store, NOW).expect("reset");
    assert!(report.set_aside.is_some());
    vault.close_and_wipe(&store).expect("wipe");
    assert!(
        files_under(tmp.path()).is_empty(),
        "{:?}",
        files_under(tmp.path())
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever an agent types into the search box, search answers (possibly empty), never
    /// an FTS5 syntax error.
    #[test]
    fn search_never_fails_on_arbitrary_input(query in "\\PC{0,40}") {
        let ok = SEARCH_VAULT.with(|(_, vault)| vault.search(&query, 5).is_ok());
        proptest::prop_assert!(ok);
    }
}

thread_local! {
    /// One small cache per test thread, shared by the property cases.
    static SEARCH_VAULT: (tempfile::TempDir, Vault) = {
        let tmp = tempdir();
        let (mut vault, _) = open(&config(tmp.path()), &MemoryStore::new());
        conversation(&vault, "c", NOW);
        vault
            .insert_messages(&[message("1", "c", "refund \"quoted\" NEAR(x) * ^ -", NOW)])
            .expect("insert");
        (tmp, vault)
    };
}
