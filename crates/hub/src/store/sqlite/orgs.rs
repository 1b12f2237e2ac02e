//! Organisations in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::org::{Org, OrgId};
use crate::store::{OrgStore, StoreError};

/// An organisation id read from the database.
pub(super) fn parse_org(text: &str) -> Result<OrgId, StoreError> {
    OrgId::parse(text).map_err(|_| StoreError::Corrupt("organisation id"))
}

fn org_from_row(row: &rusqlite::Row<'_>) -> Result<Org, StoreError> {
    let id: String = row.get(0)?;
    let retention: Option<i64> = row.get(2)?;
    let created: i64 = row.get(3)?;
    Ok(Org {
        id: parse_org(&id)?,
        name: row.get(1)?,
        retention_days: retention
            .map(|d| u32::try_from(d).map_err(|_| StoreError::Corrupt("retention")))
            .transpose()?,
        created_at: u64::try_from(created).map_err(|_| StoreError::Corrupt("created_at"))?,
    })
}

/// Fails with [`StoreError::OrgNotFound`] unless `org` exists (inside a write).
pub(super) fn require_org(conn: &Connection, org: &OrgId) -> Result<(), StoreError> {
    conn.query_row(
        "SELECT 1 FROM orgs WHERE id = ?1",
        params![org.as_str()],
        |_| Ok(()),
    )
    .optional()?
    .ok_or(StoreError::OrgNotFound)
}

/// Names the `default` organisation (from the configuration), on the connection the store
/// opens with.
pub(super) fn name_default(conn: &Connection, name: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orgs SET name = ?1 WHERE id = 'default'",
        params![name],
    )?;
    Ok(())
}

#[async_trait]
impl OrgStore for SqliteStore {
    async fn create_org(&self, org: Org) -> Result<(), StoreError> {
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO orgs (id, name, retention_days, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    org.id.as_str(),
                    org.name,
                    org.retention_days.map(i64::from),
                    i64::try_from(org.created_at).unwrap_or(i64::MAX)
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::OrgExists);
            }
            Ok(())
        })
        .await
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, name, retention_days, created_at FROM orgs
                 ORDER BY id != 'default', id",
            )?;
            let rows = statement.query_map([], |row| Ok(org_from_row(row)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
        .await
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError> {
        let id = id.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, name, retention_days, created_at FROM orgs WHERE id = ?1",
                params![id.as_str()],
                |row| Ok(org_from_row(row)),
            )
            .optional()?
            .transpose()
        })
        .await
    }
}
