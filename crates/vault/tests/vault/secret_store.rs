//! One contract for every `SecretStore`, run against the in-memory store always and against
//! the real OS keychain (Secret Service on Linux) when `RAMPART_REQUIRE_SECRET_SERVICE=1`.

use std::path::Path;

use rampart_secret::SecretString;
use rampart_vault::{
    BuildKind, MemoryStore, Namespace, OsStore, Purpose, SecretStore, SimulatedFailure, Vault,
    VaultConfig,
};

use crate::support::*;

fn unique_account() -> String {
    format!("vault-test-{:016x}@hub.test", rand::random::<u64>())
}

/// The behaviour every store must have. Cleans up the entries it creates.
fn contract(store: &dyn SecretStore) {
    let account = unique_account();
    let dev = Namespace::new(BuildKind::Dev, &account).expect("valid account");
    let rel = Namespace::new(BuildKind::Release, &account).expect("valid account");
    let key = dev.entry(Purpose::CacheKey);
    let token = dev.entry(Purpose::SessionToken);
    let rel_key = rel.entry(Purpose::CacheKey);

    let missing = store.load(&key).expect_err("fresh entry is missing");
    assert_eq!(missing.code().as_str(), "not-found");

    store
        .save(&key, &SecretString::new("first-secret".into()))
        .expect("save");
    assert_eq!(store.load(&key).expect("load").expose(), "first-secret");

    store
        .save(&key, &SecretString::new("second-secret".into()))
        .expect("overwrite");
    assert_eq!(store.load(&key).expect("load").expose(), "second-secret");

    // Other purposes and the other build kind do not see this entry.
    assert_eq!(
        store
            .load(&token)
            .expect_err("other purpose")
            .code()
            .as_str(),
        "not-found"
    );
    assert_eq!(
        store
            .load(&rel_key)
            .expect_err("release build")
            .code()
            .as_str(),
        "not-found"
    );
    store
        .save(&rel_key, &SecretString::new("release-secret".into()))
        .expect("save release");
    assert_eq!(
        store.load(&key).expect("dev unchanged").expose(),
        "second-secret"
    );

    store.delete(&key).expect("delete");
    assert_eq!(
        store.load(&key).expect_err("deleted").code().as_str(),
        "not-found"
    );
    store
        .delete(&key)
        .expect("deleting a missing entry succeeds");
    assert_eq!(
        store.load(&rel_key).expect("release survives").expose(),
        "release-secret"
    );
    store.delete(&rel_key).expect("cleanup");
}

#[test]
fn memory_store_passes_the_contract() {
    contract(&MemoryStore::new());
}

#[test]
fn memory_store_simulates_each_keychain_failure_with_its_code() {
    let store = MemoryStore::new();
    let entry = namespace().entry(Purpose::CacheKey);
    for (failure, code) in [
        (SimulatedFailure::Unavailable, "unavailable"),
        (SimulatedFailure::Locked, "locked"),
        (SimulatedFailure::Denied, "denied"),
    ] {
        store.simulate_failure(Some(failure));
        assert_eq!(store.load(&entry).expect_err("fails").code().as_str(), code);
        let err = store
            .save(&entry, &SecretString::new("x".into()))
            .expect_err("fails");
        assert_eq!(err.code().as_str(), code);
    }
}

/// True when the real Secret Service tests must run (and must not skip). When required, an
/// unreachable service fails the test here with a clear message.
fn secret_service_required() -> bool {
    if std::env::var("RAMPART_REQUIRE_SECRET_SERVICE").as_deref() == Ok("1") {
        let probe = Namespace::new(BuildKind::Dev, &unique_account()).expect("valid account");
        match OsStore::new().load(&probe.entry(Purpose::CacheKey)) {
            Err(e) if e.code().as_str() == "not-found" => {}
            Err(e) => panic!(
                "RAMPART_REQUIRE_SECRET_SERVICE=1 but the Secret Service is not usable: {} ({e})",
                e.code()
            ),
            Ok(_) => panic!("a fresh random entry unexpectedly exists"),
        }
        return true;
    }
    eprintln!(
        "note: skipping the real Secret Service test; run inside a D-Bus session with an \
         unlocked gnome-keyring and RAMPART_REQUIRE_SECRET_SERVICE=1 (see crates/vault/README.md)"
    );
    false
}

#[test]
fn os_store_passes_the_contract_against_the_real_secret_service() {
    if !secret_service_required() {
        return;
    }
    contract(&OsStore::new());
}

#[test]
fn vault_keeps_its_key_in_the_real_secret_service_and_wipe_removes_it() {
    if !secret_service_required() {
        return;
    }
    let tmp = tempdir();
    let ns = Namespace::new(BuildKind::Dev, &unique_account()).expect("valid account");
    let config = VaultConfig::new(tmp.path().join("data"), ns.clone());
    let store = OsStore::new();
    let (vault, report) = open(&config, &store);
    assert!(report.created);
    let stored = store
        .load(&ns.entry(Purpose::CacheKey))
        .expect("key is in the keychain");
    assert_eq!(stored.expose().len(), 64, "256-bit key as hex");
    vault.close().expect("close");
    let (vault, report) = open(&config, &store);
    assert!(!report.created, "reopened with the keychain's key");
    vault.close_and_wipe(&store).expect("wipe");
    let gone = store
        .load(&ns.entry(Purpose::CacheKey))
        .expect_err("entry deleted");
    assert_eq!(gone.code().as_str(), "not-found");
    assert!(!config.db_path().exists());
}

/// Child side: no D-Bus session at all.
pub fn run_os_unavailable() {
    let dir = std::env::var("VAULT_DIR").expect("VAULT_DIR");
    let store = OsStore::new();
    let entry = namespace().entry(Purpose::CacheKey);
    let load = store.load(&entry).expect_err("no keychain, no load");
    println!("@@load {}", load.code());
    let config = config(Path::new(&dir));
    let open = Vault::open(&config, &store, NOW)
        .err()
        .map_or("opened".to_owned(), |e| e.code().to_string());
    println!("@@open {open}");
    println!("@@db-exists {}", config.db_path().exists());
}

#[cfg(target_os = "linux")]
#[test]
fn os_store_without_a_secret_service_says_unavailable_and_the_vault_refuses() {
    let tmp = tempdir();
    let dir = tmp.path().to_str().expect("utf-8 temp path");
    let mut child = spawn_child(
        "os-unavailable",
        &[
            ("VAULT_DIR", dir),
            // A bus address that cannot exist: no session bus, and no autolaunch either.
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/rampart-test-bus",
            ),
            ("DISPLAY", ""),
        ],
    );
    let lines: Vec<String> = protocol_lines(child.stdout.take().expect("stdout")).collect();
    assert!(child.wait().expect("child exits").success(), "{lines:?}");
    assert_eq!(
        lines,
        ["load unavailable", "open unavailable", "db-exists false"],
        "the vault must fail closed without a Secret Service"
    );
}
