//! The hub over real sockets: routing, delivery with masking, acknowledgement and
//! deduplication, resume, bad frames, revocation and IP allow-lists.

use std::time::Duration;

use crate::support::*;
use rampart_audit::Action;
use rampart_hub::org::OrgId;
use rampart_protocol::{
    Author, Availability, ClientFrame, ConversationId, EpochId, ErrorCode, ForgetPosition,
    MessageId, ResumePoint, Seq, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message;

/// An agent console that said hello and became available.
async fn available_agent(hub: &LiveHub, username: &str) -> (Ws, String) {
    let (token, _, _) = hub.agent_session(username).await;
    let mut ws = hub.connect("/ws/agent", &token).await;
    assert!(matches!(
        ws.hello(vec![]).await,
        ServerFrame::Welcome {
            idle_timeout_secs: 900,
            ..
        }
    ));
    ws.send(&ClientFrame::SetAvailability {
        availability: Availability::Available,
    })
    .await;
    (ws, token)
}

async fn visitor_ws(hub: &LiveHub) -> (Ws, ConversationId) {
    let (conversation, token) = hub.visitor().await;
    let mut ws = hub.connect("/ws/visitor", &token).await;
    assert!(matches!(
        ws.hello(vec![]).await,
        ServerFrame::Welcome { .. }
    ));
    (ws, conversation)
}

fn send(conversation: ConversationId, text: &str) -> (MessageId, ClientFrame) {
    let id = MessageId::new();
    (
        id,
        ClientFrame::Send {
            id,
            conversation_id: conversation,
            text: text.into(),
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_is_routed_and_card_numbers_arrive_masked() {
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let (mut visitor, conversation) = visitor_ws(&hub).await;
    let assigned = agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(
        matches!(assigned, ServerFrame::Assigned { conversation_id, .. } if conversation_id == conversation)
    );

    let (id, frame) = send(
        conversation,
        "mi tarjeta es 4111 1111 1111 1111 y el cvv 123",
    );
    visitor.send(&frame).await;
    let ack = visitor
        .until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    assert!(matches!(ack, ServerFrame::Ack { id: acked, seq: Seq(1), .. } if acked == id));

    let ServerFrame::Message {
        text,
        spans,
        author,
        seq,
        ..
    } = agent
        .until(|f| matches!(f, ServerFrame::Message { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(seq, Seq(1));
    assert_eq!(author, Author::Visitor);
    assert!(
        !text.contains("4111 1111 1111"),
        "raw card reached the agent: {text}"
    );
    assert!(text.contains("1111"), "last four kept: {text}");
    assert!(spans.iter().any(|s| s.kind == "credit_card"));

    // The agent answers; the visitor sees it, attributed to the agent.
    let (_, reply) = send(conversation, "Gracias, usa el formulario seguro");
    agent.send(&reply).await;
    let ServerFrame::Message { author, .. } = visitor
        .until(|f| matches!(f, ServerFrame::Message { seq: Seq(2), .. }))
        .await
    else {
        unreachable!()
    };
    assert!(matches!(author, Author::Agent { .. }));

    // Nothing raw on disk either.
    let stored = hub
        .server
        .store
        .messages_after(conversation, Seq::ZERO, 10)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|m| !m.text.contains("4111 1111 1111 1111"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_message_is_acknowledged_with_its_seq_and_delivered_once() {
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let (mut visitor, conversation) = visitor_ws(&hub).await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let (id, frame) = send(conversation, "hola");
    visitor.send(&frame).await;
    visitor.send(&frame).await;
    let mut seqs = Vec::new();
    while seqs.len() < 2 {
        if let ServerFrame::Ack { id: acked, seq, .. } = visitor.recv().await {
            assert_eq!(acked, id);
            seqs.push(seq);
        }
    }
    assert_eq!(seqs, vec![Seq(1), Seq(1)]);
    // The agent gets the message once; the next thing it sees is the following message.
    let (_, next) = send(conversation, "segundo");
    visitor.send(&next).await;
    let mut delivered = Vec::new();
    while delivered.len() < 2 {
        if let ServerFrame::Message { seq, .. } = agent.recv().await {
            delivered.push(seq);
        }
    }
    assert_eq!(delivered, vec![Seq(1), Seq(2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_visitor_resumes_after_its_last_seq() {
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let (conversation, token) = hub.visitor().await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    for text in ["uno", "dos", "tres"] {
        let (_, frame) = send(conversation, text);
        agent.send(&frame).await;
        agent.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    }
    let mut visitor = hub.connect("/ws/visitor", &token).await;
    let resume = vec![ResumePoint {
        conversation_id: conversation,
        after_seq: Seq(1),
    }];
    assert!(matches!(
        visitor.hello(resume).await,
        ServerFrame::Welcome { .. }
    ));
    let mut texts = Vec::new();
    while texts.len() < 2 {
        if let ServerFrame::Message { text, .. } = visitor.recv().await {
            texts.push(text);
        }
    }
    assert_eq!(texts, vec!["dos", "tres"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_error_frames_and_the_connection_carries_on() {
    let hub = live_hub().await;
    let (mut visitor, conversation) = visitor_ws(&hub).await;
    visitor.send_raw(Message::Text("{not json".into())).await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    visitor
        .send_raw(Message::Text(r#"{"type":"grantAdmin"}"#.into()))
        .await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Error {
            code: ErrorCode::UnknownType,
            ..
        }
    ));
    visitor
        .send_raw(Message::Binary(vec![0xff, 0xfe].into()))
        .await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Error {
            code: ErrorCode::InvalidUtf8,
            ..
        }
    ));
    let (id, empty) = send(conversation, "   ");
    visitor.send(&empty).await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Error {
            code: ErrorCode::TextInvalid,
            ..
        }
    ));
    // A visitor cannot write into another conversation.
    let (_, other) = send(ConversationId::new(), "hi");
    visitor.send(&other).await;
    assert!(matches!(
        visitor.recv().await,
        ServerFrame::Error {
            code: ErrorCode::NotAllowed,
            ..
        }
    ));
    // Still alive.
    visitor.send(&ClientFrame::Ping { nonce: 9 }).await;
    assert_eq!(visitor.recv().await, ServerFrame::Pong { nonce: 9 });
    let _ = id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_only_that_connection() {
    let hub = live_hub().await;
    let (mut visitor, _) = visitor_ws(&hub).await;
    let huge = "x".repeat(rampart_protocol::MAX_FRAME_BYTES + 10);
    visitor.send_raw(Message::Text(huge.into())).await;
    assert!(
        visitor.next().await.is_none(),
        "the hub closes the connection"
    );
    // Others are unaffected.
    let (mut other, _) = visitor_ws(&hub).await;
    other.send(&ClientFrame::Ping { nonce: 1 }).await;
    assert_eq!(other.recv().await, ServerFrame::Pong { nonce: 1 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_frame_must_be_hello() {
    let hub = live_hub().await;
    let (_, token) = hub.visitor().await;
    let mut ws = hub.connect("/ws/visitor", &token).await;
    ws.send(&ClientFrame::Ping { nonce: 1 }).await;
    assert!(matches!(
        ws.recv().await,
        ServerFrame::Error {
            code: ErrorCode::HelloRequired,
            ..
        }
    ));
    assert!(ws.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_need_a_valid_token() {
    let hub = live_hub().await;
    assert!(hub.try_connect("/ws/agent", None).await.is_err());
    assert!(hub.try_connect("/ws/agent", Some("forged")).await.is_err());
    assert!(
        hub.try_connect("/ws/visitor", Some("forged"))
            .await
            .is_err()
    );
    // A visitor token is not an agent token.
    let (_, visitor_token) = hub.visitor().await;
    assert!(
        hub.try_connect("/ws/agent", Some(&visitor_token))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_open_consoles_of_that_session() {
    let hub = live_hub().await;
    let (mut agent, token) = available_agent(&hub, "ana").await;
    let response = hub
        .http
        .post(hub.url("/api/v1/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        agent
            .until(|f| matches!(f, ServerFrame::SessionRevoked))
            .await,
        ServerFrame::SessionRevoked
    );
    assert!(agent.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_the_open_socket() {
    let hub = live_hub().await;
    let (mut agent, token) = available_agent(&hub, "ana").await;
    hub.clock.advance(15 * 60 + 1);
    assert_eq!(
        agent
            .until(|f| matches!(f, ServerFrame::SessionRevoked))
            .await,
        ServerFrame::SessionRevoked
    );
    let me = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert!(
        hub.server
            .audit
            .log()
            .records_from(0)
            .any(|r| r.unwrap().event.action == Action::SessionExpired)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_lists_admit_listed_sources_only_and_are_audited() {
    let hub = live_hub().await;
    let (token, _, _) = hub.agent_session("ana").await;
    // Only 127.0.0.2 may be used from now on.
    hub.server
        .store
        .add_allow(
            &OrgId::default_org(),
            None,
            "127.0.0.2/32".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();
    let from_1 = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(from_1.status(), 403);
    let body: serde_json::Value = from_1.json().await.unwrap();
    assert_eq!(body["code"], "ipNotAllowed");
    let via_2 = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let from_2 = via_2
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(from_2.status(), 200);
    // A forged X-Forwarded-For from an untrusted peer changes nothing.
    let spoofed = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .header("x-forwarded-for", "127.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 403);
    // The socket is refused too.
    assert!(hub.try_connect("/ws/agent", Some(&token)).await.is_err());
    assert!(
        hub.server
            .audit
            .log()
            .records_from(0)
            .any(|r| r.unwrap().event.action == Action::IpDenied)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_honoured_from_a_trusted_proxy() {
    let hub = live_hub_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let (token, _, _) = hub.agent_session("ana").await;
    hub.server
        .store
        .add_allow(
            &OrgId::default_org(),
            None,
            "198.51.100.0/24".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();
    let forwarded = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 200);
    let direct = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_api_bodies_get_malformed_and_no_echo() {
    let hub = live_hub().await;
    let response = hub
        .http
        .post(hub.url("/api/v1/login"))
        .header("content-type", "application/json")
        .body("{\"username\": \"4111111111111111\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("\"malformed\"") && !text.contains("4111"),
        "{text}"
    );
    let big = "a".repeat(64 * 1024);
    let response = hub
        .http
        .post(hub.url("/api/v1/login"))
        .json(&serde_json::json!({ "username": big, "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_restart_loses_nothing_and_resends_are_deduplicated() {
    let hub = live_hub().await;
    let (token, totp, _) = hub.agent_session("ana").await;
    let mut agent = hub.connect("/ws/agent", &token).await;
    agent.hello(vec![]).await;
    agent
        .send(&ClientFrame::SetAvailability {
            availability: Availability::Available,
        })
        .await;
    let (conversation, visitor_token) = hub.visitor().await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let mut visitor = hub.connect("/ws/visitor", &visitor_token).await;
    visitor.hello(vec![]).await;

    let mut sent = Vec::new();
    for i in 0..30 {
        let (id, frame) = send(conversation, &format!("mensaje {i}"));
        visitor.send(&frame).await;
        visitor
            .until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await;
        sent.push((id, frame));
    }
    // The agent saw only some of them before the hub went down.
    let mut seen = Seq::ZERO;
    while seen < Seq(10) {
        if let ServerFrame::Message { seq, .. } = agent.recv().await {
            seen = seq;
        }
    }

    let (config, clock, dir) = hub.stop().await;
    // The hub closed the console's socket; frames still in flight are dropped unprocessed, as
    // when a console crashes.
    while agent.next().await.is_some() {}
    let hub = start_hub(config, clock, dir).await;

    // A resend of an acknowledged message after the restart gets the same seq, stored once.
    let mut visitor = hub.connect("/ws/visitor", &visitor_token).await;
    visitor
        .hello(vec![ResumePoint {
            conversation_id: conversation,
            after_seq: Seq(30),
        }])
        .await;
    visitor.send(&sent[4].1).await;
    let ack = visitor
        .until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    assert!(
        matches!(ack, ServerFrame::Ack { seq: Seq(5), .. }),
        "{ack:?}"
    );

    // The session survived the restart (it is stored); the console resumes after seq 10.
    let _ = totp;
    let mut agent = hub.connect("/ws/agent", &token).await;
    agent
        .hello(vec![ResumePoint {
            conversation_id: conversation,
            after_seq: seen,
        }])
        .await;
    let mut rest = Vec::new();
    while rest.len() < 20 {
        if let ServerFrame::Message { seq, .. } = agent.recv().await {
            rest.push(seq.0);
        }
    }
    assert_eq!(rest, (11..=30).collect::<Vec<u64>>());
    let stored = hub
        .server
        .store
        .messages_after(conversation, Seq::ZERO, 100)
        .await
        .unwrap();
    assert_eq!(stored.len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_connections_messages_and_failures() {
    let hub = live_hub().await;
    let (mut visitor, conversation) = visitor_ws(&hub).await;
    let (_, frame) = send(conversation, "hola");
    visitor.send(&frame).await;
    visitor
        .until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    let _ = hub
        .http
        .post(hub.url("/api/v1/login"))
        .json(&serde_json::json!({ "username": "nobody", "password": "x" }))
        .send()
        .await
        .unwrap();
    let text = hub
        .http
        .get(hub.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("rampart_hub_connections 1"), "{text}");
    assert!(
        text.contains("rampart_hub_messages_stored_total 1"),
        "{text}"
    );
    assert!(
        text.contains("rampart_hub_ack_latency_seconds_count 1"),
        "{text}"
    );
    assert!(text.contains("rampart_hub_auth_failures_total 1"), "{text}");
}

mod tls {
    use crate::support::*;
    use rampart_hub::config::{HubConfig, TlsSection};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    fn certificate(dir: &std::path::Path) -> (TlsSection, Vec<u8>) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        let cert_path = dir.join("cert.pem");
        let key_path = dir.join("key.pem");
        std::fs::write(&cert_path, cert.cert.pem()).unwrap();
        std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
        (
            TlsSection {
                cert: cert_path,
                key: key_path,
            },
            cert.cert.der().to_vec(),
        )
    }

    async fn get_over_tls(addr: std::net::SocketAddr, trusted: &[u8]) -> std::io::Result<String> {
        let mut roots = RootCertStore::empty();
        roots
            .add(rustls_pki_types::CertificateDer::from(trusted.to_vec()))
            .unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await?;
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut response = String::new();
        tls.read_to_string(&mut response).await?;
        Ok(response)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hub_serves_tls_and_refuses_plaintext_on_that_port() {
        let certs = tempfile::tempdir().unwrap();
        let (section, der) = certificate(certs.path());
        let hub = live_hub_with(|c| c.tls = Some(section)).await;
        let response = get_over_tls(hub.addr, &der).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("ok"), "{response}");
        // Plain HTTP to the TLS port gets no HTTP answer.
        let plain = reqwest::get(hub.url("/healthz")).await;
        assert!(plain.is_err() || !plain.unwrap().status().is_success());
        // A client that does not trust the certificate cannot connect.
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        assert!(get_over_tls(hub.addr, other.cert.der()).await.is_err());
    }

    #[test]
    fn tls_allows_non_loopback_and_bad_files_are_config_errors() {
        let certs = tempfile::tempdir().unwrap();
        let (section, _) = certificate(certs.path());
        let text = format!(
            "listen = \"0.0.0.0:8443\"\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            section.cert.display(),
            section.key.display()
        );
        assert!(HubConfig::parse(&text, std::path::Path::new("hub.toml")).is_ok());
        // A key that does not belong to the certificate.
        let other = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
        std::fs::write(&section.key, other.signing_key.serialize_pem()).unwrap();
        let error = HubConfig::parse(&text, std::path::Path::new("hub.toml")).unwrap_err();
        assert!(error.to_string().contains("TLS"), "{error}");
        std::fs::write(&section.cert, "not a certificate").unwrap();
        assert!(HubConfig::parse(&text, std::path::Path::new("hub.toml")).is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_address_is_refused_and_others_are_served() {
    let hub = live_hub_with(|c| {
        c.limits.sockets_per_ip = 3;
        c.limits.visitors_per_minute = 5;
    })
    .await;

    // Visitor chats: five a minute from one address, then 429 with Retry-After.
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(hub.visitor().await.1);
    }
    let refused = hub
        .http
        .post(hub.url("/api/v1/visitor"))
        .json(&serde_json::json!({ "locale": "en", "privacyNotice": "2026-11" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "60");

    // Sockets: three open at once from 127.0.0.1, the fourth is refused...
    let mut open = Vec::new();
    for token in &tokens[..3] {
        open.push(hub.connect("/ws/visitor", token).await);
    }
    assert!(
        hub.try_connect("/ws/visitor", Some(&tokens[3]))
            .await
            .is_err()
    );
    // ...while the open ones keep working,
    open[0].hello(vec![]).await;
    open[0].send(&ClientFrame::Ping { nonce: 3 }).await;
    assert_eq!(open[0].recv().await, ServerFrame::Pong { nonce: 3 });
    // and closing one frees its slot.
    drop(open.pop());
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(ws) = hub.try_connect("/ws/visitor", Some(&tokens[3])).await {
            reopened = Some(ws);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        reopened.is_some(),
        "the slot is released when a socket closes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_are_matched_against_ipv6_allow_lists() {
    let hub = live_hub_with(|c| c.listen = "[::1]:7878".parse().unwrap()).await;
    let (token, _, _) = hub.agent_session("ana").await;
    hub.server
        .store
        .add_allow(
            &OrgId::default_org(),
            None,
            "2001:db8::/32".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();
    let denied = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    hub.server
        .store
        .add_allow(
            &OrgId::default_org(),
            None,
            "::1/128".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();
    let allowed = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_must_acknowledge_the_current_privacy_notice_and_it_is_recorded() {
    let hub = live_hub().await;
    let notice: serde_json::Value = hub
        .http
        .get(hub.url("/api/v1/privacy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(notice["version"], "2026-11");
    assert!(notice["es"].as_str().unwrap().contains("formulario seguro"));
    for body in [
        serde_json::json!({ "locale": "en" }),
        serde_json::json!({ "locale": "en", "privacyNotice": "2020-01" }),
    ] {
        let refused = hub
            .http
            .post(hub.url("/api/v1/visitor"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let error: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(error["code"], "privacyNotAcknowledged");
    }
    let (conversation, _) = hub.visitor().await;
    let (version, at) = hub
        .server
        .store
        .privacy_ack(conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version, "2026-11");
    assert_eq!(at, i64::try_from(START).unwrap() * 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_learns_which_agent_joined() {
    let hub = live_hub().await;
    let (mut visitor, _) = visitor_ws(&hub).await;
    let (_agent, _) = available_agent(&hub, "ana").await;
    let joined = visitor
        .until(|f| matches!(f, ServerFrame::AgentJoined { .. }))
        .await;
    assert!(
        matches!(joined, ServerFrame::AgentJoined { display_name, .. } if display_name == "Agent ana")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_go_only_to_connected_agents_and_never_strand_the_visitor() {
    let hub = live_hub().await;
    let (mut ana, _) = available_agent(&hub, "ana").await;
    let (conversation, _) = hub.visitor().await;
    ana.until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;

    // To nobody: refused, and Ana still has the conversation.
    ana.send(&ClientFrame::Transfer {
        conversation_id: conversation,
        to_agent: rampart_protocol::AgentId::new(),
    })
    .await;
    let refused = ana.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::NotAllowed,
            ..
        }
    ));
    let (_, frame) = send(conversation, "sigo aquí");
    ana.send(&frame).await;
    ana.until(|f| matches!(f, ServerFrame::Ack { .. })).await;

    // To a connected colleague: they get it, Ana lets go.
    let (token, _, bo_id) = hub.agent_session("bo").await;
    let mut bo = hub.connect("/ws/agent", &token).await;
    bo.hello(vec![]).await;
    ana.send(&ClientFrame::Transfer {
        conversation_id: conversation,
        to_agent: bo_id,
    })
    .await;
    let assigned = bo
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(
        matches!(assigned, ServerFrame::Assigned { conversation_id, .. } if conversation_id == conversation)
    );
    ana.until(|f| matches!(f, ServerFrame::Closed { .. })).await;
    // Ana can no longer write there; Bo can.
    let (_, late) = send(conversation, "hola?");
    ana.send(&late).await;
    assert!(matches!(
        ana.until(|f| matches!(f, ServerFrame::Error { .. })).await,
        ServerFrame::Error {
            code: ErrorCode::NotAllowed,
            ..
        }
    ));
    let (_, from_bo) = send(conversation, "Hola, soy Bo");
    bo.send(&from_bo).await;
    bo.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_turns_new_visitors_away() {
    let hub = live_hub_with(|c| c.limits.max_waiting = 2).await;
    hub.visitor().await;
    hub.visitor().await;
    let refused = hub
        .http
        .post(hub.url("/api/v1/visitor"))
        .json(&serde_json::json!({ "locale": "en", "privacyNotice": "2026-11" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "120");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_token_stops_working_when_the_conversation_closes() {
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let (conversation, token) = hub.visitor().await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let mut visitor = hub.connect("/ws/visitor", &token).await;
    visitor.hello(vec![]).await;
    agent
        .send(&ClientFrame::Close {
            conversation_id: conversation,
        })
        .await;
    visitor
        .until(|f| matches!(f, ServerFrame::Closed { .. }))
        .await;
    assert!(hub.try_connect("/ws/visitor", Some(&token)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_pages_through_long_conversations() {
    let hub = live_hub().await;
    let (conversation, token) = hub.visitor().await;
    let appends: Vec<_> = (0..620)
        .map(|i| {
            let store = hub.server.store.clone();
            let message = rampart_hub::store::NewMessage {
                id: MessageId::new(),
                conversation_id: conversation,
                author: rampart_hub::store::StoredAuthor::Visitor,
                text: format!("m{i}"),
                spans: Vec::new(),
                now_ms: 1,
                email_keys: Vec::new(),
            };
            tokio::spawn(async move { store.append(message).await.unwrap() })
        })
        .collect();
    for append in appends {
        append.await.unwrap();
    }
    let mut visitor = hub.connect("/ws/visitor", &token).await;
    visitor.hello(vec![]).await;
    let mut seqs = Vec::new();
    while seqs.len() < 620 {
        if let ServerFrame::Message { seq, .. } = visitor.recv().await {
            seqs.push(seq.0);
        }
    }
    assert_eq!(seqs, (1..=620).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_and_erasure_remove_exactly_what_they_should() {
    let hub = live_hub().await;
    let store = &hub.server.store;
    let (old, _) = hub.visitor().await;
    let (recent, _) = hub.visitor().await;
    let (open, _) = hub.visitor().await;
    for conversation in [old, recent, open] {
        let (_, frame) = send(conversation, "x");
        let ClientFrame::Send { id, .. } = frame else {
            unreachable!()
        };
        store
            .append(rampart_hub::store::NewMessage {
                id,
                conversation_id: conversation,
                author: rampart_hub::store::StoredAuthor::Visitor,
                text: "hola".into(),
                spans: Vec::new(),
                now_ms: 1,
                email_keys: Vec::new(),
            })
            .await
            .unwrap();
    }
    let day_ms = 24 * 60 * 60 * 1000;
    let now_ms = i64::try_from(START).unwrap() * 1000;
    store.close(old, now_ms - 91 * day_ms).await.unwrap();
    store.close(recent, now_ms - 89 * day_ms).await.unwrap();
    assert_eq!(hub.server.purge_expired().await.unwrap(), 1);
    assert!(matches!(
        store.conversation_state(old).await,
        Err(rampart_hub::store::StoreError::ConversationNotFound)
    ));
    assert!(
        store
            .messages_after(old, Seq::ZERO, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .messages_after(recent, Seq::ZERO, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .messages_after(open, Seq::ZERO, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Erasure: every conversation of that visitor, whatever its state; audited without content.
    let visitor = store.visitor_of(open).await.unwrap().unwrap();
    let erased = hub
        .server
        .erase_visitor(rampart_audit::Actor::System, visitor)
        .await
        .unwrap();
    assert_eq!(erased, 1);
    assert!(
        store
            .messages_after(open, Seq::ZERO, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .messages_after(recent, Seq::ZERO, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let record = hub
        .server
        .audit
        .log()
        .records_from(0)
        .map(|r| r.unwrap())
        .find(|r| r.event.action == Action::VisitorErased)
        .unwrap();
    let exported = rampart_audit::to_json_line(&record).unwrap();
    assert!(exported.contains(&visitor.to_string()) && !exported.contains("hola"));
}

/// The position a `forget` frame names (a new hub always names its epoch).
fn position(through: i64, epoch: Option<EpochId>) -> ForgetPosition {
    ForgetPosition {
        epoch: epoch.expect("the frame names its epoch"),
        through,
    }
}

/// The first `forget` frame within `patience`, skipping others: its conversations and position.
async fn next_forget(ws: &mut Ws, patience: Duration) -> (Vec<ConversationId>, ForgetPosition) {
    tokio::time::timeout(patience, async {
        loop {
            if let ServerFrame::Forget {
                conversations,
                through,
                epoch,
            } = ws.recv().await
            {
                return (conversations, position(through, epoch));
            }
        }
    })
    .await
    .expect("a forget frame in time")
}

/// A console's hello with a deletion position, and the `forget` frames it is sent: whatever
/// follows the training gate until the hub falls silent.
async fn forget_frames_at_hello(
    hub: &LiveHub,
    token: &str,
    forgotten: Option<ForgetPosition>,
) -> Vec<(Vec<ConversationId>, ForgetPosition)> {
    let mut ws = hub.connect("/ws/agent", token).await;
    assert!(matches!(
        ws.hello_after(vec![], forgotten).await,
        ServerFrame::Welcome { .. }
    ));
    assert!(matches!(ws.recv().await, ServerFrame::TrainingGate { .. }));
    let mut frames = Vec::new();
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(300), ws.recv()).await {
        if let ServerFrame::Forget {
            conversations,
            through,
            epoch,
        } = frame
        {
            frames.push((conversations, position(through, epoch)));
        }
    }
    frames
}

/// The conversations of every `forget` frame a console with `forgotten` is sent at its hello.
async fn forgotten_at_hello(
    hub: &LiveHub,
    token: &str,
    forgotten: Option<ForgetPosition>,
) -> Vec<ConversationId> {
    forget_frames_at_hello(hub, token, forgotten)
        .await
        .into_iter()
        .flat_map(|(ids, _)| ids)
        .collect()
}

/// Erases the visitor of `conversation` as an operator would.
async fn erase(hub: &LiveHub, conversation: ConversationId) {
    let visitor = hub
        .server
        .store
        .visitor_of(conversation)
        .await
        .unwrap()
        .unwrap();
    hub.server
        .erase_visitor(rampart_audit::Actor::System, visitor)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_are_told_to_forget_erased_conversations_online_and_at_their_next_hello() {
    let hub = live_hub().await;
    let (mut online, _) = available_agent(&hub, "ana").await;
    let (erased, _) = hub.visitor().await;
    let (kept, _) = hub.visitor().await;
    let (old, _) = hub.visitor().await;
    let store = &hub.server.store;
    // A retention purge longer than a console's cache is not sent: no console holds those.
    let day_ms = 24 * 60 * 60 * 1000;
    let now_ms = i64::try_from(START).unwrap() * 1000;
    store.close(old, now_ms - 91 * day_ms).await.unwrap();
    assert_eq!(hub.server.purge_expired().await.unwrap(), 1);
    erase(&hub, erased).await;
    // The connected console hears of it within the sweep interval.
    let (told, at) = next_forget(&mut online, rampart_hub::forget::SWEEP * 2).await;
    assert_eq!(told, vec![erased]);
    assert!(at.through > 0, "the frame names its position");
    // A console connecting later is told at its hello, right after the welcome and the
    // training gate.
    let (token, _, _) = hub.agent_session("ben").await;
    let mut later = hub.connect("/ws/agent", &token).await;
    later.hello(vec![]).await;
    assert!(matches!(
        later.recv().await,
        ServerFrame::TrainingGate { .. }
    ));
    let ServerFrame::Forget {
        conversations,
        through,
        epoch,
    } = later.recv().await
    else {
        panic!("the forget frame comes first");
    };
    assert_eq!(
        conversations,
        vec![erased],
        "not {kept} nor the purged {old}"
    );
    assert_eq!(
        position(through, epoch),
        at,
        "the same position, online or not"
    );

    // A console that carried that frame out is not sent it again at its next hello…
    assert_eq!(forget_frames_at_hello(&hub, &token, Some(at)).await, []);
    // …but is sent a later deletion, and only that.
    erase(&hub, kept).await;
    let after = forget_frames_at_hello(&hub, &token, Some(at)).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].0, vec![kept]);
    assert!(after[0].1.through > at.through, "positions only grow");
    assert_eq!(
        after[0].1.epoch, at.epoch,
        "this hub's epoch until it restarts"
    );
    // A console without a position, or with one this database never gave (a position beyond
    // its own, or its own position under another database's epoch), is sent every recent
    // deletion again.
    let later = after[0].1;
    for cursor in [
        None,
        Some(ForgetPosition {
            through: 0,
            ..later
        }),
        Some(ForgetPosition {
            through: later.through + 1_000,
            ..later
        }),
        Some(ForgetPosition {
            epoch: EpochId::new(),
            ..later
        }),
    ] {
        assert_eq!(
            forgotten_at_hello(&hub, &token, cursor).await,
            vec![erased, kept],
            "cursor {cursor:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_from_before_a_restore_never_skips_the_restored_hubs_deletions() {
    let hub = live_hub().await;
    let (token, _, _) = hub.agent_session("ana").await;
    let mut visitors = Vec::new();
    for _ in 0..3 {
        visitors.push(hub.visitor().await.0);
    }
    erase(&hub, visitors[0]).await;
    // The operator backs the data directory up with the hub stopped…
    let (config, clock, dir) = hub.stop().await;
    let backup = tempfile::tempdir().unwrap();
    copy_dir(&config.data_dir, &backup.path().join("data"));
    // …the hub runs on, and a console carries out a deletion made after the backup…
    let hub = start_hub(config.clone(), clock.clone(), dir).await;
    erase(&hub, visitors[1]).await;
    let frames = forget_frames_at_hello(&hub, &token, None).await;
    let carried_out = frames.last().unwrap().1;
    // …then the backup is restored, and that hub deletes another conversation. Its position has
    // the same number as the one the console carried out, in another timeline.
    drop(hub.stop().await);
    let restored = rampart_hub::config::HubConfig {
        data_dir: backup.path().join("data"),
        ..config
    };
    let hub = start_hub(restored, clock, backup).await;
    erase(&hub, visitors[2]).await;
    assert_eq!(
        hub.server.store.forgotten_head().await.unwrap(),
        carried_out.through,
        "the restored database gave the same position again"
    );
    // The console's position is not this database's: it is sent every recent deletion,
    // including the one it would otherwise skip.
    assert_eq!(
        forgotten_at_hello(&hub, &token, Some(carried_out)).await,
        vec![visitors[0], visitors[2]]
    );
}

/// Copies a data directory (files only, as a backup would), as one consistent listing.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for (path, bytes) in read_data_files(from) {
        std::fs::write(to.join(path.file_name().unwrap()), bytes).unwrap();
    }
}

#[test]
fn only_retentions_shorter_than_a_consoles_cache_reach_consoles() {
    use rampart_hub::forget::{CONSOLE_CACHE_DAYS, retention_reaches_consoles};
    assert!(retention_reaches_consoles(1));
    assert!(retention_reaches_consoles(7));
    assert!(!retention_reaches_consoles(8));
    assert!(!retention_reaches_consoles(90));
    assert_eq!(CONSOLE_CACHE_DAYS, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_retention_is_sent_to_consoles() {
    let hub = live_hub_with(|config| config.retention.transcript_days = 1).await;
    let (purged, _) = hub.visitor().await;
    let day_ms = 24 * 60 * 60 * 1000;
    let now_ms = i64::try_from(START).unwrap() * 1000;
    hub.server
        .store
        .close(purged, now_ms - 2 * day_ms)
        .await
        .unwrap();
    assert_eq!(hub.server.purge_expired().await.unwrap(), 1);
    let (token, _, _) = hub.agent_session("ana").await;
    let mut ws = hub.connect("/ws/agent", &token).await;
    ws.hello(vec![]).await;
    assert_eq!(
        next_forget(&mut ws, Duration::from_secs(5)).await.0,
        vec![purged]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_card_numbers_and_ids_never_reach_the_hubs_files() {
    const CANARIES: &[&str] = &[
        "4111 1111 1111 1111",
        "4111111111111111",
        "5500-0000-0000-0004",
        "12345678Z",
        "ES91 2100 0418 4502 0005 1332",
        "ES9121000418450200051332",
        "123.456.789-09",
    ];
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let (mut visitor, conversation) = visitor_ws(&hub).await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let texts = [
        "mi tarjeta es 4111 1111 1111 1111 cvv 123",
        "la otra 4111111111111111 y 5500-0000-0000-0004",
        "mi DNI es 12345678Z y mi IBAN ES91 2100 0418 4502 0005 1332",
        "IBAN ES9121000418450200051332, CPF 123.456.789-09",
    ];
    for text in texts {
        let (_, frame) = send(conversation, text);
        visitor.send(&frame).await;
        visitor
            .until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await;
    }
    // The agent echoes one back by mistake; it is masked too.
    let (_, echo) = send(conversation, "confirmo 4111 1111 1111 1111");
    agent.send(&echo).await;
    agent.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    agent
        .send(&ClientFrame::Close {
            conversation_id: conversation,
        })
        .await;
    agent
        .until(|f| matches!(f, ServerFrame::Closed { .. }))
        .await;

    let mut export = Vec::new();
    hub.server.audit.log().export_jsonl(&mut export).unwrap();
    let (config, _, dir) = hub.stop().await;
    let mut haystack = String::from_utf8_lossy(&export).into_owned();
    for (_, bytes) in read_data_files(&config.data_dir) {
        haystack.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(
        haystack.contains("1111"),
        "the last four digits are kept where policy keeps them"
    );
    for canary in CANARIES {
        assert!(
            !haystack.contains(canary),
            "{canary} reached the hub's files"
        );
    }
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_offline_during_a_remote_wipe_hears_of_it_when_it_reconnects_once() {
    let hub = live_hub().await;
    let (agent, token) = available_agent(&hub, "ana").await;
    // The laptop goes offline (lid closed), then the admin orders the wipe.
    drop(agent);
    hub.server
        .login
        .order_wipe(rampart_audit::Actor::System, "ana", None)
        .await
        .unwrap();
    // Its console comes back with its old token: told to wipe, then the session is over.
    let mut back = hub.connect("/ws/agent", &token).await;
    back.send(&ClientFrame::Hello {
        protocol_version: rampart_protocol::PROTOCOL_VERSION,
        resume: vec![],
        forgotten: None,
    })
    .await;
    assert_eq!(back.recv().await, ServerFrame::WipeDevice);
    assert_eq!(back.recv().await, ServerFrame::SessionRevoked);
    assert!(back.next().await.is_none());
    // Told once: the token is simply refused afterwards, on the socket and the API alike.
    assert!(hub.try_connect("/ws/agent", Some(&token)).await.is_err());
    let me = hub
        .http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_wipe_tells_connected_consoles_to_wipe_then_ends_their_session() {
    let hub = live_hub().await;
    let (mut agent, _) = available_agent(&hub, "ana").await;
    let ended = hub
        .server
        .login
        .order_wipe(rampart_audit::Actor::System, "ana", None)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(
        agent
            .until(|f| matches!(f, ServerFrame::WipeDevice | ServerFrame::SessionRevoked))
            .await,
        ServerFrame::WipeDevice,
        "the wipe order comes before the end of the session"
    );
    assert_eq!(agent.recv().await, ServerFrame::SessionRevoked);
    assert!(agent.next().await.is_none());
    let audited = hub
        .server
        .audit
        .log()
        .records_from(0)
        .filter(|r| r.as_ref().unwrap().event.action == Action::RemoteWipeIssued)
        .count();
    assert_eq!(audited, 1);
    let account = hub
        .server
        .store
        .account_by_username("ana")
        .await
        .unwrap()
        .unwrap();
    assert!(hub.server.login.wipe_ordered(account.id).await.unwrap());
    // Unknown accounts are refused, not silently ignored.
    assert!(
        hub.server
            .login
            .order_wipe(rampart_audit::Actor::System, "nobody", None)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_console_learns_its_conversations_with_the_privacy_acknowledgement() {
    let hub = live_hub().await;
    let (mut agent, token) = available_agent(&hub, "ana").await;
    let (conversation, _) = hub.visitor().await;
    let ServerFrame::Assigned {
        privacy_notice,
        privacy_acknowledged_at,
        ..
    } = agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(privacy_notice.as_deref(), Some("2026-11"));
    assert!(privacy_acknowledged_at.is_some());
    drop(agent);
    let mut again = hub.connect("/ws/agent", &token).await;
    again.hello(vec![]).await;
    let assigned = again
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(matches!(
        assigned,
        ServerFrame::Assigned { conversation_id, ref locale, ref privacy_notice, .. }
            if conversation_id == conversation && locale == "es-MX" && privacy_notice.as_deref() == Some("2026-11")
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_see_who_they_can_transfer_to_and_the_conversation_moves_with_its_language() {
    let hub = live_hub().await;
    let (mut ana, ana_token) = available_agent(&hub, "ana").await;
    let (conversation, _) = hub.visitor().await;
    ana.until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let (mut bea, _) = available_agent(&hub, "bea").await;
    bea.until(|f| matches!(f, ServerFrame::Queue { .. })).await;

    // Bea's availability frame may still be on its way: ask until it has been applied.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let targets = loop {
        let targets: serde_json::Value = hub
            .http
            .get(hub.url("/api/v1/agents/online"))
            .bearer_auth(&ana_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if targets[0]["available"] == true || std::time::Instant::now() > deadline {
            break targets;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let targets = targets.as_array().unwrap();
    assert_eq!(targets.len(), 1, "everyone online but me: {targets:?}");
    assert_eq!(targets[0]["displayName"], "Agent bea");
    assert_eq!(targets[0]["available"], true);
    assert_eq!(targets[0]["hasRoom"], true);
    let bea_id: rampart_protocol::AgentId =
        targets[0]["agentId"].as_str().unwrap().parse().unwrap();
    let unauthenticated = hub
        .http
        .get(hub.url("/api/v1/agents/online"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);

    ana.send(&ClientFrame::Transfer {
        conversation_id: conversation,
        to_agent: bea_id,
    })
    .await;
    ana.until(|f| matches!(f, ServerFrame::Closed { .. })).await;
    let assigned = bea
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(
        matches!(
            assigned,
            ServerFrame::Assigned { conversation_id, ref locale, .. }
                if conversation_id == conversation && locale == "es-MX"
        ),
        "{assigned:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_policy_blocks_them_an_agents_card_numbers_and_ids_are_refused() {
    let hub = live_hub_with(|c| {
        c.chat.sensitive_replies = rampart_protocol::rest::SensitiveReplies::Block;
    })
    .await;
    let (mut agent, token, _visitor, conversation) = assigned_agent(&hub).await;
    // The console learns the rule with the profile.
    let me = me(&hub, &token).await;
    assert_eq!(me["sensitiveReplies"], "block", "{me}");
    // A raw card number (a console that skipped its own check) is refused, naming the message…
    let (id, refused) = reply(&mut agent, conversation, "confirmo 4111 1111 1111 1111").await;
    assert!(
        matches!(refused, ServerFrame::Error { code: ErrorCode::NotAllowed, id: Some(refused_id), ref message } if refused_id == id && !message.contains("4111")),
        "{refused:?}"
    );
    // …and nothing was stored; a contact detail is not covered by the rule.
    assert!(
        hub.server
            .store
            .message_position(id)
            .await
            .unwrap()
            .is_none()
    );
    let (id, acked) = reply(&mut agent, conversation, "escríbanos a soporte@example.com").await;
    assert!(
        matches!(acked, ServerFrame::Ack { id: acked_id, .. } if acked_id == id),
        "{acked:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_an_agents_card_number_is_stored_masked_not_refused() {
    let hub = live_hub().await;
    let (mut agent, token, _visitor, conversation) = assigned_agent(&hub).await;
    let me = me(&hub, &token).await;
    assert_eq!(me["sensitiveReplies"], "confirm", "{me}");
    let (id, acked) = reply(&mut agent, conversation, "confirmo 4111 1111 1111 1111").await;
    assert!(
        matches!(acked, ServerFrame::Ack { id: acked_id, .. } if acked_id == id),
        "{acked:?}"
    );
}

/// An available agent with a visitor assigned: (agent, token, visitor, conversation).
pub(crate) async fn assigned_agent(hub: &LiveHub) -> (Ws, String, Ws, ConversationId) {
    let (mut agent, token) = available_agent(hub, "ana").await;
    let (visitor, conversation) = visitor_ws(hub).await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    (agent, token, visitor, conversation)
}

/// Sends an agent's reply; returns its id and the hub's answer to it (ack or error).
async fn reply(
    agent: &mut Ws,
    conversation: ConversationId,
    text: &str,
) -> (MessageId, ServerFrame) {
    let (id, frame) = send(conversation, text);
    agent.send(&frame).await;
    let answer = agent
        .until(|f| matches!(f, ServerFrame::Error { .. } | ServerFrame::Ack { .. }))
        .await;
    (id, answer)
}

/// `GET /api/v1/me` for a session.
async fn me(hub: &LiveHub, token: &str) -> serde_json::Value {
    hub.http
        .get(hub.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
