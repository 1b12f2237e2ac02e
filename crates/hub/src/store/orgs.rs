//! Organisations as stored (rules in [`crate::org`]): the [`OrgStore`] contract.

use async_trait::async_trait;

use super::StoreError;
use crate::org::{Org, OrgId};

/// Organisations. A new store holds the `default` organisation (its migrations create it);
/// everything that belongs to an organisation refuses an unknown one with
/// [`StoreError::OrgNotFound`].
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an organisation; [`StoreError::OrgExists`] if the id is taken.
    async fn create_org(&self, org: Org) -> Result<(), StoreError>;

    /// Every organisation, `default` first, then by id.
    async fn orgs(&self) -> Result<Vec<Org>, StoreError>;

    /// One organisation, if it exists.
    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError>;
}
