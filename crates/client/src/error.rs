//! The one error type of the client, with a stable [`ClientErrorCode`] the console can branch on.
//!
//! Messages are safe to log and show: they never contain tokens, passwords, codes or message
//! text. Transport errors keep their source (a URL and an OS error at most).

use std::sync::Arc;

use rampart_protocol::FrameError;
use rampart_protocol::rest::{ApiError, ApiErrorCode};
use serde::Serialize;

/// The source of a transport failure, shared so that [`ClientError`] is `Clone` (events carry
/// errors to every listener).
pub type TransportError = Arc<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong talking to the hub.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The hub address cannot be used (bad syntax, unsupported scheme).
    #[error("invalid hub address: {reason}")]
    InvalidUrl {
        /// Why.
        reason: &'static str,
    },
    /// The hub could not be reached: refused, reset, unresolvable, or the connection broke.
    #[error("the hub is unreachable: {source}")]
    Unreachable {
        /// The transport error.
        source: TransportError,
    },
    /// The TLS handshake with the hub failed (certificate, protocol).
    #[error("TLS with the hub failed: {source}")]
    Tls {
        /// The TLS error.
        source: TransportError,
    },
    /// The hub did not answer in time.
    #[error("the hub did not answer in time")]
    Timeout,
    /// The hub refused an API call with a typed error.
    #[error("the hub refused the request (HTTP {status}, {:?}): {}", error.code, error.message)]
    Api {
        /// HTTP status.
        status: u16,
        /// The hub's error body (boxed: it carries lists, and errors travel by value).
        error: Box<ApiError>,
    },
    /// The hub answered something that is not its API (wrong status or body).
    #[error("unexpected answer from the hub (HTTP {status})")]
    UnexpectedResponse {
        /// HTTP status (0 when there was no HTTP status, e.g. a WebSocket without `welcome`).
        status: u16,
    },
    /// The hub sent a live frame this client cannot decode (garbage, unknown type, too large).
    #[error("unusable frame from the hub: {0}")]
    BadFrame(#[from] FrameError),
    /// The hub refused a frame this client sent.
    #[error("the hub refused a frame ({code:?}): {message}")]
    Refused {
        /// The hub's code.
        code: rampart_protocol::ErrorCode,
        /// The hub's safe message.
        message: String,
    },
    /// The live connection failed at the WebSocket level.
    #[error("WebSocket failure: {source}")]
    WebSocket {
        /// The WebSocket error.
        source: TransportError,
    },
    /// Sequence numbers arrived with a gap that did not fill in time; the client resumes.
    #[error("messages arrived out of order; resuming from the last one seen")]
    Gap,
    /// The session was revoked or expired; log in again.
    #[error("the session was revoked or has expired")]
    SessionRevoked,
    /// The hub speaks another protocol version.
    #[error("the hub speaks protocol version {hub}, this client {client}")]
    ProtocolVersion {
        /// The hub's version (0 when it only refused ours).
        hub: u16,
        /// Ours.
        client: u16,
    },
    /// The outbox storage failed (e.g. the vault behind it).
    #[error("outbox storage failed: {message}")]
    Outbox {
        /// A safe description.
        message: String,
    },
    /// The live connection task has stopped; commands can no longer be sent.
    #[error("the live connection has stopped")]
    Stopped,
}

/// Stable codes for [`ClientError`], for the UI to branch on and translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ClientErrorCode {
    /// See [`ClientError::InvalidUrl`].
    InvalidUrl,
    /// See [`ClientError::Unreachable`].
    HubUnreachable,
    /// See [`ClientError::Tls`].
    Tls,
    /// See [`ClientError::Timeout`].
    Timeout,
    /// Wrong username or password.
    InvalidCredentials,
    /// Wrong TOTP code.
    TotpInvalid,
    /// TOTP code already used.
    TotpReplayed,
    /// The login challenge expired; start again.
    ChallengeExpired,
    /// Too many attempts; wait.
    TooManyAttempts,
    /// The account is locked.
    LockedOut,
    /// This network is not allowed for the account.
    IpNotAllowed,
    /// No valid session.
    Unauthenticated,
    /// The role may not do this.
    Forbidden,
    /// The enrollment code is wrong, used or expired.
    EnrollmentInvalid,
    /// The new password breaks the policy.
    PasswordRejected,
    /// The username is taken.
    UsernameTaken,
    /// The conversation, message or span is not there (or no longer revealable).
    NotFound,
    /// The visitor has not acknowledged the current privacy notice.
    PrivacyNotAcknowledged,
    /// The hub says the request was malformed (a client bug).
    RequestRejected,
    /// The hub failed internally.
    HubFailed,
    /// See [`ClientError::UnexpectedResponse`].
    UnexpectedResponse,
    /// See [`ClientError::BadFrame`].
    BadFrame,
    /// See [`ClientError::Refused`].
    FrameRefused,
    /// See [`ClientError::WebSocket`].
    WebSocket,
    /// See [`ClientError::Gap`].
    Gap,
    /// See [`ClientError::SessionRevoked`].
    SessionRevoked,
    /// See [`ClientError::ProtocolVersion`].
    ProtocolVersion,
    /// See [`ClientError::Outbox`].
    Outbox,
    /// See [`ClientError::Stopped`].
    Stopped,
    /// An imported lesson pack is invalid; the hub's `issues` list each `file:line: problem`
    /// (see [`ClientError::issues`]).
    PackInvalid,
    /// The lesson or pack changed since it was shown (or an import is not newer): reload.
    TrainingOutdated,
    /// No live training session has that code or id (or it ended).
    LiveSessionNotFound,
}

impl ClientError {
    /// The stable code.
    pub fn code(&self) -> ClientErrorCode {
        match self {
            Self::InvalidUrl { .. } => ClientErrorCode::InvalidUrl,
            Self::Unreachable { .. } => ClientErrorCode::HubUnreachable,
            Self::Tls { .. } => ClientErrorCode::Tls,
            Self::Timeout => ClientErrorCode::Timeout,
            Self::Api { error, .. } => api_code(error.code),
            Self::UnexpectedResponse { .. } => ClientErrorCode::UnexpectedResponse,
            Self::BadFrame(_) => ClientErrorCode::BadFrame,
            Self::Refused { .. } => ClientErrorCode::FrameRefused,
            Self::WebSocket { .. } => ClientErrorCode::WebSocket,
            Self::Gap => ClientErrorCode::Gap,
            Self::SessionRevoked => ClientErrorCode::SessionRevoked,
            Self::ProtocolVersion { .. } => ClientErrorCode::ProtocolVersion,
            Self::Outbox { .. } => ClientErrorCode::Outbox,
            Self::Stopped => ClientErrorCode::Stopped,
        }
    }

    /// The hub's list of problems with an imported pack (`packInvalid`); empty otherwise.
    pub fn issues(&self) -> &[String] {
        match self {
            Self::Api { error, .. } => &error.issues,
            _ => &[],
        }
    }

    /// Whether retrying later (same request, same session) can succeed. Authentication and
    /// policy refusals cannot; network trouble and hub failures can.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code(),
            ClientErrorCode::HubUnreachable
                | ClientErrorCode::Timeout
                | ClientErrorCode::HubFailed
                | ClientErrorCode::WebSocket
                | ClientErrorCode::Gap
                | ClientErrorCode::UnexpectedResponse
                | ClientErrorCode::TooManyAttempts
        )
    }
}

fn api_code(code: ApiErrorCode) -> ClientErrorCode {
    match code {
        ApiErrorCode::InvalidCredentials => ClientErrorCode::InvalidCredentials,
        ApiErrorCode::TotpInvalid => ClientErrorCode::TotpInvalid,
        ApiErrorCode::TotpReplayed => ClientErrorCode::TotpReplayed,
        ApiErrorCode::ChallengeExpired => ClientErrorCode::ChallengeExpired,
        ApiErrorCode::TooManyAttempts => ClientErrorCode::TooManyAttempts,
        ApiErrorCode::LockedOut => ClientErrorCode::LockedOut,
        ApiErrorCode::IpNotAllowed => ClientErrorCode::IpNotAllowed,
        ApiErrorCode::Unauthenticated => ClientErrorCode::Unauthenticated,
        ApiErrorCode::Forbidden => ClientErrorCode::Forbidden,
        ApiErrorCode::EnrollmentInvalid => ClientErrorCode::EnrollmentInvalid,
        ApiErrorCode::PasswordRejected => ClientErrorCode::PasswordRejected,
        ApiErrorCode::UsernameTaken => ClientErrorCode::UsernameTaken,
        ApiErrorCode::NotFound => ClientErrorCode::NotFound,
        ApiErrorCode::PrivacyNotAcknowledged => ClientErrorCode::PrivacyNotAcknowledged,
        ApiErrorCode::Malformed => ClientErrorCode::RequestRejected,
        ApiErrorCode::PackInvalid => ClientErrorCode::PackInvalid,
        ApiErrorCode::TrainingOutdated => ClientErrorCode::TrainingOutdated,
        ApiErrorCode::LiveSessionNotFound => ClientErrorCode::LiveSessionNotFound,
        ApiErrorCode::WouldLockOut => ClientErrorCode::RequestRejected,
        // `Internal` and any code a newer hub adds: the hub failed, the client cannot tell why.
        _ => ClientErrorCode::HubFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_their_code() {
        let error = ClientError::Api {
            status: 403,
            error: Box::new(ApiError::new(ApiErrorCode::IpNotAllowed, "not allowed")),
        };
        assert_eq!(error.code(), ClientErrorCode::IpNotAllowed);
        assert!(!error.is_transient());
        assert_eq!(
            serde_json::to_string(&error.code()).unwrap(),
            "\"ipNotAllowed\""
        );
    }

    /// Every code the hub can send has its own client code (only `internal` is `hubFailed`),
    /// so a code added to the protocol fails here until the client learns it.
    #[test]
    fn every_hub_error_code_has_a_client_code() {
        let bindings = rampart_protocol::typescript_bindings();
        let union = bindings
            .lines()
            .find_map(|l| l.strip_prefix("export type ApiErrorCode = "))
            .expect("the bindings declare ApiErrorCode");
        let names: Vec<&str> = union
            .trim_end_matches(';')
            .split('|')
            .map(|n| n.trim().trim_matches('"'))
            .collect();
        assert!(names.len() > 10, "{names:?}");
        for name in names {
            let code: ApiErrorCode = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            let mapped = api_code(code);
            assert_eq!(
                mapped == ClientErrorCode::HubFailed,
                name == "internal",
                "{name} maps to {mapped:?}"
            );
        }
    }

    #[test]
    fn an_invalid_pack_keeps_its_issues() {
        let mut api = ApiError::new(ApiErrorCode::PackInvalid, "pack invalid");
        api.issues = vec!["en/01.md:3: unknown key `titel`".to_owned()];
        let error = ClientError::Api {
            status: 422,
            error: Box::new(api),
        };
        assert_eq!(error.code(), ClientErrorCode::PackInvalid);
        assert_eq!(error.issues(), ["en/01.md:3: unknown key `titel`"]);
        assert!(!error.is_transient());
        assert!(ClientError::Timeout.issues().is_empty());
    }

    #[test]
    fn network_trouble_is_transient() {
        assert!(ClientError::Timeout.is_transient());
        assert!(!ClientError::SessionRevoked.is_transient());
    }
}
