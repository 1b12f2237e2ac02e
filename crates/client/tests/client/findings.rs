//! Hub behaviour the client depends on, checked over raw frames (including hub bugs found while
//! building the client, now fixed).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rampart_client::HubApi;
use rampart_protocol::{
    Availability, ClientFrame, MessageId, PROTOCOL_VERSION, ServerFrame, decode_server, encode,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::*;

type Raw =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn raw(hub: &TestHub, path: &str, token: &str) -> Raw {
    let mut request = format!("ws://{}{path}", hub.addr)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    headers.insert("sec-websocket-protocol", "rampart.v1".parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn put(ws: &mut Raw, frame: &ClientFrame) {
    ws.send(Message::Text(encode(frame).into())).await.unwrap();
}

async fn until(ws: &mut Raw, matches: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("the connection is open")
            .unwrap();
        if let Message::Text(text) = message {
            let frame = decode_server(text.as_bytes()).unwrap();
            if matches(&frame) {
                return frame;
            }
        }
    }
}

/// After its ack was lost, a client resends a message; the hub must answer with the stored seq
/// even if the conversation closed in between (another console of the agent closed it, or a
/// supervisor did). Today `Chat::send` checks `may_act` (assigned and not closed) before the
/// store's idempotent append, so the resend is refused with `notAllowed` and the client reports
/// a stored message as failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_resend_of_a_stored_message_is_acknowledged_after_the_conversation_closed() {
    let hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (session, _) = hub.agent(&api, "ana").await;
    let mut agent = raw(&hub, "/ws/agent", session.token.expose()).await;
    put(
        &mut agent,
        &ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            resume: Vec::new(),
            forgotten: None,
        },
    )
    .await;
    until(&mut agent, |f| matches!(f, ServerFrame::Welcome { .. })).await;
    put(
        &mut agent,
        &ClientFrame::SetAvailability {
            availability: Availability::Available,
        },
    )
    .await;
    let visitor = visitor(&api).await;
    let conversation = visitor.conversation_id;
    until(&mut agent, |f| matches!(f, ServerFrame::Assigned { .. })).await;

    let id = MessageId::new();
    let message = ClientFrame::Send {
        id,
        conversation_id: conversation,
        text: "adiós".into(),
    };
    put(&mut agent, &message).await;
    let ServerFrame::Ack { seq, .. } =
        until(&mut agent, |f| matches!(f, ServerFrame::Ack { .. })).await
    else {
        unreachable!()
    };
    put(
        &mut agent,
        &ClientFrame::Close {
            conversation_id: conversation,
        },
    )
    .await;
    until(&mut agent, |f| matches!(f, ServerFrame::Closed { .. })).await;

    // The resend of the stored message (as after a lost ack).
    put(&mut agent, &message).await;
    let answer = until(&mut agent, |f| {
        matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. })
    })
    .await;
    assert_eq!(
        answer,
        ServerFrame::Ack {
            id,
            conversation_id: conversation,
            seq
        }
    );
}
