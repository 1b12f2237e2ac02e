//! Conversations and their messages in SQLite.

use async_trait::async_trait;
use rampart_protocol::{AgentId, ConversationId, MessageId, Seq, VisitorId};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::orgs::{parse_org, require_org};
use crate::org::OrgId;
use crate::store::{
    Appended, ConversationState, ConversationStore, NewMessage, StoreError, StoredAuthor,
    StoredMessage, Waiting,
};

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

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn create_conversation(
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

    async fn open_visitor_conversation(
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

    async fn privacy_ack(&self, id: ConversationId) -> Result<Option<(String, i64)>, StoreError> {
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

    async fn locale_of(&self, id: ConversationId) -> Result<String, StoreError> {
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

    async fn conversation_state(
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

    async fn conversation_in(
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

    async fn visitor_of(&self, id: ConversationId) -> Result<Option<VisitorId>, StoreError> {
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

    async fn visitor_token(
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

    async fn accept(&self, id: ConversationId, agent: AgentId) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE conversations SET state = 'active', agent_id = ?2
                 WHERE id = ?1 AND state = 'waiting'",
                params![id.to_string(), agent.to_string()],
            )? == 1)
        })
        .await
    }

    async fn active_for(&self, agent: AgentId) -> Result<Vec<ConversationId>, StoreError> {
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

    async fn transfer(
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

    async fn assign(&self, id: ConversationId, agent: AgentId) -> Result<(), StoreError> {
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

    async fn close(&self, id: ConversationId, now_ms: i64) -> Result<(), StoreError> {
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

    async fn append(&self, message: NewMessage) -> Result<Appended, StoreError> {
        self.write(move |conn| append_in(conn, &message)).await
    }

    async fn message_position(
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

    async fn messages_after(
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

    async fn waiting_count(&self) -> Result<u64, StoreError> {
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

    async fn waiting_queue(&self) -> Result<Vec<Waiting>, StoreError> {
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
