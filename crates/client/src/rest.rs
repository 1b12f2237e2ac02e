//! The hub's HTTP API: enrollment, the two login steps, logout, the current profile, and
//! visitor creation.
//!
//! Secrets go in as [`SecretString`] and are exposed only while the request body is written.
//! Every failure is a [`ClientError`]: the hub's typed [`ApiError`] when it answered one,
//! otherwise a transport error (unreachable, timeout, TLS) or an unexpected answer.

use std::time::Duration;

use rampart_protocol::rest::NewVisitorRequest;
use rampart_protocol::rest::{
    AgentProfile, ApiError, CopyReport, EnrollRequest, FormRevealRequest, LoginRequest, LoginStep,
    RevealRequest, Revealed, SessionGranted, TotpRequest, TransferTarget, UnlockRequest,
};
use rampart_secret::SecretString;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ClientError, TransportError};
use crate::hub_url::HubUrl;
use crate::tls::{TlsConfig, is_tls};

pub use rampart_protocol::rest::{PrivacyNotice, VisitorSession};

/// The hub's HTTP API. Cheap to clone (reqwest pools connections internally).
#[derive(Debug, Clone)]
pub struct HubApi {
    http: reqwest::Client,
    hub: HubUrl,
}

/// Default limit for a whole API call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Default limit for establishing a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How the API client connects.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Whom to trust for an `https` hub; `None`: the operating system's roots.
    pub tls: Option<TlsConfig>,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for a whole call.
    pub request_timeout: Duration,
}

impl Default for ApiOptions {
    fn default() -> Self {
        Self {
            tls: None,
            connect_timeout: CONNECT_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
        }
    }
}

impl HubApi {
    /// An API client for `hub` with the default options.
    pub fn new(hub: HubUrl) -> Result<Self, ClientError> {
        Self::with_options(hub, ApiOptions::default())
    }

    /// An API client with explicit options.
    pub fn with_options(hub: HubUrl, options: ApiOptions) -> Result<Self, ClientError> {
        let tls = match (options.tls, hub.is_tls()) {
            (Some(tls), _) => tls,
            (None, true) => TlsConfig::system()?,
            // Plain HTTP: reqwest still wants a TLS configuration; this one trusts nobody.
            (None, false) => TlsConfig::trust_nothing()?,
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.rustls().as_ref().clone())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // The hub never redirects; following one could send a secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(transport)?;
        Ok(Self { http, hub })
    }

    /// The hub this client talks to.
    pub fn hub(&self) -> &HubUrl {
        &self.hub
    }

    /// Sets the first password of a new account with its one-time enrollment code.
    pub async fn enroll(
        &self,
        username: &str,
        enrollment_code: &SecretString,
        password: &SecretString,
    ) -> Result<(), ClientError> {
        let body = EnrollRequest {
            username: username.to_owned(),
            enrollment_code: enrollment_code.clone(),
            password: password.clone(),
        };
        let response = self.post("/api/v1/enroll").json(&body).send().await;
        empty(response.map_err(transport)?).await
    }

    /// First login step: username and password. The answer asks for TOTP (or its enrollment);
    /// it never grants a session.
    pub async fn login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<LoginStep, ClientError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.clone(),
        };
        let response = self.post("/api/v1/login").json(&body).send().await;
        json(response.map_err(transport)?).await
    }

    /// Second login step: the TOTP code for the challenge of [`HubApi::login`].
    pub async fn verify_totp(
        &self,
        challenge: &str,
        code: &SecretString,
    ) -> Result<SessionGranted, ClientError> {
        let body = TotpRequest {
            challenge: challenge.to_owned(),
            code: code.clone(),
        };
        let response = self.post("/api/v1/login/totp").json(&body).send().await;
        json(response.map_err(transport)?).await
    }

    /// Ends the session; its open WebSockets get `sessionRevoked`.
    pub async fn logout(&self, token: &SecretString) -> Result<(), ClientError> {
        let response = self
            .post("/api/v1/logout")
            .bearer_auth(token.expose())
            .send()
            .await;
        empty(response.map_err(transport)?).await
    }

    /// Asks the hub whether a TOTP code unlocks this session's locked console (the code is
    /// checked, counted and audited there like a login code).
    pub async fn confirm_code(
        &self,
        token: &SecretString,
        request: &UnlockRequest,
    ) -> Result<(), ClientError> {
        let response = self
            .post("/api/v1/session/unlock")
            .bearer_auth(token.expose())
            .json(request)
            .send()
            .await;
        empty(response.map_err(transport)?).await
    }

    /// Tells the hub a revealed value is about to be copied (it records it, or refuses by
    /// policy); only then may the console copy it.
    pub async fn report_copy(
        &self,
        token: &SecretString,
        report: &CopyReport,
    ) -> Result<(), ClientError> {
        let response = self
            .post("/api/v1/reveal/copied")
            .bearer_auth(token.expose())
            .json(report)
            .send()
            .await;
        empty(response.map_err(transport)?).await
    }

    /// Who the session belongs to.
    pub async fn me(&self, token: &SecretString) -> Result<AgentProfile, ClientError> {
        let response = self
            .http
            .get(self.hub.api("/api/v1/me"))
            .bearer_auth(token.expose())
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    /// Reveals the original of one masked span, for a stated reason (audited at the hub).
    pub async fn reveal(
        &self,
        token: &SecretString,
        request: &RevealRequest,
    ) -> Result<Revealed, ClientError> {
        let response = self
            .post("/api/v1/reveal")
            .bearer_auth(token.expose())
            .json(request)
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    /// Reveals one field of a submitted secure form, for a stated reason (audited; a CVV once).
    pub async fn reveal_form_field(
        &self,
        token: &SecretString,
        request: &FormRevealRequest,
    ) -> Result<Revealed, ClientError> {
        let response = self
            .post("/api/v1/forms/reveal")
            .bearer_auth(token.expose())
            .json(request)
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    /// Colleagues a conversation could be handed to now.
    pub async fn online_agents(
        &self,
        token: &SecretString,
    ) -> Result<Vec<TransferTarget>, ClientError> {
        let response = self
            .http
            .get(self.hub.api("/api/v1/agents/online"))
            .bearer_auth(token.expose())
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    /// The current privacy notice, to show a visitor before the chat starts.
    pub async fn privacy_notice(&self) -> Result<PrivacyNotice, ClientError> {
        let response = self.http.get(self.hub.api("/api/v1/privacy")).send().await;
        json(response.map_err(transport)?).await
    }

    /// A visitor arrives, having acknowledged the privacy notice of version
    /// `privacy_notice_version` (see [`HubApi::privacy_notice`]): opens a waiting conversation.
    pub async fn new_visitor(
        &self,
        locale: &str,
        privacy_notice_version: &str,
    ) -> Result<VisitorSession, ClientError> {
        let response = self
            .post("/api/v1/visitor")
            .json(&NewVisitorRequest {
                locale: locale.to_owned(),
                privacy_notice: privacy_notice_version.to_owned(),
            })
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.hub.api(path))
    }

    /// A request to an address built by the caller (paths with escaped segments, queries).
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: reqwest::Url,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }
}

/// Maps a reqwest failure to the client's error.
pub(crate) fn transport(error: reqwest::Error) -> ClientError {
    if error.is_timeout() {
        return ClientError::Timeout;
    }
    if error.is_decode() {
        return ClientError::UnexpectedResponse {
            status: error.status().map_or(0, |s| s.as_u16()),
        };
    }
    let source: TransportError = std::sync::Arc::new(error);
    if is_tls(source.as_ref()) {
        ClientError::Tls { source }
    } else {
        ClientError::Unreachable { source }
    }
}

/// A refusal: the hub's typed error when the body is one, otherwise an unexpected answer.
pub(crate) fn refusal(status: StatusCode, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ApiError>(body) {
        Ok(error) => ClientError::Api {
            status: status.as_u16(),
            error: Box::new(error),
        },
        Err(_) => ClientError::UnexpectedResponse {
            status: status.as_u16(),
        },
    }
}

pub(crate) async fn checked(response: Response) -> Result<Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.bytes().await.map_err(transport)?;
    Err(refusal(status, &body))
}

pub(crate) async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let response = checked(response).await?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(transport)?;
    serde_json::from_slice(&body).map_err(|_| ClientError::UnexpectedResponse { status })
}

pub(crate) async fn empty(response: Response) -> Result<(), ClientError> {
    checked(response).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::rest::ApiErrorCode;

    #[test]
    fn a_typed_refusal_keeps_the_hub_code() {
        let body = br#"{"code":"lockedOut","message":"locked","lockedUntil":5}"#;
        let error = refusal(StatusCode::LOCKED, body);
        assert!(matches!(
            error,
            ClientError::Api { status: 423, ref error } if error.code == ApiErrorCode::LockedOut && error.locked_until == Some(5)
        ));
    }

    #[test]
    fn an_untyped_refusal_is_unexpected() {
        let error = refusal(StatusCode::BAD_GATEWAY, b"<html>proxy</html>");
        assert!(matches!(
            error,
            ClientError::UnexpectedResponse { status: 502 }
        ));
    }
}
