//! `OsStore`: the [`SecretStore`] backed by the OS keychain through keyring 3.
//!
//! Backends are fixed at compile time, one per platform (see Cargo.toml): macOS Keychain,
//! Windows Credential Manager, and on Linux the Secret Service only. keyring's kernel-keyutils
//! store is not compiled in, so when no Secret Service is reachable the answer is
//! `Error::KeychainUnavailable`, never a session-scoped substitute.
//!
//! Why keyring 3.6 and not 4.x: keyring 4 is a facade over `keyring-core` whose default store
//! is a process-global chosen at run time, and its store crates need Rust 1.88 while the
//! workspace declares 1.85. keyring 3.6 picks the backend with Cargo features, is mature, and
//! uses the same `dbus-secret-service` crate underneath as keyring 4's D-Bus store. Moving to
//! 4.x later only touches this file.

use rampart_secret::SecretString;
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::store::{EntryName, SecretStore};

/// The OS keychain. Stateless: every call opens its own keychain session.
///
/// Calls can block: when the keychain is locked, the OS may show an unlock prompt and keyring 3
/// waits for the answer without a timeout (seen with gnome-keyring's system prompter). Call
/// from a blocking task, never from the UI or an async executor thread.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsStore;

impl OsStore {
    /// The keychain of the platform this was compiled for.
    pub fn new() -> Self {
        Self
    }

    fn entry(name: &EntryName) -> Result<keyring::Entry> {
        keyring::Entry::new(name.service(), name.user()).map_err(map_error)
    }
}

impl SecretStore for OsStore {
    fn load(&self, name: &EntryName) -> Result<SecretString> {
        let entry = Self::entry(name)?;
        entry
            .get_password()
            .map(SecretString::new)
            .map_err(map_error)
    }

    fn save(&self, name: &EntryName, secret: &SecretString) -> Result<()> {
        Self::entry(name)?
            .set_password(secret.expose())
            .map_err(map_error)
    }

    fn delete(&self, name: &EntryName) -> Result<()> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_error(err)),
        }
    }
}

/// Maps keyring's errors onto the stable keychain variants. Payloads that could hold secret
/// bytes (`BadEncoding`) or credential descriptions (`Ambiguous`) are dropped, not forwarded.
fn map_error(err: keyring::Error) -> Error {
    match err {
        keyring::Error::NoEntry => Error::SecretNotFound,
        keyring::Error::BadEncoding(mut bytes) => {
            bytes.zeroize();
            Error::SecretMalformed
        }
        keyring::Error::TooLong(..) | keyring::Error::Invalid(..) => Error::InvalidAccount,
        keyring::Error::Ambiguous(_) => Error::Keychain(None),
        keyring::Error::NoStorageAccess(inner) => map_platform(inner, true),
        keyring::Error::PlatformFailure(inner) => map_platform(inner, false),
        _ => Error::Keychain(None),
    }
}

type Inner = Box<dyn std::error::Error + Send + Sync>;

#[cfg(target_os = "linux")]
fn map_platform(inner: Inner, no_access: bool) -> Error {
    use dbus_secret_service::Error as Ss;
    let Some(ss) = inner.downcast_ref::<Ss>() else {
        return if no_access {
            Error::KeychainDenied
        } else {
            Error::Keychain(Some(inner))
        };
    };
    match ss {
        // A dismissed or impossible unlock prompt leaves the collection locked.
        Ss::Locked | Ss::Prompt => Error::KeychainLocked,
        Ss::Unavailable | Ss::NoResult => Error::KeychainUnavailable(Some(inner)),
        Ss::Dbus(dbus) => match dbus.name() {
            Some("org.freedesktop.DBus.Error.AccessDenied") => Error::KeychainDenied,
            Some("org.freedesktop.Secret.Error.IsLocked") => Error::KeychainLocked,
            Some("org.freedesktop.Secret.Error.NoSuchObject") => Error::SecretNotFound,
            // No bus, no provider, autolaunch impossible, disconnected, no reply …
            _ => Error::KeychainUnavailable(Some(inner)),
        },
        _ => Error::Keychain(Some(inner)),
    }
}

#[cfg(not(target_os = "linux"))]
fn map_platform(inner: Inner, no_access: bool) -> Error {
    if no_access {
        Error::KeychainDenied
    } else {
        Error::Keychain(Some(inner))
    }
}
