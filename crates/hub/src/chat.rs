//! Conversations as the hub runs them: visitors arrive, wait, get routed to the least-busy
//! available agent of their organisation, exchange messages (masked before storage,
//! acknowledged after commit, deduplicated by id), and close.
//!
//! Organisations are enforced here: an agent is offered, sees in the queue, may accept and may
//! be handed only conversations of their own organisation, and a conversation of another
//! organisation is answered as "no such conversation".

use std::sync::Arc;

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::SecretString;
use rampart_auth::clock::Clock;
use rampart_protocol::rest::{AgentProfile, Role, SensitiveReplies, TransferTarget};
use rampart_protocol::{
    AgentId, Author, Availability, ClientFrame, ConversationId, ErrorCode, FormId, FormKind,
    FormValue, MessageId, PROTOCOL_VERSION, QueueEntry, ResumePoint, Seq, ServerFrame, VisitorId,
};
use sha2::{Digest, Sha256};

use crate::audit::Audit;
use crate::forms::SecureForms;
use crate::live::{ConnId, Live};
use crate::masking::Masker;
use crate::metrics::Metrics;
use crate::org::OrgId;
use crate::reveal::Originals;
use crate::store::{
    ConversationState, NewMessage, Store, StoreError, StoredAuthor, StoredMessage, Waiting,
};

/// Messages replayed per page on resume.
const RESUME_PAGE: u32 = 500;

/// Who is on the other end of a connection.
#[derive(Debug, Clone)]
pub enum Peer {
    /// A staff console.
    Agent {
        /// Who.
        profile: AgentProfile,
        /// SHA-256 of the session token (to end the connection when the session ends).
        session: [u8; 32],
        /// Their organisation.
        org: OrgId,
    },
    /// A visitor's widget; bound to one conversation.
    Visitor {
        /// Their conversation.
        conversation: ConversationId,
        /// Pseudonymous visitor id.
        visitor: VisitorId,
    },
}

/// Chat settings.
#[derive(Debug, Clone, Copy)]
pub struct ChatPolicy {
    /// Conversations an agent handles at once.
    pub agent_capacity: usize,
    /// Replies with card numbers, CVVs, SSNs, IBANs or national IDs: confirmed in the console,
    /// or refused here too.
    pub sensitive_replies: SensitiveReplies,
}

impl Default for ChatPolicy {
    fn default() -> Self {
        Self {
            agent_capacity: 3,
            sensitive_replies: SensitiveReplies::Confirm,
        }
    }
}

/// The chat service. Cheap to clone.
#[derive(Clone)]
pub struct Chat {
    store: Store,
    live: Arc<Live>,
    masker: Arc<Masker>,
    clock: Arc<dyn Clock>,
    policy: ChatPolicy,
    routing: Arc<tokio::sync::Mutex<()>>,
    ordering: Arc<[tokio::sync::Mutex<()>; ORDERING_STRIPES]>,
    metrics: Metrics,
    /// The originals of visitors' masked values (in memory), when reveals are enabled.
    originals: Option<Originals>,
    /// Secure forms and the audit log that records their life, when enabled.
    forms: Option<(SecureForms, Audit)>,
    /// Keyed hashes of visitors' email addresses, for erasure by email.
    emails: Option<crate::email_index::EmailIndex>,
}

/// Locks that keep each conversation's store-then-publish in sequence order. Conversations
/// share stripes; different stripes commit in parallel (and share group commits).
const ORDERING_STRIPES: usize = 64;

fn stripe(conversation: ConversationId) -> usize {
    (conversation.0.as_u128() % ORDERING_STRIPES as u128) as usize
}

fn refuse(code: ErrorCode, message: &str, id: Option<MessageId>) -> ServerFrame {
    ServerFrame::Error {
        code,
        message: message.to_owned(),
        id,
    }
}

/// The answer about a conversation that does not exist, or is another organisation's.
fn not_found(id: Option<MessageId>) -> ServerFrame {
    refuse(ErrorCode::NotFound, "no such conversation", id)
}

fn store_failure(error: &StoreError, id: Option<MessageId>) -> ServerFrame {
    match error {
        StoreError::ConversationNotFound => not_found(id),
        StoreError::ConversationClosed => {
            refuse(ErrorCode::NotAllowed, "the conversation is closed", id)
        }
        StoreError::IdConflict => refuse(
            ErrorCode::NotAllowed,
            "message id already used elsewhere",
            id,
        ),
        other => {
            tracing::error!(error = %other, "chat: store failure");
            refuse(
                ErrorCode::Internal,
                "the hub could not store this; retry",
                id,
            )
        }
    }
}

fn to_frame(message: StoredMessage) -> ServerFrame {
    let author = match message.author {
        StoredAuthor::Visitor => Author::Visitor,
        StoredAuthor::Agent(agent_id, display_name) => Author::Agent {
            agent_id,
            display_name,
        },
        StoredAuthor::System => Author::System,
    };
    ServerFrame::Message {
        conversation_id: message.conversation_id,
        seq: message.seq,
        id: message.id,
        author,
        text: message.text,
        spans: message.spans,
        sent_at: message.sent_at,
    }
}

impl Chat {
    /// A chat service.
    pub fn new(
        store: Store,
        live: Arc<Live>,
        masker: Arc<Masker>,
        clock: Arc<dyn Clock>,
        policy: ChatPolicy,
        metrics: Metrics,
    ) -> Self {
        Self {
            store,
            live,
            masker,
            clock,
            policy,
            routing: Arc::default(),
            ordering: Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
            metrics,
            originals: None,
            forms: None,
            emails: None,
        }
    }

    /// Records a keyed hash of every email address a visitor writes, so `visitor erase
    /// --email` can find their conversations.
    #[must_use]
    pub fn with_email_index(mut self, index: crate::email_index::EmailIndex) -> Self {
        self.emails = Some(index);
        self
    }

    /// Enables secure forms, recording requests and submissions in `audit` (never values).
    #[must_use]
    pub fn with_forms(mut self, forms: SecureForms, audit: Audit) -> Self {
        self.forms = Some((forms, audit));
        self
    }

    /// The secure forms, if enabled.
    pub fn forms(&self) -> Option<&SecureForms> {
        self.forms.as_ref().map(|(forms, _)| forms)
    }

    /// Keeps the originals of visitors' masked values in `originals` so an audited reveal can
    /// show them (see [`crate::reveal`]). Without this nothing is revealable.
    #[must_use]
    pub fn with_originals(mut self, originals: Originals) -> Self {
        self.originals = Some(originals);
        self
    }

    /// The originals, if they are kept.
    pub fn originals(&self) -> Option<&Originals> {
        self.originals.as_ref()
    }

    /// Colleagues a conversation could be handed to now: connected agents and supervisors of
    /// `org` other than `me`, with whether they are available and have room.
    pub async fn transfer_targets(&self, me: AgentId, org: &OrgId) -> Vec<TransferTarget> {
        let mut targets = Vec::new();
        for (id, available, active) in self.live.online_agents(org) {
            if id == me {
                continue;
            }
            let Ok(Some(account)) = self.store.account(id).await else {
                continue;
            };
            if !matches!(account.role, Role::Agent | Role::Supervisor) || &account.org != org {
                continue;
            }
            targets.push(TransferTarget {
                agent_id: id,
                display_name: account.display_name,
                // An agent the training gate holds back cannot receive a transfer either.
                available: available && self.live.is_allowed(id),
                has_room: active < self.policy.agent_capacity,
            });
        }
        targets.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        targets
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The metrics this service updates.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The live registry.
    pub fn live(&self) -> &Arc<Live> {
        &self.live
    }

    fn now_ms(&self) -> i64 {
        self.clock
            .unix_now()
            .ok()
            .and_then(|s| i64::try_from(s).ok())
            .map_or(0, |s| s.saturating_mul(1000))
    }

    /// A visitor of `org` who acknowledged `privacy_notice` arrives: opens a waiting
    /// conversation and returns its id and the visitor's token (shown once; the hub keeps its
    /// hash). [`StoreError::OrgNotFound`] if `org` does not exist.
    pub async fn new_visitor(
        &self,
        org: &OrgId,
        locale: &str,
        privacy_notice: &str,
    ) -> Result<(ConversationId, VisitorId, SecretString), StoreError> {
        let conversation = ConversationId::new();
        let visitor = VisitorId::new();
        let now = self.now_ms();
        let locale: String = locale
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(35)
            .collect();
        let locale = if locale.is_empty() {
            "en".to_owned()
        } else {
            locale
        };
        let random: [u8; 32] = rand::random();
        let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
        self.store
            .open_visitor_conversation(
                conversation,
                visitor,
                org,
                &locale,
                privacy_notice,
                Sha256::digest(token.as_bytes()).into(),
                now,
            )
            .await?;
        self.route().await;
        Ok((conversation, visitor, SecretString::new(token)))
    }

    /// How many visitors wait for an agent.
    pub async fn waiting_count(&self) -> Result<u64, StoreError> {
        self.store.waiting_count().await
    }

    /// The visitor behind a token. A token is good only while its conversation is open.
    pub async fn visitor(
        &self,
        token: &SecretString,
    ) -> Result<Option<(ConversationId, VisitorId)>, StoreError> {
        let found = self
            .store
            .visitor_token(Sha256::digest(token.expose().as_bytes()).into())
            .await?;
        let Some((conversation, visitor)) = found else {
            return Ok(None);
        };
        match self.store.conversation_state(conversation).await? {
            (ConversationState::Closed, _) => Ok(None),
            _ => Ok(Some((conversation, visitor))),
        }
    }

    /// Assigns waiting conversations to available agents of their organisation, least busy
    /// first, and refreshes every organisation's view of its own queue.
    pub async fn route(&self) {
        let _guard = self.routing.lock().await;
        let waiting = match self.store.waiting_queue().await {
            Ok(waiting) => waiting,
            Err(error) => {
                tracing::error!(%error, "routing: cannot read the queue");
                return;
            }
        };
        let mut still_waiting: Vec<Waiting> = Vec::new();
        for entry in waiting {
            let Some(agent) = self.live.least_busy(&entry.org, self.policy.agent_capacity) else {
                still_waiting.push(entry);
                continue;
            };
            match self.store.accept(entry.id, agent).await {
                Ok(true) => self.joined(agent, entry.id, &entry.locale).await,
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "routing: cannot assign"),
            }
        }
        // Every organisation with consoles online hears its queue, empty ones included (a
        // queue that emptied must be cleared on their screens).
        for org in self.live.online_orgs() {
            let frame = queue_frame(queue_of(&still_waiting, &org));
            self.live.to_org_agents(&org, &frame);
        }
    }

    /// After `agent` took `conversation`: subscribe their consoles, tell them, and replay the
    /// conversation so far.
    async fn joined(&self, agent: AgentId, conversation: ConversationId, locale: &str) {
        self.live.assign(agent, conversation);
        let frame = self.assigned_frame(conversation, locale).await;
        self.live.to_agent(agent, &frame);
        match self.history(conversation, Seq::ZERO).await {
            Ok(history) => {
                for frame in &history {
                    self.live.to_agent(agent, frame);
                }
            }
            Err(error) => tracing::error!(%error, "routing: cannot replay history"),
        }
        // Everyone in the conversation (the visitor above all) learns who joined.
        if let Ok(Some(account)) = self.store.account(agent).await {
            self.live.publish(
                conversation,
                &ServerFrame::AgentJoined {
                    conversation_id: conversation,
                    display_name: account.display_name,
                },
                None,
            );
        }
    }

    /// What an agent learns when a conversation becomes theirs: the visitor's language and
    /// privacy-notice acknowledgement.
    async fn assigned_frame(&self, conversation: ConversationId, locale: &str) -> ServerFrame {
        let ack = self.store.privacy_ack(conversation).await.ok().flatten();
        ServerFrame::Assigned {
            conversation_id: conversation,
            locale: locale.to_owned(),
            privacy_notice: ack.as_ref().map(|(version, _)| version.clone()),
            privacy_acknowledged_at: ack.map(|(_, at)| at),
        }
    }

    /// Answers `hello`: checks the version, subscribes the connection to what it may follow,
    /// and returns what it missed (for a console, also the deletions after `forgotten`).
    /// `Err` refuses the connection.
    pub async fn hello(
        &self,
        peer: &Peer,
        conn: ConnId,
        version: u16,
        resume: &[ResumePoint],
        forgotten: Option<rampart_protocol::ForgetPosition>,
    ) -> Result<Vec<ServerFrame>, ServerFrame> {
        if version != PROTOCOL_VERSION {
            return Err(refuse(
                ErrorCode::UnsupportedVersion,
                "unsupported protocol version",
                None,
            ));
        }
        let mut frames = Vec::new();
        let follow: Vec<(ConversationId, Seq)> = match peer {
            Peer::Visitor { conversation, .. } => {
                let after = resume
                    .iter()
                    .find(|r| r.conversation_id == *conversation)
                    .map_or(Seq::ZERO, |r| r.after_seq);
                vec![(*conversation, after)]
            }
            Peer::Agent {
                profile,
                session,
                org,
            } => {
                let active = match self.store.active_for(profile.id).await {
                    Ok(active) => active,
                    Err(error) => return Err(store_failure(&error, None)),
                };
                self.live
                    .agent_online(profile.id, org, conn, *session, active.clone());
                // A console that was offline learns which conversations the hub deleted
                // meanwhile. Read only now that the sweep reaches this connection: a deletion
                // recorded in between arrives twice (harmless), never not at all.
                match crate::forget::recent(&self.store, org, self.now_ms(), forgotten).await {
                    Ok(forget) => frames.extend(forget),
                    Err(error) => return Err(store_failure(&error, None)),
                }
                active
                    .into_iter()
                    .map(|c| {
                        let after = resume
                            .iter()
                            .find(|r| r.conversation_id == c)
                            .map_or(Seq::ZERO, |r| r.after_seq);
                        (c, after)
                    })
                    .collect()
            }
        };
        for (conversation, after) in follow {
            self.live.subscribe(conn, conversation);
            // A (re)connecting console learns again which conversations are its own.
            if let Peer::Agent { .. } = peer {
                let locale = self.store.locale_of(conversation).await.unwrap_or_default();
                frames.push(self.assigned_frame(conversation, &locale).await);
            }
            match self.history(conversation, after).await {
                Ok(history) => frames.extend(history),
                Err(error) => frames.push(store_failure(&error, None)),
            }
            // And its secure forms: a restarted console holds none, and must know which values
            // it can still reveal (a CVV already viewed no longer; a form another agent asked
            // for before a transfer never, as live).
            if let (Peer::Agent { profile, .. }, Some((forms, _))) = (peer, &self.forms) {
                for held in forms.held_in(conversation, profile.id, self.now_ms()) {
                    frames.push(ServerFrame::FormRequested {
                        conversation_id: conversation,
                        form_id: held.id,
                        definition: forms.definition(&held.kind).cloned(),
                        form: held.kind.clone(),
                        expires_at: held.expires_at,
                    });
                    if let Some(fields) = held.fields {
                        frames.push(ServerFrame::FormSubmitted {
                            conversation_id: conversation,
                            form_id: held.id,
                            form: held.kind,
                            fields,
                        });
                    }
                }
            }
        }
        // A visitor (re)connecting learns who is looking after them, and sees forms still open.
        if let (Peer::Visitor { conversation, .. }, Some((forms, _))) = (peer, &self.forms) {
            for (form_id, form, expires_at) in forms.open_in(*conversation, self.now_ms()) {
                frames.push(ServerFrame::FormRequested {
                    conversation_id: *conversation,
                    form_id,
                    definition: forms.definition(&form).cloned(),
                    form,
                    expires_at,
                });
            }
        }
        if let Peer::Visitor { conversation, .. } = peer {
            if let Ok((ConversationState::Active, Some(agent))) =
                self.store.conversation_state(*conversation).await
            {
                if let Ok(Some(account)) = self.store.account(agent).await {
                    frames.push(ServerFrame::AgentJoined {
                        conversation_id: *conversation,
                        display_name: account.display_name,
                    });
                }
            }
        }
        if let Peer::Agent { org, .. } = peer {
            if let Ok(waiting) = self.store.waiting_queue().await {
                frames.push(queue_frame(queue_of(&waiting, org)));
            }
        }
        Ok(frames)
    }

    /// The ack for a message this peer already stored in `conversation`, if it did.
    async fn earlier_ack(
        &self,
        peer: &Peer,
        id: MessageId,
        conversation: ConversationId,
    ) -> Option<ServerFrame> {
        let (stored_in, seq) = self.store.message_position(id).await.ok()??;
        let own = match peer {
            Peer::Visitor {
                conversation: own, ..
            } => *own == conversation,
            // Ids are unguessable UUIDs; an agent learns only the seq of its own resend, and
            // only in its organisation (another's conversation does not exist here).
            Peer::Agent { org, .. } => matches!(
                self.store.conversation_in(conversation).await,
                Ok((of, _, _)) if &of == org
            ),
        };
        (stored_in == conversation && own).then_some(ServerFrame::Ack {
            id,
            conversation_id: conversation,
            seq,
        })
    }

    /// Every message of `conversation` after `after`, as frames, read page by page.
    async fn history(
        &self,
        conversation: ConversationId,
        mut after: Seq,
    ) -> Result<Vec<ServerFrame>, StoreError> {
        let mut frames = Vec::new();
        loop {
            let page = self
                .store
                .messages_after(conversation, after, RESUME_PAGE)
                .await?;
            let full = page.len() == RESUME_PAGE as usize;
            if let Some(last) = page.last() {
                after = last.seq;
            }
            frames.extend(page.into_iter().map(to_frame));
            if !full {
                return Ok(frames);
            }
        }
    }

    /// Whether `peer` may act in `conversation` right now.
    async fn may_act(&self, peer: &Peer, conversation: ConversationId) -> Result<(), ServerFrame> {
        match peer {
            Peer::Visitor {
                conversation: own, ..
            } if *own == conversation => Ok(()),
            Peer::Visitor { .. } => {
                Err(refuse(ErrorCode::NotAllowed, "not your conversation", None))
            }
            Peer::Agent { profile, org, .. } => {
                match self.store.conversation_in(conversation).await {
                    Ok((of, _, _)) if &of != org => Err(not_found(None)),
                    Ok((_, ConversationState::Active, Some(agent))) if agent == profile.id => {
                        Ok(())
                    }
                    Ok((_, ConversationState::Closed, _)) => Err(refuse(
                        ErrorCode::NotAllowed,
                        "the conversation is closed",
                        None,
                    )),
                    Ok(_) => Err(refuse(ErrorCode::NotAllowed, "not assigned to you", None)),
                    Err(error) => Err(store_failure(&error, None)),
                }
            }
        }
    }

    /// Handles one frame after `hello`. Returns the frames for the sender.
    pub async fn handle(&self, peer: &Peer, conn: ConnId, frame: ClientFrame) -> Vec<ServerFrame> {
        match frame {
            ClientFrame::Hello { .. } => vec![refuse(
                ErrorCode::NotAllowed,
                "hello was already received",
                None,
            )],
            ClientFrame::Ping { nonce } => vec![ServerFrame::Pong { nonce }],
            ClientFrame::RequestForm {
                conversation_id,
                form,
            } => self.request_form(peer, conversation_id, form).await,
            ClientFrame::SubmitForm {
                conversation_id,
                form_id,
                values,
            } => {
                self.submit_form(peer, conn, conversation_id, form_id, &values)
                    .await
            }
            ClientFrame::Send {
                id,
                conversation_id,
                text,
            } => self.send(peer, conn, id, conversation_id, &text).await,
            ClientFrame::Typing {
                conversation_id,
                active,
            } => {
                if self.may_act(peer, conversation_id).await.is_ok() {
                    let author = author_of(peer);
                    self.live.publish(
                        conversation_id,
                        &ServerFrame::Typing {
                            conversation_id,
                            author,
                            active,
                        },
                        Some(conn),
                    );
                }
                Vec::new()
            }
            ClientFrame::Accept { conversation_id } => {
                let Peer::Agent { profile, org, .. } = peer else {
                    return vec![refuse(
                        ErrorCode::NotAllowed,
                        "only agents accept conversations",
                        None,
                    )];
                };
                // Training gate: an agent whose required lessons are missing or expired
                // takes nothing from the queue.
                if !self.live.is_allowed(profile.id) {
                    return vec![refuse(
                        ErrorCode::NotAllowed,
                        "complete your required training before taking live chats",
                        None,
                    )];
                }
                // Only their organisation's queue: another's conversation does not exist here.
                match self.store.conversation_in(conversation_id).await {
                    Ok((of, _, _)) if &of == org => {}
                    Ok(_) => return vec![not_found(None)],
                    Err(error) => return vec![store_failure(&error, None)],
                }
                let _guard = self.routing.lock().await;
                match self.store.accept(conversation_id, profile.id).await {
                    Ok(true) => {
                        self.joined(profile.id, conversation_id, "").await;
                        drop(_guard);
                        self.route().await;
                        Vec::new()
                    }
                    Ok(false) => vec![refuse(
                        ErrorCode::NotAllowed,
                        "the conversation is not waiting",
                        None,
                    )],
                    Err(error) => vec![store_failure(&error, None)],
                }
            }
            ClientFrame::Transfer {
                conversation_id,
                to_agent,
            } => {
                let Peer::Agent { profile, org, .. } = peer else {
                    return vec![refuse(
                        ErrorCode::NotAllowed,
                        "only agents transfer conversations",
                        None,
                    )];
                };
                if let Err(frame) = self.may_act(peer, conversation_id).await {
                    return vec![frame];
                }
                // The target must be a staff member of the same organisation who handles chats,
                // connected, with room.
                let target_ok = match self.store.account(to_agent).await {
                    Ok(Some(target)) => {
                        matches!(target.role, Role::Agent | Role::Supervisor) && &target.org == org
                    }
                    _ => false,
                };
                if !target_ok
                    || to_agent == profile.id
                    || !self.live.can_take(to_agent, self.policy.agent_capacity)
                {
                    return vec![refuse(
                        ErrorCode::NotAllowed,
                        "that agent cannot take this conversation now",
                        None,
                    )];
                }
                match self
                    .store
                    .transfer(conversation_id, profile.id, to_agent)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        return vec![refuse(ErrorCode::NotAllowed, "not assigned to you", None)];
                    }
                    Err(error) => return vec![store_failure(&error, None)],
                }
                self.live.release(profile.id, conversation_id);
                self.live
                    .to_agent(profile.id, &ServerFrame::Closed { conversation_id });
                let locale = self
                    .store
                    .locale_of(conversation_id)
                    .await
                    .unwrap_or_default();
                self.joined(to_agent, conversation_id, &locale).await;
                Vec::new()
            }
            ClientFrame::Close { conversation_id } => {
                if let Err(frame) = self.may_act(peer, conversation_id).await {
                    return vec![frame];
                }
                {
                    // In the conversation's send order: no message can be stored (and keep its
                    // originals) between the close and the forgetting below.
                    let _ordered = self.ordering[stripe(conversation_id)].lock().await;
                    if let Err(error) = self.store.close(conversation_id, self.now_ms()).await {
                        return vec![store_failure(&error, None)];
                    }
                    if let Some(originals) = &self.originals {
                        originals.forget_conversation(conversation_id);
                    }
                    if let Some((forms, _)) = &self.forms {
                        forms.forget_conversation(conversation_id);
                    }
                }
                self.live.publish(
                    conversation_id,
                    &ServerFrame::Closed { conversation_id },
                    None,
                );
                if let Ok((_, Some(agent))) = self.store.conversation_state(conversation_id).await {
                    self.live.release(agent, conversation_id);
                }
                self.live.close_room(conversation_id);
                self.route().await;
                Vec::new()
            }
            ClientFrame::SetAvailability { availability } => {
                let Peer::Agent { profile, .. } = peer else {
                    return vec![refuse(
                        ErrorCode::NotAllowed,
                        "only agents have availability",
                        None,
                    )];
                };
                self.live.set_availability(profile.id, availability);
                if availability == Availability::Available {
                    self.route().await;
                }
                Vec::new()
            }
        }
    }

    async fn send(
        &self,
        peer: &Peer,
        conn: ConnId,
        id: MessageId,
        conversation: ConversationId,
        text: &str,
    ) -> Vec<ServerFrame> {
        // Messages of one conversation are stored and published one at a time, so everyone
        // receives them in sequence order.
        let _ordered = self.ordering[stripe(conversation)].lock().await;
        if let Err(ServerFrame::Error { code, message, .. }) =
            self.may_act(peer, conversation).await
        {
            // Refused now, but perhaps stored before (a resend after a lost ack, then the
            // conversation closed or moved): the client must learn it was stored, not that it
            // failed. Only this refusal path pays for the lookup; the append is idempotent.
            if let Some(ack) = self.earlier_ack(peer, id, conversation).await {
                return vec![ack];
            }
            return vec![ServerFrame::Error {
                code,
                message,
                id: Some(id),
            }];
        }
        let arrived = std::time::Instant::now();
        let mut masked = self.masker.mask(text);
        // An agent must not echo card data or IDs back; where policy blocks it, a console that
        // skipped its own check (an honest one masks first, so nothing is found here) is refused.
        if matches!(peer, Peer::Agent { .. })
            && self.policy.sensitive_replies == SensitiveReplies::Block
            && masked
                .spans
                .iter()
                .any(|span| SensitiveReplies::covers(&span.kind))
        {
            return vec![ServerFrame::Error {
                code: ErrorCode::NotAllowed,
                message: "policy: replies may not contain card numbers or IDs; use a secure form"
                    .into(),
                id: Some(id),
            }];
        }
        let now_ms = self.now_ms();
        let email_keys = match (peer, &self.emails) {
            (Peer::Visitor { .. }, Some(index)) => masked
                .emails
                .iter()
                .map(|address| index.key_of(address.expose()))
                .collect(),
            _ => Vec::new(),
        };
        // Only what visitors wrote is kept for reveals (agents' consoles mask before sending),
        // and only while there is room.
        let keep = match (peer, &self.originals) {
            (Peer::Visitor { .. }, Some(originals))
                if !masked.spans.is_empty() && originals.has_room(masked.spans.len(), now_ms) =>
            {
                masked
                    .spans
                    .iter_mut()
                    .for_each(|span| span.revealable = true);
                Some(originals)
            }
            _ => None,
        };
        let kept: Vec<(u32, String, SecretString)> = match keep {
            Some(_) => masked
                .spans
                .iter()
                .zip(std::mem::take(&mut masked.originals))
                .enumerate()
                .map(|(index, (span, value))| {
                    (
                        u32::try_from(index).unwrap_or(u32::MAX),
                        span.kind.clone(),
                        value,
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let author = match peer {
            Peer::Visitor { .. } => StoredAuthor::Visitor,
            Peer::Agent { profile, .. } => {
                StoredAuthor::Agent(profile.id, profile.display_name.clone())
            }
        };
        let message = NewMessage {
            id,
            conversation_id: conversation,
            author,
            text: masked.text,
            spans: masked.spans,
            now_ms,
            email_keys,
        };
        let stored = message.clone();
        match self.store.append(message).await {
            Ok(appended) => {
                self.metrics
                    .ack_latency
                    .observe(arrived.elapsed().as_secs_f64());
                if !appended.duplicate {
                    if let Some(originals) = keep {
                        originals.keep(conversation, id, kept, now_ms);
                    }
                    self.metrics.messages.inc();
                    let frame = to_frame(StoredMessage {
                        conversation_id: conversation,
                        seq: appended.seq,
                        id,
                        author: stored.author,
                        text: stored.text,
                        spans: stored.spans,
                        sent_at: appended.sent_at,
                    });
                    self.live.publish(conversation, &frame, None);
                    if !self.live.follows(conn, conversation) {
                        // The sender is not subscribed (should not happen); still tell it.
                        return vec![
                            ServerFrame::Ack {
                                id,
                                conversation_id: conversation,
                                seq: appended.seq,
                            },
                            frame,
                        ];
                    }
                }
                vec![ServerFrame::Ack {
                    id,
                    conversation_id: conversation,
                    seq: appended.seq,
                }]
            }
            Err(error) => vec![store_failure(&error, Some(id))],
        }
    }
}

impl Chat {
    /// Records a step in a secure form's life (never its values); if that fails the form is
    /// dropped.
    async fn record_form(
        &self,
        actor: Actor,
        action: Action,
        conversation: ConversationId,
        form_id: FormId,
        form: &FormKind,
    ) -> Result<(), ServerFrame> {
        let event = AuditEvent::new(actor, action)
            .on(Target::new(TargetKind::SecureForm, &form_id.to_string()))
            .with_detail("conversation", &conversation.to_string())
            .and_then(|e| e.with_detail("form", &form_name(form)))
            .map_err(|_| {
                refuse(
                    ErrorCode::Internal,
                    "the secure form could not be recorded",
                    None,
                )
            });
        let recorded = match event {
            Ok(event) => self.record(event).await,
            Err(refusal) => Err(refusal),
        };
        // A form whose step cannot be recorded does not go on (fail closed).
        if recorded.is_err()
            && let Some((forms, _)) = &self.forms
        {
            forms.forget_form(form_id);
        }
        recorded
    }

    async fn record(&self, event: AuditEvent) -> Result<(), ServerFrame> {
        let Some((_, audit)) = &self.forms else {
            return Ok(());
        };
        let now = self
            .clock
            .unix_now()
            .map_err(|_| refuse(ErrorCode::Internal, "the clock failed", None))?;
        audit.record(event, now).await.map_err(|error| {
            tracing::error!(%error, "audit of a secure form failed");
            refuse(
                ErrorCode::Internal,
                "the secure form could not be recorded",
                None,
            )
        })
    }

    /// An agent asks the visitor of one of their conversations for a secure form.
    async fn request_form(
        &self,
        peer: &Peer,
        conversation: ConversationId,
        form: FormKind,
    ) -> Vec<ServerFrame> {
        let (Peer::Agent { profile, .. }, Some((forms, _))) = (peer, &self.forms) else {
            return vec![refuse(
                ErrorCode::NotAllowed,
                "secure forms are not available",
                None,
            )];
        };
        if let Err(refusal) = self.may_act(peer, conversation).await {
            return vec![refusal];
        }
        let (form_id, expires_at) =
            match forms.request(conversation, form.clone(), profile.id, self.now_ms()) {
                Ok(opened) => opened,
                Err(error) => return vec![form_refusal(&error)],
            };
        let actor = Actor::named_user(&profile.id.to_string(), &profile.username);
        let recorded = self
            .record_form(
                actor,
                Action::SecureFormRequested,
                conversation,
                form_id,
                &form,
            )
            .await;
        if let Err(refusal) = recorded {
            return vec![refusal];
        }
        let frame = ServerFrame::FormRequested {
            conversation_id: conversation,
            form_id,
            definition: forms.definition(&form).cloned(),
            form,
            expires_at,
        };
        self.live.publish(conversation, &frame, None);
        Vec::new()
    }

    /// The visitor submits a form: the values stay in memory; the agent gets them masked.
    async fn submit_form(
        &self,
        peer: &Peer,
        conn: ConnId,
        conversation: ConversationId,
        form_id: FormId,
        values: &[FormValue],
    ) -> Vec<ServerFrame> {
        let (Peer::Visitor { visitor, .. }, Some((forms, _))) = (peer, &self.forms) else {
            return vec![refuse(
                ErrorCode::NotAllowed,
                "only the visitor submits a form",
                None,
            )];
        };
        if let Err(refusal) = self.may_act(peer, conversation).await {
            return vec![refusal];
        }
        let (form, fields) = match forms.submit(conversation, form_id, values, self.now_ms()) {
            Ok(submitted) => submitted,
            Err(error) => return vec![form_refusal(&error)],
        };
        let actor = Actor::visitor(&visitor.to_string());
        let recorded = self
            .record_form(
                actor,
                Action::SecureFormSubmitted,
                conversation,
                form_id,
                &form,
            )
            .await;
        if let Err(refusal) = recorded {
            return vec![refusal];
        }
        let for_agents = ServerFrame::FormSubmitted {
            conversation_id: conversation,
            form_id,
            form: form.clone(),
            fields,
        };
        self.live.publish(conversation, &for_agents, Some(conn));
        vec![ServerFrame::FormSubmitted {
            conversation_id: conversation,
            form_id,
            form,
            fields: Vec::new(),
        }]
    }
}

/// The audit name of a form kind (`card`…; `custom:policy-check` for a configured form, whose
/// id the configuration limits to lower-case letters, digits and dashes).
pub fn form_name(form: &FormKind) -> String {
    match form {
        FormKind::Card => "card".to_owned(),
        FormKind::Ssn => "ssn".to_owned(),
        FormKind::NationalId => "national_id".to_owned(),
        FormKind::DateOfBirth => "date_of_birth".to_owned(),
        FormKind::Custom(id) => format!("custom:{id}"),
    }
}

/// The refusal of a form request or submission: unknown custom forms get their own code.
fn form_refusal(error: &crate::forms::FormError) -> ServerFrame {
    let code = match error {
        crate::forms::FormError::Unknown => ErrorCode::FormUnknown,
        _ => ErrorCode::FormInvalid,
    };
    refuse(code, &error.to_string(), None)
}

/// Waiting visitors sent to consoles at most: the frame stays far below `MAX_FRAME_BYTES`
/// however long the queue grows.
pub const QUEUE_PAGE: usize = 50;

/// `org`'s waiting conversations as queue entries, oldest first.
fn queue_of(waiting: &[Waiting], org: &OrgId) -> Vec<QueueEntry> {
    waiting
        .iter()
        .filter(|w| &w.org == org)
        .map(|w| QueueEntry {
            conversation_id: w.id,
            visitor_name: None,
            waiting_since: w.since,
            locale: w.locale.clone(),
        })
        .collect()
}

/// The queue frame: the oldest [`QUEUE_PAGE`] entries and the total.
fn queue_frame(mut waiting: Vec<QueueEntry>) -> ServerFrame {
    let total = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
    waiting.truncate(QUEUE_PAGE);
    ServerFrame::Queue { waiting, total }
}

fn author_of(peer: &Peer) -> Author {
    match peer {
        Peer::Visitor { .. } => Author::Visitor,
        Peer::Agent { profile, .. } => Author::Agent {
            agent_id: profile.id,
            display_name: profile.display_name.clone(),
        },
    }
}
