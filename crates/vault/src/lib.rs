//! `rampart-vault`: the console's local vault.
//!
//! - [`SecretStore`]: small secrets (the cache key, the session token) in the OS keychain
//!   ([`OsStore`]) or in memory for tests ([`MemoryStore`]). Entries are namespaced by build
//!   kind and hub account ([`Namespace`]).
//! - [`Vault`]: a SQLCipher-encrypted cache of conversations, masked messages (with FTS5), an
//!   outbox of unsent messages and audit events, training progress and settings.
//!
//! Invariants:
//! - Fail closed. The cache key is 256 random bits that live only in the keychain; if the
//!   keychain cannot give it, nothing opens. There is no constant key, no key file and no
//!   plaintext mode.
//! - The key is applied as a raw key, as the first statement of every connection, and checked
//!   before any write, so a wrong key leaves the file byte-identical.
//! - Message text enters only as [`MaskedText`]: masking happens before the cache.
//! - Errors carry neither key material nor message text; [`Error::code`] is stable.

mod cache;
mod error;
mod key;
mod model;
mod os_store;
mod schema;
mod store;
mod vault;

pub use error::{Error, ErrorCode, Result, SqliteCode};
pub use model::{
    Author, Conversation, MaskedText, Message, OutboxItem, OutboxPayload, Retention, SearchHit,
    TrainingProgress, UnixMillis, VaultEvent, VaultEventKind,
};
pub use os_store::OsStore;
pub use store::{
    BuildKind, EntryName, MemoryStore, Namespace, Purpose, SecretStore, SimulatedFailure,
};
pub use vault::{DB_FILE, OpenReport, ResetReport, UnsentOutbox, Vault, VaultConfig};
