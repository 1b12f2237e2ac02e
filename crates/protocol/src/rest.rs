//! Request and response bodies of the hub's HTTPS API (login, TOTP, enrollment).
//!
//! Login is two steps and the second is never skippable: `POST /api/v1/login` with
//! [`LoginRequest`] answers a [`LoginStep`] (TOTP code needed, or enrollment needed on first
//! login); `POST /api/v1/login/totp` with [`TotpRequest`] answers [`SessionGranted`]. Errors are
//! [`ApiError`] with a closed [`ApiErrorCode`].

use rampart_secret::SecretString;
use serde::{Deserialize, Serialize, Serializer, ser::SerializeStruct};
use ts_rs::TS;

use crate::ids::{AgentId, ConversationId, FormId, MessageId, VisitorId};

/// Staff roles. Each hub endpoint checks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Handles chats.
    Agent,
    /// Handles chats, may reveal masked data with a reason.
    Supervisor,
    /// Runs training.
    Trainer,
    /// Configures the organisation.
    Admin,
}

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentProfile {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// Name shown to visitors.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The organisation's rule for replies containing card numbers, CVVs, SSNs, IBANs or
    /// national IDs.
    #[serde(default)]
    pub sensitive_replies: SensitiveReplies,
    /// The secure forms the organisation defined beyond the built-in ones, for the console's
    /// secure-form menu.
    #[serde(default)]
    pub custom_forms: Vec<crate::CustomForm>,
}

/// What happens when an agent's reply contains a card number, CVV, SSN, IBAN or national ID
/// (agents must not echo such data back). Either way the reply is masked before it is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SensitiveReplies {
    /// The console warns and sends (masked) only after the agent confirms.
    #[default]
    Confirm,
    /// The console refuses to send it, and so does the hub.
    Block,
}

impl SensitiveReplies {
    /// Whether the rule covers a masked span of this kind (`credit_card`, `es_dni`…): every kind
    /// but the contact details (`email`, `phone`, `ip_address`).
    pub fn covers(kind: &str) -> bool {
        !matches!(kind, "email" | "phone" | "ip_address")
    }
}

/// First login step. `Debug` redacts the password; it is serialised only to send it.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password, as typed.
    #[ts(type = "string")]
    pub password: SecretString,
}

impl Serialize for LoginRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LoginRequest", 2)?;
        s.serialize_field("username", &self.username)?;
        // The one place a password is written: the body of the login request itself.
        s.serialize_field("password", self.password.expose())?;
        s.end()
    }
}

/// Sets the first password of a new account with the one-time enrollment code an admin handed
/// out. `Debug` redacts both secrets.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrollRequest {
    /// Login name.
    pub username: String,
    /// The one-time code from `rampart-hub agent create`.
    #[ts(type = "string")]
    pub enrollment_code: SecretString,
    /// The new password.
    #[ts(type = "string")]
    pub password: SecretString,
}

impl Serialize for EnrollRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("EnrollRequest", 3)?;
        s.serialize_field("username", &self.username)?;
        s.serialize_field("enrollmentCode", self.enrollment_code.expose())?;
        s.serialize_field("password", self.password.expose())?;
        s.end()
    }
}

/// A visitor starts a chat (`POST /api/v1/visitor`), having acknowledged a privacy notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewVisitorRequest {
    /// The visitor's language (BCP 47).
    #[serde(default)]
    pub locale: String,
    /// The version of the privacy notice the visitor acknowledged.
    #[serde(default)]
    pub privacy_notice: String,
}

/// What a new visitor gets: their conversation and the token for `/ws/visitor`. `Debug`
/// redacts the token; it is serialised only in the answer to the visitor who arrived.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VisitorSession {
    /// The visitor's conversation.
    pub conversation_id: ConversationId,
    /// Pseudonymous visitor id.
    pub visitor_id: VisitorId,
    /// Bearer token for the visitor's WebSocket.
    #[ts(type = "string")]
    pub token: SecretString,
}

impl Serialize for VisitorSession {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("VisitorSession", 3)?;
        s.serialize_field("conversationId", &self.conversation_id)?;
        s.serialize_field("visitorId", &self.visitor_id)?;
        s.serialize_field("token", self.token.expose())?;
        s.end()
    }
}

/// The privacy notice a visitor must acknowledge before chatting (`GET /api/v1/privacy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyNotice {
    /// Its version: what a new visitor sends back as the acknowledgement.
    pub version: String,
    /// The notice in English.
    pub en: String,
    /// The notice in Spanish.
    pub es: String,
}

/// What the hub needs after a correct password. There is no variant that grants a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LoginStep {
    /// Enter the current code from the authenticator app.
    #[serde(rename_all = "camelCase")]
    TotpRequired {
        /// Single-use handle for the second step.
        challenge: String,
        /// When the challenge expires (Unix milliseconds).
        expires_at: i64,
    },
    /// First login: scan this secret, then enter a code to confirm.
    #[serde(rename_all = "camelCase")]
    EnrollmentRequired {
        /// Single-use handle for the second step.
        challenge: String,
        /// When the challenge expires (Unix milliseconds).
        expires_at: i64,
        /// `otpauth://totp/...` URI for authenticator apps.
        otpauth_uri: String,
        /// The same URI as an SVG QR code.
        qr_svg: String,
    },
}

/// Second login step. `Debug` redacts the code.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TotpRequest {
    /// From [`LoginStep`].
    pub challenge: String,
    /// The 6- or 8-digit code.
    #[ts(type = "string")]
    pub code: SecretString,
}

impl Serialize for TotpRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("TotpRequest", 2)?;
        s.serialize_field("challenge", &self.challenge)?;
        s.serialize_field("code", self.code.expose())?;
        s.end()
    }
}

/// A TOTP code that unlocks a locked console (`POST /api/v1/session/unlock`, with the
/// session's token). `Debug` redacts the code.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnlockRequest {
    /// The 6- or 8-digit code.
    #[ts(type = "string")]
    pub code: SecretString,
}

impl Serialize for UnlockRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("UnlockRequest", 1)?;
        s.serialize_field("code", self.code.expose())?;
        s.end()
    }
}

/// A session: the token authenticates the WebSocket and API calls. `Debug` redacts the token.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionGranted {
    /// Opaque bearer token (the hub stores only its hash).
    #[ts(type = "string")]
    pub token: SecretString,
    /// Absolute expiry (Unix milliseconds).
    pub expires_at: i64,
    /// Idle timeout in seconds.
    pub idle_timeout_secs: u32,
    /// Who.
    pub agent: AgentProfile,
    /// Recovery codes, present once: right after enrollment.
    #[serde(default)]
    #[ts(type = "string[]")]
    pub recovery_codes: Vec<SecretString>,
}

impl Serialize for SessionGranted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("SessionGranted", 5)?;
        // Sent once, to the client that just authenticated.
        s.serialize_field("token", self.token.expose())?;
        s.serialize_field("expiresAt", &self.expires_at)?;
        s.serialize_field("idleTimeoutSecs", &self.idle_timeout_secs)?;
        s.serialize_field("agent", &self.agent)?;
        let codes: Vec<&str> = self
            .recovery_codes
            .iter()
            .map(|c| c.expose().as_str())
            .collect();
        s.serialize_field("recoveryCodes", &codes)?;
        s.end()
    }
}

/// A colleague a conversation can be handed to (`GET /api/v1/agents/online`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferTarget {
    /// Who.
    pub agent_id: AgentId,
    /// Their name.
    pub display_name: String,
    /// Taking new conversations.
    pub available: bool,
    /// Below their conversation limit (a transfer is refused otherwise).
    pub has_room: bool,
}

/// Why an agent reveals a masked value. The hub records it in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RevealReason {
    /// Confirming the customer's identity with them.
    CustomerVerification,
    /// Resolving a payment or refund.
    PaymentIssue,
    /// Investigating suspected fraud.
    FraudInvestigation,
    /// Something else: `note` says what.
    Other,
}

impl RevealReason {
    /// The stable name recorded in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerVerification => "customer_verification",
            Self::PaymentIssue => "payment_issue",
            Self::FraudInvestigation => "fraud_investigation",
            Self::Other => "other",
        }
    }
}

/// Longest free-text note accepted with a reveal, in characters.
pub const MAX_REVEAL_NOTE_CHARS: usize = 200;

/// `POST /api/v1/reveal`: show the original of one masked span, for a stated reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevealRequest {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The message holding the span.
    pub message_id: MessageId,
    /// Index of the span in the message's `spans`.
    pub span: u32,
    /// Why.
    pub reason: RevealReason,
    /// Required for `other`; at most [`MAX_REVEAL_NOTE_CHARS`]. Masked before it is audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<String>,
}

/// `POST /api/v1/forms/reveal`: show one field of a submitted secure form to the agent who
/// asked for it, for a stated reason. A CVV can be shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormRevealRequest {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The form.
    pub form_id: FormId,
    /// The field name.
    pub field: String,
    /// Why.
    pub reason: RevealReason,
    /// Required for `other`; at most [`MAX_REVEAL_NOTE_CHARS`]. Masked before it is audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<String>,
}

/// A console copied a revealed value to the clipboard (`POST /api/v1/reveal/copied`): recorded
/// before the copy happens. Names the kind, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CopyReport {
    /// The conversation the value came from.
    pub conversation_id: ConversationId,
    /// Its PII kind (`credit_card`) or form field (`cardNumber`).
    pub kind: String,
}

/// The answer to a permitted reveal. `Debug` redacts the value; it is serialised only to send it.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Revealed {
    /// The original text of the span.
    #[ts(type = "string")]
    pub value: SecretString,
    /// Its PII kind.
    pub kind: String,
    /// How long the console may show it before masking it again, in seconds.
    pub visible_secs: u32,
    /// Whether the console may copy it to the clipboard (the hub's policy for the role).
    #[serde(default)]
    pub copy_allowed: bool,
}

impl Serialize for Revealed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Revealed", 4)?;
        // Sent once, to the agent whose reveal was permitted and audited.
        s.serialize_field("value", self.value.expose())?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("visibleSecs", &self.visible_secs)?;
        s.serialize_field("copyAllowed", &self.copy_allowed)?;
        s.end()
    }
}

/// Why an API call failed. Stable: the console branches on it and translates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ApiErrorCode {
    /// Wrong username or password (never says which).
    InvalidCredentials,
    /// Wrong TOTP code.
    TotpInvalid,
    /// A code that was already used.
    TotpReplayed,
    /// The challenge expired or was used; start again.
    ChallengeExpired,
    /// Too many failures; `retryAfterSecs` says how long to wait.
    TooManyAttempts,
    /// Locked; `lockedUntil` says until when. An admin can unlock.
    LockedOut,
    /// The source address is not on the account's allow-list.
    IpNotAllowed,
    /// No valid session.
    Unauthenticated,
    /// The session's role may not do this.
    Forbidden,
    /// The enrollment code is wrong, used or expired.
    EnrollmentInvalid,
    /// The new password breaks the policy; `rejections` lists why.
    PasswordRejected,
    /// The username is taken.
    UsernameTaken,
    /// The conversation, message or span does not exist for this caller, or its original is
    /// no longer kept.
    NotFound,
    /// A visitor must acknowledge the current privacy notice before chatting.
    PrivacyNotAcknowledged,
    /// The request body is not what the endpoint takes.
    Malformed,
    /// An imported lesson pack is invalid; `issues` lists every `file:line: problem`.
    PackInvalid,
    /// The lesson or pack changed since it was shown (or an import is not newer); reload.
    TrainingOutdated,
    /// A live session code that does not exist or ended.
    LiveSessionNotFound,
    /// An administrator's change would deny their own current address; nothing was changed.
    WouldLockOut,
    /// The hub failed.
    Internal,
}

/// An API error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// What went wrong.
    pub code: ApiErrorCode,
    /// Safe to show and log.
    pub message: String,
    /// For `tooManyAttempts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// For `lockedOut` (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
    /// For `passwordRejected`: each reason as a code plus parameters
    /// (`{"code":"tooShort","min":12,"actual":8}`), for the UI to translate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(type = "Array<{ code: string } & Record<string, unknown>>")]
    pub rejections: Vec<serde_json::Value>,
    /// For `packInvalid`: every problem as `file:line: message`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
}

impl ApiError {
    /// An error with just a code and a message.
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
            locked_until: None,
            rejections: Vec::new(),
            issues: Vec::new(),
        }
    }
}

// --- Administration (`/api/v1/admin/…`, role `admin` only; every change is audited) ---

/// A staff account as an administrator sees it (`GET /api/v1/admin/accounts`). No secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StaffAccount {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// Name shown to visitors.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Password set and authenticator enrolled.
    pub enrolled: bool,
    /// Locked by failed logins until then (Unix seconds); an admin can unlock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<u64>,
}

/// `POST /api/v1/admin/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewStaffRequest {
    /// Login name.
    pub username: String,
    /// Name shown to visitors.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// The answer to [`NewStaffRequest`]: the one-time enrollment code, shown this once.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewStaff {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// The one-time enrollment code (hand it over out of band).
    #[ts(type = "string")]
    pub enrollment_code: SecretString,
    /// Hours the code stays valid.
    pub valid_hours: u32,
}

impl Serialize for NewStaff {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("NewStaff", 4)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("username", &self.username)?;
        s.serialize_field("enrollmentCode", self.enrollment_code.expose())?;
        s.serialize_field("validHours", &self.valid_hours)?;
        s.end()
    }
}

/// Sessions an administrator ended (`…/revoke`, `…/wipe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionsEnded {
    /// How many.
    pub sessions: u32,
}

/// One IP allow-list entry (`/api/v1/admin/allowlist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AllowListEntry {
    /// Id (for removal).
    pub id: i64,
    /// IPv4 or IPv6 network in CIDR notation.
    pub network: String,
    /// The role it applies to; absent: the whole organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `POST /api/v1/admin/allowlist`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewAllowListEntry {
    /// IPv4 or IPv6 network in CIDR notation.
    pub network: String,
    /// The role it applies to; absent: the whole organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `GET /api/v1/admin/audit/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Whether the chain is intact.
    pub ok: bool,
    /// Records checked.
    pub records: u64,
    /// The first problem found (which record, and how it was changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}
