//! Staff accounts and sessions in SQLite.

use async_trait::async_trait;
use rampart_auth::SecretBytes;
use rampart_auth::lockout::{Decision, FailureRecord, LockoutPolicy};
use rampart_auth::password::PasswordHash;
use rampart_auth::session::{SessionRecord, SessionTokenHash};
use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::orgs::{parse_org, require_org};
use crate::store::{
    Account, AccountStore, LoginCompletion, NewAccount, Reservation, SessionStore, StoreError,
    Ticket, role_label,
};

pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    match s {
        "agent" => Ok(Role::Agent),
        "supervisor" => Ok(Role::Supervisor),
        "trainer" => Ok(Role::Trainer),
        "admin" => Ok(Role::Admin),
        _ => Err(StoreError::Corrupt("role")),
    }
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("integer out of range"))
}

fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("negative integer"))
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, role, password_hash, enrollment_hash,
    enrollment_expires_at, totp_secret, totp_last_step, recovery_codes, failures, last_failure_at,
    org_id";

fn account_from_row(row: &rusqlite::Row<'_>) -> Result<Account, StoreError> {
    let id: String = row.get(0)?;
    let role: String = row.get(3)?;
    let password_hash: Option<String> = row.get(4)?;
    let enrollment_hash: Option<Vec<u8>> = row.get(5)?;
    let enrollment_expires: Option<i64> = row.get(6)?;
    let totp_secret: Option<Vec<u8>> = row.get(7)?;
    let totp_last_step: Option<i64> = row.get(8)?;
    let recovery: Option<String> = row.get(9)?;
    let failures: i64 = row.get(10)?;
    let last_failure: Option<i64> = row.get(11)?;
    let org: String = row.get(12)?;
    let enrollment = match (enrollment_hash, enrollment_expires) {
        (Some(hash), Some(expires)) => Some((
            <[u8; 32]>::try_from(hash.as_slice())
                .map_err(|_| StoreError::Corrupt("enrollment hash"))?,
            to_u64(expires)?,
        )),
        _ => None,
    };
    Ok(Account {
        id: id.parse().map_err(|_| StoreError::Corrupt("agent id"))?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        role: parse_role(&role)?,
        password_hash: password_hash
            .map(PasswordHash::from_phc)
            .transpose()
            .map_err(|_| StoreError::Corrupt("password hash"))?,
        enrollment,
        totp_secret: totp_secret.map(SecretBytes::new),
        totp_last_step: totp_last_step.map(to_u64).transpose()?,
        recovery_codes: recovery
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|_| StoreError::Corrupt("recovery codes"))?,
        failures: FailureRecord {
            consecutive: u32::try_from(failures).map_err(|_| StoreError::Corrupt("failures"))?,
            last_failure: last_failure.map(to_u64).transpose()?,
        },
        org: parse_org(&org)?,
    })
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, account: NewAccount) -> Result<(), StoreError> {
        self.write(move |conn| {
            require_org(conn, &account.org)?;
            let inserted = conn.execute(
                "INSERT INTO agents (id, username, display_name, role, enrollment_hash,
                                     enrollment_expires_at, created_at, org_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (username) DO NOTHING",
                params![
                    account.id.to_string(),
                    account.username,
                    account.display_name,
                    role_label(account.role),
                    account.enrollment_hash.to_vec(),
                    to_i64(account.enrollment_expires_at)?,
                    to_i64(account.now)?,
                    account.org.as_str(),
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::UsernameTaken);
            }
            Ok(())
        })
        .await
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let username = username.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM agents WHERE username = ?1"),
                params![username],
                |row| Ok(account_from_row(row)),
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM agents ORDER BY username"
            ))?;
            let rows = statement.query_map([], |row| Ok(account_from_row(row)))?;
            let mut accounts = Vec::new();
            for row in rows {
                accounts.push(row??);
            }
            Ok(accounts)
        })
        .await
    }

    async fn account(&self, id: AgentId) -> Result<Option<Account>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM agents WHERE id = ?1"),
                params![id.to_string()],
                |row| Ok(account_from_row(row)),
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn set_initial_password(
        &self,
        id: AgentId,
        enrollment_hash: [u8; 32],
        hash: PasswordHash,
    ) -> Result<bool, StoreError> {
        let phc = hash.as_phc().to_owned();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE agents SET password_hash = ?3, enrollment_hash = NULL,
                                   enrollment_expires_at = NULL
                 WHERE id = ?1 AND enrollment_hash = ?2",
                params![id.to_string(), enrollment_hash.to_vec(), phc],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn update_password_hash(
        &self,
        id: AgentId,
        hash: PasswordHash,
    ) -> Result<(), StoreError> {
        let phc = hash.as_phc().to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE agents SET password_hash = ?2 WHERE id = ?1",
                params![id.to_string(), phc],
            )?;
            Ok(())
        })
        .await
    }

    async fn reserve_attempt(
        &self,
        id: AgentId,
        policy: LockoutPolicy,
        now: u64,
    ) -> Result<Reservation, StoreError> {
        self.write(move |conn| {
            let (failures, last): (i64, Option<i64>) = conn.query_row(
                "SELECT failures, last_failure_at FROM agents WHERE id = ?1",
                params![id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let mut record = FailureRecord {
                consecutive: u32::try_from(failures)
                    .map_err(|_| StoreError::Corrupt("failures"))?,
                last_failure: last.map(to_u64).transpose()?,
            };
            match policy.decide(&record, now) {
                Decision::Allow => {}
                refused => return Ok(Reservation::Refused(refused)),
            }
            let previous = record.last_failure;
            let outcome = policy.record_failure(&mut record, now);
            conn.execute(
                "UPDATE agents SET failures = ?2, last_failure_at = ?3 WHERE id = ?1",
                params![
                    id.to_string(),
                    i64::from(record.consecutive),
                    record.last_failure.map(to_i64).transpose()?
                ],
            )?;
            Ok(Reservation::Counted(Ticket {
                locked_now: outcome.locked_now,
                previous_failure: previous,
                stamped: now,
            }))
        })
        .await
    }

    async fn release_attempt(&self, id: AgentId, ticket: Ticket) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE agents SET
                   last_failure_at = CASE WHEN last_failure_at = ?2 THEN ?3 ELSE last_failure_at END,
                   failures = max(failures - 1, 0)
                 WHERE id = ?1",
                params![
                    id.to_string(),
                    to_i64(ticket.stamped)?,
                    ticket.previous_failure.map(to_i64).transpose()?
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn accept_code(&self, id: AgentId, step: u64) -> Result<bool, StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE agents SET totp_last_step = ?2
                 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
                params![id.to_string(), to_i64(step)?],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn complete_login(&self, completion: LoginCompletion) -> Result<bool, StoreError> {
        self.write(move |conn| complete_login_in(conn, &completion))
            .await
    }

    async fn reset_failures(&self, id: AgentId) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE agents SET failures = 0, last_failure_at = NULL WHERE id = ?1",
                params![id.to_string()],
            )? == 1)
        })
        .await
    }

    async fn reset_totp(&self, id: AgentId) -> Result<bool, StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE agents SET totp_secret = NULL, totp_last_step = NULL, recovery_codes = NULL
                 WHERE id = ?1",
                params![id.to_string()],
            )?;
            conn.execute(
                "DELETE FROM sessions WHERE agent_id = ?1",
                params![id.to_string()],
            )?;
            Ok(changed == 1)
        })
        .await
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn session(&self, hash: SessionTokenHash) -> Result<Option<SessionRecord>, StoreError> {
        self.read(move |conn| session_in(conn, &hash)).await
    }

    async fn touch_session(
        &self,
        hash: SessionTokenHash,
        last_seen: u64,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE sessions SET last_seen = max(last_seen, ?2) WHERE token_hash = ?1",
                params![hash.as_bytes().to_vec(), to_i64(last_seen)?],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![hash.as_bytes().to_vec()],
            )? == 1)
        })
        .await
    }

    async fn delete_sessions_of(&self, id: AgentId) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM sessions WHERE agent_id = ?1",
                params![id.to_string()],
            )?)
        })
        .await
    }

    async fn is_wiped_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM wiped_sessions WHERE token_hash = ?1",
                    params![hash.as_bytes().to_vec()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
        .await
    }

    async fn wipe_delivered(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM wiped_sessions WHERE token_hash = ?1",
                params![hash.as_bytes().to_vec()],
            )? == 1)
        })
        .await
    }

    async fn prune_wiped_sessions(&self, before: u64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM wiped_sessions WHERE ordered_at < ?1",
                params![i64::try_from(before).unwrap_or(i64::MAX)],
            )?)
        })
        .await
    }

    async fn order_wipe(&self, id: AgentId, now: u64) -> Result<Option<usize>, StoreError> {
        // The writer runs each closure inside its (group-commit) transaction.
        self.write(move |conn| {
            let now = i64::try_from(now).unwrap_or(i64::MAX);
            let found = conn.execute(
                "UPDATE agents SET wipe_ordered_at = ?2 WHERE id = ?1",
                params![id.to_string(), now],
            )?;
            if found == 0 {
                return Ok(None);
            }
            // Offline consoles learn of the order when they come back with their token.
            conn.execute(
                "INSERT OR REPLACE INTO wiped_sessions (token_hash, agent_id, ordered_at)
                 SELECT token_hash, agent_id, ?2 FROM sessions WHERE agent_id = ?1",
                params![id.to_string(), now],
            )?;
            let ended = conn.execute(
                "DELETE FROM sessions WHERE agent_id = ?1",
                params![id.to_string()],
            )?;
            Ok(Some(ended))
        })
        .await
    }

    async fn wipe_ordered(&self, id: AgentId) -> Result<bool, StoreError> {
        self.read(move |conn| {
            let ordered: Option<Option<i64>> = conn
                .query_row(
                    "SELECT wipe_ordered_at FROM agents WHERE id = ?1",
                    params![id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(matches!(ordered, Some(Some(_))))
        })
        .await
    }

    async fn clear_wipe(&self, id: AgentId) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE agents SET wipe_ordered_at = NULL WHERE id = ?1",
                params![id.to_string()],
            )?;
            Ok(())
        })
        .await
    }
}

fn complete_login_in(conn: &Connection, c: &LoginCompletion) -> Result<bool, StoreError> {
    let id = c.agent.to_string();
    // First, before anything is written: an enrollment only counts if the account has no
    // secret yet. A second, older enrollment challenge must not replace the first one's secret
    // or recovery codes, nor yield a session.
    if let Some(secret) = &c.enrolled_secret {
        let changed = conn.execute(
            "UPDATE agents SET totp_secret = ?2 WHERE id = ?1 AND totp_secret IS NULL",
            params![id, secret.expose().clone()],
        )?;
        if changed == 0 {
            return Ok(false);
        }
    }
    if let Some(step) = c.totp_step {
        let changed = conn.execute(
            "UPDATE agents SET totp_last_step = ?2
             WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![id, to_i64(step)?],
        )?;
        if changed == 0 {
            return Ok(false);
        }
    }
    if let Some(codes) = &c.recovery_codes {
        let json =
            serde_json::to_string(codes).map_err(|_| StoreError::Corrupt("recovery codes"))?;
        conn.execute(
            "UPDATE agents SET recovery_codes = ?2 WHERE id = ?1",
            params![id, json],
        )?;
    }
    conn.execute(
        "UPDATE agents SET failures = 0, last_failure_at = NULL WHERE id = ?1",
        params![id],
    )?;
    conn.execute(
        "INSERT INTO sessions (token_hash, agent_id, created_at, last_seen) VALUES (?1, ?2, ?3, ?4)",
        params![
            c.session.token_hash.as_bytes().to_vec(),
            id,
            to_i64(c.session.created_at)?,
            to_i64(c.session.last_seen)?
        ],
    )?;
    Ok(true)
}

fn session_in(
    conn: &Connection,
    hash: &SessionTokenHash,
) -> Result<Option<SessionRecord>, StoreError> {
    let row: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT agent_id, created_at, last_seen FROM sessions WHERE token_hash = ?1",
            params![hash.as_bytes().to_vec()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(agent, created, seen)| {
        Ok(SessionRecord {
            user_id: agent,
            token_hash: *hash,
            created_at: to_u64(created)?,
            last_seen: to_u64(seen)?,
        })
    })
    .transpose()
}
