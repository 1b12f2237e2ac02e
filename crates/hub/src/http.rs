//! The hub's HTTP API: login, enrollment, logout, health; training's routes are in
//! [`crate::training::http`].
//!
//! Handlers are thin: they resolve the client address (trusted proxies only), decode the body,
//! and call [`crate::login::Login`]. Bodies are capped at [`MAX_BODY_BYTES`]; a body that is not
//! the endpoint's JSON gets `malformed`, never a panic or an echo of its content.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ipnet::IpNet;
use rampart_auth::SecretString;
use rampart_protocol::rest::{
    AgentProfile, ApiError, ApiErrorCode, CopyReport, EnrollRequest, FormRevealRequest,
    LoginRequest, LoginStep, NewVisitorRequest, PrivacyNotice, RevealRequest, Revealed, Role,
    SessionGranted, TotpRequest, TransferTarget, UnlockRequest, VisitorSession,
};
use sha2::{Digest, Sha256};

use crate::chat::Chat;
use crate::config::PrivacySection;
use crate::limits::Limits;
use crate::login::{Authenticated, Login, LoginError};
use crate::org::OrgId;
use crate::reveal::{RevealRefusal, Reveals};
use crate::store::StoreError;
use crate::tls::PeerAddr;
use crate::{net, ws};

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct Api {
    /// Login service.
    pub login: Login,
    /// Chat service.
    pub chat: Chat,
    /// Audited reveals.
    pub reveals: Reveals,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<IpNet>>,
    /// How often an open agent WebSocket re-checks its session.
    pub session_recheck: Duration,
    /// Per-source limits.
    pub limits: Limits,
    /// The privacy notice visitors acknowledge.
    pub privacy: Arc<PrivacySection>,
    /// Visitors that may wait at once.
    pub max_waiting: u64,
    /// Which websites may frame the visitor chat.
    pub embedding: crate::widget::Embedding,
    /// Security training.
    pub training: crate::training::Training,
    /// Allow-list and audit-log administration.
    pub admin: crate::admin::Admin,
}

fn too_many() -> ApiFailure {
    let mut error = ApiError::new(
        ApiErrorCode::TooManyAttempts,
        "too many requests from this address; slow down",
    );
    error.retry_after_secs = Some(60);
    ApiFailure(error)
}

impl Api {
    /// Refuses login-type requests from an address that sends too many.
    fn throttle_login(&self, ip: IpAddr) -> Result<(), ApiFailure> {
        if self.limits.login_allowed(ip) {
            Ok(())
        } else {
            Err(too_many())
        }
    }
}

/// Every route of the hub: the JSON API and the WebSocket endpoints.
pub fn routes(api: Api) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/visitor", post(new_visitor))
        .route("/api/v1/privacy", get(privacy))
        .route("/metrics", get(metrics))
        .route("/ws/agent", get(ws::agent))
        .route("/ws/visitor", get(ws::visitor))
        .route("/api/v1/enroll", post(enroll))
        .route("/api/v1/login", post(login))
        .route("/api/v1/login/totp", post(login_totp))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/session/unlock", post(unlock))
        .route("/api/v1/reveal", post(reveal))
        .route("/api/v1/agents/online", get(online_agents))
        .route("/api/v1/forms/reveal", post(reveal_form))
        .route("/api/v1/reveal/copied", post(copied))
        .merge(crate::widget::routes(api.embedding.clone()))
        .merge(crate::training::http::routes())
        .merge(crate::admin::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(api)
}

/// An API failure as an HTTP response.
pub struct ApiFailure(pub ApiError);

impl From<LoginError> for ApiFailure {
    fn from(error: LoginError) -> Self {
        Self(error.to_api())
    }
}

impl From<JsonRejection> for ApiFailure {
    fn from(rejection: JsonRejection) -> Self {
        let message = match rejection {
            JsonRejection::MissingJsonContentType(_) => "expected a JSON body (application/json)",
            JsonRejection::BytesRejection(_) => "the body is too large or unreadable",
            _ => "the body is not what this endpoint takes",
        };
        Self(ApiError::new(ApiErrorCode::Malformed, message))
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = match self.0.code {
            ApiErrorCode::InvalidCredentials
            | ApiErrorCode::TotpInvalid
            | ApiErrorCode::TotpReplayed
            | ApiErrorCode::ChallengeExpired
            | ApiErrorCode::EnrollmentInvalid
            | ApiErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiErrorCode::LockedOut => StatusCode::LOCKED,
            ApiErrorCode::IpNotAllowed | ApiErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ApiErrorCode::PasswordRejected
            | ApiErrorCode::Malformed
            | ApiErrorCode::PrivacyNotAcknowledged => StatusCode::BAD_REQUEST,
            ApiErrorCode::UsernameTaken | ApiErrorCode::WouldLockOut => StatusCode::CONFLICT,
            ApiErrorCode::NotFound | ApiErrorCode::LiveSessionNotFound => StatusCode::NOT_FOUND,
            ApiErrorCode::PackInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorCode::TrainingOutdated => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let retry_after = self.0.retry_after_secs;
        let mut response = (status, Json(self.0)).into_response();
        if let Some(secs) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The client's address, after trusted-proxy resolution.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<Api> for ClientIp {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<PeerAddr>>()
            .map(|info| info.0.0.ip())
            .ok_or_else(|| ApiFailure(ApiError::new(ApiErrorCode::Internal, "no peer address")))?;
        Ok(Self(client_ip(peer, &parts.headers, &api.trusted_proxies)))
    }
}

/// Resolves the client address from the peer and the headers.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    net::client_ip(peer, forwarded, trusted)
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| SecretString::new(token.to_owned()))
}

/// A request with a valid session.
pub struct Authed(pub Authenticated, pub SecretString);

impl FromRequestParts<Api> for Authed {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, api).await?;
        let token = bearer(&parts.headers).ok_or(ApiFailure::from(LoginError::Unauthenticated))?;
        let authed = api.login.authenticate(&token, Some(ip)).await?;
        Ok(Self(authed, token))
    }
}

async fn enroll(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    body: Result<Json<EnrollRequest>, JsonRejection>,
) -> Result<StatusCode, ApiFailure> {
    api.throttle_login(ip)?;
    let Json(request) = body?;
    api.login
        .enroll_password(
            &request.username,
            &request.enrollment_code,
            &request.password,
            Some(ip),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn login(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginStep>, ApiFailure> {
    api.throttle_login(ip)?;
    let Json(request) = body?;
    Ok(Json(
        api.login
            .start(&request.username, request.password, Some(ip))
            .await?,
    ))
}

async fn login_totp(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    body: Result<Json<TotpRequest>, JsonRejection>,
) -> Result<Json<SessionGranted>, ApiFailure> {
    api.throttle_login(ip)?;
    let Json(request) = body?;
    Ok(Json(
        api.login
            .complete(&request.challenge, &request.code, Some(ip))
            .await?,
    ))
}

async fn logout(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(_, token): Authed,
) -> Result<StatusCode, ApiFailure> {
    api.login.logout(&token, Some(ip)).await?;
    // Open consoles of this session close now, not at their next periodic check.
    api.chat
        .live()
        .end_session(Sha256::digest(token.expose().as_bytes()).into());
    Ok(StatusCode::NO_CONTENT)
}

/// A locked console asks whether a TOTP code is right (it cannot check codes itself).
async fn unlock(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<UnlockRequest>, JsonRejection>,
) -> Result<StatusCode, ApiFailure> {
    api.throttle_login(ip)?;
    let Json(request) = body?;
    api.login
        .confirm_code(authed.agent.id, &request.code, Some(ip))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?org=<id>` on the visitor's requests: which organisation's chat this is (the `default`
/// one when absent).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgQuery {
    org: Option<String>,
}

fn unknown_org() -> ApiFailure {
    ApiFailure(ApiError::new(
        ApiErrorCode::NotFound,
        "this chat is not available: the hub has no such organisation",
    ))
}

/// The organisation a visitor's request names; an id that is malformed or not on this hub is
/// refused as not found (never quietly the `default` organisation: that would send a
/// customer's visitors to another company's agents).
async fn visitor_org(
    api: &Api,
    query: Result<Query<OrgQuery>, QueryRejection>,
) -> Result<OrgId, ApiFailure> {
    let Ok(Query(OrgQuery { org })) = query else {
        return Err(ApiFailure(ApiError::new(
            ApiErrorCode::Malformed,
            "the query string is not what this endpoint takes",
        )));
    };
    // `?org=` with nothing, as the widget treats it: no organisation named.
    let Some(org) = org.filter(|o| !o.is_empty()) else {
        return Ok(OrgId::default_org());
    };
    let org = OrgId::parse(&org).map_err(|_| unknown_org())?;
    match api.chat.store().org(&org).await {
        Ok(Some(_)) => Ok(org),
        Ok(None) => Err(unknown_org()),
        Err(error) => Err(LoginError::from(error).into()),
    }
}

/// The privacy notice. It is the hub operator's, the same for every organisation, so the
/// page's `?org=` is not even read: an unauthenticated request here must not tell which
/// organisations the hub hosts (the answer is the same for every id, hosted or not).
async fn privacy(State(api): State<Api>) -> Json<PrivacyNotice> {
    Json(PrivacyNotice {
        version: api.privacy.version.clone(),
        en: api.privacy.notice_en.clone(),
        es: api.privacy.notice_es.clone(),
    })
}

async fn new_visitor(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    query: Result<Query<OrgQuery>, QueryRejection>,
    body: Result<Json<NewVisitorRequest>, JsonRejection>,
) -> Result<Json<VisitorSession>, ApiFailure> {
    if !api.limits.visitor_allowed(ip) {
        return Err(too_many());
    }
    let Json(request) = body?;
    if request.privacy_notice != api.privacy.version {
        return Err(ApiFailure(ApiError::new(
            ApiErrorCode::PrivacyNotAcknowledged,
            "acknowledge the current privacy notice first",
        )));
    }
    // A full queue turns new visitors away instead of growing without bound.
    if api.chat.waiting_count().await.map_err(LoginError::from)? >= api.max_waiting {
        let mut busy = ApiError::new(
            ApiErrorCode::TooManyAttempts,
            "all agents are busy; please try again in a few minutes",
        );
        busy.retry_after_secs = Some(120);
        return Err(ApiFailure(busy));
    }
    // Last, so only a request that would open a real conversation learns whether the
    // organisation exists: counted against the address's visitor quota above, and for a hosted
    // organisation it opens a conversation in that organisation's queue. Every earlier refusal
    // is the same for a hosted organisation and an unknown one.
    let org = visitor_org(&api, query).await?;
    let (conversation, visitor, token) = match api
        .chat
        .new_visitor(&org, &request.locale, &request.privacy_notice)
        .await
    {
        Ok(opened) => opened,
        // Organisations are never deleted, so this races with nothing; still no quiet default.
        Err(StoreError::OrgNotFound) => return Err(unknown_org()),
        Err(error) => return Err(LoginError::from(error).into()),
    };
    Ok(Json(VisitorSession {
        conversation_id: conversation,
        visitor_id: visitor,
        token,
    }))
}

/// Prometheus metrics, for scrapers on this host only.
async fn metrics(State(api): State<Api>, ClientIp(ip): ClientIp) -> Response {
    if !ip.is_loopback() {
        return ApiFailure(ApiError::new(
            ApiErrorCode::Forbidden,
            "metrics are served to loopback only",
        ))
        .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        api.chat.metrics().render(),
    )
        .into_response()
}

async fn me(Authed(authed, _): Authed) -> Json<AgentProfile> {
    Json(authed.agent)
}

/// Colleagues an agent could hand a conversation to (agents and supervisors only).
async fn online_agents(
    State(api): State<Api>,
    Authed(authed, _): Authed,
) -> Result<Json<Vec<TransferTarget>>, ApiFailure> {
    if !matches!(authed.agent.role, Role::Agent | Role::Supervisor) {
        return Err(ApiFailure(ApiError::new(
            ApiErrorCode::Forbidden,
            "only agents and supervisors transfer conversations",
        )));
    }
    Ok(Json(
        api.chat
            .transfer_targets(authed.agent.id, &authed.org)
            .await,
    ))
}

/// Shows one field of a submitted secure form to the agent who asked for it, for a stated
/// reason (audited; a CVV only once).
async fn reveal_form(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<FormRevealRequest>, JsonRejection>,
) -> Result<Json<Revealed>, ApiFailure> {
    let Json(request) = body?;
    api.reveals
        .reveal_form(api.chat.forms(), &authed, &request, Some(ip))
        .await
        .map(Json)
        .map_err(refusal_failure)
}

/// A console is about to copy a revealed value: recorded first, refused by policy.
async fn copied(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<CopyReport>, JsonRejection>,
) -> Result<StatusCode, ApiFailure> {
    let Json(report) = body?;
    api.reveals
        .copied(&authed.agent, &report, Some(ip))
        .await
        .map_err(refusal_failure)?;
    Ok(StatusCode::NO_CONTENT)
}

fn refusal_failure(refusal: RevealRefusal) -> ApiFailure {
    let code = match refusal {
        RevealRefusal::Forbidden => ApiErrorCode::Forbidden,
        RevealRefusal::NotFound => ApiErrorCode::NotFound,
        RevealRefusal::Invalid(_) => ApiErrorCode::Malformed,
        RevealRefusal::TooMany { .. } => ApiErrorCode::TooManyAttempts,
        RevealRefusal::Internal(ref error) => {
            tracing::error!(%error, "reveal failed");
            ApiErrorCode::Internal
        }
    };
    let retry_after = match refusal {
        RevealRefusal::TooMany { retry_after_secs } => Some(retry_after_secs),
        _ => None,
    };
    let message = match refusal {
        RevealRefusal::Internal(_) => "the reveal failed".to_owned(),
        other => other.to_string(),
    };
    let mut error = ApiError::new(code, message);
    error.retry_after_secs = retry_after;
    ApiFailure(error)
}

/// Shows the original of one masked value to a permitted agent, for a stated reason. Every
/// attempt, allowed or not, is in the audit log; the value never is.
async fn reveal(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<RevealRequest>, JsonRejection>,
) -> Result<Json<Revealed>, ApiFailure> {
    let Json(request) = body?;
    api.reveals
        .reveal(api.chat.originals(), &authed, &request, Some(ip))
        .await
        .map(Json)
        .map_err(refusal_failure)
}
