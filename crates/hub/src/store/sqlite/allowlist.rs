//! IP allow-list entries in SQLite.

use async_trait::async_trait;
use ipnet::IpNet;
use rampart_protocol::rest::Role;
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::accounts::parse_role;
use super::orgs::{parse_org, require_org};
use crate::net::AllowEntry;
use crate::org::OrgId;
use crate::store::{
    AllowChange, AllowListStore, Keep, StoreError, decide_add, decide_remove, role_label,
};

/// `org`'s entries (every organisation's with `None`), in id order.
fn entries(conn: &Connection, org: Option<&OrgId>) -> Result<Vec<AllowEntry>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, org_id, role, cidr FROM allowlist WHERE ?1 IS NULL OR org_id = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map(params![org.map(OrgId::as_str)], |row| {
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
}

// The guard is decided on the writer connection inside the change's own transaction: the
// single writer serialises it with every other write, so no other change can slip in between
// the check and the write.
#[async_trait]
impl AllowListStore for SqliteStore {
    async fn add_allow(
        &self,
        org: &OrgId,
        role: Option<Role>,
        net: IpNet,
        now: u64,
        keep: Option<Keep>,
    ) -> Result<AllowChange, StoreError> {
        let net = net.trunc();
        let org = org.clone();
        self.write(move |conn| {
            require_org(conn, &org)?;
            let decided = decide_add(&entries(conn, Some(&org))?, &org, role, net, keep);
            if decided != AllowChange::Added(0) {
                return Ok(decided);
            }
            conn.execute(
                "INSERT INTO allowlist (org_id, role, cidr, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    org.as_str(),
                    role.map(role_label),
                    net.to_string(),
                    i64::try_from(now).unwrap_or(i64::MAX)
                ],
            )?;
            Ok(AllowChange::Added(conn.last_insert_rowid()))
        })
        .await
    }

    async fn remove_allow(
        &self,
        org: &OrgId,
        id: i64,
        keep: Option<Keep>,
    ) -> Result<AllowChange, StoreError> {
        let org = org.clone();
        self.write(move |conn| {
            let decided = decide_remove(&entries(conn, Some(&org))?, &org, id, keep);
            if decided == AllowChange::Removed {
                conn.execute(
                    "DELETE FROM allowlist WHERE id = ?1 AND org_id = ?2",
                    params![id, org.as_str()],
                )?;
            }
            Ok(decided)
        })
        .await
    }

    async fn allow_entries(&self) -> Result<Vec<AllowEntry>, StoreError> {
        self.read(|conn| entries(conn, None)).await
    }
}
