//! Deleting conversations and the deletion log: the [`ErasureStore`] contract.
//!
//! Deleted conversations are recorded by id (and organisation) only, at increasing positions,
//! so that consoles can follow the log and delete their copies too.

use async_trait::async_trait;
use rampart_protocol::{ConversationId, VisitorId};

use super::StoreError;
use crate::org::OrgId;

/// Deleting conversations, and the log of deletions consoles follow.
///
/// Deleting and recording happen in one transaction. Positions are assigned in commit order,
/// only ever grow and are never reused, not even after [`ErasureStore::prune_forgotten`] drops
/// every record: a console's cursor must never skip a deletion, and a cursor above
/// [`ErasureStore::forgotten_issued`] identifies another database.
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
    /// order, at most `limit`: `(position, id, organisation)`. Start with position 0.
    async fn forgotten_after(
        &self,
        after: i64,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(i64, ConversationId, OrgId)>, StoreError>;

    /// The position of the latest record (0 when there is none).
    async fn forgotten_head(&self) -> Result<i64, StoreError>;

    /// The highest position ever given to a record, pruned or not (0 when none was): a
    /// console's position above it comes from another database.
    async fn forgotten_issued(&self) -> Result<i64, StoreError>;

    /// Drops records older than `before_ms`: no console holds those conversations any more.
    async fn prune_forgotten(&self, before_ms: i64) -> Result<usize, StoreError>;
}
