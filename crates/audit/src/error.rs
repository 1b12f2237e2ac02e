//! The crate's one error type, and [`Tamper`], the finding a failed verification names.
//!
//! Invariant: `Display` text is safe to log. It carries seq numbers, field names, fixed
//! reasons and (for import errors) a parser message that is neutralised first, never a raw
//! field value from the log.

use std::fmt;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the audit log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Verification failed. `position` is the 1-based place of the first bad record in the
    /// stream that was verified (for a JSONL export, its line number) and `seq` the seq that
    /// record carries (or, for a truncated tail, the first missing seq).
    #[error("audit log fails verification at record {position} (seq {seq}): {kind}")]
    Tampered {
        /// 1-based position in the verified stream.
        position: u64,
        /// The seq of the bad record.
        seq: u64,
        /// What is wrong with it.
        kind: Tamper,
    },
    /// A value is not acceptable for a field (bad name, too long, not neutral when read back,
    /// unparsable time or hash, …).
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// Why, as a fixed phrase.
        reason: &'static str,
    },
    /// A stored record cannot be read back as a valid record (a raw control character, an
    /// unknown actor kind, a bad hash, …): the store was written by something other than this
    /// crate, or tampered with.
    #[error("stored audit record seq {seq} is malformed: invalid {field}: {reason}")]
    Malformed {
        /// The row's seq.
        seq: u64,
        /// Which field.
        field: &'static str,
        /// Why, as a fixed phrase.
        reason: &'static str,
    },
    /// A reveal of masked data must state why ([`crate::AuditEvent::reveal`]).
    #[error("a reveal of masked data must state a reason")]
    MissingReason,
    /// The store already holds a record with this seq: another writer appended first. The log
    /// reloads its head and retries; a store returns this from `append` on a duplicate seq.
    #[error("audit record seq {seq} already exists")]
    Conflict {
        /// The seq that was taken.
        seq: u64,
    },
    /// The log has used the last sequence number (`u64::MAX`).
    #[error("the audit log has no sequence numbers left")]
    Exhausted,
    /// A line of a JSONL export could not be parsed (`reason` is neutralised).
    #[error("line {line} of the audit export: {reason}")]
    Import {
        /// 1-based line number.
        line: u64,
        /// The parser's message, neutralised and capped.
        reason: String,
    },
    /// Reading or writing an export failed.
    #[error("audit export I/O failed")]
    Io(#[from] std::io::Error),
    /// The SQLite store failed.
    #[cfg(feature = "sqlite")]
    #[error("audit store (SQLite) failed")]
    Sqlite(#[from] rusqlite::Error),
    /// Another [`crate::AuditStore`] implementation failed.
    #[error("audit store failed")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What verification found wrong with the first bad record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tamper {
    /// Its contents no longer match its hash: a field was changed.
    Edited,
    /// It is internally consistent but its `prev_hash` is not the preceding record's hash: the
    /// record before it was removed or replaced and the log re-numbered, or it was spliced in.
    BrokenLink,
    /// Records `first..=last` are missing between this record and the one before it.
    Deleted {
        /// First missing seq.
        first: u64,
        /// Last missing seq.
        last: u64,
    },
    /// It is out of place: a record that belongs before it comes later.
    Reordered,
    /// It repeats a seq (or the whole content) of a record already seen.
    Duplicated,
    /// The log does not start at its first record: seqs `first..=last` before it are missing.
    TruncatedHead {
        /// First missing seq.
        first: u64,
        /// Last missing seq.
        last: u64,
    },
    /// The log ends before the trusted head: seqs from this one up to `head` are missing.
    TruncatedTail {
        /// The trusted head's seq.
        head: u64,
    },
    /// It carries the trusted head's seq but a different hash: the chain was rewritten.
    HeadMismatch,
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Edited => f.write_str("edited: its contents do not match its hash"),
            Self::BrokenLink => f.write_str(
                "chain broken: its previous-hash is not the preceding record's hash \
                 (a record before it was removed or replaced)",
            ),
            Self::Deleted { first, last } if first == last => {
                write!(f, "deleted: record seq {first} before it is missing")
            }
            Self::Deleted { first, last } => {
                write!(
                    f,
                    "deleted: records seq {first} to {last} before it are missing"
                )
            }
            Self::Reordered => {
                f.write_str("reordered: a record that belongs before it comes later")
            }
            Self::Duplicated => f.write_str("duplicated: it repeats a record already seen"),
            Self::TruncatedHead { first, last } => write!(
                f,
                "truncated at the head: records seq {first} to {last} before it are missing"
            ),
            Self::TruncatedTail { head } => write!(
                f,
                "truncated: records from here up to the trusted head (seq {head}) are missing"
            ),
            Self::HeadMismatch => {
                f.write_str("rewritten: its hash differs from the trusted head's hash")
            }
        }
    }
}
