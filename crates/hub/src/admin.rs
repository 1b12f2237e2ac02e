//! Administration: staff accounts, the IP allow-list and the audit log, for the command line
//! (`rampart-hub agent …`, `allowlist …`, `audit …`) and the API (`/api/v1/admin/…`, role
//! `admin` only, over a TOTP-verified session from an allowed network like every staff call).
//!
//! Every change is audited with who made it and from where. An allow-list change made over
//! the API that would deny the administrator's own address is refused, so an administrator
//! cannot cut themselves off by mistake (the command line on the hub's host still can fix
//! anything).
//!
//! Over the API an administrator manages their own organisation only: its accounts and its
//! allow-list; another organisation's account or entry is "not found". The audit log covers
//! every organisation, so only the `default` (hosting) organisation's administrators verify or
//! export it over the API.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use ipnet::IpNet;
use rampart_audit::{Action, Actor, AuditEvent};
use rampart_auth::clock::Clock;
use rampart_protocol::AgentId;
use rampart_protocol::rest::{
    AgentProfile, AllowListEntry, ApiError, ApiErrorCode, AuditVerification, NewAllowListEntry,
    NewStaff, NewStaffRequest, Role, SessionsEnded, StaffAccount,
};

use crate::audit::{Audit, AuditError};
use crate::http::{Api, ApiFailure, Authed, ClientIp};
use crate::login::{ENROLLMENT_TTL_SECS, LoginError};
use crate::net::AllowEntry;
use crate::org::OrgId;
use crate::store::{AllowChange, Keep, Store, StoreError, decide_add, decide_remove};

/// Why an administrative action failed. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No such allow-list entry.
    #[error("no allow-list entry with that id")]
    NoSuchEntry,
    /// The change would deny the administrator's own address.
    #[error("this change would block your own address ({0}); add an entry that covers it first")]
    WouldLockOut(IpAddr),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The audit log failed (the change was not made).
    #[error("audit: {0}")]
    Audit(#[from] AuditError),
    /// The clock failed.
    #[error("the clock failed")]
    Clock,
}

/// The refusal of a change that would deny `keep`'s address. (Only a guarded change is ever
/// refused; the unspecified address stands in for a guard that is not there.)
fn lock_out(keep: Option<Keep>) -> AdminError {
    AdminError::WouldLockOut(keep.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |k| k.ip))
}

/// Allow-list and audit-log administration. Cheap to clone.
#[derive(Clone)]
pub struct Admin {
    store: Store,
    audit: Audit,
    clock: Arc<dyn Clock>,
}

impl Admin {
    /// Administration over the hub's store and audit log.
    pub fn new(store: Store, audit: Audit, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            audit,
            clock,
        }
    }

    fn now(&self) -> Result<u64, AdminError> {
        self.clock.unix_now().map_err(|_| AdminError::Clock)
    }

    /// `org`'s allow-list entries, in id order.
    pub async fn allow_list(&self, org: &OrgId) -> Result<Vec<AllowEntry>, AdminError> {
        let mut entries = self.store.allow_entries().await?;
        entries.retain(|e| &e.org == org);
        Ok(entries)
    }

    /// Adds an entry to `org`'s list (`role: None`: organisation-wide) and audits it: `Added`
    /// with its id, or `Unchanged` with the id of the entry already listed (audited as
    /// `change: unchanged`, not as an add). With `keep`, refuses a change that would deny that
    /// role of `org` at that address.
    pub async fn add_allow(
        &self,
        by: Actor,
        org: &OrgId,
        role: Option<Role>,
        network: IpNet,
        origin: Option<IpAddr>,
        keep: Option<Keep>,
    ) -> Result<AllowChange, AdminError> {
        let network = network.trunc();
        let event = |change: &str| {
            AuditEvent::new(by.clone(), Action::AllowListChanged)
                .with_detail("change", change)
                .and_then(|e| e.with_detail("network", &network.to_string()))
                .and_then(|e| e.with_detail("role", role_name(role)))
                .and_then(|e| e.with_detail("org", org.as_str()))
                .map_err(|e| AdminError::Audit(e.into()))
        };
        // Decided first on what is listed now, so that the record says what will happen. The
        // store decides again inside the change's transaction (see `guarded`).
        let entries = self.store.allow_entries().await?;
        match decide_add(&entries, org, role, network, keep) {
            AllowChange::Unchanged(id) => {
                let unchanged = event("unchanged")?
                    .with_detail("entry", &id.to_string())
                    .map_err(|e| AdminError::Audit(e.into()))?;
                self.record(unchanged, origin).await?;
                return Ok(AllowChange::Unchanged(id));
            }
            AllowChange::WouldLockOut => return Err(lock_out(keep)),
            _ => {}
        }
        let now = self.now()?;
        self.guarded(event("add")?, origin, keep, || {
            self.store.add_allow(org, role, network, now, keep)
        })
        .await
    }

    /// Removes `org`'s entry `id` and audits it (another organisation's entry is
    /// [`AdminError::NoSuchEntry`]). With `keep`, refuses a change that would deny that role of
    /// `org` at that address.
    pub async fn remove_allow(
        &self,
        by: Actor,
        org: &OrgId,
        id: i64,
        origin: Option<IpAddr>,
        keep: Option<Keep>,
    ) -> Result<(), AdminError> {
        match decide_remove(&self.store.allow_entries().await?, org, id, keep) {
            AllowChange::NotFound => return Err(AdminError::NoSuchEntry),
            AllowChange::WouldLockOut => return Err(lock_out(keep)),
            _ => {}
        }
        let event = AuditEvent::new(by, Action::AllowListChanged)
            .with_detail("change", "remove")
            .and_then(|e| e.with_detail("entry", &id.to_string()))
            .and_then(|e| e.with_detail("org", org.as_str()))
            .map_err(|e| AdminError::Audit(e.into()))?;
        self.guarded(event, origin, keep, || {
            self.store.remove_allow(org, id, keep)
        })
        .await
        .map(|_| ())
    }

    /// Records `event`, then makes the change. The store decides the guard again inside the
    /// change's own transaction, so the check and the write are one step: two administrators
    /// removing the last two entries that admit them cannot both pass the check above and
    /// together shut everyone out. (A lock in this process would not do: the command line runs
    /// in another process, and a shared-database backend may serve several hub instances.)
    /// When the store's answer differs from the one decided before the record, or it fails,
    /// a second record says why nothing changed.
    async fn guarded<F>(
        &self,
        event: AuditEvent,
        origin: Option<IpAddr>,
        keep: Option<Keep>,
        change: impl FnOnce() -> F,
    ) -> Result<AllowChange, AdminError>
    where
        F: Future<Output = Result<AllowChange, StoreError>>,
    {
        // Recorded first: without the record there is no change.
        self.record(event.clone(), origin).await?;
        let changed = change().await;
        let why = match &changed {
            Ok(AllowChange::Added(_) | AllowChange::Removed) => return Ok(changed?),
            Ok(AllowChange::Unchanged(_)) => "unchanged",
            Ok(AllowChange::NotFound) => "not_found",
            Ok(AllowChange::WouldLockOut) => "would_lock_out",
            Err(_) => "store_failed",
        };
        let _ = self.record(event.failed(why), origin).await;
        match changed? {
            AllowChange::NotFound => Err(AdminError::NoSuchEntry),
            AllowChange::WouldLockOut => Err(lock_out(keep)),
            other => Ok(other),
        }
    }

    /// Verifies the audit chain; names the first problem. Recorded in the log.
    pub async fn verify_audit(
        &self,
        by: Actor,
        origin: Option<IpAddr>,
    ) -> Result<AuditVerification, AdminError> {
        let audit = self.audit.clone();
        let verified = tokio::task::spawn_blocking(move || audit.log().verify(None))
            .await
            .map_err(|_| AdminError::Audit(AuditError::Task))?;
        let result = match verified {
            Ok(summary) => AuditVerification {
                ok: true,
                records: summary.records,
                problem: None,
            },
            Err(problem) => AuditVerification {
                ok: false,
                records: 0,
                problem: Some(problem.to_string()),
            },
        };
        let mut event = AuditEvent::new(by, Action::AuditVerified);
        if !result.ok {
            event = event.failed("tampered");
        }
        // A log that fails verification can still take a record: the chain goes on from its
        // current head, and the failure itself is on record.
        self.record(event, origin).await?;
        Ok(result)
    }

    /// Records that `by` exports the audit log (before any of it is sent).
    pub async fn exporting_audit(
        &self,
        by: Actor,
        origin: Option<IpAddr>,
    ) -> Result<(), AdminError> {
        self.record(AuditEvent::new(by, Action::AuditExported), origin)
            .await
    }

    async fn record(&self, event: AuditEvent, origin: Option<IpAddr>) -> Result<(), AdminError> {
        let event = match origin {
            Some(ip) => event.from_ip(ip),
            None => event,
        };
        self.audit.record(event, self.now()?).await?;
        Ok(())
    }

    /// The audit log as JSON Lines, streamed in chunks as it is read (constant memory, however
    /// long the log). A failure part-way ends the body with an error, so the client sees a
    /// broken transfer rather than a log that looks complete.
    fn export_stream(&self) -> Body {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
        let audit = self.audit.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = std::io::BufWriter::with_capacity(CHUNK, ChannelWriter(tx.clone()));
            let exported = audit.log().export_jsonl(&mut writer);
            let flushed = std::io::Write::flush(&mut writer);
            if exported.is_err() || flushed.is_err() {
                tracing::error!("audit export failed part-way");
                let _ = tx.blocking_send(Err(std::io::Error::other("audit export failed")));
            }
        });
        Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }))
    }
}

/// Bytes per chunk of an audit export.
const CHUNK: usize = 64 * 1024;

/// Sends what is written to the response body; fails once the client has gone.
struct ChannelWriter(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(bytes)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn role_name(role: Option<Role>) -> &'static str {
    role.map_or("everyone", crate::store::role_label)
}

// --- HTTP ---

/// A request by a signed-in administrator.
pub struct AdminAuthed {
    who: AgentProfile,
    org: OrgId,
    ip: IpAddr,
}

impl AdminAuthed {
    fn actor(&self) -> Actor {
        Actor::named_user(&self.who.id.to_string(), &self.who.username)
    }

    /// Keeps the administrator's own access through an allow-list change.
    fn keep(&self) -> Option<Keep> {
        Some(Keep {
            role: self.who.role,
            ip: self.ip,
        })
    }

    /// Refuses what spans every organisation unless the administrator is the hosting one's.
    fn require_hosting(&self) -> Result<(), ApiFailure> {
        if self.org.is_default() {
            Ok(())
        } else {
            Err(ApiFailure(ApiError::new(
                ApiErrorCode::Forbidden,
                "the audit log covers every organisation on this hub; ask the hub's operator",
            )))
        }
    }

    /// The id of `username` if it is an account of the administrator's organisation; another
    /// organisation's account is "no such account", like one that does not exist.
    async fn own_account_id(&self, api: &Api, username: &str) -> Result<AgentId, ApiFailure> {
        match api.login.account_of(username).await {
            Ok(Some((id, org))) if org == self.org => Ok(id),
            Ok(_) => Err(account_failure(LoginError::UnknownAccount)),
            Err(error) => Err(error.into()),
        }
    }

    /// `username` if it is an account of the administrator's organisation (see
    /// [`AdminAuthed::own_account_id`]).
    async fn own_account<'a>(&self, api: &Api, username: &'a str) -> Result<&'a str, ApiFailure> {
        self.own_account_id(api, username).await.map(|_| username)
    }
}

impl FromRequestParts<Api> for AdminAuthed {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, api).await?;
        let Authed(authed, _) = Authed::from_request_parts(parts, api).await?;
        if authed.agent.role != Role::Admin {
            return Err(ApiFailure(ApiError::new(
                ApiErrorCode::Forbidden,
                "only administrators may do this",
            )));
        }
        Ok(Self {
            who: authed.agent,
            org: authed.org,
            ip,
        })
    }
}

impl From<AdminError> for ApiFailure {
    fn from(error: AdminError) -> Self {
        let code = match &error {
            AdminError::NoSuchEntry => ApiErrorCode::NotFound,
            AdminError::WouldLockOut(_) => ApiErrorCode::WouldLockOut,
            AdminError::Store(_) | AdminError::Audit(_) | AdminError::Clock => {
                tracing::error!(%error, "administration failed");
                return Self(ApiError::new(ApiErrorCode::Internal, "the change failed"));
            }
        };
        Self(ApiError::new(code, error.to_string()))
    }
}

/// A login-service failure of an administrative call: an unknown account is "not found" here
/// (only sign-in must not say whether an account exists).
fn account_failure(error: LoginError) -> ApiFailure {
    match error {
        LoginError::UnknownAccount => {
            ApiFailure(ApiError::new(ApiErrorCode::NotFound, "no such account"))
        }
        other => other.into(),
    }
}

/// The administration routes.
pub fn routes() -> Router<Api> {
    Router::new()
        .route("/api/v1/admin/accounts", get(accounts).post(create_account))
        .route("/api/v1/admin/accounts/{username}/unlock", post(unlock))
        .route(
            "/api/v1/admin/accounts/{username}/reset-totp",
            post(reset_totp),
        )
        .route("/api/v1/admin/accounts/{username}/revoke", post(revoke))
        .route("/api/v1/admin/accounts/{username}/wipe", post(wipe))
        .route("/api/v1/admin/allowlist", get(allow_list).post(add_allow))
        .route("/api/v1/admin/allowlist/{id}", delete(remove_allow))
        .route("/api/v1/admin/audit/verify", get(verify_audit))
        .route("/api/v1/admin/audit/export", get(export_audit))
}

async fn accounts(
    State(api): State<Api>,
    admin: AdminAuthed,
) -> Result<Json<Vec<StaffAccount>>, ApiFailure> {
    Ok(Json(api.login.staff(&admin.org).await?))
}

async fn create_account(
    State(api): State<Api>,
    admin: AdminAuthed,
    body: Result<Json<NewStaffRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<NewStaff>), ApiFailure> {
    let Json(request) = body?;
    let (id, code) = api
        .login
        .create_agent_in(
            admin.actor(),
            &admin.org,
            &request.username,
            &request.display_name,
            request.role,
            Some(admin.ip),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewStaff {
            id,
            username: request.username,
            enrollment_code: code,
            valid_hours: u32::try_from(ENROLLMENT_TTL_SECS / 3600).unwrap_or(u32::MAX),
        }),
    ))
}

async fn unlock(
    State(api): State<Api>,
    admin: AdminAuthed,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    api.login
        .unlock(
            admin.actor(),
            admin.own_account(&api, &username).await?,
            Some(admin.ip),
        )
        .await
        .map_err(account_failure)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reset_totp(
    State(api): State<Api>,
    admin: AdminAuthed,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    api.login
        .reset_totp(
            admin.actor(),
            admin.own_account(&api, &username).await?,
            Some(admin.ip),
        )
        .await
        .map_err(account_failure)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(
    State(api): State<Api>,
    admin: AdminAuthed,
    Path(username): Path<String>,
) -> Result<Json<SessionsEnded>, ApiFailure> {
    end_sessions(&api, &admin, &username, false).await
}

async fn wipe(
    State(api): State<Api>,
    admin: AdminAuthed,
    Path(username): Path<String>,
) -> Result<Json<SessionsEnded>, ApiFailure> {
    end_sessions(&api, &admin, &username, true).await
}

/// Ends every session of one of the administrator's accounts, with a remote wipe when `wipe`.
/// Its consoles connected to this hub are told now, not at their next session check.
async fn end_sessions(
    api: &Api,
    admin: &AdminAuthed,
    username: &str,
    wipe: bool,
) -> Result<Json<SessionsEnded>, ApiFailure> {
    let agent = admin.own_account_id(api, username).await?;
    let (by, origin) = (admin.actor(), Some(admin.ip));
    let ended = if wipe {
        api.login.order_wipe(by, username, origin).await
    } else {
        api.login.revoke_sessions(by, username, origin).await
    }
    .map_err(account_failure)?;
    api.chat.live().end_agent(agent, wipe);
    Ok(Json(SessionsEnded {
        sessions: u32::try_from(ended).unwrap_or(u32::MAX),
    }))
}

fn entry_view(entry: AllowEntry) -> AllowListEntry {
    AllowListEntry {
        id: entry.id,
        network: entry.net.to_string(),
        role: entry.role,
    }
}

async fn allow_list(
    State(api): State<Api>,
    admin: AdminAuthed,
) -> Result<Json<Vec<AllowListEntry>>, ApiFailure> {
    let entries = api.admin.allow_list(&admin.org).await?;
    Ok(Json(entries.into_iter().map(entry_view).collect()))
}

async fn add_allow(
    State(api): State<Api>,
    admin: AdminAuthed,
    body: Result<Json<NewAllowListEntry>, JsonRejection>,
) -> Result<(StatusCode, Json<AllowListEntry>), ApiFailure> {
    let Json(request) = body?;
    let network: IpNet = request.network.trim().parse().map_err(|_| {
        ApiFailure(ApiError::new(
            ApiErrorCode::Malformed,
            "the network must be an IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.0/24",
        ))
    })?;
    let change = api
        .admin
        .add_allow(
            admin.actor(),
            &admin.org,
            request.role,
            network,
            Some(admin.ip),
            admin.keep(),
        )
        .await?;
    // Already listed: the same entry, answered as a read (nothing was created).
    let (status, id) = match change {
        AllowChange::Unchanged(id) => (StatusCode::OK, id),
        AllowChange::Added(id) => (StatusCode::CREATED, id),
        _ => {
            return Err(ApiFailure(ApiError::new(
                ApiErrorCode::Internal,
                "the allow-list change had an unexpected outcome",
            )));
        }
    };
    Ok((
        status,
        Json(entry_view(AllowEntry {
            id,
            org: admin.org.clone(),
            role: request.role,
            net: network.trunc(),
        })),
    ))
}

async fn remove_allow(
    State(api): State<Api>,
    admin: AdminAuthed,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    api.admin
        .remove_allow(admin.actor(), &admin.org, id, Some(admin.ip), admin.keep())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn verify_audit(
    State(api): State<Api>,
    admin: AdminAuthed,
) -> Result<Json<AuditVerification>, ApiFailure> {
    admin.require_hosting()?;
    Ok(Json(
        api.admin
            .verify_audit(admin.actor(), Some(admin.ip))
            .await?,
    ))
}

async fn export_audit(State(api): State<Api>, admin: AdminAuthed) -> Result<Response, ApiFailure> {
    admin.require_hosting()?;
    api.admin
        .exporting_audit(admin.actor(), Some(admin.ip))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rampart-audit.jsonl\"",
            ),
        ],
        api.admin.export_stream(),
    )
        .into_response())
}
