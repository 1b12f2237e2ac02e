//! Staff accounts and sessions as stored. The rules (what a login needs, when to lock) live in
//! `rampart-auth` and [`crate::login`]; this module only reads and writes rows.

use rampart_auth::SecretBytes;
use rampart_auth::lockout::{Decision, FailureRecord, LockoutPolicy};
use rampart_auth::password::PasswordHash;
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::{SessionRecord, SessionTokenHash};
use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;
use rusqlite::{Connection, OptionalExtension, params};

use super::orgs::{parse_org, require_org};
use super::{Store, StoreError};
use crate::org::OrgId;

/// An account row. Holds secret material: no `Debug` derive.
pub struct Account {
    /// Id.
    pub id: AgentId,
    /// Login name (unique, case-insensitive).
    pub username: String,
    /// Shown to visitors.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string; `None` until the enrollment code was used.
    pub password_hash: Option<PasswordHash>,
    /// SHA-256 of the one-time enrollment code and its expiry (Unix seconds).
    pub enrollment: Option<([u8; 32], u64)>,
    /// TOTP secret; `None` until TOTP enrollment completes.
    pub totp_secret: Option<SecretBytes>,
    /// Last accepted TOTP step (replay protection).
    pub totp_last_step: Option<u64>,
    /// Recovery codes (hashed).
    pub recovery_codes: Option<RecoveryCodeSet>,
    /// Consecutive failures (lockout).
    pub failures: FailureRecord,
    /// The organisation the account belongs to.
    pub org: OrgId,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

/// The stored (and audited) name of a role.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Supervisor => "supervisor",
        Role::Trainer => "trainer",
        Role::Admin => "admin",
    }
}

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

/// What a new account starts with.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// Shown to visitors.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organisation (must exist).
    pub org: OrgId,
    /// SHA-256 of the one-time enrollment code.
    pub enrollment_hash: [u8; 32],
    /// When the enrollment code expires (Unix seconds).
    pub enrollment_expires_at: u64,
    /// Unix seconds.
    pub now: u64,
}

impl Store {
    /// Creates an account that can log in only after using its enrollment code. Usernames
    /// are unique across the hub (a login names no organisation).
    pub async fn create_account(&self, account: NewAccount) -> Result<(), StoreError> {
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

    /// Loads an account by login name (case-insensitive).
    pub async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
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

    /// Every account, by username.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
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

    /// Loads an account by id.
    pub async fn account(&self, id: AgentId) -> Result<Option<Account>, StoreError> {
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

    /// Sets the first password and consumes the enrollment code, atomically: the code works
    /// once, and only if it still matches.
    pub async fn set_initial_password(
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

    /// Replaces the stored password hash (rehash on login with new parameters).
    pub async fn update_password_hash(
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

    /// Reserves one attempt against the lockout policy, atomically: the attempt is counted as
    /// a failure *before* the credential is checked, so parallel requests cannot all slip
    /// through on the same stale counter. Returns the policy's refusal, or whether counting
    /// this attempt locked the account. A correct credential gives the attempt back with
    /// [`Store::release_attempt`]; a completed login resets the counter.
    pub async fn reserve_attempt(
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

    /// Gives back a reserved attempt whose credential was correct: the count drops by one and,
    /// unless another failure was recorded since, the last-failure time is what it was.
    pub async fn release_attempt(&self, id: AgentId, ticket: Ticket) -> Result<(), StoreError> {
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

    /// Records a TOTP step accepted outside a login (a console unlocked with a code). Returns
    /// `false`, changing nothing, when that step or a later one was already used, so one code
    /// never serves twice. The failure counter is left to the caller: one factor does not
    /// forgive earlier failures.
    pub async fn accept_code(&self, id: AgentId, step: u64) -> Result<bool, StoreError> {
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

    /// Completes a login in one transaction: stores the accepted TOTP step (only if it is newer
    /// than the stored one, so two racing logins cannot both use one code), resets the failure
    /// counter, optionally stores a newly enrolled secret and recovery codes, and stores the
    /// session. Returns false (and writes nothing) if the step was already used.
    pub async fn complete_login(&self, completion: LoginCompletion) -> Result<bool, StoreError> {
        self.write(move |conn| complete_login_in(conn, &completion))
            .await
    }

    /// Loads a session by token hash.
    pub async fn session(
        &self,
        hash: SessionTokenHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.read(move |conn| session_in(conn, &hash)).await
    }

    /// Records a session's last use.
    pub async fn touch_session(
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

    /// Deletes one session. Returns whether it existed.
    pub async fn delete_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![hash.as_bytes().to_vec()],
            )? == 1)
        })
        .await
    }

    /// Whether this token's session was ended by a remote wipe not yet delivered.
    pub async fn is_wiped_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
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

    /// Marks a remote wipe delivered to the console holding this token (it is told once).
    pub async fn wipe_delivered(&self, hash: SessionTokenHash) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM wiped_sessions WHERE token_hash = ?1",
                params![hash.as_bytes().to_vec()],
            )? == 1)
        })
        .await
    }

    /// Forgets undelivered wipe orders older than `before` (Unix seconds): a console offline
    /// that long has had its cache purged by its own retention.
    pub async fn prune_wiped_sessions(&self, before: u64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM wiped_sessions WHERE ordered_at < ?1",
                params![i64::try_from(before).unwrap_or(i64::MAX)],
            )?)
        })
        .await
    }

    /// Clears the lockout counter (admin unlock).
    pub async fn reset_failures(&self, id: AgentId) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE agents SET failures = 0, last_failure_at = NULL WHERE id = ?1",
                params![id.to_string()],
            )? == 1)
        })
        .await
    }

    /// Orders a wipe of the account's devices and ends its sessions, in one transaction.
    /// Returns how many sessions ended, or `None` for an unknown account.
    pub async fn order_wipe(&self, id: AgentId, now: u64) -> Result<Option<usize>, StoreError> {
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

    /// Whether a wipe of the account's devices is pending.
    pub async fn wipe_ordered(&self, id: AgentId) -> Result<bool, StoreError> {
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

    /// The account signed in again (from a device that was told to wipe, or a new one): the
    /// order has been carried out or is moot.
    pub async fn clear_wipe(&self, id: AgentId) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE agents SET wipe_ordered_at = NULL WHERE id = ?1",
                params![id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    /// Forgets an account's TOTP secret, replay state and recovery codes and ends its
    /// sessions, in one transaction: the next login enrolls a new authenticator.
    pub async fn reset_totp(&self, id: AgentId) -> Result<bool, StoreError> {
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

    /// Deletes every session of an account. Returns how many.
    pub async fn delete_sessions_of(&self, id: AgentId) -> Result<usize, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM sessions WHERE agent_id = ?1",
                params![id.to_string()],
            )?)
        })
        .await
    }
}

/// The outcome of [`Store::reserve_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The policy refuses the attempt without checking anything (wait or locked).
    Refused(Decision),
    /// The attempt was counted; `locked_now` when that count locked the account.
    Counted(Ticket),
}

/// A counted attempt, to give back if the credential was right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// Counting this attempt locked the account (audit it if the credential was wrong).
    pub locked_now: bool,
    /// The last-failure time before this attempt.
    pub previous_failure: Option<u64>,
    /// The time this attempt was stamped with.
    pub stamped: u64,
}

/// Everything a successful login writes.
pub struct LoginCompletion {
    /// Who.
    pub agent: AgentId,
    /// The accepted TOTP step, when TOTP was the second factor.
    pub totp_step: Option<u64>,
    /// A TOTP secret confirmed by this login (first enrollment).
    pub enrolled_secret: Option<SecretBytes>,
    /// Recovery codes to store (on enrollment, or after one was redeemed).
    pub recovery_codes: Option<RecoveryCodeSet>,
    /// The new session.
    pub session: SessionRecord,
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
