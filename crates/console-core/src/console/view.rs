//! What the console shows, as it crosses the IPC boundary. TypeScript bindings are generated
//! from these types (see [`crate::ipc::typescript_bindings`]).
//!
//! Message text here is always the hub's masked text (or, for the agent's own unsent message,
//! the text masked locally): nothing in these types holds an unmasked value.

use rampart_protocol::rest::AgentProfile;
use rampart_protocol::{
    Author, ConversationId, FormId, FormKind, MaskedField, MaskedSpan, MessageId, QueueEntry, Seq,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the console is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// No hub configured: ask for one or offer the demo.
    Setup,
    /// A hub is known; nobody is signed in.
    SignedOut,
    /// Password accepted; the authenticator code is next.
    Totp,
    /// Password accepted on a first sign-in; the authenticator must be enrolled.
    Enroll,
    /// Signed in and working.
    Active,
    /// Signed in, but the screen is locked: nothing of the conversations is shown.
    Locked,
}

/// Sign-in details of the embedded demo hub. The demo runs on loopback with a throwaway
/// account, so showing its password is the point, not a leak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoInfo {
    /// The demo agent's username.
    pub username: String,
    /// The demo agent's password.
    pub password: String,
}

/// The demo account's current authenticator code (what an authenticator app would show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoCode {
    /// Six digits.
    pub code: String,
    /// Seconds until the next code.
    pub seconds_left: u32,
}

/// The console's state as the UI needs it to pick a screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleState {
    /// Which screen.
    pub phase: Phase,
    /// The hub's address (`None` before setup; `demo` shows the embedded hub).
    pub hub: Option<String>,
    /// Set when the embedded demo hub is in use.
    pub demo: Option<DemoInfo>,
    /// Who is signed in (active or locked).
    pub profile: Option<AgentProfile>,
    /// The username last used on this hub, to prefill the form.
    pub last_username: Option<String>,
    /// Idle time before the screen locks, in seconds.
    pub idle_lock_secs: u32,
    /// The language the agent chose last time (none: follow the OS).
    pub locale: Option<String>,
}

/// A QR code as a square of modules, drawn by the UI (no markup from the hub is rendered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QrCode {
    /// Modules per side.
    pub size: u32,
    /// Row-major: `true` is a dark module.
    pub dark: Vec<bool>,
}

/// What the password step leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignInStep {
    /// Enter the current authenticator code.
    Totp,
    /// First sign-in: add the account to an authenticator app, then enter its code.
    Enroll {
        /// The enrollment URI as a QR code.
        qr: QrCode,
        /// The secret in base32, for typing into an app by hand.
        secret: String,
    },
}

/// The result of the authenticator step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    /// Who.
    pub profile: AgentProfile,
    /// Recovery codes, present once, right after enrollment: shown once, never stored.
    pub recovery_codes: Vec<String>,
}

/// The state of the live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Connection {
    /// Not connected and not trying (signed out).
    Offline,
    /// Trying to connect.
    Connecting {
        /// Failed attempts since the last success.
        attempt: u32,
    },
    /// Connected.
    Online,
    /// Disconnected; the next attempt comes after `retryInMs`.
    Waiting {
        /// Milliseconds until the next attempt.
        retry_in_ms: u32,
    },
}

/// Delivery state of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    /// Queued in the outbox (kept across restarts) until the hub acknowledges it.
    Pending,
    /// Stored by the hub.
    Delivered,
    /// Refused by the hub for good.
    Failed,
}

/// One message in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Client-generated id.
    pub id: MessageId,
    /// Position once the hub stored it.
    pub seq: Option<Seq>,
    /// Who wrote it.
    pub author: Author,
    /// Masked text.
    pub text: String,
    /// Masked regions of `text` (UTF-8 byte offsets).
    pub spans: Vec<MaskedSpan>,
    /// When it was stored (or queued, while pending), Unix milliseconds.
    #[ts(type = "number")]
    pub sent_at: i64,
    /// Written by this agent.
    pub own: bool,
    /// Delivery state.
    pub delivery: Delivery,
}

/// One of the agent's conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    /// Id.
    pub id: ConversationId,
    /// The visitor's language.
    pub locale: String,
    /// Still open.
    pub open: bool,
    /// Messages from the visitor not yet seen.
    pub unread: u32,
    /// Last activity (Unix milliseconds).
    #[ts(type = "number")]
    pub last_at: i64,
    /// The last message, masked, cut short.
    pub preview: String,
    /// Messages held.
    pub message_count: u32,
    /// The visitor is typing.
    pub typing: bool,
    /// The privacy notice version the visitor acknowledged.
    pub privacy_notice: Option<String>,
    /// When they acknowledged it (Unix milliseconds).
    #[ts(type = "number | null")]
    pub privacy_acknowledged_at: Option<i64>,
}

/// Everything the main screen shows, for a fresh or reloaded UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Waiting visitors (the first page).
    pub queue: Vec<QueueEntry>,
    /// How many are waiting in all.
    pub queue_total: u32,
    /// The agent's conversations, most recent first.
    pub conversations: Vec<ConversationView>,
    /// The connection.
    pub connection: Connection,
    /// Routable or away.
    pub availability: rampart_protocol::Availability,
    /// The hub's latest decision on live work (`None` until it sent one).
    pub training_gate: Option<rampart_protocol::training::TrainingGate>,
    /// The live training session this agent runs or joined, as last pushed.
    pub live_training: Option<rampart_protocol::training::LiveSession>,
}

/// What sending a message led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SendOutcome {
    /// Queued: the message (masked) is in the outbox and on its way.
    Queued {
        /// The message as it will appear.
        message: MessageView,
    },
    /// The text holds personal data: ask the agent before sending it (masked).
    Confirm {
        /// What was found (`credit_card`, `es_dni`, …).
        kinds: Vec<String>,
    },
    /// The organisation's policy forbids sending this (card numbers, IDs); nothing was sent.
    Blocked {
        /// The kinds the policy forbids that were found.
        kinds: Vec<String>,
    },
}

/// Pushed to the UI as things happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ConsoleEvent {
    /// The phase changed (locked, signed out, session ended…).
    State {
        /// The new state.
        state: ConsoleState,
    },
    /// The connection changed.
    Connection {
        /// The new status.
        connection: Connection,
    },
    /// The waiting queue changed.
    Queue {
        /// The first page.
        waiting: Vec<QueueEntry>,
        /// How many in all.
        total: u32,
    },
    /// A conversation was added or changed.
    Conversation {
        /// Its new state.
        conversation: ConversationView,
    },
    /// A message arrived or changed delivery state.
    Message {
        /// The message.
        message: MessageView,
    },
    /// A secure form was requested or submitted.
    Form {
        /// Its state.
        form: FormView,
    },
    /// The hub deleted these conversations (erasure or retention): they are gone from the
    /// cache and must go from the screen.
    Forgotten {
        /// Their ids.
        conversations: Vec<ConversationId>,
    },
    /// The hub's decision on live work changed (sent at connect and after each change).
    TrainingGate {
        /// May the agent take live chats, and what blocks it.
        gate: rampart_protocol::training::TrainingGate,
    },
    /// A live training session this agent runs or joined changed.
    LiveTraining {
        /// Its state as this agent may see it.
        session: Box<rampart_protocol::training::LiveSession>,
    },
    /// Something the agent should know (translated by code in the UI).
    Notice {
        /// What happened.
        code: NoticeCode,
    },
}

/// Things worth telling the agent that are not errors of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NoticeCode {
    /// The session ended at the hub (expired, revoked, signed out elsewhere).
    SessionEnded,
    /// The screen locked after idle time.
    IdleLocked,
    /// The screen locked because the operating system locked or went to sleep.
    ScreenLocked,
    /// Too many failed unlocks: signed out and the local cache wiped.
    WipedAfterFailures,
    /// An administrator ordered this device wiped: signed out and the local cache deleted.
    RemoteWiped,
    /// A message could not be delivered.
    SendFailed,
    /// The local cache failed; messages are still shown but may not survive a restart.
    CacheFailed,
    /// The hub no longer offers a secure form the agent asked for (removed from its
    /// configuration since the console signed in).
    FormUnavailable,
}

/// A revealed value, shown for `visibleSecs` and then masked again by the UI. It is never
/// cached, logged or stored by the console; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevealedValue {
    /// The original text.
    pub value: String,
    /// Its PII kind.
    pub kind: String,
    /// Seconds to show it.
    pub visible_secs: u32,
    /// Whether the hub's policy lets this agent copy it (`copy_revealed`).
    pub copy_allowed: bool,
}

/// A secure form of a conversation, as the agent sees it (values masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormView {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The form.
    pub form_id: FormId,
    /// What it asks for.
    pub kind: FormKind,
    /// When it stops accepting values, or its values go (Unix milliseconds).
    #[ts(type = "number")]
    pub expires_at: i64,
    /// Empty until the visitor submits; then masked.
    pub fields: Vec<MaskedField>,
    /// A custom form's definition (title, labels, which fields show once), from its request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub definition: Option<rampart_protocol::CustomForm>,
}

/// A cached message that matches a search (text masked, as cached).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// Its conversation.
    pub conversation_id: String,
    /// The message.
    pub message_id: String,
    /// Masked text.
    pub text: String,
    /// When it was sent (Unix milliseconds).
    #[ts(type = "number")]
    pub sent_at: i64,
    /// The conversation is in this session's list (it can be opened).
    pub open_here: bool,
}

impl From<rampart_protocol::rest::Revealed> for RevealedValue {
    fn from(revealed: rampart_protocol::rest::Revealed) -> Self {
        Self {
            value: revealed.value.expose().clone(),
            kind: revealed.kind,
            visible_secs: revealed.visible_secs,
            copy_allowed: revealed.copy_allowed,
        }
    }
}

impl std::fmt::Debug for RevealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevealedValue")
            .field("value", &"<redacted>")
            .field("kind", &self.kind)
            .field("visible_secs", &self.visible_secs)
            .finish()
    }
}
