//! Staff login: password, then TOTP, on every login. There is no path to a session that skips
//! the second step: [`Login::start`] can only answer with a challenge, and only
//! [`Login::complete`] (which verifies a TOTP code, with replay protection) creates a session.
//!
//! Challenges live in memory for a few minutes and carry the typed proof that the password was
//! verified (`PasswordVerified`), so the second step needs no password and a hub restart simply
//! asks the agent to start again. Lockout counts password and TOTP failures together.

mod unlock;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::clock::Clock;
use rampart_auth::lockout::{Decision, FailureRecord, LockoutPolicy};
use rampart_auth::password::{
    PasswordContext, PasswordHasher, PasswordPolicy, PasswordVerified, Rejection,
};
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::{SessionPolicy, SessionToken, start_session};
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
use rampart_auth::{SecretBytes, SecretString};
use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;
use rampart_protocol::rest::{AgentProfile, ApiError, ApiErrorCode, LoginStep, SessionGranted};
use sha2::{Digest, Sha256};

use crate::audit::{Audit, AuditError};
use crate::metrics::Metrics;
use crate::net;
use crate::org::OrgId;
use crate::store::{Account, LoginCompletion, NewAccount, Reservation, Store, StoreError, Ticket};

/// How long a new account's enrollment code stays valid.
pub const ENROLLMENT_TTL_SECS: u64 = 72 * 60 * 60;
/// How long the second step may take.
pub const CHALLENGE_TTL_SECS: u64 = 5 * 60;
/// Wrong codes accepted on one challenge before it is dropped (the lockout counts them too).
const CHALLENGE_ATTEMPTS: u32 = 3;

/// Login settings.
#[derive(Clone)]
pub struct LoginPolicy {
    /// Argon2id parameters.
    pub hasher: PasswordHasher,
    /// Lockout schedule.
    pub lockout: LockoutPolicy,
    /// Session lifetimes.
    pub sessions: SessionPolicy,
    /// TOTP algorithm, digits, period.
    pub totp: TotpConfig,
    /// Issuer shown in authenticator apps.
    pub issuer: String,
    /// Password rules.
    pub passwords: PasswordPolicy,
    /// Organisation name (a context word passwords may not contain).
    pub organisation: String,
    /// The rule for replies with card numbers or IDs, told to consoles in the profile.
    pub sensitive_replies: rampart_protocol::rest::SensitiveReplies,
    /// The configured custom secure forms, told to consoles in the profile.
    pub custom_forms: Vec<rampart_protocol::CustomForm>,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            hasher: PasswordHasher::default(),
            lockout: LockoutPolicy::default(),
            sessions: SessionPolicy::default(),
            totp: TotpConfig::default(),
            issuer: "Rampart".to_owned(),
            passwords: PasswordPolicy::default(),
            organisation: String::new(),
            sensitive_replies: rampart_protocol::rest::SensitiveReplies::Confirm,
            custom_forms: Vec::new(),
        }
    }
}

/// Why a login step failed. Each maps to an [`ApiErrorCode`]; messages are safe to show.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Wrong username or password (never says which).
    #[error("wrong username or password")]
    InvalidCredentials,
    /// Wrong TOTP code.
    #[error("wrong authentication code")]
    TotpInvalid,
    /// A code that was already used.
    #[error("this authentication code was already used")]
    TotpReplayed,
    /// The challenge is unknown, used up or expired.
    #[error("the sign-in attempt expired; start again")]
    ChallengeExpired,
    /// Wait before trying again.
    #[error("too many attempts; wait {0} seconds")]
    TooManyAttempts(u64),
    /// Locked until this Unix time.
    #[error("account locked")]
    LockedOut(u64),
    /// No valid session.
    #[error("not signed in")]
    Unauthenticated,
    /// No valid session: it was ended by a remote wipe that its console has not yet been told
    /// of. Shown to clients as [`LoginError::Unauthenticated`]; the agent WebSocket delivers the
    /// wipe.
    #[error("not signed in")]
    DeviceWiped,
    /// The source address is not on the allow-list for this account.
    #[error("this network is not allowed for your account; contact your admin")]
    IpNotAllowed,
    /// The enrollment code is wrong, used or expired.
    #[error("the enrollment code is not valid; ask your admin for a new one")]
    EnrollmentInvalid,
    /// The new password breaks the policy.
    #[error("the password does not meet the policy")]
    PasswordRejected(Vec<Rejection>),
    /// The username is taken.
    #[error("that username is taken")]
    UsernameTaken,
    /// No account has that username (admin commands only; login never says this).
    #[error("no such account")]
    UnknownAccount,
    /// No organisation has that id (admin commands only).
    #[error("no such organisation")]
    UnknownOrg,
    /// A new account's username or display name is unusable (admin commands only).
    #[error("{0}")]
    InvalidAccount(&'static str),
    /// The store, the audit log, the clock or the RNG failed.
    #[error("internal error")]
    Internal,
}

/// Longest username and display name of a new account, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;
/// See [`MAX_USERNAME_CHARS`].
pub const MAX_DISPLAY_NAME_CHARS: usize = 80;

/// A username is ASCII letters, digits and `.`, `_`, `-`, `@` (it is typed at every login and
/// appears in the audit log; ASCII only, so a Cyrillic "аdmin" cannot pose as "admin"); a
/// display name is any printable text (visitors see it).
fn check_new_account(username: &str, display_name: &str) -> Result<(), LoginError> {
    let username_ok = !username.is_empty()
        && username.len() <= MAX_USERNAME_CHARS
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !username_ok {
        return Err(LoginError::InvalidAccount(
            "a username is 1–64 ASCII letters, digits, '.', '_', '-' or '@'",
        ));
    }
    let display = display_name.trim();
    if display.is_empty()
        || display.chars().count() > MAX_DISPLAY_NAME_CHARS
        || display.chars().any(|c| c.is_control() || is_format_char(c))
    {
        return Err(LoginError::InvalidAccount(
            "a display name is 1–80 printable characters",
        ));
    }
    Ok(())
}

/// Invisible formatting characters (bidi overrides, zero-width) that could disguise a name.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

impl LoginError {
    /// The API error body for this failure.
    pub fn to_api(&self) -> ApiError {
        let (code, retry_after_secs, locked_until) = match self {
            Self::InvalidCredentials => (ApiErrorCode::InvalidCredentials, None, None),
            Self::TotpInvalid => (ApiErrorCode::TotpInvalid, None, None),
            Self::TotpReplayed => (ApiErrorCode::TotpReplayed, None, None),
            Self::ChallengeExpired => (ApiErrorCode::ChallengeExpired, None, None),
            Self::TooManyAttempts(secs) => (ApiErrorCode::TooManyAttempts, Some(*secs), None),
            Self::LockedOut(until) => (
                ApiErrorCode::LockedOut,
                None,
                i64::try_from(*until).ok().map(|s| s.saturating_mul(1000)),
            ),
            Self::Unauthenticated | Self::DeviceWiped => {
                (ApiErrorCode::Unauthenticated, None, None)
            }
            Self::IpNotAllowed => (ApiErrorCode::IpNotAllowed, None, None),
            Self::EnrollmentInvalid => (ApiErrorCode::EnrollmentInvalid, None, None),
            Self::PasswordRejected(_) => (ApiErrorCode::PasswordRejected, None, None),
            Self::UsernameTaken => (ApiErrorCode::UsernameTaken, None, None),
            Self::UnknownAccount | Self::UnknownOrg => {
                (ApiErrorCode::InvalidCredentials, None, None)
            }
            Self::InvalidAccount(_) => (ApiErrorCode::Malformed, None, None),
            Self::Internal => (ApiErrorCode::Internal, None, None),
        };
        let rejections = match self {
            Self::PasswordRejected(reasons) => reasons
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect(),
            _ => Vec::new(),
        };
        ApiError {
            code,
            message: self.to_string(),
            retry_after_secs,
            locked_until,
            rejections,
            issues: Vec::new(),
        }
    }
}

impl From<StoreError> for LoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => return Self::UsernameTaken,
            StoreError::OrgNotFound => return Self::UnknownOrg,
            _ => {}
        }
        tracing::error!(%error, "login: store failure");
        Self::Internal
    }
}

impl From<AuditError> for LoginError {
    fn from(error: AuditError) -> Self {
        tracing::error!(%error, "login: audit failure; refusing");
        Self::Internal
    }
}

impl From<rampart_auth::Error> for LoginError {
    fn from(error: rampart_auth::Error) -> Self {
        tracing::error!(%error, "login: auth failure");
        Self::Internal
    }
}

/// A verified session for one request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who.
    pub agent: AgentProfile,
    /// Their organisation: everything they see and do is within it.
    pub org: OrgId,
    /// When the session ends at the latest (Unix seconds).
    pub expires_at: u64,
}

struct Pending {
    agent: AgentId,
    verified: PasswordVerified,
    /// Set on first login: the secret being enrolled.
    enrolling: Option<TotpSecret>,
    expires_at: u64,
    attempts_left: u32,
}

/// The login service. Cheap to clone.
#[derive(Clone)]
pub struct Login {
    store: Store,
    audit: Audit,
    clock: Arc<dyn Clock>,
    policy: Arc<LoginPolicy>,
    pending: Arc<Mutex<HashMap<[u8; 32], Pending>>>,
    metrics: Metrics,
    hashing: Arc<tokio::sync::Semaphore>,
    unknown: Arc<Mutex<HashMap<[u8; 32], FailureRecord>>>,
}

/// Unknown usernames whose failures are tracked at most (a spray of names cannot grow this).
const UNKNOWN_TRACKED: usize = 10_000;

/// How long a login may wait for a password-hashing slot before it is refused.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Password hashes computed at once: one per core (Argon2id is CPU- and memory-bound).
fn hashing_slots() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 16)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn account_target(id: AgentId) -> Target {
    Target::new(TargetKind::Account, &id.to_string())
}

impl Login {
    /// The profile a session of `account` carries, with the organisation's rules for it.
    fn profile(&self, account: &crate::store::Account) -> AgentProfile {
        AgentProfile {
            id: account.id,
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            sensitive_replies: self.policy.sensitive_replies,
            custom_forms: self.policy.custom_forms.clone(),
        }
    }

    /// The name of `org` (a context word passwords may not contain): the configured one for
    /// the `default` organisation.
    async fn org_name(&self, org: &OrgId) -> Result<String, LoginError> {
        if org.is_default() {
            return Ok(self.policy.organisation.clone());
        }
        Ok(self
            .store
            .org(org)
            .await?
            .map_or_else(|| org.to_string(), |o| o.name))
    }

    /// The issuer authenticator apps show for an account of `org`.
    async fn issuer(&self, org: &OrgId) -> Result<String, LoginError> {
        if org.is_default() {
            return Ok(self.policy.issuer.clone());
        }
        Ok(format!(
            "Rampart ({})",
            self.org_name(org).await?.replace(':', " ")
        ))
    }

    /// A login service over `store`, auditing to `audit`, reading time from `clock`.
    pub fn new(store: Store, audit: Audit, clock: Arc<dyn Clock>, policy: LoginPolicy) -> Self {
        Self {
            store,
            audit,
            clock,
            policy: Arc::new(policy),
            pending: Arc::default(),
            metrics: Metrics::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(hashing_slots())),
            unknown: Arc::default(),
        }
    }

    /// Counts failures in `metrics` instead of a private registry.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Runs Argon2 work on the blocking pool, at most a few at a time: a burst of logins queues
    /// here (and is refused after a wait) instead of claiming 46 MiB per blocking thread.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, LoginError> {
        let permit = tokio::time::timeout(HASHING_WAIT, Arc::clone(&self.hashing).acquire_owned())
            .await
            .map_err(|_| LoginError::TooManyAttempts(5))?
            .map_err(|_| LoginError::Internal)?;
        let result = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|_| LoginError::Internal)?;
        Ok(result)
    }

    /// The idle timeout of sessions, in seconds.
    pub fn idle_timeout_secs(&self) -> u32 {
        u32::try_from(self.policy.sessions.idle_secs).unwrap_or(u32::MAX)
    }

    fn now(&self) -> Result<u64, LoginError> {
        Ok(self.clock.unix_now()?)
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Pending>> {
        // A panic while holding this lock cannot leave a half-written entry (inserts and
        // removals are single operations), so a poisoned map is still consistent.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn audit(&self, event: AuditEvent, origin: Option<IpAddr>) -> Result<(), LoginError> {
        let event = match origin {
            Some(ip) => event.from_ip(ip),
            None => event,
        };
        self.audit.record(event, self.now()?).await?;
        Ok(())
    }

    /// Enforces the allow-list for `origin` (no origin: an internal caller such as the CLI):
    /// the account's organisation's org-wide and role layers. `account: None` (before the
    /// account is known) admits an address some organisation's org-wide layer admits.
    async fn check_network(
        &self,
        account: Option<&Account>,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        self.check_network_layers(account, origin, true).await
    }

    /// [`Self::check_network`]; with `role_layer: false`, only the account's organisation's
    /// org-wide layer (the password step: another organisation's network is no way in, and the
    /// role is not revealed before the second factor).
    async fn check_network_layers(
        &self,
        account: Option<&Account>,
        origin: Option<IpAddr>,
        role_layer: bool,
    ) -> Result<(), LoginError> {
        let Some(ip) = origin else {
            return Ok(());
        };
        let entries = self.store.allow_entries().await?;
        let admitted = match account {
            Some(a) => net::allows(&entries, &a.org, role_layer.then_some(a.role), ip),
            // Without entries no organisation restricts anything: skip reading the list.
            None if entries.is_empty() => true,
            None => {
                let orgs: Vec<OrgId> = self.store.orgs().await?.into_iter().map(|o| o.id).collect();
                net::allows_some_org(&entries, &orgs, ip)
            }
        };
        if admitted {
            return Ok(());
        }
        let actor = match account {
            Some(a) => Actor::named_user(&a.id.to_string(), &a.username),
            None => Actor::System,
        };
        let mut event = AuditEvent::new(actor, Action::IpDenied).failed("not_allowed");
        if let Some(a) = account {
            event = event.on(account_target(a.id));
        }
        self.audit(event, origin).await?;
        Err(LoginError::IpNotAllowed)
    }

    /// Reserves this attempt against the lockout policy (atomically, so parallel requests
    /// cannot share one stale counter). Refuses without checking anything when the account
    /// must wait or is locked. Returns whether counting this attempt locked the account.
    async fn reserve(
        &self,
        account: &Account,
        origin: Option<IpAddr>,
    ) -> Result<Ticket, LoginError> {
        let now = self.now()?;
        let decision = match self
            .store
            .reserve_attempt(account.id, self.policy.lockout, now)
            .await?
        {
            Reservation::Counted(ticket) => return Ok(ticket),
            Reservation::Refused(decision) => decision,
        };
        let (reason, error) = match decision {
            Decision::Wait { seconds } => ("throttled", LoginError::TooManyAttempts(seconds)),
            Decision::Locked { until } => ("locked", LoginError::LockedOut(until)),
            Decision::Allow => return Err(LoginError::Internal),
        };
        let event = AuditEvent::new(
            Actor::named_user(&account.id.to_string(), &account.username),
            Action::LoginFailed,
        )
        .on(account_target(account.id))
        .failed(reason);
        self.audit(event, origin).await?;
        Err(error)
    }

    /// Applies the lockout policy to a username that has no account, exactly as to a real
    /// one, so throttling answers do not reveal which usernames exist. Kept in memory, bounded.
    fn unknown_attempt(&self, username: &str) -> Result<(), LoginError> {
        let now = self.now()?;
        let key = sha256(username.to_lowercase().as_bytes());
        let mut unknown = self
            .unknown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if unknown.len() >= UNKNOWN_TRACKED {
            let keep = self.policy.lockout.lock_secs;
            unknown.retain(|_, r| r.last_failure.is_some_and(|t| now.saturating_sub(t) < keep));
            if unknown.len() >= UNKNOWN_TRACKED {
                unknown.clear();
            }
        }
        let record = unknown.entry(key).or_default();
        match self.policy.lockout.decide(record, now) {
            Decision::Allow => {
                self.policy.lockout.record_failure(record, now);
                Ok(())
            }
            Decision::Wait { seconds } => Err(LoginError::TooManyAttempts(seconds)),
            Decision::Locked { until } => Err(LoginError::LockedOut(until)),
        }
    }

    /// Audits a failed check (already counted by [`Login::reserve`]), and the lock if counting
    /// it locked the account.
    async fn fail(
        &self,
        account: &Account,
        action: Action,
        reason: &str,
        locked_now: bool,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        self.metrics.auth_failures.inc();
        let actor = Actor::named_user(&account.id.to_string(), &account.username);
        self.audit(
            AuditEvent::new(actor.clone(), action)
                .on(account_target(account.id))
                .failed(reason),
            origin,
        )
        .await?;
        if locked_now {
            self.audit(
                AuditEvent::new(actor, Action::AccountLocked).on(account_target(account.id)),
                origin,
            )
            .await?;
        }
        Ok(())
    }

    /// Creates a staff account in the `default` organisation; see [`Login::create_agent_in`].
    pub async fn create_agent(
        &self,
        by: Actor,
        username: &str,
        display_name: &str,
        role: Role,
        origin: Option<IpAddr>,
    ) -> Result<(AgentId, SecretString), LoginError> {
        self.create_agent_in(
            by,
            &OrgId::default_org(),
            username,
            display_name,
            role,
            origin,
        )
        .await
    }

    /// Creates a staff account of `org` and returns its one-time enrollment code (shown once
    /// to the admin, who hands it to the agent). The agent sets a password with it; no one else
    /// ever knows the password. [`LoginError::UnknownOrg`] if `org` does not exist.
    pub async fn create_agent_in(
        &self,
        by: Actor,
        org: &OrgId,
        username: &str,
        display_name: &str,
        role: Role,
        origin: Option<IpAddr>,
    ) -> Result<(AgentId, SecretString), LoginError> {
        check_new_account(username, display_name)?;
        let now = self.now()?;
        let random: [u8; 16] = rand::random();
        let code = SecretString::new(hex(&random));
        let id = AgentId::new();
        if self.store.account_by_username(username).await?.is_some() {
            return Err(LoginError::UsernameTaken);
        }
        let event = || {
            AuditEvent::new(by.clone(), Action::AccountCreated)
                .on(account_target(id))
                .with_detail("role", crate::store::role_label(role))
                .and_then(|e| e.with_detail("org", org.as_str()))
                .map_err(|_| LoginError::Internal)
        };
        // Recorded first: an account the audit log does not know of is never created.
        self.audit(event()?, origin).await?;
        let created = self
            .store
            .create_account(NewAccount {
                id,
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                role,
                org: org.clone(),
                enrollment_hash: sha256(code.expose().as_bytes()),
                enrollment_expires_at: now.saturating_add(ENROLLMENT_TTL_SECS),
                now,
            })
            .await;
        if let Err(error) = created {
            // Taken in a race since the check above, or the store failed: on record too.
            let code = if matches!(error, StoreError::UsernameTaken) {
                "username_taken"
            } else {
                "store_failed"
            };
            let _ = self.audit(event()?.failed(code), origin).await;
            return Err(error.into());
        }
        Ok((id, code))
    }

    /// Sets an account's first password with its enrollment code. The code works once.
    pub async fn enroll_password(
        &self,
        username: &str,
        enrollment_code: &SecretString,
        new_password: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let account = self.store.account_by_username(username).await?;
        let Some(account) = account else {
            self.unknown_attempt(username)?;
            let event =
                AuditEvent::new(Actor::System, Action::CredentialChanged).failed("unknown_user");
            self.audit(event, origin).await?;
            return Err(LoginError::EnrollmentInvalid);
        };
        let ticket = self.reserve(&account, origin).await?;
        let presented = sha256(enrollment_code.expose().as_bytes());
        let valid = matches!(account.enrollment, Some((hash, expires)) if hash == presented && expires > self.now()?);
        if !valid {
            self.fail(
                &account,
                Action::CredentialChanged,
                "enrollment_invalid",
                ticket.locked_now,
                origin,
            )
            .await?;
            return Err(LoginError::EnrollmentInvalid);
        }
        // The code was right: this attempt was not a failure.
        self.store.release_attempt(account.id, ticket).await?;
        let context = PasswordContext {
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            email: String::new(),
            organisation: self.org_name(&account.org).await?,
        };
        let rejections = self.policy.passwords.evaluate(new_password, &context);
        if !rejections.is_empty() {
            return Err(LoginError::PasswordRejected(rejections));
        }
        let hasher = self.policy.hasher.clone();
        let password = SecretString::new(new_password.expose().clone());
        let hash = self.hashing(move || hasher.hash(&password)).await??;
        if !self
            .store
            .set_initial_password(account.id, presented, hash)
            .await?
        {
            return Err(LoginError::EnrollmentInvalid);
        }
        let actor = Actor::named_user(&account.id.to_string(), &account.username);
        self.audit(
            AuditEvent::new(actor, Action::CredentialChanged).on(account_target(account.id)),
            origin,
        )
        .await
    }

    /// Step one: username and password. Answers which second step is needed; never a session.
    pub async fn start(
        &self,
        username: &str,
        password: SecretString,
        origin: Option<IpAddr>,
    ) -> Result<LoginStep, LoginError> {
        self.check_network(None, origin).await?;
        let account = self.store.account_by_username(username).await?;
        let Some(account) = account else {
            // Same answers as for a real account (waits, locks) and the same work, so neither
            // the responses nor their timing reveal which usernames exist.
            self.unknown_attempt(username)?;
            let hasher = self.policy.hasher.clone();
            let _ = self
                .hashing(move || hasher.verify_unknown_user(&password))
                .await?;
            self.metrics.auth_failures.inc();
            let event = AuditEvent::new(Actor::System, Action::LoginFailed).failed("unknown_user");
            self.audit(event, origin).await?;
            return Err(LoginError::InvalidCredentials);
        };
        // From here the account's own organisation decides: an address another organisation
        // admits does not reach this account's password (nor count towards its lockout).
        self.check_network_layers(Some(&account), origin, false)
            .await?;
        let ticket = self.reserve(&account, origin).await?;
        let Some(stored) = account.password_hash.clone() else {
            // Same work as a real check, so timing does not reveal unenrolled accounts.
            let hasher = self.policy.hasher.clone();
            let _ = self
                .hashing(move || hasher.verify_unknown_user(&password))
                .await?;
            self.fail(
                &account,
                Action::LoginFailed,
                "not_enrolled",
                ticket.locked_now,
                origin,
            )
            .await?;
            return Err(LoginError::InvalidCredentials);
        };
        let hasher = self.policy.hasher.clone();
        let (verified, rehash) = self
            .hashing(move || {
                let verified = hasher.verify(&password, &stored);
                let rehash = match &verified {
                    Ok(_) if hasher.needs_rehash(&stored) => hasher.hash(&password).ok(),
                    _ => None,
                };
                (verified, rehash)
            })
            .await?;
        let verified = match verified {
            Ok(verified) => verified,
            Err(rampart_auth::Error::InvalidCredentials) => {
                self.fail(
                    &account,
                    Action::LoginFailed,
                    "wrong_password",
                    ticket.locked_now,
                    origin,
                )
                .await?;
                return Err(LoginError::InvalidCredentials);
            }
            Err(other) => return Err(other.into()),
        };
        // The password was right: this attempt was not a failure. (The role's allow-list is
        // checked after the second factor, so it cannot serve as a password oracle.)
        self.store.release_attempt(account.id, ticket).await?;
        if let Some(new_hash) = rehash {
            self.store
                .update_password_hash(account.id, new_hash)
                .await?;
        }

        let now = self.now()?;
        let random: [u8; 32] = rand::random();
        let challenge = hex(&random);
        let expires_at = now.saturating_add(CHALLENGE_TTL_SECS);
        let expires_ms = i64::try_from(expires_at)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        let (step, enrolling) = if account.totp_secret.is_some() {
            (
                LoginStep::TotpRequired {
                    challenge: challenge.clone(),
                    expires_at: expires_ms,
                },
                None,
            )
        } else {
            let secret = TotpSecret::generate()?;
            let totp = Totp::new(
                &secret,
                self.policy.totp,
                &self.issuer(&account.org).await?,
                &account.username,
            )?;
            let step = LoginStep::EnrollmentRequired {
                challenge: challenge.clone(),
                expires_at: expires_ms,
                otpauth_uri: totp.otpauth_uri()?.expose().clone(),
                qr_svg: totp.qr_svg()?.expose().clone(),
            };
            (step, Some(secret))
        };
        let mut pending = self.pending();
        pending.retain(|_, p| p.expires_at > now);
        pending.insert(
            sha256(challenge.as_bytes()),
            Pending {
                agent: account.id,
                verified,
                enrolling,
                expires_at,
                attempts_left: CHALLENGE_ATTEMPTS,
            },
        );
        Ok(step)
    }

    /// Step two: the TOTP code. On success stores the accepted step (replay protection) and
    /// the session atomically, resets the failure counter, and returns the token.
    pub async fn complete(
        &self,
        challenge: &str,
        code: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<SessionGranted, LoginError> {
        let now = self.now()?;
        let key = sha256(challenge.as_bytes());
        let Some(pending) = self.pending().remove(&key) else {
            return Err(LoginError::ChallengeExpired);
        };
        if pending.expires_at <= now {
            return Err(LoginError::ChallengeExpired);
        }
        let account = self
            .store
            .account(pending.agent)
            .await?
            .ok_or(LoginError::ChallengeExpired)?;
        let ticket = self.reserve(&account, origin).await?;

        let (secret, enrolling) = match (&pending.enrolling, &account.totp_secret) {
            (Some(new), _) => (new.clone(), true),
            (None, Some(stored)) => (
                TotpSecret::from_bytes(SecretBytes::new(stored.expose().clone()))?,
                false,
            ),
            (None, None) => return Err(LoginError::ChallengeExpired),
        };
        let totp = Totp::new(
            &secret,
            self.policy.totp,
            &self.policy.issuer,
            &account.username,
        )?;
        let last = if enrolling {
            None
        } else {
            account.totp_last_step
        };
        let accepted = match totp.verify(code.expose(), now, last) {
            Ok(accepted) => accepted,
            Err(rampart_auth::Error::TotpReplay { .. }) => {
                self.fail(
                    &account,
                    Action::TotpReplayed,
                    "replayed",
                    ticket.locked_now,
                    origin,
                )
                .await?;
                self.keep_pending(key, pending);
                return Err(LoginError::TotpReplayed);
            }
            Err(rampart_auth::Error::TotpInvalid | rampart_auth::Error::TotpMalformed) => {
                self.fail(
                    &account,
                    Action::TotpFailed,
                    "wrong_code",
                    ticket.locked_now,
                    origin,
                )
                .await?;
                self.keep_pending(key, pending);
                return Err(LoginError::TotpInvalid);
            }
            Err(other) => return Err(other.into()),
        };
        // Both factors are right. Only now does the role's allow-list speak, so someone outside
        // it cannot use the answer to confirm a password.
        if let Err(denied) = self.check_network(Some(&account), origin).await {
            self.store.release_attempt(account.id, ticket).await?;
            return Err(denied);
        }

        let (token, record, session) = start_session(
            &account.id.to_string(),
            pending.verified,
            accepted.into(),
            &self.policy.sessions,
            now,
        )?;
        let (recovery_codes, recovery_set) = if enrolling {
            let (codes, set) = RecoveryCodeSet::generate()?;
            (codes, Some(set))
        } else {
            (Vec::new(), None)
        };
        let stored = self
            .store
            .complete_login(LoginCompletion {
                agent: account.id,
                totp_step: Some(accepted.step()),
                enrolled_secret: enrolling
                    .then(|| SecretBytes::new(secret.expose_bytes().to_vec())),
                recovery_codes: recovery_set,
                session: record,
            })
            .await?;
        if !stored {
            if enrolling {
                // Another challenge completed enrollment first; this one's secret is void.
                self.fail(
                    &account,
                    Action::TotpFailed,
                    "enrollment_superseded",
                    ticket.locked_now,
                    origin,
                )
                .await?;
                return Err(LoginError::ChallengeExpired);
            }
            // Another login used this code between our check and our write.
            self.fail(
                &account,
                Action::TotpReplayed,
                "replayed_concurrently",
                ticket.locked_now,
                origin,
            )
            .await?;
            return Err(LoginError::TotpReplayed);
        }
        // Other pending challenges of this account (e.g. an older enrollment) are void now.
        self.pending().retain(|_, p| p.agent != account.id);
        // A fresh login ends a pending remote wipe: the devices it was meant for had their
        // sessions ended with it, and this one starts clean.
        self.store.clear_wipe(account.id).await?;
        let actor = Actor::named_user(&account.id.to_string(), &account.username);
        if enrolling {
            self.audit(
                AuditEvent::new(actor.clone(), Action::TotpEnrolled).on(account_target(account.id)),
                origin,
            )
            .await?;
        }
        self.audit(
            AuditEvent::new(actor.clone(), Action::LoginSucceeded).on(account_target(account.id)),
            origin,
        )
        .await?;
        self.audit(
            AuditEvent::new(actor, Action::SessionCreated).on(account_target(account.id)),
            origin,
        )
        .await?;

        Ok(SessionGranted {
            token: SecretString::new(token.expose().to_owned()),
            expires_at: i64::try_from(session.expires_at())
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            idle_timeout_secs: u32::try_from(self.policy.sessions.idle_secs).unwrap_or(u32::MAX),
            agent: self.profile(&account),
            recovery_codes: recovery_codes
                .iter()
                .map(|c| SecretString::new(c.expose().to_owned()))
                .collect(),
        })
    }

    fn keep_pending(&self, key: [u8; 32], mut pending: Pending) {
        pending.attempts_left = pending.attempts_left.saturating_sub(1);
        if pending.attempts_left > 0 {
            self.pending().insert(key, pending);
        }
    }

    /// Checks a bearer token and records its use (resetting the idle timer). Expired and idle
    /// sessions are deleted and audited.
    pub async fn authenticate(
        &self,
        token: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<Authenticated, LoginError> {
        self.check_session(token, origin, true).await
    }

    /// The console holding `token` was told to wipe (its session was ended by a remote wipe
    /// while it was offline); the order is not repeated to it.
    pub async fn wipe_delivered(&self, token: &SecretString) -> Result<(), LoginError> {
        let presented = SessionToken::from_presented(SecretString::new(token.expose().clone()));
        self.store.wipe_delivered(presented.hash()).await?;
        Ok(())
    }

    /// Checks a bearer token without counting it as activity: an open WebSocket re-checks its
    /// session periodically, and merely being connected must not keep a session alive.
    pub async fn verify_session(
        &self,
        token: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<Authenticated, LoginError> {
        self.check_session(token, origin, false).await
    }

    async fn check_session(
        &self,
        token: &SecretString,
        origin: Option<IpAddr>,
        touch: bool,
    ) -> Result<Authenticated, LoginError> {
        let presented = SessionToken::from_presented(SecretString::new(token.expose().clone()));
        let hash = presented.hash();
        let Some(mut record) = self.store.session(hash).await? else {
            if self.store.is_wiped_session(hash).await? {
                return Err(LoginError::DeviceWiped);
            }
            return Err(LoginError::Unauthenticated);
        };
        let now = self.now()?;
        let session = match record.resume(&presented, &self.policy.sessions, now) {
            Ok(session) => session,
            Err(rampart_auth::Error::SessionIdle | rampart_auth::Error::SessionExpired) => {
                self.store.delete_session(hash).await?;
                let event =
                    AuditEvent::new(Actor::user(&record.user_id), Action::SessionExpired).on(
                        Target::new(TargetKind::Session, &hex(&hash.as_bytes()[..8])),
                    );
                self.audit(event, origin).await?;
                return Err(LoginError::Unauthenticated);
            }
            Err(_) => return Err(LoginError::Unauthenticated),
        };
        if touch {
            self.store.touch_session(hash, record.last_seen).await?;
        }
        let agent_id: AgentId = record.user_id.parse().map_err(|_| LoginError::Internal)?;
        let account = self
            .store
            .account(agent_id)
            .await?
            .ok_or(LoginError::Unauthenticated)?;
        // Allow-lists apply to every request, so a change takes effect on open sessions too.
        self.check_network(Some(&account), origin).await?;
        Ok(Authenticated {
            agent: self.profile(&account),
            org: account.org.clone(),
            expires_at: session.expires_at(),
        })
    }

    /// Admin: every staff account of `org`, with its enrollment and lockout state (no secrets).
    pub async fn staff(
        &self,
        org: &OrgId,
    ) -> Result<Vec<rampart_protocol::rest::StaffAccount>, LoginError> {
        let now = self.now()?;
        let accounts = self.store.accounts().await?;
        Ok(accounts
            .into_iter()
            .filter(|account| &account.org == org)
            .map(|account| rampart_protocol::rest::StaffAccount {
                enrolled: account.password_hash.is_some() && account.totp_secret.is_some(),
                locked_until: match self.policy.lockout.decide(&account.failures, now) {
                    Decision::Locked { until } => Some(until),
                    Decision::Allow | Decision::Wait { .. } => None,
                },
                id: account.id,
                username: account.username,
                display_name: account.display_name,
                role: account.role,
            })
            .collect())
    }

    /// The id and organisation of the account with this username, if there is one.
    pub async fn account_of(&self, username: &str) -> Result<Option<(AgentId, OrgId)>, LoginError> {
        Ok(self
            .store
            .account_by_username(username)
            .await?
            .map(|account| (account.id, account.org)))
    }

    async fn admin_target(&self, username: &str) -> Result<Account, LoginError> {
        self.store
            .account_by_username(username)
            .await?
            .ok_or(LoginError::UnknownAccount)
    }

    /// Admin: clears an account's lockout.
    pub async fn unlock(
        &self,
        by: Actor,
        username: &str,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let account = self.admin_target(username).await?;
        self.store.reset_failures(account.id).await?;
        self.audit(
            AuditEvent::new(by, Action::AccountUnlocked).on(account_target(account.id)),
            origin,
        )
        .await
    }

    /// Admin: forgets an account's authenticator (lost phone). Its sessions end, and its next
    /// login enrolls a new one, still behind the password.
    pub async fn reset_totp(
        &self,
        by: Actor,
        username: &str,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let account = self.admin_target(username).await?;
        self.store.reset_totp(account.id).await?;
        self.pending().retain(|_, p| p.agent != account.id);
        self.audit(
            AuditEvent::new(by, Action::TotpReset).on(account_target(account.id)),
            origin,
        )
        .await
    }

    /// Admin: ends every session of an account. Open consoles notice at their next periodic
    /// check (within seconds), or at once when the order came through the admin API of the
    /// hub they are connected to. Returns how many sessions ended.
    pub async fn revoke_sessions(
        &self,
        by: Actor,
        username: &str,
        origin: Option<IpAddr>,
    ) -> Result<usize, LoginError> {
        let account = self.admin_target(username).await?;
        let ended = self.store.delete_sessions_of(account.id).await?;
        let event = AuditEvent::new(by, Action::SessionRevoked)
            .on(account_target(account.id))
            .with_detail("sessions", &ended.to_string())
            .map_err(|_| LoginError::Internal)?;
        self.audit(event, origin).await?;
        Ok(ended)
    }

    /// Remote wipe: ends every session of the account and tells its connected consoles to
    /// delete their local cache and keys (they learn it at their next session check, or at once
    /// through the admin API, as for [`Login::revoke_sessions`]). Audited.
    pub async fn order_wipe(
        &self,
        by: Actor,
        username: &str,
        origin: Option<IpAddr>,
    ) -> Result<usize, LoginError> {
        let account = self.admin_target(username).await?;
        let ended = self
            .store
            .order_wipe(account.id, self.now()?)
            .await?
            .ok_or(LoginError::UnknownAccount)?;
        let event = AuditEvent::new(by, Action::RemoteWipeIssued)
            .on(account_target(account.id))
            .with_detail("sessions", &ended.to_string())
            .map_err(|_| LoginError::Internal)?;
        self.audit(event, origin).await?;
        Ok(ended)
    }

    /// Whether the account's devices must wipe themselves.
    pub async fn wipe_ordered(&self, agent: AgentId) -> Result<bool, LoginError> {
        Ok(self.store.wipe_ordered(agent).await?)
    }

    /// Ends the session behind `token` (logout).
    pub async fn logout(
        &self,
        token: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let authed = self.authenticate(token, origin).await?;
        let hash = SessionToken::from_presented(SecretString::new(token.expose().clone())).hash();
        self.store.delete_session(hash).await?;
        let actor = Actor::named_user(&authed.agent.id.to_string(), &authed.agent.username);
        self.audit(
            AuditEvent::new(actor, Action::SessionRevoked)
                .with_outcome(rampart_audit::Outcome::success()),
            origin,
        )
        .await
    }
}
