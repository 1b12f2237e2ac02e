//! Conversations and their messages: the rows and the [`ConversationStore`] contract
//! (idempotent appends with gap-free sequence numbers).

use async_trait::async_trait;
use rampart_protocol::{AgentId, ConversationId, MaskedSpan, MessageId, Seq, VisitorId};

use super::StoreError;
use crate::org::OrgId;

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationState {
    /// In the queue, no agent yet.
    Waiting,
    /// Assigned to an agent.
    Active,
    /// Ended; read-only.
    Closed,
}

impl ConversationState {
    pub(super) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "waiting" => Ok(Self::Waiting),
            "active" => Ok(Self::Active),
            "closed" => Ok(Self::Closed),
            _ => Err(StoreError::Corrupt("conversation state")),
        }
    }
}

/// Who wrote a stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredAuthor {
    /// The conversation's visitor.
    Visitor,
    /// A staff member, with the display name at the time of writing.
    Agent(AgentId, String),
    /// The hub.
    System,
}

/// A message to store. `text` must already be masked per policy (the hub's masking step runs
/// before this; the store never sees raw card numbers).
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Client-generated id; resends carry the same id.
    pub id: MessageId,
    /// Target conversation.
    pub conversation_id: ConversationId,
    /// Author.
    pub author: StoredAuthor,
    /// Masked text.
    pub text: String,
    /// Masked regions of `text`.
    pub spans: Vec<MaskedSpan>,
    /// Hub time of receipt (Unix milliseconds).
    pub now_ms: i64,
    /// Keyed hashes of the email addresses in a visitor's message (crate::email_index), stored
    /// with the message so erasure by email finds the conversation.
    pub email_keys: Vec<crate::email_index::EmailKey>,
}

/// The outcome of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The message's position.
    pub seq: Seq,
    /// When it was first stored (Unix milliseconds).
    pub sent_at: i64,
    /// True when this id was already stored (a resend): nothing was written.
    pub duplicate: bool,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Position.
    pub seq: Seq,
    /// Client id.
    pub id: MessageId,
    /// Author.
    pub author: StoredAuthor,
    /// Masked text.
    pub text: String,
    /// Masked regions.
    pub spans: Vec<MaskedSpan>,
    /// Stored at (Unix milliseconds).
    pub sent_at: i64,
}

/// A conversation waiting for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The conversation.
    pub id: ConversationId,
    /// Its organisation: only that organisation's agents may take it.
    pub org: OrgId,
    /// The visitor's language.
    pub locale: String,
    /// Waiting since (Unix milliseconds).
    pub since: i64,
}

/// Conversations and their messages.
///
/// The hub's no-loss guarantees rest on [`ConversationStore::append`]: a message id is stored
/// at most once (a resend answers the original position), each conversation's `seq` runs 1, 2,
/// 3… without gaps in the order appends committed, an answered append is durable, and a closed
/// conversation takes no more messages. State changes (`accept`, `transfer`, `assign`, `close`)
/// are compare-and-set: of two racing callers exactly one wins.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Opens a new conversation in the waiting queue.
    async fn create_conversation(
        &self,
        id: ConversationId,
        visitor: VisitorId,
        locale: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// A visitor of `org` arrives: their conversation (with the privacy notice version they
    /// acknowledged and when) and their token's hash, in one transaction.
    #[allow(
        clippy::too_many_arguments,
        reason = "one row's columns; a struct would only rename them"
    )]
    async fn open_visitor_conversation(
        &self,
        id: ConversationId,
        visitor: VisitorId,
        org: &OrgId,
        locale: &str,
        privacy_notice: &str,
        token_hash: [u8; 32],
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// The privacy notice version a conversation's visitor acknowledged, and when (ms).
    async fn privacy_ack(&self, id: ConversationId) -> Result<Option<(String, i64)>, StoreError>;

    /// The visitor's language of a conversation.
    async fn locale_of(&self, id: ConversationId) -> Result<String, StoreError>;

    /// The state and assigned agent of a conversation.
    async fn conversation_state(
        &self,
        id: ConversationId,
    ) -> Result<(ConversationState, Option<AgentId>), StoreError>;

    /// The organisation, state and assigned agent of a conversation.
    async fn conversation_in(
        &self,
        id: ConversationId,
    ) -> Result<(OrgId, ConversationState, Option<AgentId>), StoreError>;

    /// The visitor of a conversation.
    async fn visitor_of(&self, id: ConversationId) -> Result<Option<VisitorId>, StoreError>;

    /// The conversation and visitor behind a visitor token hash.
    async fn visitor_token(
        &self,
        token_hash: [u8; 32],
    ) -> Result<Option<(ConversationId, VisitorId)>, StoreError>;

    /// Gives a waiting conversation to an agent. Returns false if it was no longer waiting
    /// (another agent took it first).
    async fn accept(&self, id: ConversationId, agent: AgentId) -> Result<bool, StoreError>;

    /// Conversations currently assigned to `agent`.
    async fn active_for(&self, agent: AgentId) -> Result<Vec<ConversationId>, StoreError>;

    /// Moves an active conversation from `from` to `to`, only if `from` still has it.
    async fn transfer(
        &self,
        id: ConversationId,
        from: AgentId,
        to: AgentId,
    ) -> Result<bool, StoreError>;

    /// Assigns a conversation to an agent (waiting → active, or a transfer between agents).
    async fn assign(&self, id: ConversationId, agent: AgentId) -> Result<(), StoreError>;

    /// Closes a conversation. Closing twice is not an error.
    async fn close(&self, id: ConversationId, now_ms: i64) -> Result<(), StoreError>;

    /// Stores a message exactly once. A resend (same id, same conversation) returns the original
    /// sequence number with `duplicate: true` and writes nothing. Answers only after commit.
    async fn append(&self, message: NewMessage) -> Result<Appended, StoreError>;

    /// Where a message id is stored, if it is: (conversation, seq).
    async fn message_position(
        &self,
        id: MessageId,
    ) -> Result<Option<(ConversationId, Seq)>, StoreError>;

    /// Messages of a conversation after `after`, in order, at most `limit`.
    async fn messages_after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// How many conversations are waiting for an agent, in every organisation.
    async fn waiting_count(&self) -> Result<u64, StoreError>;

    /// Conversations waiting for an agent in every organisation, oldest first: (id, locale,
    /// waiting since).
    async fn waiting(&self) -> Result<Vec<(ConversationId, String, i64)>, StoreError> {
        Ok(self
            .waiting_queue()
            .await?
            .into_iter()
            .map(|w| (w.id, w.locale, w.since))
            .collect())
    }

    /// Conversations waiting for an agent in every organisation, oldest first.
    async fn waiting_queue(&self) -> Result<Vec<Waiting>, StoreError>;
}
