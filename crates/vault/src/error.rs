//! The crate's one error type and the stable codes the UI branches on.
//!
//! Invariant: no `Display` text and no variant payload carries key material, secret values or
//! message text. Keychain and SQLite details are kept as `source()` only where the platform's
//! own message is known to be free of secrets (D-Bus error names, SQLite result codes).

use std::fmt;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No OS keychain is reachable (on Linux: no D-Bus session or no Secret Service provider).
    /// The vault refuses to open: it never falls back to a file, a constant or plaintext.
    #[error("the OS keychain is not available (on Linux, no Secret Service is running)")]
    KeychainUnavailable(#[source] Option<Box<dyn std::error::Error + Send + Sync>>),
    /// The keychain is reachable but locked, and was not unlocked.
    #[error("the OS keychain is locked; unlock it and try again")]
    KeychainLocked,
    /// The keychain refused access (policy, or the user dismissed the prompt).
    #[error("the OS keychain refused access to the Rampart entry")]
    KeychainDenied,
    /// The keychain has no entry under this name.
    #[error("the OS keychain has no entry for this account")]
    SecretNotFound,
    /// The keychain returned something this crate cannot use (wrong length, not hex, …).
    #[error("the OS keychain entry is malformed")]
    SecretMalformed,
    /// A keychain failure that fits none of the above.
    #[error("the OS keychain failed")]
    Keychain(#[source] Option<Box<dyn std::error::Error + Send + Sync>>),
    /// The cache file exists but its key is gone from the keychain. The cache cannot be read;
    /// [`crate::Vault::reset_after_lost_key`] moves it aside and starts a fresh one (the hub
    /// holds the transcripts; the report says what happened to unsent items).
    #[error("the local cache exists but its key is missing from the OS keychain")]
    KeyMissing,
    /// The key from the keychain does not open the cache (a different key, or a damaged first
    /// page). The file was not modified.
    #[error("the key in the OS keychain does not open the local cache")]
    KeyRejected,
    /// The disk (or the configured size cap) is full. The failed write was rolled back; what
    /// was stored before is intact.
    #[error("the disk is full; the last write was not stored")]
    DiskFull,
    /// The cache is damaged and could not be recovered automatically.
    #[error("the local cache is damaged")]
    Corrupt,
    /// A schema migration failed; the cache was left at its previous version.
    #[error("the local cache could not be upgraded")]
    Migration(#[source] rusqlite_migration::Error),
    /// An account name cannot be used to name a keychain entry.
    #[error("invalid hub account name for the keychain namespace")]
    InvalidAccount,
    /// A value read from the cache is out of range (e.g. an unknown enum tag).
    #[error("the local cache holds an unexpected value")]
    UnexpectedValue,
    /// The OS random generator failed.
    #[error("the OS random generator failed")]
    Random,
    /// Any other SQLite failure.
    #[error("local cache error (SQLite code {0})")]
    Sqlite(SqliteCode, #[source] rusqlite::Error),
    /// File-system failure around the cache files.
    #[error("file-system error around the local cache")]
    Io(#[from] std::io::Error),
}

/// SQLite's extended result code, shown in messages (it never contains data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteCode(pub i32);

impl fmt::Display for SqliteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The closed set of codes the UI can branch on. `as_str()` values are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `unavailable`: no keychain / Secret Service.
    Unavailable,
    /// `locked`: the keychain is locked.
    Locked,
    /// `not-found`: no keychain entry.
    NotFound,
    /// `denied`: the keychain refused access.
    Denied,
    /// `keychain-failed`: another keychain failure (including a malformed entry).
    KeychainFailed,
    /// `key-missing`: the cache exists, its key does not; offer a reset.
    KeyMissing,
    /// `key-rejected`: the key does not open the cache; offer a reset.
    KeyRejected,
    /// `disk-full`: a write failed for lack of space.
    DiskFull,
    /// `corrupt`: the cache is damaged beyond automatic recovery.
    Corrupt,
    /// `storage-failed`: any other local storage failure.
    StorageFailed,
    /// `invalid-input`: the caller passed something unusable.
    InvalidInput,
}

impl ErrorCode {
    /// The stable wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Locked => "locked",
            Self::NotFound => "not-found",
            Self::Denied => "denied",
            Self::KeychainFailed => "keychain-failed",
            Self::KeyMissing => "key-missing",
            Self::KeyRejected => "key-rejected",
            Self::DiskFull => "disk-full",
            Self::Corrupt => "corrupt",
            Self::StorageFailed => "storage-failed",
            Self::InvalidInput => "invalid-input",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The stable code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::KeychainUnavailable(_) => ErrorCode::Unavailable,
            Self::KeychainLocked => ErrorCode::Locked,
            Self::KeychainDenied => ErrorCode::Denied,
            Self::SecretNotFound => ErrorCode::NotFound,
            Self::SecretMalformed | Self::Keychain(_) => ErrorCode::KeychainFailed,
            Self::KeyMissing => ErrorCode::KeyMissing,
            Self::KeyRejected => ErrorCode::KeyRejected,
            Self::DiskFull => ErrorCode::DiskFull,
            Self::Corrupt => ErrorCode::Corrupt,
            Self::InvalidAccount => ErrorCode::InvalidInput,
            Self::Migration(_)
            | Self::UnexpectedValue
            | Self::Random
            | Self::Sqlite(..)
            | Self::Io(_) => ErrorCode::StorageFailed,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode as C;
        match err.sqlite_error() {
            Some(e) if e.code == C::DiskFull => Self::DiskFull,
            Some(e) if e.code == C::NotADatabase => Self::KeyRejected,
            Some(e) if e.code == C::DatabaseCorrupt => Self::Corrupt,
            Some(e) => Self::Sqlite(SqliteCode(e.extended_code), err),
            None => Self::Sqlite(SqliteCode(-1), err),
        }
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(err: rusqlite_migration::Error) -> Self {
        match err {
            rusqlite_migration::Error::RusqliteError { err, .. } => Self::from(err),
            other => Self::Migration(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_codes_are_stable_strings() {
        assert_eq!(
            Error::KeychainUnavailable(None).code().as_str(),
            "unavailable"
        );
        assert_eq!(Error::KeychainLocked.code().as_str(), "locked");
        assert_eq!(Error::SecretNotFound.code().as_str(), "not-found");
        assert_eq!(Error::KeychainDenied.code().as_str(), "denied");
        assert_eq!(Error::KeyMissing.code().as_str(), "key-missing");
        assert_eq!(Error::DiskFull.code().as_str(), "disk-full");
    }

    #[test]
    fn sqlite_full_maps_to_disk_full() {
        let err = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(matches!(Error::from(err), Error::DiskFull));
    }
}
