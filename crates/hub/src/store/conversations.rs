//! Conversations and their messages: idempotent appends with gap-free sequence numbers.

use rampart_protocol::{AgentId, ConversationId, MaskedSpan, MessageId, Seq, VisitorId};
use rusqlite::{Connection, OptionalExtension, params};

use super::forgotten::remember_forgotten;
use super::orgs::{parse_org, require_org};
use super::{Store, StoreError};
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
    fn parse(s: &str) -> Result<Self, StoreError> {
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

fn seq_to_sql(seq: Seq) -> Result<i64, StoreError> {
    i64::try_from(seq.0).map_err(|_| StoreError::Corrupt("sequence out of range"))
}

fn seq_from_sql(value: i64) -> Result<Seq, StoreError> {
    u64::try_from(value)
        .map(Seq)
        .map_err(|_| StoreError::Corrupt("negative sequence"))
}

pub(super) fn parse_id<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(what))
}

impl Store {
    /// Opens a new conversation in the waiting queue.
    pub async fn create_conversation(
        &self,
        id: ConversationId,
        visitor: VisitorId,
        locale: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let locale = locale.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO conversations (id, visitor_id, locale, state, created_at)
                 VALUES (?1, ?2, ?3, 'waiting', ?4)",
                params![id.to_string(), visitor.to_string(), locale, now_ms],
            )?;
            Ok(())
        })
        .await
    }

    /// A visitor of `org` arrives: their conversation (with the privacy notice version they
    /// acknowledged and when) and their token's hash, in one transaction.
    #[allow(
        clippy::too_many_arguments,
        reason = "one row's columns; a struct would only rename them"
    )]
    pub async fn open_visitor_conversation(
        &self,
        id: ConversationId,
        visitor: VisitorId,
        org: &OrgId,
        locale: &str,
        privacy_notice: &str,
        token_hash: [u8; 32],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let locale = locale.to_owned();
        let notice = privacy_notice.to_owned();
        let org = org.clone();
        self.write(move |conn| {
            require_org(conn, &org)?;
            conn.execute(
                "INSERT INTO conversations
                   (id, visitor_id, locale, state, created_at, privacy_notice, privacy_ack_at,
                    org_id)
                 VALUES (?1, ?2, ?3, 'waiting', ?4, ?5, ?4, ?6)",
                params![
                    id.to_string(),
                    visitor.to_string(),
                    locale,
                    now_ms,
                    notice,
                    org.as_str()
                ],
            )?;
            conn.execute(
                "INSERT INTO visitor_tokens (token_hash, conversation_id, visitor_id, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    token_hash.to_vec(),
                    id.to_string(),
                    visitor.to_string(),
                    now_ms
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// The privacy notice version a conversation's visitor acknowledged, and when (ms).
    pub async fn privacy_ack(
        &self,
        id: ConversationId,
    ) -> Result<Option<(String, i64)>, StoreError> {
        self.read(move |conn| {
            let row: Option<(Option<String>, Option<i64>)> = conn
                .query_row(
                    "SELECT privacy_notice, privacy_ack_at FROM conversations WHERE id = ?1",
                    params![id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            Ok(match row {
                Some((Some(notice), Some(at))) => Some((notice, at)),
                _ => None,
            })
        })
        .await
    }

    /// The visitor's language of a conversation.
    pub async fn locale_of(&self, id: ConversationId) -> Result<String, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT locale FROM conversations WHERE id = ?1",
                params![id.to_string()],
                |row| row.get(0),
            )
            .optional()?
            .ok_or(StoreError::ConversationNotFound)
        })
        .await
    }

    /// The state and assigned agent of a conversation.
    pub async fn conversation_state(
        &self,
        id: ConversationId,
    ) -> Result<(ConversationState, Option<AgentId>), StoreError> {
        self.read(move |conn| {
            let row: Option<(String, Option<String>)> = conn
                .query_row(
                    "SELECT state, agent_id FROM conversations WHERE id = ?1",
                    params![id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let (state, agent) = row.ok_or(StoreError::ConversationNotFound)?;
            let agent = agent.map(|a| parse_id(&a, "agent id")).transpose()?;
            Ok((ConversationState::parse(&state)?, agent))
        })
        .await
    }

    /// The organisation, state and assigned agent of a conversation.
    pub async fn conversation_in(
        &self,
        id: ConversationId,
    ) -> Result<(OrgId, ConversationState, Option<AgentId>), StoreError> {
        self.read(move |conn| {
            let row: Option<(String, String, Option<String>)> = conn
                .query_row(
                    "SELECT org_id, state, agent_id FROM conversations WHERE id = ?1",
                    params![id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let (org, state, agent) = row.ok_or(StoreError::ConversationNotFound)?;
            let agent = agent.map(|a| parse_id(&a, "agent id")).transpose()?;
            Ok((parse_org(&org)?, ConversationState::parse(&state)?, agent))
        })
        .await
    }

    /// Gives a waiting conversation to an agent. Returns false if it was no longer waiting
    /// (another agent took it first).
    pub async fn accept(&self, id: ConversationId, agent: AgentId) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE conversations SET state = 'active', agent_id = ?2
                 WHERE id = ?1 AND state = 'waiting'",
                params![id.to_string(), agent.to_string()],
            )? == 1)
        })
        .await
    }

    /// Conversations currently assigned to `agent`.
    pub async fn active_for(&self, agent: AgentId) -> Result<Vec<ConversationId>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id FROM conversations WHERE agent_id = ?1 AND state = 'active'
                 ORDER BY created_at",
            )?;
            let rows =
                statement.query_map(params![agent.to_string()], |row| row.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(parse_id(&row?, "conversation id")?);
            }
            Ok(out)
        })
        .await
    }

    /// The conversation and visitor behind a visitor token hash.
    pub async fn visitor_token(
        &self,
        token_hash: [u8; 32],
    ) -> Result<Option<(ConversationId, VisitorId)>, StoreError> {
        self.read(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT conversation_id, visitor_id FROM visitor_tokens WHERE token_hash = ?1",
                    params![token_hash.to_vec()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            row.map(|(c, v)| {
                Ok((
                    parse_id(&c, "conversation id")?,
                    parse_id(&v, "visitor id")?,
                ))
            })
            .transpose()
        })
        .await
    }

    /// Moves an active conversation from `from` to `to`, only if `from` still has it.
    pub async fn transfer(
        &self,
        id: ConversationId,
        from: AgentId,
        to: AgentId,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE conversations SET agent_id = ?3
                 WHERE id = ?1 AND agent_id = ?2 AND state = 'active'",
                params![id.to_string(), from.to_string(), to.to_string()],
            )? == 1)
        })
        .await
    }

    /// Assigns a conversation to an agent (waiting → active, or a transfer between agents).
    pub async fn assign(&self, id: ConversationId, agent: AgentId) -> Result<(), StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE conversations SET state = 'active', agent_id = ?2
                 WHERE id = ?1 AND state != 'closed'",
                params![id.to_string(), agent.to_string()],
            )?;
            if changed == 0 {
                return Err(closed_or_missing(conn, id)?);
            }
            Ok(())
        })
        .await
    }

    /// Deletes `org`'s closed conversations (their messages and visitor tokens cascade) that
    /// closed before `cutoff_ms`. Returns how many. Deleted pages are overwritten
    /// (secure_delete). With `remember` set, their ids are also recorded for consoles to forget
    /// ([`Store::forgotten_after`]), in the same transaction.
    pub async fn purge_closed_before(
        &self,
        org: &OrgId,
        cutoff_ms: i64,
        remember: Option<i64>,
    ) -> Result<usize, StoreError> {
        let org = org.clone();
        self.write(move |conn| {
            // The writer runs this inside its transaction: deleting and recording go together.
            let purged = {
                let mut statement = conn.prepare_cached(
                    "DELETE FROM conversations
                     WHERE org_id = ?1 AND state = 'closed' AND closed_at < ?2
                     RETURNING id, org_id",
                )?;
                let ids = statement
                    .query_map(params![org.as_str(), cutoff_ms], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(now_ms) = remember {
                    remember_forgotten(conn, &ids, now_ms)?;
                }
                ids.len()
            };
            Ok(purged)
        })
        .await
    }

    /// Deletes every conversation of a visitor (right to erasure), whatever its state.
    /// Returns the ids of the erased conversations.
    /// The ids are recorded for consoles to forget, in the same transaction.
    pub async fn erase_visitor(
        &self,
        visitor: VisitorId,
        now_ms: i64,
    ) -> Result<Vec<ConversationId>, StoreError> {
        self.write(move |conn| {
            // The writer runs this inside its transaction: deleting and recording go together.
            let ids = {
                let mut statement = conn.prepare_cached(
                    "DELETE FROM conversations WHERE visitor_id = ?1 RETURNING id, org_id",
                )?;
                statement
                    .query_map(params![visitor.to_string()], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?
            };
            remember_forgotten(conn, &ids, now_ms)?;
            ids.iter()
                .map(|(id, _)| parse_id(id, "conversation id"))
                .collect()
        })
        .await
    }

    /// The visitors who wrote an email address with this keyed hash.
    pub async fn visitors_with_email(
        &self,
        key: crate::email_index::EmailKey,
    ) -> Result<Vec<VisitorId>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT DISTINCT c.visitor_id FROM visitor_emails e
                 JOIN conversations c ON c.id = e.conversation_id
                 WHERE e.email_key = ?1 ORDER BY c.visitor_id",
            )?;
            let ids = statement
                .query_map(params![key.as_slice()], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<String>, _>>()?;
            ids.iter().map(|id| parse_id(id, "visitor id")).collect()
        })
        .await
    }

    /// The visitor of a conversation.
    pub async fn visitor_of(&self, id: ConversationId) -> Result<Option<VisitorId>, StoreError> {
        self.read(move |conn| {
            let visitor: Option<String> = conn
                .query_row(
                    "SELECT visitor_id FROM conversations WHERE id = ?1",
                    params![id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            visitor.map(|v| parse_id(&v, "visitor id")).transpose()
        })
        .await
    }

    /// Closes a conversation. Closing twice is not an error.
    pub async fn close(&self, id: ConversationId, now_ms: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE conversations SET state = 'closed', closed_at = ?2
                 WHERE id = ?1 AND state != 'closed'",
                params![id.to_string(), now_ms],
            )?;
            if changed == 0 {
                match closed_or_missing(conn, id)? {
                    StoreError::ConversationClosed => return Ok(()),
                    other => return Err(other),
                }
            }
            Ok(())
        })
        .await
    }

    /// Stores a message exactly once. A resend (same id, same conversation) returns the original
    /// sequence number with `duplicate: true` and writes nothing. Answers only after commit.
    pub async fn append(&self, message: NewMessage) -> Result<Appended, StoreError> {
        self.write(move |conn| append_in(conn, &message)).await
    }

    /// Where a message id is stored, if it is: (conversation, seq).
    pub async fn message_position(
        &self,
        id: MessageId,
    ) -> Result<Option<(ConversationId, Seq)>, StoreError> {
        self.read(move |conn| {
            let row: Option<(String, i64)> = conn
                .query_row(
                    "SELECT conversation_id, seq FROM messages WHERE id = ?1",
                    params![id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            row.map(|(c, seq)| Ok((parse_id(&c, "conversation id")?, seq_from_sql(seq)?)))
                .transpose()
        })
        .await
    }

    /// Messages of a conversation after `after`, in order, at most `limit`.
    pub async fn messages_after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, id, author_kind, author_id, author_name, text, spans, sent_at
                 FROM messages WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows =
                statement.query_map(params![id.to_string(), seq_to_sql(after)?, limit], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, i64>(7)?,
                    ))
                })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, mid, kind, author_id, author_name, text, spans, sent_at) = row?;
                let author = match kind.as_str() {
                    "visitor" => StoredAuthor::Visitor,
                    "system" => StoredAuthor::System,
                    "agent" => StoredAuthor::Agent(
                        parse_id(author_id.as_deref().unwrap_or_default(), "author id")?,
                        author_name.unwrap_or_default(),
                    ),
                    _ => return Err(StoreError::Corrupt("author kind")),
                };
                out.push(StoredMessage {
                    conversation_id: id,
                    seq: seq_from_sql(seq)?,
                    id: parse_id(&mid, "message id")?,
                    author,
                    text,
                    spans: serde_json::from_str(&spans)
                        .map_err(|_| StoreError::Corrupt("message spans"))?,
                    sent_at,
                });
            }
            Ok(out)
        })
        .await
    }

    /// How many conversations are waiting for an agent, in every organisation.
    pub async fn waiting_count(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            let count: i64 = conn.query_row(
                "SELECT count(*) FROM conversations WHERE state = 'waiting'",
                [],
                |row| row.get(0),
            )?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
        .await
    }

    /// Conversations waiting for an agent in every organisation, oldest first: (id, locale,
    /// waiting since).
    pub async fn waiting(&self) -> Result<Vec<(ConversationId, String, i64)>, StoreError> {
        Ok(self
            .waiting_queue()
            .await?
            .into_iter()
            .map(|w| (w.id, w.locale, w.since))
            .collect())
    }

    /// Conversations waiting for an agent in every organisation, oldest first.
    pub async fn waiting_queue(&self) -> Result<Vec<Waiting>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, org_id, locale, created_at FROM conversations
                 WHERE state = 'waiting' ORDER BY created_at, id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, org, locale, since) = row?;
                out.push(Waiting {
                    id: parse_id(&id, "conversation id")?,
                    org: parse_org(&org)?,
                    locale,
                    since,
                });
            }
            Ok(out)
        })
        .await
    }
}

fn closed_or_missing(conn: &Connection, id: ConversationId) -> Result<StoreError, StoreError> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM conversations WHERE id = ?1",
            params![id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(match state.as_deref() {
        None => StoreError::ConversationNotFound,
        Some(_) => StoreError::ConversationClosed,
    })
}

fn append_in(conn: &Connection, message: &NewMessage) -> Result<Appended, StoreError> {
    let conversation = message.conversation_id.to_string();
    let existing: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT conversation_id, seq, sent_at FROM messages WHERE id = ?1",
            params![message.id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    if let Some((stored_conversation, seq, sent_at)) = existing {
        if stored_conversation != conversation {
            return Err(StoreError::IdConflict);
        }
        return Ok(Appended {
            seq: seq_from_sql(seq)?,
            sent_at,
            duplicate: true,
        });
    }

    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT state, last_seq FROM conversations WHERE id = ?1",
            params![conversation],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (state, last_seq) = row.ok_or(StoreError::ConversationNotFound)?;
    if ConversationState::parse(&state)? == ConversationState::Closed {
        return Err(StoreError::ConversationClosed);
    }
    let seq = seq_from_sql(last_seq)?.next();
    let (kind, author_id, author_name) = match &message.author {
        StoredAuthor::Visitor => ("visitor", None, None),
        StoredAuthor::Agent(id, name) => ("agent", Some(id.to_string()), Some(name.clone())),
        StoredAuthor::System => ("system", None, None),
    };
    let spans =
        serde_json::to_string(&message.spans).map_err(|_| StoreError::Corrupt("message spans"))?;
    conn.execute(
        "INSERT INTO messages
           (conversation_id, seq, id, author_kind, author_id, author_name, text, spans, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            conversation,
            seq_to_sql(seq)?,
            message.id.to_string(),
            kind,
            author_id,
            author_name,
            message.text,
            spans,
            message.now_ms
        ],
    )?;
    conn.execute(
        "UPDATE conversations SET last_seq = ?2 WHERE id = ?1",
        params![conversation, seq_to_sql(seq)?],
    )?;
    for key in &message.email_keys {
        conn.execute(
            "INSERT OR IGNORE INTO visitor_emails (email_key, conversation_id) VALUES (?1, ?2)",
            params![key.as_slice(), conversation],
        )?;
    }
    Ok(Appended {
        seq,
        sent_at: message.now_ms,
        duplicate: false,
    })
}
