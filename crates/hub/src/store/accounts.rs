//! Staff accounts and sessions: the rows and the [`AccountStore`] and [`SessionStore`]
//! contracts. The rules (what a login needs, when to lock) live in `rampart-auth` and
//! [`crate::login`]; a store only reads and writes rows, atomically where a method says so.

use async_trait::async_trait;
use rampart_auth::SecretBytes;
use rampart_auth::lockout::{Decision, FailureRecord, LockoutPolicy};
use rampart_auth::password::PasswordHash;
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::{SessionRecord, SessionTokenHash};
use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;

use super::StoreError;
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

/// The outcome of [`AccountStore::reserve_attempt`].
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

/// Staff accounts: creation, credentials and the lockout counter.
///
/// Usernames are unique across the hub and compared case-insensitively. Every conditional
/// update here (`set_initial_password`, `accept_code`, `complete_login`, `reserve_attempt`)
/// must be atomic against concurrent callers on any hub instance sharing the database.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account that can log in only after using its enrollment code. Usernames
    /// are unique across the hub (a login names no organisation).
    async fn create_account(&self, account: NewAccount) -> Result<(), StoreError>;

    /// Loads an account by login name (case-insensitive).
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError>;

    /// Every account, by username.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Loads an account by id.
    async fn account(&self, id: AgentId) -> Result<Option<Account>, StoreError>;

    /// Sets the first password and consumes the enrollment code, atomically: the code works
    /// once, and only if it still matches.
    async fn set_initial_password(
        &self,
        id: AgentId,
        enrollment_hash: [u8; 32],
        hash: PasswordHash,
    ) -> Result<bool, StoreError>;

    /// Replaces the stored password hash (rehash on login with new parameters).
    async fn update_password_hash(&self, id: AgentId, hash: PasswordHash)
    -> Result<(), StoreError>;

    /// Reserves one attempt against the lockout policy, atomically: the attempt is counted as
    /// a failure *before* the credential is checked, so parallel requests cannot all slip
    /// through on the same stale counter. Returns the policy's refusal, or whether counting
    /// this attempt locked the account. A correct credential gives the attempt back with
    /// [`AccountStore::release_attempt`]; a completed login resets the counter.
    async fn reserve_attempt(
        &self,
        id: AgentId,
        policy: LockoutPolicy,
        now: u64,
    ) -> Result<Reservation, StoreError>;

    /// Gives back a reserved attempt whose credential was correct: the count drops by one and,
    /// unless another failure was recorded since, the last-failure time is what it was.
    async fn release_attempt(&self, id: AgentId, ticket: Ticket) -> Result<(), StoreError>;

    /// Records a TOTP step accepted outside a login (a console unlocked with a code). Returns
    /// `false`, changing nothing, when that step or a later one was already used, so one code
    /// never serves twice. The failure counter is left to the caller: one factor does not
    /// forgive earlier failures.
    async fn accept_code(&self, id: AgentId, step: u64) -> Result<bool, StoreError>;

    /// Completes a login in one transaction: stores the accepted TOTP step (only if it is newer
    /// than the stored one, so two racing logins cannot both use one code), resets the failure
    /// counter, optionally stores a newly enrolled secret and recovery codes, and stores the
    /// session. Returns false (and writes nothing) if the step was already used.
    async fn complete_login(&self, completion: LoginCompletion) -> Result<bool, StoreError>;

    /// Clears the lockout counter (admin unlock).
    async fn reset_failures(&self, id: AgentId) -> Result<bool, StoreError>;

    /// Forgets an account's TOTP secret, replay state and recovery codes and ends its
    /// sessions, in one transaction: the next login enrolls a new authenticator.
    async fn reset_totp(&self, id: AgentId) -> Result<bool, StoreError>;
}

/// Staff sessions and remote wipes. Session expiry is decided by `rampart-auth` from the
/// stored `created_at` and `last_seen`; a store keeps those faithfully (`last_seen` never moves
/// back) and forgets a session the moment it is deleted.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Loads a session by token hash.
    async fn session(&self, hash: SessionTokenHash) -> Result<Option<SessionRecord>, StoreError>;

    /// Records a session's last use.
    async fn touch_session(&self, hash: SessionTokenHash, last_seen: u64)
    -> Result<(), StoreError>;

    /// Deletes one session. Returns whether it existed.
    async fn delete_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError>;

    /// Deletes every session of an account. Returns how many.
    async fn delete_sessions_of(&self, id: AgentId) -> Result<usize, StoreError>;

    /// Whether this token's session was ended by a remote wipe not yet delivered.
    async fn is_wiped_session(&self, hash: SessionTokenHash) -> Result<bool, StoreError>;

    /// Marks a remote wipe delivered to the console holding this token (it is told once).
    async fn wipe_delivered(&self, hash: SessionTokenHash) -> Result<bool, StoreError>;

    /// Forgets undelivered wipe orders older than `before` (Unix seconds): a console offline
    /// that long has had its cache purged by its own retention.
    async fn prune_wiped_sessions(&self, before: u64) -> Result<usize, StoreError>;

    /// Orders a wipe of the account's devices and ends its sessions, in one transaction.
    /// Returns how many sessions ended, or `None` for an unknown account.
    async fn order_wipe(&self, id: AgentId, now: u64) -> Result<Option<usize>, StoreError>;

    /// Whether a wipe of the account's devices is pending.
    async fn wipe_ordered(&self, id: AgentId) -> Result<bool, StoreError>;

    /// The account signed in again (from a device that was told to wipe, or a new one): the
    /// order has been carried out or is moot.
    async fn clear_wipe(&self, id: AgentId) -> Result<(), StoreError>;
}
