//! Live frames exchanged over the WebSocket. `type` names the frame; fields are camelCase.
//!
//! Client → hub: [`ClientFrame`]. Hub → client: [`ServerFrame`]. The same frames serve agents'
//! consoles and visitors' widgets; the hub decides per connection which ones it accepts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{AgentId, ConversationId, EpochId, FormId, MessageId, Seq};

/// Whether an agent takes new conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Availability {
    /// Routable: the hub may assign waiting visitors.
    Available,
    /// Not routable; existing conversations continue.
    Away,
}

/// Who wrote a message or is typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Author {
    /// The visitor of the conversation.
    Visitor,
    /// A staff member.
    #[serde(rename_all = "camelCase")]
    Agent {
        /// Who.
        agent_id: AgentId,
        /// Display name shown to the visitor.
        display_name: String,
    },
    /// The hub itself (joins, transfers, closing notes).
    System,
}

/// A masked region of a delivered message's text, so the console can render it distinctly and
/// offer a reveal where policy allows. Offsets are UTF-8 byte offsets into the masked text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaskedSpan {
    /// Start, inclusive.
    pub start: u32,
    /// End, exclusive.
    pub end: u32,
    /// PII kind as named by `rampart-pii` (`credit_card`, `es_dni`, …).
    pub kind: String,
    /// Whether the hub still holds the original so a permitted reveal can succeed.
    pub revealable: bool,
}

/// Where a client resumes a conversation after reconnecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResumePoint {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The last sequence number the client has; the hub sends everything after it, in order.
    pub after_seq: Seq,
}

/// How far a console has carried out the hub's deletions: the position of the last `forget`
/// frame it carried out, and the epoch that recorded it. Positions are comparable only within
/// one database; the epoch is how the hub tells that the position is one of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForgetPosition {
    /// The epoch of the frame (its `epoch`).
    pub epoch: EpochId,
    /// The frame's `through`.
    pub through: i64,
}

/// A visitor waiting for an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueueEntry {
    /// The waiting conversation.
    pub conversation_id: ConversationId,
    /// Name the visitor gave, if any (already masked by the hub).
    pub visitor_name: Option<String>,
    /// When the visitor started waiting (Unix milliseconds).
    pub waiting_since: i64,
    /// The visitor's language (BCP 47), for routing and canned responses.
    pub locale: String,
}

/// What a secure form asks for. Each built-in kind has fixed fields (see [`FormKind::fields`]);
/// a custom form's fields come from its definition in the hub's configuration.
///
/// On the wire a built-in kind is a string (`"card"`) and a custom form an object
/// (`{"custom": "policy-check"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FormKind {
    /// Card payment: `cardNumber` (Luhn), `expiry` (MM/YY, not past), `cvv` (3–4 digits).
    Card,
    /// A US Social Security number: `ssn`.
    Ssn,
    /// A national ID: `nationalId` (Spanish DNI/NIE checked by their control letter).
    NationalId,
    /// Date of birth: `dateOfBirth` (YYYY-MM-DD).
    DateOfBirth,
    /// A form defined in the hub's configuration, by its id (see [`crate::CustomForm`]).
    Custom(String),
}

impl FormKind {
    /// The built-in kinds.
    pub const BUILT_IN: [FormKind; 4] = [
        FormKind::Card,
        FormKind::Ssn,
        FormKind::NationalId,
        FormKind::DateOfBirth,
    ];

    /// The field names of a built-in form, in display order (none for a custom form: its
    /// definition names them).
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Self::Card => &["cardNumber", "expiry", "cvv"],
            Self::Ssn => &["ssn"],
            Self::NationalId => &["nationalId"],
            Self::DateOfBirth => &["dateOfBirth"],
            Self::Custom(_) => &[],
        }
    }
}

/// One field of a submitted form, as the visitor typed it. `Debug` hides the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormValue {
    /// Field name (see [`FormKind::fields`]).
    pub name: String,
    /// The value.
    pub value: String,
}

impl FormValue {
    /// One field's value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Debug for FormValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormValue")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// A submitted field as agents see it: masked, with whether a reveal can still show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaskedField {
    /// Field name.
    pub name: String,
    /// Masked value (a card keeps its last four digits; a CVV shows nothing).
    pub masked: String,
    /// The hub still holds the value (CVVs: until their one reveal).
    pub revealable: bool,
}

/// Why a frame was refused. Stable: clients branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Not valid JSON, or a known frame with wrong or missing fields.
    Malformed,
    /// Larger than `MAX_FRAME_BYTES`.
    FrameTooLarge,
    /// A binary frame or text that is not UTF-8.
    InvalidUtf8,
    /// A `type` this protocol version does not know.
    UnknownType,
    /// `hello` with a protocol version the hub does not speak.
    UnsupportedVersion,
    /// Message text empty or longer than `MAX_TEXT_CHARS`.
    TextInvalid,
    /// The frame must come after `hello`.
    HelloRequired,
    /// The sender may not do this (role, assignment or policy).
    NotAllowed,
    /// The conversation (or other target) does not exist for this sender.
    NotFound,
    /// Too many frames; slow down.
    RateLimited,
    /// The session expired or was revoked; log in again.
    SessionExpired,
    /// The hub failed; the client should retry later. Nothing was stored.
    Internal,
    /// A secure form's values failed validation (the message names the field, never the
    /// value), or the form is not open.
    FormInvalid,
    /// A custom secure form the hub's configuration does not define (never, or no longer).
    FormUnknown,
}

/// Client → hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientFrame {
    /// First frame on every connection.
    #[serde(rename_all = "camelCase")]
    Hello {
        /// The client's `PROTOCOL_VERSION`.
        protocol_version: u16,
        /// Conversations to resume, with the last sequence number seen in each.
        #[serde(default)]
        resume: Vec<ResumePoint>,
        /// Consoles: the position of the last `forget` frame they carried out. The hub then
        /// sends only deletions after it; without it, or with a position this hub's database
        /// did not issue, every recent deletion again. (Consoles before epochs sent a bare
        /// `forgottenThrough` number, which is ignored: they get every recent deletion.)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        forgotten: Option<ForgetPosition>,
    },
    /// A chat message. Resent with the same `id` until acknowledged.
    #[serde(rename_all = "camelCase")]
    Send {
        /// Client-generated id (UUIDv7).
        id: MessageId,
        /// Where it goes.
        conversation_id: ConversationId,
        /// The text as typed; the hub masks before storing.
        text: String,
    },
    /// Typing indicator.
    #[serde(rename_all = "camelCase")]
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Started or stopped.
        active: bool,
    },
    /// An agent takes a waiting conversation.
    #[serde(rename_all = "camelCase")]
    Accept {
        /// Which.
        conversation_id: ConversationId,
    },
    /// An agent hands a conversation to another agent.
    #[serde(rename_all = "camelCase")]
    Transfer {
        /// Which.
        conversation_id: ConversationId,
        /// To whom.
        to_agent: AgentId,
    },
    /// Ends a conversation.
    #[serde(rename_all = "camelCase")]
    Close {
        /// Which.
        conversation_id: ConversationId,
    },
    /// An agent becomes available or away.
    #[serde(rename_all = "camelCase")]
    SetAvailability {
        /// The new state.
        availability: Availability,
    },
    /// Keep-alive; answered with `pong`.
    #[serde(rename_all = "camelCase")]
    Ping {
        /// Echoed back.
        nonce: u64,
    },
    /// An agent asks the visitor for sensitive data through a secure form.
    #[serde(rename_all = "camelCase")]
    RequestForm {
        /// Where.
        conversation_id: ConversationId,
        /// What to ask for.
        form: FormKind,
    },
    /// The visitor submits a requested form. The values never enter the transcript.
    #[serde(rename_all = "camelCase")]
    SubmitForm {
        /// Where.
        conversation_id: ConversationId,
        /// Which request.
        form_id: FormId,
        /// One value per field of the form.
        values: Vec<FormValue>,
    },
}

/// Hub → client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerFrame {
    /// Answer to `hello`.
    #[serde(rename_all = "camelCase")]
    Welcome {
        /// The hub's `PROTOCOL_VERSION`.
        protocol_version: u16,
        /// When the session ends at the latest (Unix milliseconds).
        session_expires_at: i64,
        /// Idle timeout of the session, in seconds.
        idle_timeout_secs: u32,
    },
    /// A message is durably stored. Same `id` → same `seq`, however often it is resent.
    #[serde(rename_all = "camelCase")]
    Ack {
        /// The client's id.
        id: MessageId,
        /// The conversation.
        conversation_id: ConversationId,
        /// Its position.
        seq: Seq,
    },
    /// A message in a conversation the client follows (live or replayed on resume).
    #[serde(rename_all = "camelCase")]
    Message {
        /// The conversation.
        conversation_id: ConversationId,
        /// Position in the conversation.
        seq: Seq,
        /// The sender's id.
        id: MessageId,
        /// Who wrote it.
        author: Author,
        /// Text, masked per policy.
        text: String,
        /// Masked regions of `text`.
        #[serde(default)]
        spans: Vec<MaskedSpan>,
        /// When the hub stored it (Unix milliseconds).
        sent_at: i64,
    },
    /// Someone started or stopped typing.
    #[serde(rename_all = "camelCase")]
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        author: Author,
        /// Started or stopped.
        active: bool,
    },
    /// The waiting queue changed.
    #[serde(rename_all = "camelCase")]
    Queue {
        /// The oldest waiting visitors, oldest first (at most a page, so the frame stays small
        /// however long the queue is).
        waiting: Vec<QueueEntry>,
        /// How many visitors are waiting in all.
        #[serde(default)]
        total: u32,
    },
    /// A conversation was assigned to this agent.
    #[serde(rename_all = "camelCase")]
    Assigned {
        /// Which.
        conversation_id: ConversationId,
        /// The visitor's language.
        locale: String,
        /// The privacy notice version the visitor acknowledged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        privacy_notice: Option<String>,
        /// When they acknowledged it (Unix milliseconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        privacy_acknowledged_at: Option<i64>,
    },
    /// An agent joined the conversation (sent to everyone following it, visitor included).
    #[serde(rename_all = "camelCase")]
    AgentJoined {
        /// Which conversation.
        conversation_id: ConversationId,
        /// The agent's display name.
        display_name: String,
    },
    /// A conversation ended.
    #[serde(rename_all = "camelCase")]
    Closed {
        /// Which.
        conversation_id: ConversationId,
    },
    /// The session ended (logout elsewhere, admin revocation, expiry). The hub closes the
    /// connection after this frame.
    SessionRevoked,
    /// An administrator ordered this agent's devices wiped: the console must delete its local
    /// cache and keys now. `sessionRevoked` follows.
    WipeDevice,
    /// The hub deleted these conversations (a visitor's right to erasure, or a retention
    /// shorter than a console's cache): the console must delete every local copy. Sent to
    /// connected agents as it happens, and at `hello` for recent ones the console has not
    /// confirmed (see `hello`'s `forgottenThrough`).
    #[serde(rename_all = "camelCase")]
    Forget {
        /// The conversations to drop.
        conversations: Vec<ConversationId>,
        /// The hub's position of the newest deletion in this frame (positions only grow). A
        /// console that has deleted these keeps it, with `epoch`, and names both in its next
        /// `hello`.
        #[serde(default)]
        through: i64,
        /// The epoch that recorded the deletion at `through`. Absent from hubs before epochs
        /// and for deletions recorded before them: such a position cannot be named in `hello`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        epoch: Option<EpochId>,
    },
    /// Whether the hub routes live chats to this agent, and which required lessons stop it.
    /// Sent after `welcome` and whenever the agent's training standing changes.
    #[serde(rename_all = "camelCase")]
    TrainingGate {
        /// The decision and its reasons.
        gate: crate::training::TrainingGate,
    },
    /// A live onboarding session this agent runs or joined changed.
    #[serde(rename_all = "camelCase")]
    LiveTraining {
        /// Its state as this agent may see it.
        session: Box<crate::training::LiveSession>,
    },
    /// A frame was refused. Nothing the frame asked for happened.
    #[serde(rename_all = "camelCase")]
    Error {
        /// Why.
        code: ErrorCode,
        /// Safe to show and log; never echoes the frame's content.
        message: String,
        /// The refused message's id, when the refused frame was a `send`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<MessageId>,
    },
    /// Answer to `ping`.
    #[serde(rename_all = "camelCase")]
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// A secure form was requested (to the visitor, who fills it in, and to the agent).
    #[serde(rename_all = "camelCase")]
    FormRequested {
        /// Where.
        conversation_id: ConversationId,
        /// The request.
        form_id: FormId,
        /// What it asks for.
        form: FormKind,
        /// When it stops accepting values (Unix milliseconds).
        expires_at: i64,
        /// A custom form's definition (texts in English and Spanish, fields and their checks).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        definition: Option<crate::CustomForm>,
    },
    /// A form was submitted: to the agent with masked values, to the visitor as a receipt
    /// (with no values).
    #[serde(rename_all = "camelCase")]
    FormSubmitted {
        /// Where.
        conversation_id: ConversationId,
        /// The request.
        form_id: FormId,
        /// What it was.
        form: FormKind,
        /// The fields, masked (empty in the visitor's receipt).
        #[serde(default)]
        fields: Vec<MaskedField>,
    },
}
