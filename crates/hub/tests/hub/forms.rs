//! Secure forms over real sockets: request, validation, submission, masked delivery to the
//! agent, audited reveal (CVV once), expiry with the conversation, and no value on disk or in
//! the audit log.

use crate::support::*;
use rampart_audit::Action;
use rampart_protocol::{
    Availability, ClientFrame, ConversationId, ErrorCode, FormId, FormKind, FormValue, ServerFrame,
};

const CARD: &str = "4111 1111 1111 1111";
const CVV: &str = "737";

fn card_values(number: &str) -> Vec<FormValue> {
    [("cardNumber", number), ("expiry", "11/30"), ("cvv", CVV)]
        .iter()
        .map(|(name, value)| FormValue {
            name: (*name).into(),
            value: (*value).into(),
        })
        .collect()
}

pub(crate) async fn reveal_field(
    hub: &LiveHub,
    token: &str,
    c: ConversationId,
    form: FormId,
    field: &str,
) -> (u16, serde_json::Value) {
    let response = hub
        .http
        .post(hub.url("/api/v1/forms/reveal"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "conversationId": c, "formId": form, "field": field, "reason": "paymentIssue",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Views of a submitted form: `kept` as often as needed and copyable (where the hub lets agents
/// copy), `once` a single time and never copyable, and neither by another agent.
pub(crate) async fn check_views(
    hub: &LiveHub,
    token: &str,
    c: ConversationId,
    form: FormId,
    (kept, kept_value): (&str, &str),
    (once, once_value): (&str, &str),
) {
    let (status, body) = reveal_field(hub, token, c, form, kept).await;
    assert_eq!((status, body["value"].as_str()), (200, Some(kept_value)));
    assert_eq!(body["copyAllowed"], true);
    let (status, body) = reveal_field(hub, token, c, form, once).await;
    assert_eq!((status, body["value"].as_str()), (200, Some(once_value)));
    assert_eq!(
        body["copyAllowed"], false,
        "{once} is shown once, never copied"
    );
    assert_eq!(reveal_field(hub, token, c, form, once).await.0, 404);
    let (other, _, _) = hub.agent_session("bea").await;
    assert_eq!(reveal_field(hub, &other, c, form, kept).await.0, 403);
}

/// Closes the conversation and checks the form's values went with it.
pub(crate) async fn close_and_check_gone(
    hub: &LiveHub,
    agent: &mut Ws,
    token: &str,
    c: ConversationId,
    form: FormId,
    field: &str,
) {
    agent.send(&ClientFrame::Close { conversation_id: c }).await;
    agent
        .until(|f| matches!(f, ServerFrame::Closed { .. }))
        .await;
    assert_eq!(reveal_field(hub, token, c, form, field).await.0, 404);
    assert!(hub.server.chat.forms().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_form_goes_from_agent_to_visitor_and_back_masked_with_audited_views() {
    // Agents may copy revealed values here (for the payment terminal); never a CVV.
    let hub =
        live_hub_with(|c| c.reveal.copy_roles = vec![rampart_protocol::rest::Role::Agent]).await;
    let (token, _, _) = hub.agent_session("ana").await;
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

    // A visitor cannot request forms; the agent can.
    visitor
        .send(&ClientFrame::RequestForm {
            conversation_id: conversation,
            form: FormKind::Card,
        })
        .await;
    let refused = visitor
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::NotAllowed,
            ..
        }
    ));
    agent
        .send(&ClientFrame::RequestForm {
            conversation_id: conversation,
            form: FormKind::Card,
        })
        .await;
    let ServerFrame::FormRequested { form_id, form, .. } = visitor
        .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(form, FormKind::Card);
    agent
        .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
        .await;

    // A reconnecting visitor sees the open form again.
    drop(visitor);
    let mut visitor = hub.connect("/ws/visitor", &visitor_token).await;
    visitor.hello(vec![]).await;
    visitor
        .until(|f| matches!(f, ServerFrame::FormRequested { form_id: id, .. } if *id == form_id))
        .await;

    // A bad card number is refused, naming the field and not the value.
    visitor
        .send(&ClientFrame::SubmitForm {
            conversation_id: conversation,
            form_id,
            values: card_values("4111 1111 1111 1112"),
        })
        .await;
    let ServerFrame::Error { code, message, .. } = visitor
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(code, ErrorCode::FormInvalid);
    assert!(
        message.starts_with("cardNumber") && !message.contains("4111"),
        "{message}"
    );

    visitor
        .send(&ClientFrame::SubmitForm {
            conversation_id: conversation,
            form_id,
            values: card_values(CARD),
        })
        .await;
    let receipt = visitor
        .until(|f| matches!(f, ServerFrame::FormSubmitted { .. }))
        .await;
    assert!(matches!(receipt, ServerFrame::FormSubmitted { ref fields, .. } if fields.is_empty()));
    let ServerFrame::FormSubmitted { fields, .. } = agent
        .until(|f| matches!(f, ServerFrame::FormSubmitted { .. }))
        .await
    else {
        unreachable!()
    };
    let masked: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f.name.as_str(), f.masked.as_str()))
        .collect();
    assert_eq!(
        masked,
        [
            ("cardNumber", "•••• 1111"),
            ("expiry", "••/••"),
            ("cvv", "•••")
        ]
    );

    // Views: the card number as often as needed, the CVV once, other agents never.
    check_views(
        &hub,
        &token,
        conversation,
        form_id,
        ("cardNumber", "4111111111111111"),
        ("cvv", CVV),
    )
    .await;

    // A restarted console (a new connection, nothing held) is shown the form again, as it is
    // now: the card number still revealable, the CVV, viewed once, no longer.
    drop(agent);
    let mut agent = hub.connect("/ws/agent", &token).await;
    agent.hello(vec![]).await;
    let requested = agent
        .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
        .await;
    assert!(
        matches!(requested, ServerFrame::FormRequested { form_id: id, form: FormKind::Card, conversation_id, .. } if id == form_id && conversation_id == conversation)
    );
    let ServerFrame::FormSubmitted {
        form_id: id,
        fields,
        ..
    } = agent
        .until(|f| matches!(f, ServerFrame::FormSubmitted { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(id, form_id);
    let shown: Vec<(&str, &str, bool)> = fields
        .iter()
        .map(|f| (f.name.as_str(), f.masked.as_str(), f.revealable))
        .collect();
    assert_eq!(
        shown,
        [
            ("cardNumber", "•••• 1111", true),
            ("expiry", "••/••", true),
            ("cvv", "•••", false)
        ]
    );

    // Closing the conversation drops the values.
    close_and_check_gone(
        &hub,
        &mut agent,
        &token,
        conversation,
        form_id,
        "cardNumber",
    )
    .await;

    // The audit log has the life of the form and no value; nor do the hub's files.
    let mut export = Vec::new();
    hub.server.audit.log().export_jsonl(&mut export).unwrap();
    let export = String::from_utf8(export).unwrap();
    let count = |action: Action| {
        hub.server
            .audit
            .log()
            .records_from(0)
            .filter(|r| r.as_ref().unwrap().event.action == action)
            .count()
    };
    assert_eq!(count(Action::SecureFormRequested), 1);
    assert_eq!(count(Action::SecureFormSubmitted), 1);
    // Two granted views, the CVV's second try, the other agent, the view after closing.
    assert_eq!(count(Action::SecureFormViewed), 5);
    for raw in [CARD, "4111111111111111", "\"737\"", "11/30"] {
        assert!(!export.contains(raw), "{raw} in the audit export");
    }
    let (config, _, dir) = hub.stop().await;
    for (_, bytes) in read_data_files(&config.data_dir) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("4111111111111111") && !text.contains(CARD));
    }
    drop(dir);
}
