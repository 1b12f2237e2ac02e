//! IP allow-list entries in SQLite.

use async_trait::async_trait;
use ipnet::IpNet;
use rampart_protocol::rest::Role;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::accounts::parse_role;
use super::orgs::{parse_org, require_org};
use crate::net::AllowEntry;
use crate::org::OrgId;
use crate::store::{AllowListStore, StoreError, role_label};

#[async_trait]
impl AllowListStore for SqliteStore {
    async fn add_allow(
        &self,
        org: &OrgId,
        role: Option<Role>,
        net: IpNet,
        now: u64,
    ) -> Result<i64, StoreError> {
        let net = net.trunc();
        let org = org.clone();
        self.write(move |conn| {
            require_org(conn, &org)?;
            let role = role.map(role_label);
            // `role IS ?`: the unique constraint does not catch two org-wide (NULL) entries.
            let existing: Option<i64> = conn
                .query_row(
                    "SELECT id FROM allowlist WHERE org_id = ?1 AND role IS ?2 AND cidr = ?3",
                    params![org.as_str(), role, net.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok(id);
            }
            conn.execute(
                "INSERT INTO allowlist (org_id, role, cidr, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    org.as_str(),
                    role,
                    net.to_string(),
                    i64::try_from(now).unwrap_or(i64::MAX)
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    async fn remove_allow(&self, org: &OrgId, id: i64) -> Result<bool, StoreError> {
        let org = org.clone();
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM allowlist WHERE id = ?1 AND org_id = ?2",
                params![id, org.as_str()],
            )? == 1)
        })
        .await
    }

    async fn allow_entries(&self) -> Result<Vec<AllowEntry>, StoreError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT id, org_id, role, cidr FROM allowlist ORDER BY id")?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, org, role, cidr) = row?;
                out.push(AllowEntry {
                    id,
                    org: parse_org(&org)?,
                    role: role.as_deref().map(parse_role).transpose()?,
                    net: cidr
                        .parse()
                        .map_err(|_| StoreError::Corrupt("allow-list network"))?,
                });
            }
            Ok(out)
        })
        .await
    }
}
