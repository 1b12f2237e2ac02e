//! Stored IP allow-list entries (rules in [`crate::net`]): the [`AllowListStore`] contract.
//!
//! A change may carry a guard ([`Keep`]: "this role must still be admitted from this address
//! afterwards", an administrator's own access). The backend decides the guard inside the
//! transaction that makes the change ([`decide_add`], [`decide_remove`]), so two changes that
//! each pass the check on their own can never both be made when together they would shut the
//! guarded address out.

use std::net::IpAddr;

use async_trait::async_trait;
use ipnet::IpNet;
use rampart_protocol::rest::Role;

use super::StoreError;
use crate::net::{self, AllowEntry};
use crate::org::OrgId;

/// A guard on an allow-list change: afterwards, `role` of the organisation must still be
/// admitted at `ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// The role to keep admitted.
    pub role: Role,
    /// From where.
    pub ip: IpAddr,
}

/// What an allow-list change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowChange {
    /// The entry was added with this id.
    Added(i64),
    /// The entry was already listed, with this id: nothing changed.
    Unchanged(i64),
    /// The entry was removed.
    Removed,
    /// The organisation has no entry with that id: nothing changed.
    NotFound,
    /// The change would have refused the guarded address: nothing changed.
    WouldLockOut,
}

/// Per-organisation IP allow-lists. Entries are stored as their network (host bits cleared),
/// once per `(organisation, role, network)`; an entry belongs to one organisation and only that
/// organisation can remove it.
#[async_trait]
pub trait AllowListStore: Send + Sync {
    /// Adds an entry to `org`'s list (`role: None` for the whole organisation): `Added`, or
    /// `Unchanged` with the existing entry's id, or (with `keep`) `WouldLockOut`. The decision
    /// is [`decide_add`] over `org`'s entries, made in the same transaction as the insert.
    async fn add_allow(
        &self,
        org: &OrgId,
        role: Option<Role>,
        net: IpNet,
        now: u64,
        keep: Option<Keep>,
    ) -> Result<AllowChange, StoreError>;

    /// Removes one of `org`'s entries by id: `Removed`, `NotFound` (also for another
    /// organisation's entry) or (with `keep`) `WouldLockOut`. The decision is
    /// [`decide_remove`] over `org`'s entries, made in the same transaction as the delete.
    async fn remove_allow(
        &self,
        org: &OrgId,
        id: i64,
        keep: Option<Keep>,
    ) -> Result<AllowChange, StoreError>;

    /// Every entry of every organisation, in id order.
    async fn allow_entries(&self) -> Result<Vec<AllowEntry>, StoreError>;
}

/// What adding `(org, role, net)` to `entries` does: `Unchanged(id)` when it is listed,
/// `WouldLockOut` when `keep` would be refused afterwards, otherwise `Added(0)` (the backend
/// assigns the id).
pub fn decide_add(
    entries: &[AllowEntry],
    org: &OrgId,
    role: Option<Role>,
    net: IpNet,
    keep: Option<Keep>,
) -> AllowChange {
    let net = net.trunc();
    if let Some(listed) = entries
        .iter()
        .find(|e| &e.org == org && e.role == role && e.net == net)
    {
        return AllowChange::Unchanged(listed.id);
    }
    let mut after = entries.to_vec();
    after.push(AllowEntry {
        id: 0,
        org: org.clone(),
        role,
        net,
    });
    if keeps(&after, org, keep) {
        AllowChange::Added(0)
    } else {
        AllowChange::WouldLockOut
    }
}

/// What removing `org`'s entry `id` from `entries` does: `NotFound`, `WouldLockOut` when
/// `keep` would be refused afterwards, otherwise `Removed`.
pub fn decide_remove(
    entries: &[AllowEntry],
    org: &OrgId,
    id: i64,
    keep: Option<Keep>,
) -> AllowChange {
    if !entries.iter().any(|e| e.id == id && &e.org == org) {
        return AllowChange::NotFound;
    }
    let after: Vec<AllowEntry> = entries.iter().filter(|e| e.id != id).cloned().collect();
    if keeps(&after, org, keep) {
        AllowChange::Removed
    } else {
        AllowChange::WouldLockOut
    }
}

fn keeps(entries: &[AllowEntry], org: &OrgId, keep: Option<Keep>) -> bool {
    keep.is_none_or(|k| net::allows(entries, org, Some(k.role), k.ip))
}
