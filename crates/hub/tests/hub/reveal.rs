//! Revealing masked values: only permitted roles, only in their own conversations (supervisors
//! anywhere), only with a reason, always audited, never with the value in the audit log; the
//! originals are stored encrypted and expire.

use crate::support::*;
use rampart_audit::Action;
use rampart_protocol::rest::Role;
use rampart_protocol::{
    Availability, ClientFrame, ConversationId, MaskedSpan, MessageId, ServerFrame,
};

const CARD: &str = "4111 1111 1111 1111";

struct Chat {
    token: String,
    conversation: ConversationId,
    message: MessageId,
    spans: Vec<MaskedSpan>,
    _agent: Ws,
    _visitor: Ws,
}

/// An available agent, a visitor routed to them who sends a card number.
async fn chat_with_card(hub: &LiveHub, username: &str) -> Chat {
    let (token, _, _) = hub.agent_session(username).await;
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
    let id = MessageId::new();
    visitor
        .send(&ClientFrame::Send {
            id,
            conversation_id: conversation,
            text: format!("mi tarjeta es {CARD}"),
        })
        .await;
    let ServerFrame::Message { spans, text, .. } = agent
        .until(|f| matches!(f, ServerFrame::Message { id: m, .. } if *m == id))
        .await
    else {
        unreachable!()
    };
    assert!(!text.contains(CARD));
    Chat {
        token,
        conversation,
        message: id,
        spans,
        _agent: agent,
        _visitor: visitor,
    }
}

async fn reveal(hub: &LiveHub, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = hub
        .http
        .post(hub.url("/api/v1/reveal"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

fn request(chat: &Chat, reason: &str) -> serde_json::Value {
    serde_json::json!({
        "conversationId": chat.conversation,
        "messageId": chat.message,
        "span": 0,
        "reason": reason,
    })
}

fn reveal_records(hub: &LiveHub) -> Vec<String> {
    hub.server
        .audit
        .log()
        .records_from(0)
        .map(|r| r.unwrap())
        .filter(|r| r.event.action == Action::MaskedDataRevealed)
        .map(|r| rampart_audit::to_json_line(&r).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permitted_agent_sees_the_original_for_a_reason_and_the_audit_log_records_it() {
    let hub = live_hub_with(|c| c.reveal.roles = vec![Role::Agent, Role::Supervisor]).await;
    let chat = chat_with_card(&hub, "ana").await;
    assert_eq!(chat.spans.len(), 1);
    assert!(chat.spans[0].revealable, "the hub keeps the original");
    assert_eq!(chat.spans[0].kind, "credit_card");

    let (status, body) = reveal(&hub, &chat.token, request(&chat, "paymentIssue")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], CARD);
    assert_eq!(body["kind"], "credit_card");
    assert_eq!(body["visibleSecs"], 10);
    assert_eq!(body["copyAllowed"], false, "nobody may copy by default");

    // Another reason with a note: the note is masked before it is recorded.
    let mut with_note = request(&chat, "other");
    with_note["note"] = serde_json::json!(format!("cliente pide confirmar {CARD}"));
    let (status, _) = reveal(&hub, &chat.token, with_note).await;
    assert_eq!(status, 200);

    let records = reveal_records(&hub);
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records[0].contains("payment_issue") && records[0].contains(&chat.message.to_string()));
    assert!(records[1].contains("other: cliente pide confirmar"));
    for record in &records {
        assert!(
            !record.contains(CARD) && !record.contains("4111111111111111"),
            "{record}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copying_a_revealed_value_is_allowed_by_role_only() {
    let hub = live_hub_with(|c| {
        c.reveal.roles = vec![Role::Agent, Role::Supervisor];
        c.reveal.copy_roles = vec![Role::Agent];
    })
    .await;
    let mut chat = chat_with_card(&hub, "ana").await;
    let (status, body) = reveal(&hub, &chat.token, request(&chat, "paymentIssue")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["copyAllowed"], true);
    // A security code typed into the chat is revealable, but never copyable.
    let id = MessageId::new();
    chat._visitor
        .send(&ClientFrame::Send {
            id,
            conversation_id: chat.conversation,
            text: "el cvv es 123".into(),
        })
        .await;
    let ServerFrame::Message { spans, .. } = chat
        ._agent
        .until(|f| matches!(f, ServerFrame::Message { id: m, .. } if *m == id))
        .await
    else {
        unreachable!()
    };
    assert_eq!(spans[0].kind, "card_cvv");
    chat.message = id;
    let (status, body) = reveal(&hub, &chat.token, request(&chat, "paymentIssue")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], "123");
    assert_eq!(body["copyAllowed"], false, "a CVV is never copied");
    // The console reports each copy first; the hub records it, and refuses a CVV.
    let report =
        |kind: &str| serde_json::json!({ "conversationId": chat.conversation, "kind": kind });
    for (kind, status) in [
        ("credit_card", 204),
        ("card_cvv", 403),
        ("cvv", 403),
        ("<b>x", 400),
    ] {
        let response = hub
            .http
            .post(hub.url("/api/v1/reveal/copied"))
            .bearer_auth(&chat.token)
            .json(&report(kind))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{kind}");
    }
    let copies: Vec<String> = hub
        .server
        .audit
        .log()
        .records_from(0)
        .map(|r| r.unwrap())
        .filter(|r| r.event.action == Action::MaskedDataCopied)
        .map(|r| rampart_audit::to_json_line(&r).unwrap())
        .collect();
    assert_eq!(copies.len(), 3, "{copies:?}");
    assert!(
        copies[0].contains("credit_card") && copies[0].contains("success"),
        "{}",
        copies[0]
    );
    assert!(
        copies[1].contains("card_cvv") && copies[1].contains("forbidden"),
        "{}",
        copies[1]
    );
    assert!(
        copies
            .iter()
            .all(|c| !c.contains("4111") && !c.contains("123\""))
    );
    let only_supervisors = live_hub_with(|c| {
        c.reveal.roles = vec![Role::Agent, Role::Supervisor];
        c.reveal.copy_roles = vec![Role::Supervisor];
    })
    .await;
    let chat = chat_with_card(&only_supervisors, "bea").await;
    let (_, body) = reveal(
        &only_supervisors,
        &chat.token,
        request(&chat, "paymentIssue"),
    )
    .await;
    assert_eq!(
        body["copyAllowed"], false,
        "an agent's role is not in the list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_conversations_reasons_and_spans_are_checked_and_refusals_audited() {
    // Default policy: supervisors only.
    let hub = live_hub().await;
    let chat = chat_with_card(&hub, "ana").await;
    let (status, body) = reveal(&hub, &chat.token, request(&chat, "paymentIssue")).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let records = reveal_records(&hub);
    assert_eq!(records.len(), 1);
    assert!(
        records[0].contains("forbidden"),
        "the refusal is audited: {records:?}"
    );
    drop(chat);

    let hub = live_hub_with(|c| c.reveal.roles = vec![Role::Agent]).await;
    let chat = chat_with_card(&hub, "ana").await;
    // Another agent's conversation.
    let (other, _, _) = hub.agent_session("bea").await;
    let (status, _) = reveal(&hub, &other, request(&chat, "paymentIssue")).await;
    assert_eq!(status, 403);
    // `other` needs a note; a note may not be huge.
    let (status, body) = reveal(&hub, &chat.token, request(&chat, "other")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("malformed")));
    let mut long = request(&chat, "other");
    long["note"] = serde_json::json!("x".repeat(201));
    assert_eq!(reveal(&hub, &chat.token, long).await.0, 400);
    // No such span, or a span of another conversation.
    let mut missing = request(&chat, "paymentIssue");
    missing["span"] = serde_json::json!(3);
    assert_eq!(reveal(&hub, &chat.token, missing).await.0, 404);
    let mut wrong = request(&chat, "paymentIssue");
    wrong["messageId"] = serde_json::json!(MessageId::new());
    assert_eq!(reveal(&hub, &chat.token, wrong).await.0, 404);
    // Unknown reason, no session.
    assert_eq!(
        reveal(&hub, &chat.token, request(&chat, "curiosity"))
            .await
            .0,
        400
    );
    assert_eq!(
        reveal(&hub, "not-a-token", request(&chat, "paymentIssue"))
            .await
            .0,
        401
    );
    let records = reveal_records(&hub);
    assert!(records.len() >= 4, "{records:?}");
    assert!(records.iter().all(|r| !r.contains(CARD)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn originals_stay_in_memory_expire_and_go_when_the_conversation_closes() {
    let hub = live_hub_with(|c| {
        c.reveal.roles = vec![Role::Agent];
        c.reveal.keep_hours = 1;
    })
    .await;
    let mut chat = chat_with_card(&hub, "ana").await;
    assert_eq!(
        reveal(&hub, &chat.token, request(&chat, "customerVerification"))
            .await
            .0,
        200
    );
    let originals = hub.server.chat.originals().unwrap().clone();
    let in_ms = |secs: u64| i64::try_from(secs).unwrap() * 1000;
    assert!(
        originals
            .get(chat.message, 0, in_ms(hub.clock_now()))
            .is_some()
    );
    hub.clock.advance(61 * 60);
    assert!(
        originals
            .get(chat.message, 0, in_ms(hub.clock_now()))
            .is_none(),
        "an expired original is not served"
    );
    hub.server.purge_expired().await.unwrap();
    assert!(originals.is_empty(), "the hourly purge dropped it");
    // An hour idle ended Ana's session: wait until her console hears it, or the next visitor
    // could still be routed to her (she had room) instead of to Bea.
    while let Some(frame) = chat._agent.next().await {
        if matches!(frame, ServerFrame::SessionRevoked) {
            break;
        }
    }

    // A fresh one goes when the agent closes the conversation.
    hub.clock.advance(1);
    let second = chat_with_card(&hub, "bea").await;
    assert_eq!(originals.len(), 1);
    let mut agent = second._agent;
    agent
        .send(&ClientFrame::Close {
            conversation_id: second.conversation,
        })
        .await;
    agent
        .until(|f| matches!(f, ServerFrame::Closed { .. }))
        .await;
    assert!(
        originals.is_empty(),
        "closing the conversation forgot its originals"
    );
    let (status, _) = reveal(
        &hub,
        &second.token,
        serde_json::json!({
            "conversationId": second.conversation,
            "messageId": second.message,
            "span": 0,
            "reason": "customerVerification",
        }),
    )
    .await;
    assert_eq!(status, 404, "nothing to reveal in a closed conversation");
    drop((agent, chat));

    // Nothing of it ever reached the hub's files.
    let (config, _, dir) = hub.stop().await;
    for (_, bytes) in read_data_files(&config.data_dir) {
        assert!(!String::from_utf8_lossy(&bytes).contains(CARD));
    }
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_keep_hours_zero_nothing_is_revealable() {
    let hub = live_hub_with(|c| {
        c.reveal.roles = vec![Role::Agent];
        c.reveal.keep_hours = 0;
    })
    .await;
    let chat = chat_with_card(&hub, "ana").await;
    assert!(!chat.spans[0].revealable);
    assert_eq!(
        reveal(&hub, &chat.token, request(&chat, "paymentIssue"))
            .await
            .0,
        404
    );
    assert!(hub.server.chat.originals().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveals_are_capped_per_person_and_hour_and_the_refusals_are_audited() {
    let hub = live_hub_with(|c| {
        c.reveal.roles = vec![Role::Agent];
        c.reveal.per_hour = 3;
    })
    .await;
    let ana = chat_with_card(&hub, "ana").await;
    for _ in 0..3 {
        let (status, body) = reveal(&hub, &ana.token, request(&ana, "paymentIssue")).await;
        assert_eq!(status, 200, "{body}");
    }
    let response = hub
        .http
        .post(hub.url("/api/v1/reveal"))
        .bearer_auth(&ana.token)
        .json(&request(&ana, "paymentIssue"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // A burst of 3, then one every 20 minutes.
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "tooManyAttempts", "{body}");
    assert!(body.get("value").is_none());

    // Secure forms draw on the same budget: refused before anything is looked up.
    let form = hub
        .http
        .post(hub.url("/api/v1/forms/reveal"))
        .bearer_auth(&ana.token)
        .json(&serde_json::json!({
            "conversationId": ana.conversation,
            "formId": MessageId::new(),
            "field": "cardNumber",
            "reason": "paymentIssue",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 429);

    // The budget is per person: a colleague still reveals in their own conversation.
    let ben = chat_with_card(&hub, "ben").await;
    assert_eq!(
        reveal(&hub, &ben.token, request(&ben, "paymentIssue"))
            .await
            .0,
        200
    );

    // Both refusals are in the audit log, as failed and why.
    let limited: Vec<String> = hub
        .server
        .audit
        .log()
        .records_from(0)
        .map(|r| r.unwrap())
        .filter(|r| {
            matches!(
                r.event.action,
                Action::MaskedDataRevealed | Action::SecureFormViewed
            )
        })
        .map(|r| rampart_audit::to_json_line(&r).unwrap())
        .filter(|line| line.contains("rate_limited"))
        .collect();
    assert_eq!(limited.len(), 2, "{limited:?}");
    assert!(
        limited
            .iter()
            .all(|l| l.contains("\"failure\"") && !l.contains(CARD))
    );
}
