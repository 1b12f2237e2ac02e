//! The connection task: connect, `hello`/`welcome`, then one `select!` loop over the socket,
//! the commands, the send pacer, keep-alive and the gap timer; reconnect with backoff when the
//! connection ends. See the parent module for the guarantees.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rampart_protocol::{
    Availability, ClientFrame, ErrorCode, FrameError, MessageId, PROTOCOL_VERSION, ServerFrame,
    decode_server, encode,
};
use rampart_secret::SecretString;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Command, Event, LiveConfig, MAX_INCOMING_BYTES, SUBPROTOCOL};
use crate::backoff::Backoff;
use crate::error::{ClientError, ClientErrorCode, TransportError};
use crate::outbox::{Outbox, Pending};
use crate::rest::refusal;
use crate::timeline::Timeline;
use crate::tls::{TlsConfig, is_tls};

/// How long to hold back sends after the hub said `rateLimited`.
const RATE_LIMIT_PAUSE: Duration = Duration::from_secs(1);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a connection ended.
enum Outcome {
    /// Reconnect after a backoff.
    Lost(ClientError),
    /// Stop for good with this error.
    Fatal(ClientError),
    /// The session is over.
    Revoked,
    /// Asked to stop.
    Shutdown,
}

/// Keeps outgoing frames under `limit` in any one-second window.
struct Pacer {
    limit: usize,
    sent: VecDeque<Instant>,
}

impl Pacer {
    fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            sent: VecDeque::new(),
        }
    }

    fn ready_at(&mut self, now: Instant) -> Instant {
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            now
        } else {
            self.sent
                .front()
                .map_or(now, |t| *t + Duration::from_secs(1))
        }
    }

    fn record(&mut self, now: Instant) {
        self.sent.push_back(now);
    }
}

pub(super) struct Task {
    url: String,
    /// For `wss`; `None` for plain `ws`, or until first needed.
    tls: Option<TlsConfig>,
    tls_wanted: bool,
    token: SecretString,
    connect_timeout: Duration,
    ping_every: Duration,
    gap_timeout: Duration,
    max_in_flight: usize,
    backoff: Backoff,
    outbox: Box<dyn Outbox>,
    /// Mirror of the outbox, oldest first.
    unacked: VecDeque<Pending>,
    /// Unacknowledged ids already written to some connection (resends, if sent again).
    written: HashSet<MessageId>,
    timeline: Timeline,
    forgotten: super::ForgetCursor,
    pacer: Pacer,
    /// Control frames to send once connected, in order.
    control: VecDeque<Control>,
    availability: Option<Availability>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
}

/// A control frame and the messages it must not overtake: closing or transferring a
/// conversation waits until the messages sent to it before are acknowledged, so "bye" then
/// "close" given while offline does not become "close" then a refused "bye".
struct Control {
    frame: ClientFrame,
    waits_for: Vec<MessageId>,
}

impl Control {
    fn ready(&self, unacked: &VecDeque<Pending>) -> bool {
        self.waits_for
            .iter()
            .all(|id| unacked.iter().all(|p| p.id != *id))
    }
}

/// Per-connection sending state.
#[derive(Default)]
struct Wire {
    /// Ids to send on this connection, in order.
    to_send: VecDeque<MessageId>,
    /// Sent on this connection, not yet acknowledged.
    in_flight: HashSet<MessageId>,
    /// No sends before this instant (after `rateLimited`).
    paused_until: Option<Instant>,
}

fn closed_by_hub() -> ClientError {
    ClientError::WebSocket {
        source: std::sync::Arc::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "the hub closed the connection",
        )),
    }
}

async fn emit(events: &mpsc::Sender<Event>, event: Event) {
    // Nobody listening is not a reason to stop delivering the outbox.
    let _ = events.send(event).await;
}

/// Reads the next usable frame. `Ok(None)`: the hub closed the connection. Unusable frames
/// are reported as faults and skipped.
async fn read(
    socket: &mut Socket,
    events: &mpsc::Sender<Event>,
) -> Result<Option<ServerFrame>, ClientError> {
    loop {
        match socket.next().await {
            None | Some(Ok(Message::Close(_))) => return Ok(None),
            Some(Err(error)) => return Err(ws_error(error)),
            Some(Ok(Message::Text(text))) => match decode_server(text.as_bytes()) {
                Ok(frame) => return Ok(Some(frame)),
                Err(error) => {
                    tracing::warn!(code = ?error.code, "live: unusable frame from the hub");
                    emit(events, Event::Fault(ClientError::BadFrame(error))).await;
                }
            },
            Some(Ok(Message::Binary(_))) => {
                let error = FrameError {
                    code: ErrorCode::InvalidUtf8,
                    message: "binary frames are not part of the protocol".into(),
                };
                emit(events, Event::Fault(ClientError::BadFrame(error))).await;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
        }
    }
}

/// Maps a WebSocket failure to the client's error.
fn ws_error(error: tungstenite::Error) -> ClientError {
    match error {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            let body = response.body().as_deref().unwrap_or_default();
            refusal(status, body)
        }
        tungstenite::Error::Io(io) => {
            let source: TransportError = std::sync::Arc::new(io);
            if is_tls(source.as_ref()) {
                ClientError::Tls { source }
            } else {
                ClientError::Unreachable { source }
            }
        }
        other => {
            let source: TransportError = std::sync::Arc::new(other);
            if matches!(
                source.downcast_ref::<tungstenite::Error>(),
                Some(tungstenite::Error::Tls(_))
            ) || is_tls(source.as_ref())
            {
                ClientError::Tls { source }
            } else {
                ClientError::WebSocket { source }
            }
        }
    }
}

impl Task {
    pub(super) fn new(
        config: LiveConfig,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<Event>,
    ) -> Self {
        Self {
            url: config.hub.websocket(config.endpoint.path()),
            tls_wanted: config.hub.is_tls(),
            tls: config.tls,
            token: config.token,
            connect_timeout: config.connect_timeout,
            ping_every: config.ping_every,
            gap_timeout: config.gap_timeout,
            max_in_flight: config.max_in_flight.max(1),
            backoff: Backoff::new(config.backoff, config.jitter),
            outbox: config.outbox,
            unacked: VecDeque::new(),
            written: HashSet::new(),
            timeline: Timeline::new(&config.resume),
            forgotten: config.forgotten,
            pacer: Pacer::new(config.frames_per_second),
            control: VecDeque::new(),
            availability: None,
            commands,
            events,
        }
    }

    pub(super) async fn run(mut self) {
        match self.outbox.pending() {
            Ok(pending) => self.unacked = pending.into(),
            Err(error) => emit(&self.events, Event::Fault(error)).await,
        }
        let end = loop {
            emit(
                &self.events,
                Event::Connecting {
                    attempt: self.backoff.attempt(),
                },
            )
            .await;
            let outcome = match self.connect().await {
                Ok(socket) => self.session(socket).await,
                Err(error) => classify(error),
            };
            match outcome {
                Outcome::Lost(error) => {
                    let retry_in = self.backoff.next_delay();
                    tracing::debug!(code = ?error.code(), ?retry_in, "live: connection lost");
                    emit(&self.events, Event::Disconnected { error, retry_in }).await;
                    if !self.wait(retry_in).await {
                        break None;
                    }
                }
                Outcome::Fatal(error) => break Some(error),
                Outcome::Revoked => {
                    emit(&self.events, Event::SessionRevoked).await;
                    break Some(ClientError::SessionRevoked);
                }
                Outcome::Shutdown => break None,
            }
        };
        emit(&self.events, Event::Stopped { error: end }).await;
    }

    /// Waits out a backoff delay while still taking commands. `false`: stop.
    async fn wait(&mut self, delay: Duration) -> bool {
        let deadline = Instant::now() + delay;
        loop {
            tokio::select! {
                () = sleep_until(deadline) => return true,
                command = self.commands.recv() => {
                    if !self.take(command, None).await {
                        return false;
                    }
                }
            }
        }
    }

    /// Applies a command. `false`: stop.
    async fn take(&mut self, command: Option<Command>, wire: Option<&mut Wire>) -> bool {
        match command {
            None | Some(Command::Shutdown) => false,
            Some(Command::Send(pending)) => {
                if let Err(error) = self.outbox.push(pending.clone()) {
                    emit(
                        &self.events,
                        Event::SendFailed {
                            id: pending.id,
                            conversation_id: pending.conversation_id,
                            error,
                        },
                    )
                    .await;
                    return true;
                }
                if let Some(wire) = wire {
                    wire.to_send.push_back(pending.id);
                }
                self.unacked.push_back(pending);
                true
            }
            Some(Command::Control(frame)) => {
                if let ClientFrame::SetAvailability { availability } = frame {
                    self.availability = Some(availability);
                }
                let online = wire.is_some();
                if online || !matches!(frame, ClientFrame::Typing { .. }) {
                    let waits_for = match &frame {
                        ClientFrame::Close { conversation_id }
                        | ClientFrame::Transfer {
                            conversation_id, ..
                        } => self
                            .unacked
                            .iter()
                            .filter(|p| p.conversation_id == *conversation_id)
                            .map(|p| p.id)
                            .collect(),
                        _ => Vec::new(),
                    };
                    self.control.push_back(Control { frame, waits_for });
                }
                true
            }
        }
    }

    async fn connect(&mut self) -> Result<Socket, ClientError> {
        let mut request =
            self.url
                .as_str()
                .into_client_request()
                .map_err(|_| ClientError::InvalidUrl {
                    reason: "not a WebSocket address",
                })?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.token.expose()))
            .map_err(|_| ClientError::SessionRevoked)?;
        auth.set_sensitive(true);
        request.headers_mut().insert(header::AUTHORIZATION, auth);
        request.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(SUBPROTOCOL),
        );
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_INCOMING_BYTES))
            .max_frame_size(Some(MAX_INCOMING_BYTES));
        let connector = if self.tls_wanted {
            let tls = match &self.tls {
                Some(tls) => tls.clone(),
                None => {
                    let tls = TlsConfig::system()?;
                    self.tls = Some(tls.clone());
                    tls
                }
            };
            tokio_tungstenite::Connector::Rustls(tls.rustls())
        } else {
            tokio_tungstenite::Connector::Plain
        };
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(config),
            true,
            Some(connector),
        );
        match timeout(self.connect_timeout, connecting).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(error)) => Err(ws_error(error)),
            Err(_) => Err(ClientError::Timeout),
        }
    }

    /// Sends one frame, counting it against the rate limit.
    async fn write(&mut self, socket: &mut Socket, frame: &ClientFrame) -> Result<(), ClientError> {
        self.pacer.record(Instant::now());
        socket
            .send(Message::Text(encode(frame).into()))
            .await
            .map_err(ws_error)
    }

    /// Says hello and waits for `welcome`.
    async fn handshake(&mut self, socket: &mut Socket) -> Result<ServerFrame, Outcome> {
        let hello = ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            resume: self.timeline.resume_points(),
            forgotten: self.forgotten.get(),
        };
        self.write(socket, &hello).await.map_err(Outcome::Lost)?;
        let deadline = Instant::now() + self.connect_timeout;
        loop {
            let frame = match timeout(
                deadline.saturating_duration_since(Instant::now()),
                read(socket, &self.events),
            )
            .await
            {
                Err(_) => return Err(Outcome::Lost(ClientError::Timeout)),
                Ok(Err(error)) => return Err(Outcome::Lost(error)),
                Ok(Ok(None)) => return Err(Outcome::Lost(closed_by_hub())),
                Ok(Ok(Some(frame))) => frame,
            };
            match frame {
                ServerFrame::Welcome {
                    protocol_version, ..
                } if protocol_version != PROTOCOL_VERSION => {
                    return Err(Outcome::Fatal(ClientError::ProtocolVersion {
                        hub: protocol_version,
                        client: PROTOCOL_VERSION,
                    }));
                }
                ServerFrame::Welcome { .. } => return Ok(frame),
                ServerFrame::Error {
                    code: ErrorCode::UnsupportedVersion,
                    ..
                } => {
                    return Err(Outcome::Fatal(ClientError::ProtocolVersion {
                        hub: 0,
                        client: PROTOCOL_VERSION,
                    }));
                }
                // A remote wipe ordered while this console was offline: the hub says so
                // instead of welcoming it, then ends the session.
                ServerFrame::WipeDevice => emit(&self.events, Event::Frame(frame)).await,
                ServerFrame::SessionRevoked
                | ServerFrame::Error {
                    code: ErrorCode::SessionExpired,
                    ..
                } => return Err(Outcome::Revoked),
                ServerFrame::Error { code, message, .. } => {
                    // The hub refused the hello itself (e.g. a store failure): retry later.
                    return Err(Outcome::Lost(ClientError::Refused { code, message }));
                }
                _ => {
                    emit(
                        &self.events,
                        Event::Fault(ClientError::UnexpectedResponse { status: 0 }),
                    )
                    .await;
                }
            }
        }
    }

    /// One connection, from `hello` until it ends.
    async fn session(&mut self, mut socket: Socket) -> Outcome {
        let welcome = match self.handshake(&mut socket).await {
            Ok(welcome) => welcome,
            Err(outcome) => return outcome,
        };
        self.backoff.reset();
        let now = Instant::now();
        self.timeline.restart_gap_timers(now);
        if let ServerFrame::Welcome {
            session_expires_at,
            idle_timeout_secs,
            ..
        } = welcome
        {
            emit(
                &self.events,
                Event::Connected {
                    session_expires_at,
                    idle_timeout_secs,
                    resending: self
                        .unacked
                        .iter()
                        .filter(|p| self.written.contains(&p.id))
                        .count(),
                },
            )
            .await;
        }
        let mut wire = Wire {
            to_send: self.unacked.iter().map(|p| p.id).collect(),
            ..Wire::default()
        };
        if let Some(availability) = self.availability {
            // The hub forgets availability when it restarts; say it again first.
            self.control
                .retain(|c| !matches!(c.frame, ClientFrame::SetAvailability { .. }));
            self.control.push_front(Control {
                frame: ClientFrame::SetAvailability { availability },
                waits_for: Vec::new(),
            });
        }
        let mut last_heard = now;
        let mut next_ping = now + self.ping_every;
        loop {
            let now = Instant::now();
            let wants_send = self.control.front().is_some_and(|c| c.ready(&self.unacked))
                || (!wire.to_send.is_empty() && wire.in_flight.len() < self.max_in_flight);
            let send_at = {
                let ready = self.pacer.ready_at(now);
                wire.paused_until.map_or(ready, |p| p.max(ready))
            };
            let gap_deadline = self.timeline.oldest_gap().map(|t| t + self.gap_timeout);
            let silent_deadline = last_heard + self.ping_every * 2;
            tokio::select! {
                read = read(&mut socket, &self.events) => {
                    last_heard = Instant::now();
                    match read {
                        Ok(Some(frame)) => {
                            if let Some(outcome) = self.on_frame(frame, &mut wire).await {
                                break outcome;
                            }
                        }
                        Ok(None) => break Outcome::Lost(closed_by_hub()),
                        Err(error) => break Outcome::Lost(error),
                    }
                }
                command = self.commands.recv() => {
                    if !self.take(command, Some(&mut wire)).await {
                        let _ = socket.close(None).await;
                        break Outcome::Shutdown;
                    }
                }
                () = sleep_until(send_at), if wants_send => {
                    if let Err(error) = self.send_next(&mut socket, &mut wire).await {
                        break Outcome::Lost(error);
                    }
                }
                () = sleep_until(next_ping) => {
                    next_ping = Instant::now() + self.ping_every;
                    let ping = ClientFrame::Ping { nonce: rand::random() };
                    if let Err(error) = self.write(&mut socket, &ping).await {
                        break Outcome::Lost(error);
                    }
                }
                () = sleep_until(silent_deadline) => break Outcome::Lost(ClientError::Timeout),
                () = sleep_until(gap_deadline.unwrap_or(now)), if gap_deadline.is_some() => {
                    break Outcome::Lost(ClientError::Gap);
                }
            }
        }
    }

    /// Sends the next control frame if it may go, or else the next message of the outbox.
    async fn send_next(&mut self, socket: &mut Socket, wire: &mut Wire) -> Result<(), ClientError> {
        wire.paused_until = None;
        if self.control.front().is_some_and(|c| c.ready(&self.unacked)) {
            if let Some(control) = self.control.pop_front() {
                return self.write(socket, &control.frame).await;
            }
        }
        if wire.in_flight.len() >= self.max_in_flight {
            return Ok(());
        }
        while let Some(id) = wire.to_send.pop_front() {
            let Some(pending) = self.unacked.iter().find(|p| p.id == id) else {
                continue; // acknowledged or refused meanwhile
            };
            let frame = ClientFrame::Send {
                id,
                conversation_id: pending.conversation_id,
                text: pending.text.clone(),
            };
            wire.in_flight.insert(id);
            self.written.insert(id);
            return self.write(socket, &frame).await;
        }
        Ok(())
    }

    /// Removes a message from the outbox. `None` if it was not there (a duplicate ack).
    async fn settle(&mut self, id: MessageId) -> Option<Pending> {
        let index = self.unacked.iter().position(|p| p.id == id)?;
        let pending = self.unacked.remove(index)?;
        self.written.remove(&id);
        if let Err(error) = self.outbox.remove(id) {
            emit(&self.events, Event::Fault(error)).await;
        }
        Some(pending)
    }

    /// Resends everything in flight on this connection after a pause.
    fn requeue_in_flight(&mut self, wire: &mut Wire) {
        let mut again: Vec<MessageId> = self
            .unacked
            .iter()
            .map(|p| p.id)
            .filter(|id| wire.in_flight.contains(id))
            .collect();
        wire.in_flight.clear();
        again.extend(wire.to_send.drain(..));
        wire.to_send = again.into();
        wire.paused_until = Some(Instant::now() + RATE_LIMIT_PAUSE);
    }

    /// Handles one frame. `Some`: the connection ends.
    async fn on_frame(&mut self, frame: ServerFrame, wire: &mut Wire) -> Option<Outcome> {
        match frame {
            ServerFrame::Ack { id, .. } => {
                wire.in_flight.remove(&id);
                if self.settle(id).await.is_some() {
                    emit(&self.events, Event::Frame(frame)).await;
                }
            }
            ServerFrame::Message { .. } => {
                for delivered in self.timeline.accept(frame, Instant::now()) {
                    emit(&self.events, Event::Frame(delivered)).await;
                }
            }
            ServerFrame::Error {
                code: ErrorCode::SessionExpired,
                ..
            }
            | ServerFrame::SessionRevoked => return Some(Outcome::Revoked),
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => {
                // The hub does not say which frame it dropped: resend all in flight.
                tracing::debug!("live: rate limited by the hub");
                self.requeue_in_flight(wire);
            }
            ServerFrame::Error {
                code: ErrorCode::Internal,
                id: Some(id),
                ..
            } => {
                // Nothing was stored; try again after a pause.
                if wire.in_flight.remove(&id) {
                    wire.to_send.push_front(id);
                    wire.paused_until = Some(Instant::now() + RATE_LIMIT_PAUSE);
                }
            }
            ServerFrame::Error {
                code,
                message,
                id: Some(id),
            } => {
                wire.in_flight.remove(&id);
                if let Some(pending) = self.settle(id).await {
                    emit(
                        &self.events,
                        Event::SendFailed {
                            id,
                            conversation_id: pending.conversation_id,
                            error: ClientError::Refused { code, message },
                        },
                    )
                    .await;
                }
            }
            ServerFrame::Error {
                code,
                message,
                id: None,
            } => {
                emit(
                    &self.events,
                    Event::Fault(ClientError::Refused { code, message }),
                )
                .await;
            }
            ServerFrame::Welcome { .. } | ServerFrame::Pong { .. } => {}
            other => emit(&self.events, Event::Frame(other)).await,
        }
        None
    }
}

/// A connection attempt that failed: does retrying make sense?
fn classify(error: ClientError) -> Outcome {
    match error.code() {
        ClientErrorCode::Unauthenticated | ClientErrorCode::SessionRevoked => Outcome::Revoked,
        ClientErrorCode::IpNotAllowed
        | ClientErrorCode::Forbidden
        | ClientErrorCode::LockedOut
        | ClientErrorCode::InvalidUrl
        | ClientErrorCode::ProtocolVersion => Outcome::Fatal(error),
        _ => Outcome::Lost(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pacer_allows_a_full_window_then_waits() {
        let start = Instant::now();
        let mut pacer = Pacer::new(3);
        for _ in 0..3 {
            assert_eq!(pacer.ready_at(start), start);
            pacer.record(start);
        }
        assert_eq!(pacer.ready_at(start), start + Duration::from_secs(1));
        let later = start + Duration::from_secs(1);
        assert_eq!(pacer.ready_at(later), later);
    }

    #[test]
    fn refused_sessions_stop_and_network_trouble_retries() {
        let unauthenticated = ClientError::Api {
            status: 401,
            error: Box::new(rampart_protocol::rest::ApiError::new(
                rampart_protocol::rest::ApiErrorCode::Unauthenticated,
                "no",
            )),
        };
        assert!(matches!(classify(unauthenticated), Outcome::Revoked));
        assert!(matches!(classify(ClientError::Timeout), Outcome::Lost(_)));
        assert!(matches!(
            classify(ClientError::InvalidUrl { reason: "x" }),
            Outcome::Fatal(_)
        ));
    }
}
