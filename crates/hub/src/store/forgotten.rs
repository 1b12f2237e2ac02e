//! Deleting conversations and the deletion log: the [`ErasureStore`] contract.
//!
//! Deleted conversations are recorded by id (and organisation) only, at increasing positions,
//! so that consoles can follow the log and delete their copies too.

use async_trait::async_trait;
use rampart_protocol::{ConversationId, EpochId, ForgetPosition, VisitorId};

use super::StoreError;
use crate::org::OrgId;

/// A deletion in the log consoles follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// Its position in the log.
    pub position: i64,
    /// The deleted conversation.
    pub conversation: ConversationId,
    /// The conversation's organisation.
    pub org: OrgId,
    /// The epoch that recorded it; `None` for records from before epochs existed.
    pub epoch: Option<EpochId>,
}

/// Deleting conversations, and the log of deletions consoles follow.
///
/// Deleting and recording happen in one transaction. Positions are assigned in commit order,
/// only ever grow and are never reused, not even after [`ErasureStore::prune_forgotten`] drops
/// every record: a console's cursor must never skip a deletion.
///
/// Each opening of the database (each backend value) draws a random [`EpochId`] and records
/// every deletion under it. A console's cursor is a position with the epoch that recorded it,
/// and counts only where [`ErasureStore::forgotten_recorded`] finds that pair: a database that
/// replaced this one, or a copy of it restored from a backup (which records under new epochs
/// from the moment it is opened), never has a position of another timeline with its epoch, so
/// its own later deletions at the same numbers are not skipped.
#[async_trait]
pub trait ErasureStore: Send + Sync {
    /// Deletes `org`'s closed conversations (their messages and visitor tokens cascade) that
    /// closed before `cutoff_ms`. Returns how many. Deleted pages are overwritten
    /// (secure_delete). With `remember` set, their ids are also recorded for consoles to forget
    /// ([`ErasureStore::forgotten_after`]), in the same transaction.
    async fn purge_closed_before(
        &self,
        org: &OrgId,
        cutoff_ms: i64,
        remember: Option<i64>,
    ) -> Result<usize, StoreError>;

    /// Deletes every conversation of a visitor (right to erasure), whatever its state.
    /// Returns the ids of the erased conversations.
    /// The ids are recorded for consoles to forget, in the same transaction.
    async fn erase_visitor(
        &self,
        visitor: VisitorId,
        now_ms: i64,
    ) -> Result<Vec<ConversationId>, StoreError>;

    /// The visitors who wrote an email address with this keyed hash.
    async fn visitors_with_email(
        &self,
        key: crate::email_index::EmailKey,
    ) -> Result<Vec<VisitorId>, StoreError>;

    /// Deleted conversations recorded after position `after` and at or after `since_ms`, in
    /// order, at most `limit`. Start with position 0.
    async fn forgotten_after(
        &self,
        after: i64,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Forgotten>, StoreError>;

    /// The position of the latest record (0 when there is none).
    async fn forgotten_head(&self) -> Result<i64, StoreError>;

    /// Whether this database holds a record at `at.through` that `at.epoch` recorded. False
    /// for a position of another database, or one pruned (older than any console keeps).
    async fn forgotten_recorded(&self, at: ForgetPosition) -> Result<bool, StoreError>;

    /// Drops records older than `before_ms`: no console holds those conversations any more.
    async fn prune_forgotten(&self, before_ms: i64) -> Result<usize, StoreError>;
}
