//! What the cache stores: conversations, masked messages, outbox items, training progress.
//!
//! Invariant: message text enters only as [`MaskedText`], whose one constructor names the
//! caller's promise that `rampart-pii` has already masked it.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// A point in time: milliseconds since the Unix epoch, UTC. Time is always passed in, never
/// read from the clock here, so retention is testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// `self - d`, saturating.
    pub fn saturating_sub(self, d: Duration) -> Self {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(ms))
    }
}

/// How long cached messages are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Duration);

impl Retention {
    /// The default: 7 days.
    pub const DEFAULT: Self = Self(Duration::from_secs(7 * 24 * 60 * 60));
}

impl Default for Retention {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Text that has already been through `rampart-pii` masking. The cache, its search index and
/// its outbox accept message text only in this form.
#[derive(Clone, PartialEq, Eq)]
pub struct MaskedText(String);

impl MaskedText {
    /// Wraps text that the caller has masked. The name is the contract: raw sensitive values
    /// must never be passed here.
    pub fn already_masked(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The masked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MaskedText {
    // Masked text may still be personal; keep it out of debug output and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedText({} bytes)", self.0.len())
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The support agent using this console.
    Agent,
    /// The customer.
    Customer,
    /// The hub (joins, transfers, notices).
    System,
}

impl Author {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Customer => "customer",
            Self::System => "system",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "agent" => Ok(Self::Agent),
            "customer" => Ok(Self::Customer),
            "system" => Ok(Self::System),
            _ => Err(Error::UnexpectedValue),
        }
    }
}

/// A conversation header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Hub-assigned id.
    pub id: String,
    /// Display title (masked: it may contain a customer's name or a number).
    pub title: MaskedText,
    /// Last activity.
    pub updated_at: UnixMillis,
}

/// A message as cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Client-generated or hub-assigned unique id.
    pub id: String,
    /// Conversation it belongs to (must exist).
    pub conversation_id: String,
    /// Who wrote it.
    pub author: Author,
    /// The masked body.
    pub body: MaskedText,
    /// When it was sent; retention counts from here.
    pub sent_at: UnixMillis,
}

/// One full-text search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The message id.
    pub message_id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// When it was sent.
    pub sent_at: UnixMillis,
}

/// What an outbox item carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxPayload {
    /// An unsent chat message (masked) for a conversation.
    Message {
        /// Target conversation.
        conversation_id: String,
        /// The masked body.
        body: MaskedText,
    },
    /// An audit record not yet delivered to the hub, serialised by the caller (no secrets).
    Audit {
        /// The serialised record.
        record: String,
    },
}

/// An item waiting to be delivered to the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Client-generated id; the hub deduplicates on it, so redelivery is safe.
    pub client_id: String,
    /// What to deliver.
    pub payload: OutboxPayload,
    /// When it was queued.
    pub created_at: UnixMillis,
}

/// Progress through one training module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingProgress {
    /// Module id.
    pub module: String,
    /// Steps done.
    pub completed: u32,
    /// Steps in the module (at least `completed`).
    pub total: u32,
    /// Last change.
    pub updated_at: UnixMillis,
}

/// Something that happened to the vault itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultEventKind {
    /// A damaged cache was detected, moved aside and replaced by a fresh one.
    CorruptCacheReplaced,
    /// A cache whose key was lost was moved aside and replaced by a fresh one.
    LostKeyCacheReplaced,
}

impl VaultEventKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::CorruptCacheReplaced => "corrupt-cache-replaced",
            Self::LostKeyCacheReplaced => "lost-key-cache-replaced",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "corrupt-cache-replaced" => Ok(Self::CorruptCacheReplaced),
            "lost-key-cache-replaced" => Ok(Self::LostKeyCacheReplaced),
            _ => Err(Error::UnexpectedValue),
        }
    }
}

/// A recorded vault event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultEvent {
    /// What happened.
    pub kind: VaultEventKind,
    /// When.
    pub at: UnixMillis,
}
