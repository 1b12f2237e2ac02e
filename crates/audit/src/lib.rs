//! `rampart-audit`: the hub's append-only, hash-chained audit log (PCI DSS 10.2, 10.3.4;
//! ASVS 16.4.1).
//!
//! - [`AuditEvent`] says who ([`Actor`]) did what ([`Action`]) from where (origin IP) on what
//!   ([`Target`]) with which [`Outcome`], plus a few [`Details`]. [`AuditLog::append`] stamps
//!   it with a seq, the caller's UTC time and the chain hashes, giving an [`AuditRecord`].
//! - Every string is neutralised and capped when the event is built ([`Text`]): control
//!   characters, newlines, ANSI escapes, bidi overrides and other format characters can never
//!   reach storage, hashing or a terminal raw.
//! - Each record's hash is SHA-256 over a canonical encoding of the previous hash, the seq and
//!   every field ([`chain`]). [`verify()`] streams a log in constant memory and names the first
//!   edited, deleted, reordered, duplicated or truncated record ([`Tamper`]).
//! - Storage is a trait ([`AuditStore`]) with [`MemoryStore`] and, behind the `sqlite`
//!   feature, `SqliteStore`. Export and import are JSON Lines ([`write_jsonl`],
//!   [`JsonlReader`]).
//!
//! Invariants:
//! - No personal data or secrets by construction: there is no field for message text;
//!   visitors appear only by pseudonymous id; details are ids, codes and short reasons.
//! - Time is an argument: nothing in this crate reads a clock.
//! - No network code, no Tauri, and nothing read from storage or a file can panic.
//! - The chain protects against edits by anyone who cannot also recompute every later hash
//!   *and* the head anchored outside the store; see the README.

pub mod action;
pub mod chain;
mod error;
pub mod field;
pub mod jsonl;
mod log;
mod record;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod store;
mod verify;

pub use action::{Action, TargetKind};
pub use chain::{Checkpoint, Hash};
pub use error::{Error, Result, Tamper};
pub use field::{Name, Text};
pub use jsonl::{JsonlReader, from_json_line, to_json_line, write_jsonl};
pub use log::AuditLog;
pub use record::{Actor, AuditEvent, AuditRecord, Details, Outcome, REASON_KEY, Status, Target};
#[cfg(feature = "sqlite")]
pub use sqlite::{SCHEMA as SQLITE_SCHEMA, SqliteStore};
pub use store::{AuditStore, MemoryStore, PAGE, Records};
pub use time::UtcDateTime;
pub use verify::{Verifier, VerifySummary, verify, verify_with};
