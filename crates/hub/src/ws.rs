//! WebSocket endpoints: `/ws/agent` for staff consoles, `/ws/visitor` for visitors' widgets.
//!
//! Authentication happens before the upgrade (a bearer token in `Authorization`, or, for
//! browsers that cannot set headers, in the subprotocol list as `bearer.<token>` beside
//! `rampart.v1`). The first frame must be `hello`. Frames are size-capped by the socket itself;
//! malformed or unknown frames get an error frame and the connection carries on. An agent's
//! session is re-checked periodically without counting as activity, and a revoked or expired
//! session ends the connection with `sessionRevoked`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use prometheus_client::metrics::gauge::Gauge;
use rampart_auth::SecretString;
use rampart_protocol::{
    ClientFrame, ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, ServerFrame, decode_client, encode,
};
use sha2::{Digest, Sha256};
use std::sync::atomic::AtomicI64;
use tokio::sync::{Notify, mpsc};

use crate::chat::Peer;
use crate::http::{Api, ApiFailure, bearer, client_ip};
use crate::limits::SocketSlot;
use crate::live::ConnId;
use crate::live::{ConnHandle, OUTBOX_FRAMES};
use crate::login::LoginError;
use crate::tls::PeerAddr;
use rampart_protocol::rest::{ApiError, ApiErrorCode};

/// The subprotocol clients must offer.
pub const SUBPROTOCOL: &str = "rampart.v1";
/// How long a new connection may take to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an active connection records activity on its session.
const TOUCH_EVERY: Duration = Duration::from_secs(30);
/// Frames a connection may send per second before being told to slow down.
const FRAMES_PER_SECOND: u32 = 50;

fn token_from(headers: &HeaderMap) -> Option<SecretString> {
    bearer(headers).or_else(|| {
        let offered = headers.get("sec-websocket-protocol")?.to_str().ok()?;
        offered
            .split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("bearer."))
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::new(t.to_owned()))
    })
}

fn upgrade(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.protocols([SUBPROTOCOL])
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Small per-connection buffers: thousands of mostly idle agents and visitors must fit
        // in little memory (tungstenite's default read buffer is 128 KiB per connection).
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_FRAME_BYTES * 4)
}

/// `GET /ws/agent`.
pub async fn agent(
    State(api): State<Api>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let ip = client_ip(peer.ip(), &headers, &api.trusted_proxies);
    let Some(slot) = api.limits.open_socket(ip) else {
        return too_many_sockets();
    };
    let Some(token) = token_from(&headers) else {
        return ApiFailure::from(LoginError::Unauthenticated).into_response();
    };
    let authed = match api.login.authenticate(&token, Some(ip)).await {
        Ok(authed) => authed,
        Err(LoginError::DeviceWiped) => {
            // A console that was offline when its account was wiped comes back with its old
            // token: it hears the order now, once, and its session stays ended.
            return upgrade(ws).on_upgrade(move |mut socket| async move {
                // Its hello first: closing with unread data could reset the connection before
                // the console reads the order.
                let _ = tokio::time::timeout(HELLO_TIMEOUT, next_frame(&mut socket)).await;
                if send(&mut socket, &ServerFrame::WipeDevice).await {
                    let _ = send(&mut socket, &ServerFrame::SessionRevoked).await;
                    if let Err(error) = api.login.wipe_delivered(&token).await {
                        tracing::warn!(%error, "could not record a delivered remote wipe");
                    }
                }
                let _ = socket.send(Message::Close(None)).await;
                drop(slot);
            });
        }
        Err(error) => return ApiFailure::from(error).into_response(),
    };
    let session: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
    let welcome = ServerFrame::Welcome {
        protocol_version: PROTOCOL_VERSION,
        session_expires_at: i64::try_from(authed.expires_at)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000),
        idle_timeout_secs: api.login.idle_timeout_secs(),
    };
    let peer = Peer::Agent {
        profile: authed.agent,
        session,
        org: authed.org,
    };
    let check = SessionCheck {
        token,
        ip,
        every: api.session_recheck,
    };
    start(
        ws,
        Parts {
            api,
            peer,
            check: Some(check),
            _slot: slot,
        },
        welcome,
    )
}

/// `GET /ws/visitor`.
pub async fn visitor(
    State(api): State<Api>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let ip = client_ip(peer.ip(), &headers, &api.trusted_proxies);
    let Some(slot) = api.limits.open_socket(ip) else {
        return too_many_sockets();
    };
    let Some(token) = token_from(&headers) else {
        return ApiFailure::from(LoginError::Unauthenticated).into_response();
    };
    let (conversation, visitor) = match api.chat.visitor(&token).await {
        Ok(Some(found)) => found,
        Ok(None) => return ApiFailure::from(LoginError::Unauthenticated).into_response(),
        Err(error) => return ApiFailure::from(LoginError::from(error)).into_response(),
    };
    let peer = Peer::Visitor {
        conversation,
        visitor,
    };
    // Visitors have no staff session: zero means no expiry and no idle timeout.
    let welcome = ServerFrame::Welcome {
        protocol_version: PROTOCOL_VERSION,
        session_expires_at: 0,
        idle_timeout_secs: 0,
    };
    start(
        ws,
        Parts {
            api,
            peer,
            check: None,
            _slot: slot,
        },
        welcome,
    )
}

fn too_many_sockets() -> Response {
    let mut error = ApiError::new(
        ApiErrorCode::TooManyAttempts,
        "too many open connections from this address",
    );
    error.retry_after_secs = Some(30);
    ApiFailure(error).into_response()
}

struct SessionCheck {
    token: SecretString,
    ip: std::net::IpAddr,
    every: Duration,
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    socket
        .send(Message::Text(encode(frame).into()))
        .await
        .is_ok()
}

/// Reads the next client frame. `None`: the connection is gone.
async fn next_frame(socket: &mut WebSocket) -> Option<Result<ClientFrame, ServerFrame>> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => {
                return Some(decode_client(text.as_bytes()).map_err(|e| e.to_frame()));
            }
            Ok(Message::Binary(_)) => {
                return Some(Err(ServerFrame::Error {
                    code: ErrorCode::InvalidUtf8,
                    message: "binary frames are not accepted".into(),
                    id: None,
                }));
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            // Close, or a protocol error such as an oversized frame: the socket is done.
            Ok(Message::Close(_)) | Err(_) => return None,
        }
    }
}

/// What an accepted upgrade needs before its socket exists.
struct Parts {
    api: Api,
    peer: Peer,
    check: Option<SessionCheck>,
    /// Counts against the source's socket limit until the connection ends.
    _slot: SocketSlot,
}

/// One open WebSocket and everything its loop uses.
///
/// Boxed, and the task's future kept small, because a hub holds thousands of mostly idle
/// connections and each one's task lives as long as it does: an `async fn` keeps its arguments
/// twice in its state, and every future it awaits inline is sized into that state for the
/// connection's whole life. So the task is built around this box, and the rare, large steps
/// (hello, session checks, handling a frame) run as boxed futures of their own, freed once done.
/// `tests::connection_state` pins the size.
struct Connection {
    socket: WebSocket,
    api: Api,
    peer: Peer,
    check: Option<SessionCheck>,
    conn: ConnId,
    /// Frames the hub queued for this connection.
    queued: mpsc::Receiver<Box<ServerFrame>>,
    /// Notified when the hub wants this connection closed.
    close: Arc<Notify>,
    /// The open-connections gauge, decremented on drop.
    gauge: Gauge<i64, AtomicI64>,
    /// Whether the live registry still lists this connection.
    registered: bool,
    _slot: SocketSlot,
}

impl Connection {
    /// Registers a freshly upgraded socket with the live registry.
    fn open(socket: WebSocket, parts: Parts) -> Box<Self> {
        let Parts {
            api,
            peer,
            check,
            _slot,
        } = parts;
        let (outbox, queued) = mpsc::channel(OUTBOX_FRAMES);
        let close = Arc::new(Notify::new());
        let conn = api.chat.live().connect(ConnHandle {
            outbox,
            close: Arc::clone(&close),
        });
        let gauge = api.chat.metrics().connections.clone();
        gauge.inc();
        Box::new(Self {
            socket,
            api,
            peer,
            check,
            conn,
            queued,
            close,
            gauge,
            registered: true,
            _slot,
        })
    }

    /// Takes the connection out of the live registry: nothing more is routed to it.
    fn unregister(&mut self) {
        if std::mem::take(&mut self.registered) {
            self.api.chat.live().disconnect(self.conn);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Also on paths that never reach the end of `run` (a panic, the runtime shutting down).
        self.unregister();
        self.gauge.dec();
    }
}

/// Upgrades; the connection's task then holds little more than two boxes until the socket is
/// ready.
fn start(ws: WebSocketUpgrade, parts: Parts, welcome: ServerFrame) -> Response {
    let parts = Box::new(parts);
    let welcome = Box::new(welcome);
    upgrade(ws).on_upgrade(move |socket| run(Connection::open(socket, *parts), welcome))
}

async fn run(mut c: Box<Connection>, welcome: Box<ServerFrame>) {
    if Box::pin(greet(&mut c, welcome)).await {
        serve(&mut c).await;
    }
    c.unregister();
    let _ = c.socket.send(Message::Close(None)).await;
}

/// The first frame must be hello; answers it. `false`: the connection is over.
async fn greet(c: &mut Connection, welcome: Box<ServerFrame>) -> bool {
    let hello = tokio::time::timeout(HELLO_TIMEOUT, next_frame(&mut c.socket)).await;
    let hello_required = || ServerFrame::Error {
        code: ErrorCode::HelloRequired,
        message: "the first frame must be hello".into(),
        id: None,
    };
    let accepted = match hello {
        Ok(Some(Ok(ClientFrame::Hello {
            protocol_version,
            resume,
            forgotten,
        }))) => {
            c.api
                .chat
                .hello(&c.peer, c.conn, protocol_version, &resume, forgotten)
                .await
        }
        Ok(Some(Ok(_))) => Err(hello_required()),
        Ok(Some(Err(error))) => Err(error),
        Ok(None) | Err(_) => return false,
    };
    let replies = match accepted {
        Ok(mut replies) => {
            // The session was checked before the upgrade, and a logout or revocation reaches
            // this connection only now that hello has registered it: check again, so one that
            // came in between is not answered with the history and the held forms.
            if !session_holds(c, false).await {
                return false;
            }
            // Right after welcome: whether the hub routes live chats to this agent.
            if let Peer::Agent { profile, .. } = &c.peer {
                replies.insert(0, c.api.training.on_hello(profile).await);
            }
            replies
        }
        Err(refusal) => {
            // No welcome: say why and close.
            let _ = send(&mut c.socket, &refusal).await;
            return false;
        }
    };
    for frame in std::iter::once(&*welcome).chain(&replies) {
        if !send(&mut c.socket, frame).await {
            return false;
        }
    }
    true
}

/// Whether the agent's session still holds (`touch`: the agent did something, so it also counts
/// as activity). When it does not, the console is told (an ordered remote wipe first) and the
/// caller ends the connection.
async fn session_holds(c: &mut Connection, touch: bool) -> bool {
    let Some(check) = &c.check else { return true };
    let login = &c.api.login;
    let holds = if touch {
        login
            .authenticate(&check.token, Some(check.ip))
            .await
            .is_ok()
    } else {
        login
            .verify_session(&check.token, Some(check.ip))
            .await
            .is_ok()
    };
    if holds {
        return true;
    }
    if let Peer::Agent { profile, .. } = &c.peer {
        if login.wipe_ordered(profile.id).await.unwrap_or(false) {
            let _ = send(&mut c.socket, &ServerFrame::WipeDevice).await;
        }
    }
    let _ = send(&mut c.socket, &ServerFrame::SessionRevoked).await;
    false
}

/// The connection's loop after a successful hello.
async fn serve(c: &mut Connection) {
    let mut recheck = tokio::time::interval(
        c.check
            .as_ref()
            .map_or(Duration::from_secs(3600), |check| check.every),
    );
    recheck.tick().await;
    let checked = c.check.is_some();
    let mut window = tokio::time::Instant::now();
    let mut frames_in_window = 0u32;
    let mut last_touch = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = c.close.notified() => {
                // Flush what is queued up to the end of the session (a sessionRevoked frame,
                // typically: nothing published after it reaches the closing console), then close.
                while let Ok(frame) = c.queued.try_recv() {
                    if !send(&mut c.socket, &frame).await { break; }
                    if matches!(*frame, ServerFrame::SessionRevoked) { break; }
                }
                break;
            }
            Some(frame) = c.queued.recv() => {
                if !send(&mut c.socket, &frame).await { break; }
                // The session is over: close now rather than wait for the close notification,
                // which this loop may have missed while it was busy (and a later session check
                // would then say `sessionRevoked` a second time).
                if matches!(*frame, ServerFrame::SessionRevoked) { break; }
            }
            _ = recheck.tick(), if checked => {
                if !Box::pin(session_holds(c, false)).await { break; }
            }
            incoming = next_frame(&mut c.socket) => {
                let Some(incoming) = incoming else { break };
                if window.elapsed() >= Duration::from_secs(1) {
                    window = tokio::time::Instant::now();
                    frames_in_window = 0;
                }
                frames_in_window += 1;
                if frames_in_window > FRAMES_PER_SECOND {
                    // Name the dropped message so its client knows exactly what to resend.
                    let id = match &incoming {
                        Ok(ClientFrame::Send { id, .. }) => Some(*id),
                        _ => None,
                    };
                    let slow = ServerFrame::Error { code: ErrorCode::RateLimited, message: "too many frames; slow down".into(), id };
                    if !send(&mut c.socket, &slow).await { break; }
                    continue;
                }
                let replies = match incoming {
                    Ok(frame) => {
                        let active = !matches!(frame, ClientFrame::Ping { .. });
                        if checked && active && last_touch.elapsed() >= TOUCH_EVERY {
                            // Activity: the agent did something, so the idle timer restarts
                            // (recorded at most every TOUCH_EVERY, not on every frame).
                            last_touch = tokio::time::Instant::now();
                            if !Box::pin(session_holds(c, true)).await { break; }
                        }
                        Box::pin(c.api.chat.handle(&c.peer, c.conn, frame)).await
                    }
                    Err(error) => vec![error],
                };
                let mut ok = true;
                for reply in &replies {
                    if !send(&mut c.socket, reply).await { ok = false; break; }
                }
                if !ok { break; }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future an async function returns, without calling it.
    fn future_size<A, B, F: Future>(_: impl Fn(A, B) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    #[test]
    fn connection_state() {
        // Every open connection holds this future for its whole life (5,000 connections: this
        // times 5,000). It was 6.7 KiB before the large steps were boxed; most of what is left is
        // the select loop, the pending socket read and the frame being written.
        let size = future_size(run);
        assert!(size <= 1536, "a connection's future is {size} bytes");
    }
}
