//! Stored IP allow-list entries (rules in [`crate::net`]): the [`AllowListStore`] contract.

use async_trait::async_trait;
use ipnet::IpNet;
use rampart_protocol::rest::Role;

use super::StoreError;
use crate::net::AllowEntry;
use crate::org::OrgId;

/// Per-organisation IP allow-lists. Entries are stored as their network (host bits cleared),
/// once per `(organisation, role, network)`; an entry belongs to one organisation and only that
/// organisation can remove it.
#[async_trait]
pub trait AllowListStore: Send + Sync {
    /// Adds an entry to `org`'s list (`role: None` for the whole organisation). Adding an
    /// existing entry returns its id.
    async fn add_allow(
        &self,
        org: &OrgId,
        role: Option<Role>,
        net: IpNet,
        now: u64,
    ) -> Result<i64, StoreError>;

    /// Removes one of `org`'s entries by id. Returns whether it existed there.
    async fn remove_allow(&self, org: &OrgId, id: i64) -> Result<bool, StoreError>;

    /// Every entry of every organisation, in id order.
    async fn allow_entries(&self) -> Result<Vec<AllowEntry>, StoreError>;
}
