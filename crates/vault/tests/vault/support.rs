//! Helpers shared by the vault tests: temp data dirs, seeded stores, message builders, file
//! scans, and re-running this test binary as a child process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use rampart_secret::SecretString;
use rampart_vault::{
    Author, BuildKind, Conversation, MaskedText, MemoryStore, Message, Namespace, OpenReport,
    Purpose, SecretStore, UnixMillis, Vault, VaultConfig,
};

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A fixed "now" so tests never read the clock.
pub const NOW: UnixMillis = UnixMillis(1_800_000_000_000);
pub const ACCOUNT: &str = "agent@hub.test";

pub fn namespace() -> Namespace {
    Namespace::new(BuildKind::Dev, ACCOUNT).expect("valid account")
}

pub fn config(dir: &Path) -> VaultConfig {
    VaultConfig::new(dir.join("data"), namespace())
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Opens with `store`, panicking with the error code on failure.
pub fn open(config: &VaultConfig, store: &dyn SecretStore) -> (Vault, OpenReport) {
    open_at(config, store, NOW)
}

pub fn open_at(
    config: &VaultConfig,
    store: &dyn SecretStore,
    now: UnixMillis,
) -> (Vault, OpenReport) {
    match Vault::open(config, store, now) {
        Ok(v) => v,
        Err(e) => panic!("open failed: {} ({e})", e.code()),
    }
}

/// A 32-byte key, random per call, and its keychain (hex) form.
pub fn random_key() -> ([u8; 32], String) {
    let key: [u8; 32] = rand::random();
    let hex = key.iter().map(|b| format!("{b:02x}")).collect();
    (key, hex)
}

/// A memory store that already holds `hex` as the cache key of the test namespace.
pub fn store_with_key(hex: &str) -> MemoryStore {
    let store = MemoryStore::new();
    store
        .save(
            &namespace().entry(Purpose::CacheKey),
            &SecretString::new(hex.to_owned()),
        )
        .expect("memory store saves");
    store
}

pub fn conversation(v: &Vault, id: &str, at: UnixMillis) {
    v.upsert_conversation(&Conversation {
        id: id.to_owned(),
        title: MaskedText::already_masked(format!("title {id}")),
        updated_at: at,
    })
    .expect("upsert conversation");
}

pub fn message(id: &str, conversation: &str, body: &str, at: UnixMillis) -> Message {
    Message {
        id: id.to_owned(),
        conversation_id: conversation.to_owned(),
        author: Author::Customer,
        body: MaskedText::already_masked(body),
        sent_at: at,
    }
}

/// Every file under `dir` (recursively), for scans.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Names of the files under `dir` that contain any needle.
pub fn files_containing(dir: &Path, needles: &[&[u8]]) -> Vec<String> {
    let mut hits = Vec::new();
    for path in files_under(dir) {
        let bytes = std::fs::read(&path).expect("read file");
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == *needle) {
                hits.push(format!("{}", path.display()));
            }
        }
    }
    hits
}

/// Environment variable that turns a run of this binary into a child process.
pub const CHILD_MODE: &str = "RAMPART_VAULT_TEST_CHILD";

/// Starts this test binary again, running only `child_process_entry` in `mode`.
pub fn spawn_child(mode: &str, envs: &[(&str, &str)]) -> Child {
    let exe = std::env::current_exe().expect("current test binary");
    let mut cmd = Command::new(exe);
    cmd.args([
        "child_process_entry",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_MODE, mode)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child test process")
}

/// The child's protocol lines: what follows `@@` (libtest's own output may share the line).
pub fn protocol_lines(stdout: ChildStdout) -> impl Iterator<Item = String> {
    BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.split_once("@@").map(|(_, rest)| rest.to_owned()))
}
