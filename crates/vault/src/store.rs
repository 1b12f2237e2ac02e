//! Secret stores: the `SecretStore` trait, keychain entry naming, and the in-memory store.
//!
//! Invariants:
//! - An entry is named by build kind (dev and release never share an entry), hub account and
//!   purpose. Names carry no secret.
//! - Stores hand secrets out only wrapped in `SecretString`; nothing here logs or formats them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rampart_secret::SecretString;

use crate::error::{Error, Result};

/// Which build produced the secret. Dev and release builds use different keychain services,
/// so a debug build can never read (or overwrite) a release build's cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// Debug builds (`debug_assertions` on).
    Dev,
    /// Release builds.
    Release,
}

impl BuildKind {
    /// The kind of the running build.
    pub fn current() -> Self {
        if cfg!(debug_assertions) {
            Self::Dev
        } else {
            Self::Release
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Release => "release",
        }
    }
}

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The SQLCipher key of the local cache.
    CacheKey,
    /// The hub session token.
    SessionToken,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::CacheKey => "cache-key",
            Self::SessionToken => "session-token",
        }
    }
}

/// The keychain namespace of one hub account in one build kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    build: BuildKind,
    hub_account: String,
}

impl Namespace {
    /// Longest accepted account name, in bytes; keychains limit attribute sizes.
    pub const MAX_ACCOUNT_LEN: usize = 200;

    /// A namespace for `hub_account` (e.g. `agent@hub.example`) in the given build kind.
    /// Rejects empty names, control characters and names longer than [`Self::MAX_ACCOUNT_LEN`].
    pub fn new(build: BuildKind, hub_account: &str) -> Result<Self> {
        if hub_account.is_empty()
            || hub_account.len() > Self::MAX_ACCOUNT_LEN
            || hub_account.chars().any(char::is_control)
        {
            return Err(Error::InvalidAccount);
        }
        Ok(Self {
            build,
            hub_account: hub_account.to_owned(),
        })
    }

    /// A namespace for the running build.
    pub fn for_current_build(hub_account: &str) -> Result<Self> {
        Self::new(BuildKind::current(), hub_account)
    }

    /// The build kind.
    pub fn build(&self) -> BuildKind {
        self.build
    }

    /// A directory name for this namespace's files: build kind plus a stable 64-bit FNV-1a
    /// hash of the account (account names may hold characters no file system accepts).
    pub fn dir_name(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.hub_account.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{}-{hash:016x}", self.build.as_str())
    }

    /// The entry for one purpose in this namespace.
    pub fn entry(&self, purpose: Purpose) -> EntryName {
        EntryName {
            service: format!("dev.rampart.console.{}", self.build.as_str()),
            user: format!("{}/{}", self.hub_account, purpose.as_str()),
        }
    }
}

/// The name of one keychain entry: a service and a user, as every OS keychain has them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryName {
    service: String,
    user: String,
}

impl EntryName {
    /// The keychain service (e.g. `dev.rampart.console.release`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The keychain user (e.g. `agent@hub.example/cache-key`).
    pub fn user(&self) -> &str {
        &self.user
    }
}

/// A place that keeps small secrets: the OS keychain in production, memory in tests.
///
/// Errors use the keychain variants of [`Error`]: `KeychainUnavailable`, `KeychainLocked`,
/// `KeychainDenied`, `SecretNotFound`, `SecretMalformed`, `Keychain`.
pub trait SecretStore: Send + Sync {
    /// Reads an entry. A missing entry is `Err(Error::SecretNotFound)`.
    fn load(&self, entry: &EntryName) -> Result<SecretString>;
    /// Creates or replaces an entry.
    fn save(&self, entry: &EntryName, secret: &SecretString) -> Result<()>;
    /// Deletes an entry. Deleting a missing entry succeeds (wipe must be repeatable).
    fn delete(&self, entry: &EntryName) -> Result<()>;
}

/// A failure the in-memory store can be told to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedFailure {
    /// Behave like a machine without a keychain.
    Unavailable,
    /// Behave like a locked keychain.
    Locked,
    /// Behave like a keychain that refuses access.
    Denied,
}

/// An in-memory [`SecretStore`] for tests. Entries live as long as the store.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    entries: HashMap<EntryName, SecretString>,
    failure: Option<SimulatedFailure>,
}

impl MemoryStore {
    /// An empty, working store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later call fail the given way (`None` restores normal behaviour).
    pub fn simulate_failure(&self, failure: Option<SimulatedFailure>) {
        self.lock().failure = failure;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic in another test thread must not turn into a second panic here.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(inner: &MemoryInner) -> Result<()> {
        match inner.failure {
            None => Ok(()),
            Some(SimulatedFailure::Unavailable) => Err(Error::KeychainUnavailable(None)),
            Some(SimulatedFailure::Locked) => Err(Error::KeychainLocked),
            Some(SimulatedFailure::Denied) => Err(Error::KeychainDenied),
        }
    }
}

impl SecretStore for MemoryStore {
    fn load(&self, entry: &EntryName) -> Result<SecretString> {
        let inner = self.lock();
        Self::check(&inner)?;
        inner
            .entries
            .get(entry)
            .cloned()
            .ok_or(Error::SecretNotFound)
    }

    fn save(&self, entry: &EntryName, secret: &SecretString) -> Result<()> {
        let mut inner = self.lock();
        Self::check(&inner)?;
        inner.entries.insert(entry.clone(), secret.clone());
        Ok(())
    }

    fn delete(&self, entry: &EntryName) -> Result<()> {
        let mut inner = self.lock();
        Self::check(&inner)?;
        inner.entries.remove(entry);
        Ok(())
    }
}

impl<S: SecretStore + ?Sized> SecretStore for &S {
    fn load(&self, entry: &EntryName) -> Result<SecretString> {
        (**self).load(entry)
    }
    fn save(&self, entry: &EntryName, secret: &SecretString) -> Result<()> {
        (**self).save(entry, secret)
    }
    fn delete(&self, entry: &EntryName) -> Result<()> {
        (**self).delete(entry)
    }
}

impl<S: SecretStore + ?Sized> SecretStore for std::sync::Arc<S> {
    fn load(&self, entry: &EntryName) -> Result<SecretString> {
        (**self).load(entry)
    }
    fn save(&self, entry: &EntryName, secret: &SecretString) -> Result<()> {
        (**self).save(entry, secret)
    }
    fn delete(&self, entry: &EntryName) -> Result<()> {
        (**self).delete(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_and_release_entries_differ_for_the_same_account() {
        let dev = Namespace::new(BuildKind::Dev, "a@hub").expect("valid account");
        let rel = Namespace::new(BuildKind::Release, "a@hub").expect("valid account");
        assert_ne!(dev.entry(Purpose::CacheKey), rel.entry(Purpose::CacheKey));
    }

    #[test]
    fn accounts_and_purposes_get_their_own_entries() {
        let a = Namespace::new(BuildKind::Dev, "a@hub").expect("valid account");
        let b = Namespace::new(BuildKind::Dev, "b@hub").expect("valid account");
        assert_ne!(a.entry(Purpose::CacheKey), b.entry(Purpose::CacheKey));
        assert_ne!(a.entry(Purpose::CacheKey), a.entry(Purpose::SessionToken));
    }

    #[test]
    fn directory_names_differ_by_account_and_build_and_are_stable() {
        let dev = Namespace::new(BuildKind::Dev, "a@hub").expect("valid account");
        let rel = Namespace::new(BuildKind::Release, "a@hub").expect("valid account");
        let other = Namespace::new(BuildKind::Dev, "b@hub").expect("valid account");
        assert_ne!(dev.dir_name(), rel.dir_name());
        assert_ne!(dev.dir_name(), other.dir_name());
        // Pinned: a changed hash would orphan every existing cache.
        assert_eq!(dev.dir_name(), "dev-c7a91814a3fadb73");
    }

    #[test]
    fn bad_account_names_are_refused() {
        for bad in ["", "a\nb", &"x".repeat(Namespace::MAX_ACCOUNT_LEN + 1)] {
            let err = Namespace::new(BuildKind::Dev, bad).expect_err("must refuse");
            assert_eq!(err.code().as_str(), "invalid-input");
        }
    }
}
