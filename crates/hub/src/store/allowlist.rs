//! Stored IP allow-list entries (rules in [`crate::net`]).

use ipnet::IpNet;
use rampart_protocol::rest::Role;
use rusqlite::params;

use super::accounts::{parse_role, role_label};
use super::{Store, StoreError};
use crate::net::AllowEntry;

impl Store {
    /// Adds an entry (`role: None` for the whole organisation). Adding an existing entry
    /// returns its id.
    pub async fn add_allow(
        &self,
        role: Option<Role>,
        net: IpNet,
        now: u64,
    ) -> Result<i64, StoreError> {
        let net = net.trunc();
        self.write(move |conn| {
            let role = role.map(role_label);
            conn.execute(
                "INSERT INTO allowlist (role, cidr, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (role, cidr) DO NOTHING",
                params![
                    role,
                    net.to_string(),
                    i64::try_from(now).unwrap_or(i64::MAX)
                ],
            )?;
            Ok(conn.query_row(
                "SELECT id FROM allowlist WHERE role IS ?1 AND cidr = ?2",
                params![role, net.to_string()],
                |row| row.get(0),
            )?)
        })
        .await
    }

    /// Removes an entry by id. Returns whether it existed.
    pub async fn remove_allow(&self, id: i64) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM allowlist WHERE id = ?1", params![id])? == 1)
        })
        .await
    }

    /// Every entry, in id order.
    pub async fn allow_entries(&self) -> Result<Vec<AllowEntry>, StoreError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT id, role, cidr FROM allowlist ORDER BY id")?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, role, cidr) = row?;
                out.push(AllowEntry {
                    id,
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
