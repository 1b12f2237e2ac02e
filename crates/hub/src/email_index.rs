//! Finding a visitor by email address for erasure, without keeping the address.
//!
//! Visitors' emails are masked before storage, so `visitor erase --email` cannot search the
//! transcripts. Instead, when a visitor writes an email address, the hub stores a keyed hash of
//! it (HMAC-SHA-256 of the trimmed, lower-cased address) next to the visitor's id. The key is a
//! random 256-bit file in the data directory (`email-index.key`, mode 0600), so the database alone
//! does not let anyone test guesses of addresses. The entries go with the visitor's conversations
//! (erasure, retention).

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use rampart_secret::Secret;
use sha2::Sha256;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "email-index.key";

/// A keyed hash of one email address.
pub type EmailKey = [u8; 32];

/// Errors opening the index key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmailIndexError {
    /// The key file could not be read or created.
    #[error("the email index key {path} could not be read or created: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file exists but is not a key (wrong length).
    #[error("the email index key {path} is damaged (expected 32 bytes)")]
    Damaged {
        /// The file.
        path: PathBuf,
    },
}

/// The keyed hash. Cheap to clone.
#[derive(Clone)]
pub struct EmailIndex {
    key: std::sync::Arc<Secret<Vec<u8>>>,
}

impl std::fmt::Debug for EmailIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailIndex(<redacted>)")
    }
}

impl EmailIndex {
    /// Reads the key in `data_dir`, creating it (0600) on first use.
    pub fn open(data_dir: &Path) -> Result<Self, EmailIndexError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| EmailIndexError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => return Ok(Self::from_key(bytes)),
            Ok(_) => return Err(EmailIndexError::Damaged { path }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(error)),
        }
        let key: [u8; 32] = rand::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(io)?;
        file.write_all(&key).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Self::from_key(key.to_vec()))
    }

    fn from_key(key: Vec<u8>) -> Self {
        Self {
            key: std::sync::Arc::new(Secret::new(key)),
        }
    }

    /// The keyed hash of `address` (trimmed, lower-cased).
    pub fn key_of(&self, address: &str) -> EmailKey {
        let normalised = address.trim().to_lowercase();
        // HMAC takes keys of any length; `new_from_slice` cannot fail for HMAC.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.key.expose()) else {
            return [0; 32];
        };
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_gives_stable_case_insensitive_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let index = EmailIndex::open(dir.path()).unwrap();
        let again = EmailIndex::open(dir.path()).unwrap();
        assert_eq!(
            index.key_of("Ana.Lopez@Example.com "),
            again.key_of("ana.lopez@example.com")
        );
        assert_ne!(
            index.key_of("ana@example.com"),
            index.key_of("ana@example.org")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another hub's key gives other hashes: the database alone does not test guesses.
        let other = tempfile::tempdir().unwrap();
        assert_ne!(
            EmailIndex::open(other.path())
                .unwrap()
                .key_of("ana@example.com"),
            index.key_of("ana@example.com")
        );
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        assert!(matches!(
            EmailIndex::open(dir.path()),
            Err(EmailIndexError::Damaged { .. })
        ));
        assert_eq!(std::fs::read(dir.path().join(KEY_FILE)).unwrap(), b"short");
    }
}
