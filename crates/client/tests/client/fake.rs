//! The live connection against a scripted fake hub (a tiny tokio-tungstenite server): bad
//! frames, oversized frames, duplicates, gaps, lost acks, refusals, rate limiting, revocation,
//! and reconnect delays. Each test plays the hub's side frame by frame.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rampart_client::{
    ClientErrorCode, Endpoint, Event, ForgetCursor, HubUrl, Live, LiveConfig, SeededJitter,
};
use rampart_protocol::rest::{ApiError, ApiErrorCode};
use rampart_protocol::{
    Author, ClientFrame, ConversationId, EpochId, ErrorCode, ForgetPosition, MessageId,
    PROTOCOL_VERSION, ResumePoint, Seq, ServerFrame, decode_client, encode,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

use crate::support::secret;

type Conn = WebSocketStream<TcpStream>;

/// A fake hub: every accepted WebSocket is handed to the test.
struct Fake {
    url: HubUrl,
    conns: mpsc::Receiver<Conn>,
}

async fn fake() -> Fake {
    fake_with(None).await
}

/// `refuse`: answer every upgrade with this status and API error instead.
#[allow(
    clippy::result_large_err,
    reason = "the handshake callback's error type is tungstenite's HTTP response"
)]
async fn fake_with(refuse: Option<(StatusCode, ApiError)>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = HubUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let (tx, conns) = mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let refuse = refuse.clone();
            let callback = move |request: &Request, mut response: Response| {
                assert!(
                    request
                        .headers()
                        .get("authorization")
                        .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer ")),
                    "the client authenticates with a bearer token"
                );
                if let Some((status, error)) = refuse {
                    let mut refusal =
                        ErrorResponse::new(Some(serde_json::to_string(&error).unwrap()));
                    *refusal.status_mut() = status;
                    return Err(refusal);
                }
                response.headers_mut().insert(
                    "sec-websocket-protocol",
                    HeaderValue::from_static("rampart.v1"),
                );
                Ok(response)
            };
            if let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await {
                if tx.send(ws).await.is_err() {
                    return;
                }
            }
        }
    });
    Fake { url, conns }
}

impl Fake {
    async fn next(&mut self) -> Conn {
        tokio::time::timeout(Duration::from_secs(5), self.conns.recv())
            .await
            .expect("the client connects within 5 s")
            .unwrap()
    }

    /// Accepts the next connection, reads `hello`, answers `welcome`. Returns the resume points.
    async fn welcome(&mut self) -> (Conn, Vec<ResumePoint>) {
        let (conn, resume, _) = self.welcome_after().await;
        (conn, resume)
    }

    /// [`Self::welcome`], also returning the deletion position the hello named.
    async fn welcome_after(&mut self) -> (Conn, Vec<ResumePoint>, Option<ForgetPosition>) {
        let mut conn = self.next().await;
        let ClientFrame::Hello {
            protocol_version,
            resume,
            forgotten,
        } = recv(&mut conn).await
        else {
            panic!("the first frame is hello");
        };
        assert_eq!(protocol_version, PROTOCOL_VERSION);
        send(&mut conn, &welcome()).await;
        (conn, resume, forgotten)
    }
}

fn welcome() -> ServerFrame {
    ServerFrame::Welcome {
        protocol_version: PROTOCOL_VERSION,
        session_expires_at: 0,
        idle_timeout_secs: 0,
    }
}

async fn recv(conn: &mut Conn) -> ClientFrame {
    try_recv(conn, Duration::from_secs(5))
        .await
        .expect("a frame within 5 s")
}

/// The next client frame other than `ping`, if one comes within `limit`.
async fn try_recv(conn: &mut Conn, limit: Duration) -> Option<ClientFrame> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let message = tokio::time::timeout_at(deadline, conn.next())
            .await
            .ok()??;
        if let Ok(Message::Text(text)) = message {
            let frame = decode_client(text.as_bytes()).unwrap();
            if !matches!(frame, ClientFrame::Ping { .. }) {
                return Some(frame);
            }
        }
    }
}

async fn send(conn: &mut Conn, frame: &ServerFrame) {
    conn.send(Message::Text(encode(frame).into()))
        .await
        .unwrap();
}

fn message(conversation: ConversationId, seq: u64) -> ServerFrame {
    ServerFrame::Message {
        conversation_id: conversation,
        seq: Seq(seq),
        id: MessageId::new(),
        author: Author::Visitor,
        text: format!("m{seq}"),
        spans: Vec::new(),
        sent_at: 0,
    }
}

fn config(url: HubUrl) -> LiveConfig {
    let mut config = LiveConfig::new(url, Endpoint::Visitor, secret("visitor-token"));
    config.backoff = rampart_client::BackoffPolicy {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
    };
    config.jitter = Box::new(SeededJitter::new(1));
    config.gap_timeout = Duration::from_millis(300);
    config
}

/// The next event matching `pick`, skipping others; fails after 5 s.
async fn expect<T>(
    events: &mut mpsc::Receiver<Event>,
    mut pick: impl FnMut(Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the expected event within 5 s")
            .expect("the client is running");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

fn delivered_seq(event: Event) -> Option<u64> {
    match event {
        Event::Frame(ServerFrame::Message { seq, .. }) => Some(seq.0),
        _ => None,
    }
}

#[tokio::test]
async fn bad_frames_are_reported_and_the_connection_carries_on() {
    let mut hub = fake().await;
    let (_live, mut events) = Live::spawn(config(hub.url.clone()));
    let (mut conn, _) = hub.welcome().await;
    let conversation = ConversationId::new();
    for bad in [
        Message::Text("{not json".into()),
        Message::Text(r#"{"type":"grantAdmin"}"#.into()),
        Message::Text(r#"{"type":"message","seq":"one"}"#.into()),
        Message::Binary(vec![0xff, 0xfe].into()),
        // Over the protocol's limit but under the socket's: refused, connection kept.
        Message::Text(
            format!(
                r#"{{"type":"pong","nonce":1,"pad":"{}"}}"#,
                "x".repeat(100_000)
            )
            .into(),
        ),
    ] {
        conn.send(bad).await.unwrap();
    }
    send(&mut conn, &message(conversation, 1)).await;

    let mut faults = Vec::new();
    let seq = loop {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap();
        match event {
            Event::Fault(error) => faults.push(error),
            Event::Disconnected { .. } => panic!("bad frames must not drop the connection"),
            other => {
                if let Some(seq) = delivered_seq(other) {
                    break seq;
                }
            }
        }
    };
    assert_eq!(seq, 1, "the good frame after the bad ones is delivered");
    let codes: Vec<_> = faults
        .iter()
        .map(|e| match e {
            rampart_client::ClientError::BadFrame(frame) => frame.code,
            other => panic!("unexpected fault {other:?}"),
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ErrorCode::Malformed,
            ErrorCode::UnknownType,
            ErrorCode::Malformed,
            ErrorCode::InvalidUtf8,
            ErrorCode::FrameTooLarge
        ]
    );
    assert!(faults.iter().all(|e| e.code() == ClientErrorCode::BadFrame));
}

#[tokio::test]
async fn an_oversized_frame_drops_the_connection_and_the_client_resumes_without_duplicates() {
    let mut hub = fake().await;
    let (_live, mut events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    let (mut conn, resume) = hub.welcome().await;
    assert!(resume.is_empty());
    send(&mut conn, &message(conversation, 1)).await;
    assert_eq!(expect(&mut events, delivered_seq).await, 1);
    // Beyond what the socket reads at all: the connection goes, the client comes back.
    let huge = "y".repeat(rampart_client::live::MAX_INCOMING_BYTES + 1);
    let _ = conn.send(Message::Text(huge.into())).await;
    expect(&mut events, |e| {
        matches!(e, Event::Disconnected { .. }).then_some(())
    })
    .await;

    let (mut conn, resume) = hub.welcome().await;
    assert_eq!(
        resume,
        vec![ResumePoint {
            conversation_id: conversation,
            after_seq: Seq(1)
        }],
        "hello resumes after the last seq delivered"
    );
    // A hub replaying too much: seq 1 again, then 2 twice.
    for seq in [1, 2, 2, 3] {
        send(&mut conn, &message(conversation, seq)).await;
    }
    assert_eq!(expect(&mut events, delivered_seq).await, 2);
    assert_eq!(expect(&mut events, delivered_seq).await, 3);
}

#[tokio::test]
async fn hello_names_the_last_deletion_the_program_carried_out() {
    let mut hub = fake().await;
    let mut config = config(hub.url.clone());
    let cursor = ForgetCursor::default();
    config.forgotten = cursor.clone();
    let (_live, mut events) = Live::spawn(config);
    let (mut conn, _, named) = hub.welcome_after().await;
    assert_eq!(
        named, None,
        "nothing carried out yet: the hub sends every recent deletion"
    );
    let erased = ConversationId::new();
    let epoch = EpochId::new();
    send(
        &mut conn,
        &ServerFrame::Forget {
            conversations: vec![erased],
            through: 7,
            epoch: Some(epoch),
        },
    )
    .await;
    let passed_on = expect(&mut events, |e| match e {
        Event::Frame(ServerFrame::Forget {
            conversations,
            through,
            epoch,
        }) => Some((conversations, through, epoch)),
        _ => None,
    })
    .await;
    assert_eq!(passed_on, (vec![erased], 7, Some(epoch)));
    // The program deleted them; a late, older frame does not move the position back.
    assert!(cursor.carried_out(7, Some(epoch)));
    assert!(!cursor.carried_out(5, Some(epoch)));
    assert!(!cursor.carried_out(7, Some(epoch)));
    let at_seven = ForgetPosition { epoch, through: 7 };
    assert_eq!(cursor.get(), Some(at_seven));
    drop(conn);
    let (_conn, _, named) = hub.welcome_after().await;
    assert_eq!(named, Some(at_seven), "the reconnect's hello names it");
}

#[test]
fn a_deletion_position_is_named_only_with_its_epoch() {
    let (ours, theirs) = (EpochId::new(), EpochId::new());
    // A frame without an epoch (a hub from before epochs) cannot be named: no position.
    let cursor = ForgetCursor::default();
    assert!(!cursor.carried_out(9, None));
    assert_eq!(cursor.get(), None);
    // Nor does it move a position already held.
    let cursor = ForgetCursor::at(Some(ForgetPosition {
        epoch: ours,
        through: 4,
    }));
    assert!(!cursor.carried_out(9, None));
    assert_eq!(cursor.get().map(|p| p.through), Some(4));
    // Another epoch's frame replaces the position, even at a lower number: positions of
    // different databases do not compare.
    assert!(cursor.carried_out(2, Some(theirs)));
    assert_eq!(
        cursor.get(),
        Some(ForgetPosition {
            epoch: theirs,
            through: 2
        })
    );
    // Clones share it.
    let clone = cursor.clone();
    assert!(clone.carried_out(3, Some(theirs)));
    assert_eq!(cursor.get().map(|p| p.through), Some(3));
}

#[tokio::test]
async fn a_gap_is_held_then_filled_by_resuming() {
    let mut hub = fake().await;
    let (_live, mut events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    let (mut conn, _) = hub.welcome().await;
    send(&mut conn, &message(conversation, 1)).await;
    assert_eq!(expect(&mut events, delivered_seq).await, 1);
    // 3 arrives without 2: held, not delivered. The gap does not fill, so the client resumes.
    send(&mut conn, &message(conversation, 3)).await;
    let error = expect(&mut events, |e| match e {
        Event::Frame(ServerFrame::Message { .. }) => panic!("3 must wait for 2"),
        Event::Disconnected { error, .. } => Some(error),
        _ => None,
    })
    .await;
    assert_eq!(error.code(), ClientErrorCode::Gap);
    let (mut conn, resume) = hub.welcome().await;
    assert_eq!(resume[0].after_seq, Seq(1));
    send(&mut conn, &message(conversation, 2)).await;
    assert_eq!(expect(&mut events, delivered_seq).await, 2);
    assert_eq!(
        expect(&mut events, delivered_seq).await,
        3,
        "the held 3 follows"
    );
}

#[tokio::test]
async fn an_unacknowledged_message_is_resent_with_the_same_id_until_acknowledged() {
    let mut hub = fake().await;
    let (live, mut events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    let (mut conn, _) = hub.welcome().await;
    let id = live.send(conversation, "hola").await.unwrap();
    let ClientFrame::Send { id: first, .. } = recv(&mut conn).await else {
        panic!("a send");
    };
    assert_eq!(first, id);
    // The connection dies after the send, before the ack.
    drop(conn);
    let (mut conn, _) = hub.welcome().await;
    let ClientFrame::Send {
        id: again, text, ..
    } = recv(&mut conn).await
    else {
        panic!("the resend");
    };
    assert_eq!((again, text.as_str()), (id, "hola"), "same id, same text");
    let ack = ServerFrame::Ack {
        id,
        conversation_id: conversation,
        seq: Seq(1),
    };
    send(&mut conn, &ack).await;
    send(&mut conn, &ack).await; // a duplicate ack (the hub answering a second resend)
    send(&mut conn, &message(conversation, 1)).await;
    let mut acks = 0;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap();
        match event {
            Event::Frame(ServerFrame::Ack { id: acked, .. }) => {
                assert_eq!(acked, id);
                acks += 1;
            }
            Event::Frame(ServerFrame::Message { .. }) => break,
            _ => {}
        }
    }
    assert_eq!(acks, 1, "one ack event per message");
    // Acknowledged: a new connection does not resend it.
    drop(conn);
    let (mut conn, _) = hub.welcome().await;
    assert_eq!(try_recv(&mut conn, Duration::from_millis(300)).await, None);
}

#[tokio::test]
async fn messages_queued_while_offline_go_out_in_order_once_connected() {
    let mut hub = fake().await;
    let (live, _events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    let mut ids = Vec::new();
    for text in ["uno", "dos", "tres"] {
        ids.push(live.send(conversation, text).await.unwrap());
    }
    let (mut conn, _) = hub.welcome().await;
    let mut got = Vec::new();
    for _ in 0..3 {
        if let ClientFrame::Send { id, .. } = recv(&mut conn).await {
            got.push(id);
        }
    }
    assert_eq!(got, ids);
}

#[tokio::test]
async fn text_the_hub_would_refuse_never_enters_the_outbox() {
    let mut hub = fake().await;
    let (live, _events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    for bad in [
        String::from("   "),
        "x".repeat(rampart_protocol::MAX_TEXT_CHARS + 1),
    ] {
        let error = live.send(conversation, bad).await.unwrap_err();
        assert!(matches!(
            error,
            rampart_client::ClientError::Refused {
                code: ErrorCode::TextInvalid,
                ..
            }
        ));
    }
    let (mut conn, _) = hub.welcome().await;
    assert_eq!(try_recv(&mut conn, Duration::from_millis(300)).await, None);
}

#[tokio::test]
async fn closing_waits_for_the_messages_queued_before_it() {
    let mut hub = fake().await;
    let (live, _events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    // Offline: "bye", then close.
    let bye = live.send(conversation, "bye").await.unwrap();
    live.close(conversation).await.unwrap();
    let (mut conn, _) = hub.welcome().await;
    let ClientFrame::Send { id, .. } = recv(&mut conn).await else {
        panic!("the message goes first");
    };
    assert_eq!(id, bye);
    assert_eq!(
        try_recv(&mut conn, Duration::from_millis(300)).await,
        None,
        "close waits for the ack of bye"
    );
    send(
        &mut conn,
        &ServerFrame::Ack {
            id: bye,
            conversation_id: conversation,
            seq: Seq(1),
        },
    )
    .await;
    assert_eq!(
        recv(&mut conn).await,
        ClientFrame::Close {
            conversation_id: conversation
        }
    );
}

#[tokio::test]
async fn a_refused_message_leaves_the_outbox_and_a_rate_limited_one_is_resent() {
    let mut hub = fake().await;
    let (live, mut events) = Live::spawn(config(hub.url.clone()));
    let conversation = ConversationId::new();
    let (mut conn, _) = hub.welcome().await;
    let refused = live.send(conversation, "closed already").await.unwrap();
    let ClientFrame::Send { id, .. } = recv(&mut conn).await else {
        panic!("a send");
    };
    assert_eq!(id, refused);
    send(
        &mut conn,
        &ServerFrame::Error {
            code: ErrorCode::NotAllowed,
            message: "the conversation is closed".into(),
            id: Some(refused),
        },
    )
    .await;
    let (failed, error) = expect(&mut events, |e| match e {
        Event::SendFailed { id, error, .. } => Some((id, error)),
        _ => None,
    })
    .await;
    assert_eq!(failed, refused);
    assert_eq!(error.code(), ClientErrorCode::FrameRefused);

    let limited = live.send(conversation, "otra").await.unwrap();
    let ClientFrame::Send { id, .. } = recv(&mut conn).await else {
        panic!("a send");
    };
    assert_eq!(id, limited);
    send(
        &mut conn,
        &ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "too many frames; slow down".into(),
            id: None,
        },
    )
    .await;
    let started = tokio::time::Instant::now();
    let ClientFrame::Send { id, .. } = recv(&mut conn).await else {
        panic!("the resend");
    };
    assert_eq!(id, limited, "the rate-limited message, not the refused one");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "after a pause"
    );
}

#[tokio::test]
async fn a_revoked_session_stops_the_client() {
    let mut hub = fake().await;
    let (_live, mut events) = Live::spawn(config(hub.url.clone()));
    let (mut conn, _) = hub.welcome().await;
    send(&mut conn, &ServerFrame::SessionRevoked).await;
    expect(&mut events, |e| {
        matches!(e, Event::SessionRevoked).then_some(())
    })
    .await;
    let error = expect(&mut events, |e| match e {
        Event::Stopped { error } => Some(error),
        _ => None,
    })
    .await;
    assert_eq!(error.unwrap().code(), ClientErrorCode::SessionRevoked);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), hub.conns.recv())
            .await
            .is_err(),
        "no reconnect after revocation"
    );
}

#[tokio::test]
async fn a_refused_upgrade_with_a_network_error_is_fatal() {
    let hub = fake_with(Some((
        StatusCode::FORBIDDEN,
        ApiError::new(ApiErrorCode::IpNotAllowed, "this network is not allowed"),
    )))
    .await;
    let (_live, mut events) = Live::spawn(config(hub.url.clone()));
    let error = expect(&mut events, |e| match e {
        Event::Stopped { error } => Some(error),
        Event::Disconnected { .. } => panic!("no retry: the network will not become allowed"),
        _ => None,
    })
    .await;
    assert_eq!(error.unwrap().code(), ClientErrorCode::IpNotAllowed);
}

#[tokio::test]
async fn reconnect_delays_grow_to_the_cap_with_jitter() {
    // A port with nothing listening.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = HubUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let mut config = config(url);
    config.backoff = rampart_client::BackoffPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(40),
    };
    let (_live, mut events) = Live::spawn(config);
    let mut delays = Vec::new();
    let mut attempts = Vec::new();
    while delays.len() < 10 {
        match tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            Event::Connecting { attempt } => attempts.push(attempt),
            Event::Disconnected { error, retry_in } => {
                assert_eq!(error.code(), ClientErrorCode::HubUnreachable);
                delays.push(retry_in);
            }
            _ => {}
        }
    }
    assert_eq!(attempts[..10], (0..10).collect::<Vec<u32>>());
    for (n, delay) in delays.iter().enumerate() {
        let ceiling = Duration::from_millis(5 * (1 << n)).min(Duration::from_millis(40));
        assert!(
            *delay >= ceiling / 2 && *delay <= ceiling,
            "attempt {n}: {delay:?} outside [{:?}, {ceiling:?}]",
            ceiling / 2
        );
    }
    let capped: std::collections::HashSet<_> = delays[4..].iter().collect();
    assert!(
        capped.len() > 1,
        "capped delays are still jittered: {delays:?}"
    );
}
