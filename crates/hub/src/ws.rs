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
use rampart_auth::SecretString;
use rampart_protocol::{
    ClientFrame, ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, ServerFrame, decode_client, encode,
};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc};

use crate::chat::Peer;
use crate::http::{Api, ApiFailure, bearer, client_ip};
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
    let recheck = api.session_recheck;
    upgrade(ws).on_upgrade(move |socket| async move {
        let check = SessionCheck {
            api: api.clone(),
            token,
            ip,
            every: recheck,
        };
        run(socket, api, peer, welcome, Some(check)).await;
        drop(slot);
    })
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
    upgrade(ws).on_upgrade(move |socket| async move {
        run(socket, api, peer, welcome, None).await;
        drop(slot);
    })
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
    api: Api,
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

async fn run(
    mut socket: WebSocket,
    api: Api,
    peer: Peer,
    welcome: ServerFrame,
    check: Option<SessionCheck>,
) {
    let (outbox, mut queued) = mpsc::channel::<ServerFrame>(OUTBOX_FRAMES);
    let close = Arc::new(Notify::new());
    let live = Arc::clone(api.chat.live());
    let metrics = api.chat.metrics().clone();
    metrics.connections.inc();
    let _gauge = scopeguard(move || {
        metrics.connections.dec();
    });
    let conn = live.connect(ConnHandle {
        outbox,
        close: Arc::clone(&close),
    });

    // The first frame must be hello.
    let hello = tokio::time::timeout(HELLO_TIMEOUT, next_frame(&mut socket)).await;
    let hello_required = || ServerFrame::Error {
        code: ErrorCode::HelloRequired,
        message: "the first frame must be hello".into(),
        id: None,
    };
    let accepted = match hello {
        Ok(Some(Ok(ClientFrame::Hello {
            protocol_version,
            resume,
            forgotten_through,
        }))) => {
            api.chat
                .hello(&peer, conn, protocol_version, &resume, forgotten_through)
                .await
        }
        Ok(Some(Ok(_))) => Err(hello_required()),
        Ok(Some(Err(error))) => Err(error),
        Ok(None) | Err(_) => {
            live.disconnect(conn);
            return;
        }
    };
    let replies = match accepted {
        Ok(mut replies) => {
            // Right after welcome: whether the hub routes live chats to this agent.
            if let Peer::Agent { profile, .. } = &peer {
                replies.insert(0, api.training.on_hello(profile).await);
            }
            replies
        }
        Err(refusal) => {
            // No welcome: say why and close.
            let _ = send(&mut socket, &refusal).await;
            live.disconnect(conn);
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    };
    for frame in std::iter::once(&welcome).chain(&replies) {
        if !send(&mut socket, frame).await {
            live.disconnect(conn);
            return;
        }
    }

    let mut recheck = tokio::time::interval(
        check
            .as_ref()
            .map_or(Duration::from_secs(3600), |c| c.every),
    );
    recheck.tick().await;
    let mut window = tokio::time::Instant::now();
    let mut frames_in_window = 0u32;
    let mut last_touch = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = close.notified() => {
                // Flush what is queued (a sessionRevoked frame, typically), then close.
                while let Ok(frame) = queued.try_recv() {
                    if !send(&mut socket, &frame).await { break; }
                }
                break;
            }
            Some(frame) = queued.recv() => {
                if !send(&mut socket, &frame).await { break; }
                // The session is over: close now rather than wait for the close notification,
                // which this loop may have missed while it was busy (and a later session check
                // would then say `sessionRevoked` a second time).
                if matches!(frame, ServerFrame::SessionRevoked) { break; }
            }
            _ = recheck.tick(), if check.is_some() => {
                if let Some(c) = &check {
                    if c.api.login.verify_session(&c.token, Some(c.ip)).await.is_err() {
                        // An ordered remote wipe is said first; the session ends either way.
                        if let Peer::Agent { profile, .. } = &peer {
                            if c.api.login.wipe_ordered(profile.id).await.unwrap_or(false) {
                                let _ = send(&mut socket, &ServerFrame::WipeDevice).await;
                            }
                        }
                        let _ = send(&mut socket, &ServerFrame::SessionRevoked).await;
                        break;
                    }
                }
            }
            incoming = next_frame(&mut socket) => {
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
                    if !send(&mut socket, &slow).await { break; }
                    continue;
                }
                let replies = match incoming {
                    Ok(frame) => {
                        let active = !matches!(frame, ClientFrame::Ping { .. });
                        if let (Some(c), true) = (&check, active && last_touch.elapsed() >= TOUCH_EVERY) {
                            // Activity: the agent did something, so the idle timer restarts
                            // (recorded at most every TOUCH_EVERY, not on every frame).
                            last_touch = tokio::time::Instant::now();
                            if c.api.login.authenticate(&c.token, Some(c.ip)).await.is_err() {
                                if let Peer::Agent { profile, .. } = &peer {
                                    if c.api.login.wipe_ordered(profile.id).await.unwrap_or(false) {
                                        let _ = send(&mut socket, &ServerFrame::WipeDevice).await;
                                    }
                                }
                                let _ = send(&mut socket, &ServerFrame::SessionRevoked).await;
                                break;
                            }
                        }
                        api.chat.handle(&peer, conn, frame).await
                    }
                    Err(error) => vec![error],
                };
                let mut ok = true;
                for reply in &replies {
                    if !send(&mut socket, reply).await { ok = false; break; }
                }
                if !ok { break; }
            }
        }
    }
    live.disconnect(conn);
    let _ = socket.send(Message::Close(None)).await;
}

/// Runs `f` when dropped (keeps the connection gauge right on every exit path).
fn scopeguard<F: FnOnce()>(f: F) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
