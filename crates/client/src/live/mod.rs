//! The live connection to the hub: one long-lived task that owns the socket, the outbox and the
//! per-conversation delivery state, and talks to the rest of the program over channels.
//!
//! - Commands go in through a [`Live`] handle (cheap to clone); typed [`Event`]s come out of the
//!   receiver returned by [`Live::spawn`]. Read events promptly: the task waits for room in the
//!   event channel, which in turn holds back reading the socket.
//! - Reconnects use capped exponential backoff with jitter ([`crate::backoff`]). A refused
//!   session (401/403, `sessionRevoked`) or another protocol version stops the task instead.
//! - Every `send` gets a fresh [`MessageId`] and stays in the [`Outbox`] until its `ack`; after a
//!   reconnect, what is left is resent with the same ids, oldest first.
//! - `hello` carries the last seq delivered per conversation; [`Timeline`](crate::timeline::Timeline) drops duplicates and
//!   holds out-of-order messages, so every message reaches the user once, in seq order. A gap
//!   that does not fill within `gap_timeout` triggers a reconnect, whose resume fills it.
//! - Outgoing frames are paced under the hub's per-connection rate limit; if the hub still says
//!   `rateLimited`, unacknowledged messages are resent after a pause.
//! - Control commands (accept, transfer, close, availability) given while offline are sent once
//!   connected, at most once, in order; `close` and `transfer` wait until the messages queued
//!   before them for that conversation are acknowledged. Typing indicators given while offline
//!   are dropped. The last availability is re-sent after every reconnect, because the hub
//!   forgets it on restart.
//! - Deletions (`forget` frames) are passed on like any frame. The program records, in the
//!   config's [`ForgetCursor`], the position (and the epoch of the hub's database that gave
//!   it) of the last one it carried out; each `hello` names it, so the hub sends only later
//!   deletions, unless the position is not its database's.

mod task;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rampart_protocol::{
    Availability, ClientFrame, ConversationId, EpochId, ForgetPosition, MAX_FRAME_BYTES, MessageId,
    ResumePoint, ServerFrame,
};
use rampart_secret::SecretString;
use tokio::sync::mpsc;

use crate::backoff::{BackoffPolicy, Jitter, RandomJitter};
use crate::error::ClientError;
use crate::hub_url::HubUrl;
use crate::outbox::{MemoryOutbox, Outbox, Pending};
use crate::tls::TlsConfig;
use task::Task;

/// The subprotocol the hub speaks.
pub const SUBPROTOCOL: &str = "rampart.v1";
/// Largest frame the socket reads. Above the protocol's own limit so that a frame between the
/// two is reported as a bad frame and the connection carries on; beyond this the connection
/// is dropped and re-established.
pub const MAX_INCOMING_BYTES: usize = 4 * MAX_FRAME_BYTES;
/// Commands buffered between the handle and the task.
const COMMAND_CAPACITY: usize = 256;
/// Events buffered between the task and its reader.
const EVENT_CAPACITY: usize = 1024;

/// Which WebSocket endpoint the connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/ws/agent`: staff consoles, authenticated by a session token.
    Agent,
    /// `/ws/visitor`: a visitor's widget, authenticated by the visitor token.
    Visitor,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Self::Agent => "/ws/agent",
            Self::Visitor => "/ws/visitor",
        }
    }
}

/// The position of the last `forget` frame the program carried out (`None`: none, or none the
/// hub named an epoch for), shared between the program, which moves it after deleting, and the
/// connection, which names it in `hello`. Cheap to clone; clones share the position.
#[derive(Debug, Clone, Default)]
pub struct ForgetCursor(Arc<Mutex<Option<ForgetPosition>>>);

impl ForgetCursor {
    /// A cursor at `position` (e.g. as persisted by an earlier run).
    pub fn at(position: Option<ForgetPosition>) -> Self {
        Self(Arc::new(Mutex::new(position)))
    }

    /// The position; `None` when nothing was carried out.
    pub fn get(&self) -> Option<ForgetPosition> {
        *self.lock()
    }

    /// Records that the frame at `through`, recorded under `epoch`, was carried out; returns
    /// whether the position changed. Within one epoch positions only move forward. A frame of
    /// another epoch replaces the position: positions of different databases cannot be
    /// compared, and naming the newer one is at worst asking for deletions again. A frame
    /// without an epoch (a hub before epochs) changes nothing: its position cannot be named.
    pub fn carried_out(&self, through: i64, epoch: Option<EpochId>) -> bool {
        let Some(epoch) = epoch else {
            return false;
        };
        let mut position = self.lock();
        match *position {
            Some(held) if held.epoch == epoch && held.through >= through => false,
            _ => {
                *position = Some(ForgetPosition { epoch, through });
                true
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ForgetPosition>> {
        // The position is a plain value, written whole: a panic elsewhere cannot leave it torn.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How to run a live connection.
pub struct LiveConfig {
    /// The hub.
    pub hub: HubUrl,
    /// Agent or visitor endpoint.
    pub endpoint: Endpoint,
    /// Session token (agents) or visitor token.
    pub token: SecretString,
    /// Whom to trust for an `https` hub; `None`: the operating system's roots.
    pub tls: Option<TlsConfig>,
    /// Reconnect delays.
    pub backoff: BackoffPolicy,
    /// Randomness for the backoff.
    pub jitter: Box<dyn Jitter>,
    /// Unacknowledged messages (from a previous run, if persisted).
    pub outbox: Box<dyn Outbox>,
    /// Where to resume conversations (from a previous run, if persisted).
    pub resume: Vec<ResumePoint>,
    /// Deletions already carried out (agents' consoles).
    pub forgotten: ForgetCursor,
    /// Frames sent per second at most (the hub refuses more than 50).
    pub frames_per_second: usize,
    /// Messages sent but not yet acknowledged, at most.
    pub max_in_flight: usize,
    /// Limit for the connection, upgrade and `welcome`.
    pub connect_timeout: Duration,
    /// Keep-alive interval; a connection silent for twice this long is dropped.
    pub ping_every: Duration,
    /// How long an out-of-order message may wait for the gap before the client resumes.
    pub gap_timeout: Duration,
}

impl LiveConfig {
    /// Defaults: in-memory outbox, nothing to resume, 40 frames/s, 10 s connect timeout.
    pub fn new(hub: HubUrl, endpoint: Endpoint, token: SecretString) -> Self {
        Self {
            hub,
            endpoint,
            token,
            tls: None,
            backoff: BackoffPolicy::default(),
            jitter: Box::new(RandomJitter),
            outbox: Box::new(MemoryOutbox::new()),
            resume: Vec::new(),
            forgotten: ForgetCursor::default(),
            frames_per_second: 40,
            max_in_flight: 32,
            connect_timeout: Duration::from_secs(10),
            ping_every: Duration::from_secs(20),
            gap_timeout: Duration::from_secs(2),
        }
    }
}

/// What the live connection reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// Connecting (`attempt` failed attempts since the last success).
    Connecting {
        /// Failed attempts so far.
        attempt: u32,
    },
    /// The hub said `welcome`.
    Connected {
        /// When the session ends at the latest (Unix ms; 0 for visitors).
        session_expires_at: i64,
        /// Idle timeout of the session in seconds (0 for visitors).
        idle_timeout_secs: u32,
        /// Messages sent on an earlier connection without an `ack`: they are sent again, with
        /// the same ids.
        resending: usize,
    },
    /// The connection was lost; the next attempt starts after `retry_in`.
    Disconnected {
        /// Why.
        error: ClientError,
        /// Backoff delay.
        retry_in: Duration,
    },
    /// A frame from the hub. `message` frames come exactly once per seq and in seq order;
    /// `ack` frames once per message; `welcome` and `pong` are consumed by the client.
    Frame(ServerFrame),
    /// The hub refused a message for good (closed conversation, not allowed, invalid text). It
    /// left the outbox.
    SendFailed {
        /// The message.
        id: MessageId,
        /// Its conversation.
        conversation_id: ConversationId,
        /// Why.
        error: ClientError,
    },
    /// Something went wrong that the connection survived (a bad frame from the hub, a refused
    /// control frame, an outbox storage failure).
    Fault(ClientError),
    /// The session is over (revoked, expired, logged out). The task stops next.
    SessionRevoked,
    /// The task stopped: shut down (`None`) or a failure that retrying cannot fix.
    Stopped {
        /// Why, unless it was asked to stop.
        error: Option<ClientError>,
    },
}

enum Command {
    Send(Pending),
    Control(ClientFrame),
    Shutdown,
}

/// Handle to a live connection. Cheap to clone; when every handle is dropped the task stops.
#[derive(Debug, Clone)]
pub struct Live {
    commands: mpsc::Sender<Command>,
}

impl Live {
    /// Starts the connection task on the current tokio runtime.
    pub fn spawn(config: LiveConfig) -> (Self, mpsc::Receiver<Event>) {
        let (commands, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (events, event_rx) = mpsc::channel(EVENT_CAPACITY);
        let task = Task::new(config, command_rx, events);
        tokio::spawn(task.run());
        (Self { commands }, event_rx)
    }

    async fn command(&self, command: Command) -> Result<(), ClientError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| ClientError::Stopped)
    }

    /// Queues a chat message; returns its id. The message is sent (and resent) until the hub
    /// acknowledges it: watch for the `ack` frame, or `SendFailed`. Empty or over-long text is
    /// refused here (`Refused` with `textInvalid`), as the hub would.
    pub async fn send(
        &self,
        conversation_id: ConversationId,
        text: impl Into<String>,
    ) -> Result<MessageId, ClientError> {
        let text = text.into();
        // Text the hub would refuse never enters the outbox.
        rampart_protocol::codec::check_text(&text).map_err(|error| ClientError::Refused {
            code: error.code,
            message: error.message.into_owned(),
        })?;
        let id = MessageId::new();
        self.command(Command::Send(Pending {
            id,
            conversation_id,
            text,
        }))
        .await?;
        Ok(id)
    }

    /// Typing indicator (dropped while offline).
    pub async fn typing(
        &self,
        conversation_id: ConversationId,
        active: bool,
    ) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::Typing {
            conversation_id,
            active,
        }))
        .await
    }

    /// Takes a waiting conversation.
    pub async fn accept(&self, conversation_id: ConversationId) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::Accept { conversation_id }))
            .await
    }

    /// Hands a conversation to another agent.
    pub async fn transfer(
        &self,
        conversation_id: ConversationId,
        to_agent: rampart_protocol::AgentId,
    ) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::Transfer {
            conversation_id,
            to_agent,
        }))
        .await
    }

    /// Ends a conversation.
    pub async fn close(&self, conversation_id: ConversationId) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::Close { conversation_id }))
            .await
    }

    /// Asks the visitor of a conversation to fill in a secure form.
    pub async fn request_form(
        &self,
        conversation_id: ConversationId,
        form: rampart_protocol::FormKind,
    ) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::RequestForm {
            conversation_id,
            form,
        }))
        .await
    }

    /// A visitor submits a requested secure form (sent once, when online).
    pub async fn submit_form(
        &self,
        conversation_id: ConversationId,
        form_id: rampart_protocol::FormId,
        values: Vec<rampart_protocol::FormValue>,
    ) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::SubmitForm {
            conversation_id,
            form_id,
            values,
        }))
        .await
    }

    /// Becomes available or away (kept and re-sent after reconnects).
    pub async fn set_availability(&self, availability: Availability) -> Result<(), ClientError> {
        self.command(Command::Control(ClientFrame::SetAvailability {
            availability,
        }))
        .await
    }

    /// Closes the connection and stops the task (unacknowledged messages stay in the outbox).
    pub async fn shutdown(&self) -> Result<(), ClientError> {
        self.command(Command::Shutdown).await
    }
}
