//! Opening, recovering, purging and wiping the encrypted cache.
//!
//! Invariants:
//! - The key comes from the [`SecretStore`] and nowhere else. If the store cannot give it, the
//!   vault does not open; it never creates an unencrypted or constant-key database.
//! - On every connection `PRAGMA key` is the first statement, and the key is checked (by
//!   reading the schema) before any write, so a wrong key never modifies the file.
//! - A new database file is only created when the keychain holds its key first.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::key::CacheKey;
use crate::model::{Retention, UnixMillis, VaultEventKind};
use crate::schema;
use crate::store::{EntryName, Namespace, Purpose, SecretStore};

/// The main database file name inside the data directory.
pub const DB_FILE: &str = "cache.db";
/// Suffixes of SQLite's companion files.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];
/// Prefix of files moved aside (damaged, or unreadable after a lost key).
const SET_ASIDE_PREFIX: &str = "cache.db.set-aside-";

/// Where and how the vault keeps its cache.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// Directory holding the cache files (created with owner-only permissions): by default a
    /// per-namespace subdirectory of the base directory, so accounts and build kinds sharing an
    /// app data directory never share (and never reset) each other's cache.
    pub dir: PathBuf,
    /// Keychain namespace (build kind and hub account).
    pub namespace: Namespace,
    /// How long messages are kept.
    pub retention: Retention,
    /// Optional cap on the database size, in bytes. Writes beyond it fail with
    /// [`Error::DiskFull`] exactly as a full disk would.
    pub max_bytes: Option<u64>,
    /// Leave SQLCipher's `cipher_memory_security` off. It is on by default: every block SQLite
    /// frees (decrypted pages, rows, FTS buffers) is overwritten and allocations are
    /// `mlock`ed. That makes FTS5 inserts roughly 15x slower (see the crate README). Key
    /// material and codec buffers live in SQLCipher's own locked, wiped heap either way.
    /// The setting is process-wide and one-way: once any connection turned it on, it stays on.
    pub insecure_skip_memory_security: bool,
}

impl VaultConfig {
    /// Cache in `base_dir/<namespace dir name>`; 7-day retention, no size cap.
    pub fn new(base_dir: impl Into<PathBuf>, namespace: Namespace) -> Self {
        Self {
            dir: base_dir.into().join(namespace.dir_name()),
            namespace,
            retention: Retention::DEFAULT,
            max_bytes: None,
            insecure_skip_memory_security: false,
        }
    }

    /// The main database path.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    fn entry(&self) -> EntryName {
        self.namespace.entry(Purpose::CacheKey)
    }
}

/// What `open` did besides opening.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenReport {
    /// A new cache (and key) was created.
    pub created: bool,
    /// Messages removed by the retention purge.
    pub purged_messages: usize,
    /// The cache was damaged: it was moved to this path and a fresh cache was created.
    pub replaced_corrupt_cache: Option<PathBuf>,
}

/// What a reset after a lost key did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResetReport {
    /// Where the unreadable cache was moved (it is kept until the retention period ends, in
    /// case the keychain entry is restored), or `None` if there was no cache.
    pub set_aside: Option<PathBuf>,
    /// What is known about unsent outbox items in the old cache.
    pub unsent_outbox: UnsentOutbox,
}

/// The fate of outbox items in a cache that had to be set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsentOutbox {
    /// There was no cache, so nothing was pending.
    NoCache,
    /// The old cache cannot be read without its key: any unsent messages and audit events in
    /// it were not delivered. The UI must say so; the file is kept, not deleted.
    Unreadable,
}

/// The open, unlocked cache. Holds no key material itself: SQLCipher keeps the key inside
/// the connection (with memory security on) and it is wiped when the connection closes.
pub struct Vault {
    pub(crate) conn: Connection,
    pub(crate) config: VaultConfig,
}

impl Vault {
    /// Opens (or on first run creates) the cache, then purges expired messages.
    ///
    /// Fails closed: keychain errors are returned as they are (`unavailable`, `locked`,
    /// `denied`), a cache without its key is [`Error::KeyMissing`], a key that does not fit is
    /// [`Error::KeyRejected`]. A cache that fails `cipher_integrity_check` is moved aside and
    /// replaced; the report and the outbox (as an audit event) say so.
    pub fn open(
        config: &VaultConfig,
        store: &dyn SecretStore,
        now: UnixMillis,
    ) -> Result<(Self, OpenReport)> {
        create_private_dir(&config.dir)?;
        let path = config.db_path();
        let exists = file_exists(&path)?;
        let mut report = OpenReport::default();
        let entry = config.entry();
        let key = match store.load(&entry) {
            Ok(stored) => CacheKey::from_stored(&stored)?,
            Err(Error::SecretNotFound) if exists => return Err(Error::KeyMissing),
            Err(Error::SecretNotFound) => create_key(store, &entry)?,
            Err(other) => return Err(other),
        };

        if !exists {
            // Without the main file, leftover companions are useless and must not be replayed
            // into a new database.
            remove_companions(&config.dir)?;
        }
        let mut conn = connect(&path, &key, config, exists)?;
        report.created = !exists;
        if exists && !passes_integrity_check(&conn)? {
            drop(conn);
            let aside = set_aside(&config.dir, now)?;
            conn = connect(&path, &key, config, false)?;
            report.replaced_corrupt_cache = Some(aside);
        }
        schema::migrations().to_latest(&mut conn)?;
        let mut vault = Self {
            conn,
            config: config.clone(),
        };
        if report.replaced_corrupt_cache.is_some() {
            vault.record_event(VaultEventKind::CorruptCacheReplaced, now)?;
        }
        report.purged_messages = vault.purge_expired(now)?;
        Ok((vault, report))
    }

    /// After [`Error::KeyMissing`] or [`Error::KeyRejected`], when the user accepts a reset:
    /// moves the unreadable cache aside, opens a fresh one (to be rebuilt from the hub) and
    /// records the event. The old file is kept until its retention ends, in case the keychain
    /// entry comes back; the report says that its unsent items could not be read.
    pub fn reset_after_lost_key(
        config: &VaultConfig,
        store: &dyn SecretStore,
        now: UnixMillis,
    ) -> Result<(Self, ResetReport)> {
        let report = if file_exists(&config.db_path())? {
            ResetReport {
                set_aside: Some(set_aside(&config.dir, now)?),
                unsent_outbox: UnsentOutbox::Unreadable,
            }
        } else {
            ResetReport {
                set_aside: None,
                unsent_outbox: UnsentOutbox::NoCache,
            }
        };
        let (vault, _) = Self::open(config, store, now)?;
        if report.set_aside.is_some() {
            vault.record_event(VaultEventKind::LostKeyCacheReplaced, now)?;
        }
        Ok((vault, report))
    }

    /// Deletes every cache file (main, WAL, SHM, journal, set-aside copies) and the keychain
    /// entry. Works whether or not the vault could be opened; safe to repeat. All deletions
    /// are attempted; the first failure is returned.
    pub fn wipe(config: &VaultConfig, store: &dyn SecretStore) -> Result<()> {
        let files = remove_cache_files(&config.dir);
        let key = store.delete(&config.entry());
        files.and(key)
    }

    /// Closes the connection and wipes (logout, remote wipe).
    pub fn close_and_wipe(self, store: &dyn SecretStore) -> Result<()> {
        let config = self.config.clone();
        // The final checkpoint may fail (e.g. disk full). The connection is closed either way
        // and its files are about to be deleted, so only the wipe's outcome matters.
        let _ = self.close();
        Self::wipe(&config, store)
    }

    /// Checkpoints the WAL into the main file and closes.
    pub fn close(self) -> Result<()> {
        self.checkpoint()?;
        self.conn.close().map_err(|(_, err)| Error::from(err))
    }

    /// Copies the WAL into the main file and truncates the WAL.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Deletes messages sent before `now - retention` (and conversations left empty and
    /// idle), then truncates the WAL so deleted pages do not linger there. Call on a timer.
    /// Set-aside files older than the retention period are deleted too.
    pub fn purge_expired(&mut self, now: UnixMillis) -> Result<usize> {
        let cutoff = now.saturating_sub(self.config.retention.0);
        let tx = self.conn.transaction()?;
        let purged = tx.execute("DELETE FROM messages WHERE sent_at < ?1", [cutoff.0])?;
        tx.execute(
            "DELETE FROM conversations WHERE updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id)
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = conversations.id)",
            [cutoff.0],
        )?;
        tx.commit()?;
        if purged > 0 {
            self.checkpoint()?;
        }
        remove_expired_set_asides(&self.config.dir, cutoff)?;
        Ok(purged)
    }

    /// Deletes conversations the hub deleted (a visitor's erasure, or the hub's retention):
    /// their messages (and search index entries), unsent items queued for them, and the
    /// conversations themselves, then truncates the WAL so the deleted pages do not linger
    /// there (`secure_delete` overwrote them in the database). Unknown ids are ignored.
    /// Returns how many messages were deleted.
    pub fn forget_conversations(&mut self, ids: &[&str]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let (mut deleted, mut other) = (0, 0);
        for id in ids {
            deleted += tx.execute("DELETE FROM messages WHERE conversation_id = ?1", [id])?;
            other += tx.execute("DELETE FROM outbox WHERE conversation_id = ?1", [id])?;
            other += tx.execute("DELETE FROM conversations WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        // Nothing held (the usual case for a repeated notice): no checkpoint either.
        if deleted + other > 0 {
            self.checkpoint()?;
        }
        Ok(deleted)
    }

    pub(crate) fn record_event(&self, kind: VaultEventKind, at: UnixMillis) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO vault_events(kind, at) VALUES (?1, ?2)",
            rusqlite::params![kind.as_str(), at.0],
        )?;
        // Also queue it for the hub's audit log. The record names the event only.
        tx.execute(
            "INSERT INTO outbox(client_id, kind, conversation_id, payload, created_at)
             VALUES (?1, 'audit', NULL, ?2, ?3)",
            rusqlite::params![
                format!("vault-event-{}-{}", kind.as_str(), at.0),
                format!(
                    "{{\"action\":\"vault.{}\",\"outcome\":\"success\",\"at\":{}}}",
                    kind.as_str(),
                    at.0
                ),
                at.0
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Generates a key, stores it, and reads it back: a store that does not keep what it was
/// given (a session-only keyring, a read-only backend) is caught before any data is written.
fn create_key(store: &dyn SecretStore, entry: &EntryName) -> Result<CacheKey> {
    let key = CacheKey::generate()?;
    store.save(entry, &key.to_stored())?;
    let back = CacheKey::from_stored(&store.load(entry)?)?;
    if back.to_stored() != key.to_stored() {
        return Err(Error::Keychain(None));
    }
    Ok(key)
}

/// Opens one connection: key first, then the check that the key fits, then settings.
pub(crate) fn connect(
    path: &Path,
    key: &CacheKey,
    config: &VaultConfig,
    must_exist: bool,
) -> Result<Connection> {
    if must_exist {
        check_key_without_side_effects(path, key)?;
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !must_exist {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch(key.pragma().as_str())?;
    // SQLCipher would otherwise print decryption failures to stderr; they reach the caller as
    // error codes instead. (Global setting; the key above is still the first statement.)
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // Reads page 1: fails with SQLITE_NOTADB (mapped to KeyRejected) if the key is wrong,
    // before anything could be written.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    if !config.insecure_skip_memory_security {
        conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    }
    conn.execute_batch(
        "PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA synchronous = FULL;",
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Corrupt);
    }
    if let Some(max) = config.max_bytes {
        // SQLCipher answers `PRAGMA page_size` itself, as text.
        let page_size: String = conn.query_row("PRAGMA cipher_page_size", [], |r| r.get(0))?;
        let page_size = page_size.trim().parse::<u64>().unwrap_or(4096).max(1);
        let pages = (max / page_size).max(1);
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    }
    Ok(conn)
}

/// Checks the key on a read-only `immutable` connection. A normal connection would open a
/// leftover WAL and write to the `-shm` index (recovery, reader marks) before page 1 is ever
/// decrypted, so a wrong key would still rewrite a file; with `immutable=1` SQLite touches
/// neither WAL nor SHM.
///
/// Only page 1 is read (`PRAGMA user_version`): in WAL mode the main file alone need not be
/// consistent (an interrupted checkpoint leaves pages that only the WAL completes), so only
/// "page 1 does not decrypt" (`SQLITE_NOTADB`) is conclusive. Anything else is left to the
/// normal connection, which sees main file and WAL together.
fn check_key_without_side_effects(path: &Path, key: &CacheKey) -> Result<()> {
    let uri = format!("file:{}?immutable=1", uri_path(path)?);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let check = || -> Result<()> {
        let conn = Connection::open_with_flags(&uri, flags)?;
        conn.execute_batch(key.pragma().as_str())?;
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        conn.query_row("PRAGMA user_version", [], |_| Ok(()))?;
        conn.close().map_err(|(_, err)| Error::from(err))
    };
    match check() {
        Err(Error::KeyRejected) => Err(Error::KeyRejected),
        Ok(()) | Err(_) => Ok(()),
    }
}

/// A path as the path part of an SQLite `file:` URI (`%`, `?` and `#` escaped).
fn uri_path(path: &Path) -> Result<String> {
    let s = path.to_str().ok_or(Error::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        "cache path is not valid UTF-8",
    )))?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            #[cfg(windows)]
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// SQLCipher's HMAC check of every page. `Ok(false)` means damage (reported pages, or SQLite
/// itself saying corrupt); other errors (busy, I/O) are returned, so a healthy cache is never
/// moved aside because of a transient failure.
fn passes_integrity_check(conn: &Connection) -> Result<bool> {
    let rows = conn
        .prepare("PRAGMA cipher_integrity_check")
        .and_then(|mut stmt| {
            let mut rows = stmt.query([])?;
            let mut n = 0usize;
            while rows.next()?.is_some() {
                n += 1;
            }
            Ok(n)
        });
    match rows.map_err(Error::from) {
        Ok(n) => Ok(n == 0),
        Err(Error::Corrupt | Error::KeyRejected) => Ok(false),
        Err(other) => Err(other),
    }
}

fn remove_companions(dir: &Path) -> Result<()> {
    for suffix in COMPANIONS {
        match fs::remove_file(dir.join(format!("{DB_FILE}{suffix}"))) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn file_exists(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    Ok(())
}

/// Renames the main file and its companions to `cache.db.set-aside-<ms>[-wal|-shm]`.
fn set_aside(dir: &Path, now: UnixMillis) -> Result<PathBuf> {
    let base = dir.join(format!("{SET_ASIDE_PREFIX}{}", now.0));
    fs::rename(dir.join(DB_FILE), &base)?;
    for suffix in COMPANIONS {
        let from = dir.join(format!("{DB_FILE}{suffix}"));
        if file_exists(&from)? {
            fs::rename(
                from,
                dir.join(format!("{SET_ASIDE_PREFIX}{}{suffix}", now.0)),
            )?;
        }
    }
    Ok(base)
}

fn is_cache_file(name: &str) -> bool {
    name == DB_FILE
        || COMPANIONS.iter().any(|s| name == format!("{DB_FILE}{s}"))
        || name.starts_with(SET_ASIDE_PREFIX)
}

fn remove_cache_files(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut first_error = None;
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(is_cache_file) {
            if let Err(e) = fs::remove_file(entry.path()) {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), |e| Err(e.into()))
}

fn remove_expired_set_asides(dir: &Path, cutoff: UnixMillis) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(SET_ASIDE_PREFIX)) else {
            continue;
        };
        let stamp = rest.split('-').next().and_then(|s| s.parse::<i64>().ok());
        if stamp.is_some_and(|ms| ms < cutoff.0) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{BuildKind, MemoryStore};

    fn pragma(v: &Vault, name: &str) -> String {
        v.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .expect("pragma")
    }

    #[test]
    fn every_connection_runs_with_the_secure_settings() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ns = Namespace::new(BuildKind::Dev, "a@hub").expect("valid account");
        let config = VaultConfig::new(tmp.path(), ns);
        let store = MemoryStore::new();
        for _ in 0..2 {
            let (vault, _) = Vault::open(&config, &store, UnixMillis(0)).expect("open");
            assert_eq!(pragma(&vault, "cipher_memory_security"), "1");
            assert_eq!(pragma(&vault, "secure_delete"), "1");
            assert_eq!(pragma(&vault, "journal_mode"), "wal");
            assert_eq!(
                pragma(&vault, "temp_store"),
                "2",
                "temp tables stay in memory"
            );
            assert_eq!(pragma(&vault, "foreign_keys"), "1");
            assert_eq!(pragma(&vault, "synchronous"), "2", "FULL");
            // A raw key: SQLCipher skips the passphrase KDF entirely.
            assert_eq!(pragma(&vault, "cipher_page_size"), "4096");
            vault.close().expect("close");
        }
    }

    #[test]
    fn cache_file_names_are_recognised() {
        for name in [
            "cache.db",
            "cache.db-wal",
            "cache.db-shm",
            "cache.db-journal",
        ] {
            assert!(is_cache_file(name), "{name}");
        }
        assert!(is_cache_file("cache.db.set-aside-17-wal"));
        assert!(!is_cache_file("settings.json"));
        assert!(!is_cache_file("cache.dbx"));
    }
}
