//! Custom secure forms (`[[forms.custom]]`) over real sockets: the agent's profile lists them,
//! the visitor receives the definition, the hub checks every value again, the agent sees masked
//! fields and audited views, and the values go at close and at expiry, never to disk or the
//! audit log. Unknown ids and oversized submissions are refused.

use crate::forms::{check_views, close_and_check_gone, reveal_field as reveal};
use crate::live::assigned_agent;
use crate::support::*;
use rampart_audit::Action;
use rampart_hub::config::FormsSection;
use rampart_protocol::rest::Role;
use rampart_protocol::{
    ClientFrame, ConversationId, ErrorCode, FieldCheck, FormId, FormKind, FormValue, ServerFrame,
};

const POLICY: &str = "PQ-482913";
const POSTCODE: &str = "28013";

/// A policy number (pattern, last four shown) and an optional postcode (digits, shown once).
pub const POLICY_FORM_TOML: &str = include_str!("policy_form.toml");

fn policy_forms() -> FormsSection {
    rampart_hub::config::HubConfig::parse(POLICY_FORM_TOML, std::path::Path::new("test.toml"))
        .unwrap()
        .forms
}

pub fn policy_kind() -> FormKind {
    FormKind::Custom("policy-check".into())
}

fn values(pairs: &[(&str, &str)]) -> Vec<FormValue> {
    pairs.iter().map(|(n, v)| FormValue::new(*n, *v)).collect()
}

/// The visitor submits; returns the hub's answer (a receipt or an error).
async fn submit(
    visitor: &mut Ws,
    conversation: ConversationId,
    form_id: FormId,
    pairs: &[(&str, &str)],
) -> ServerFrame {
    visitor
        .send(&ClientFrame::SubmitForm {
            conversation_id: conversation,
            form_id,
            values: values(pairs),
        })
        .await;
    visitor
        .until(|f| {
            matches!(
                f,
                ServerFrame::Error { .. } | ServerFrame::FormSubmitted { .. }
            )
        })
        .await
}

/// The agent asks for the policy form; returns its id once the visitor has it.
async fn request_policy(agent: &mut Ws, visitor: &mut Ws, conversation: ConversationId) -> FormId {
    agent
        .send(&ClientFrame::RequestForm {
            conversation_id: conversation,
            form: policy_kind(),
        })
        .await;
    let ServerFrame::FormRequested {
        form_id,
        form,
        definition,
        ..
    } = visitor
        .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(form, policy_kind());
    let definition = definition.expect("a custom form arrives with its definition");
    assert_eq!(definition.title.es, "Comprobación de póliza");
    assert_eq!(
        definition.fields[0].check,
        FieldCheck::Pattern {
            pattern: "^(?:[A-Z]{2}-[0-9]{6})$".into(),
            max_length: 9
        }
    );
    form_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_form_goes_to_the_visitor_with_its_definition_and_back_masked() {
    let hub = live_hub_with(|c| {
        c.forms = policy_forms();
        c.reveal.copy_roles = vec![Role::Agent];
    })
    .await;
    let (mut agent, token, mut visitor, conversation) = assigned_agent(&hub).await;

    // The console learns the organisation's forms from the profile.
    let (status, me) = hub.get_json(&token, "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["customForms"][0]["id"], "policy-check", "{me}");
    assert_eq!(
        me["customForms"][0]["fields"][1]["revealOnce"], true,
        "{me}"
    );

    // A form id the configuration does not define is refused with its own code.
    agent
        .send(&ClientFrame::RequestForm {
            conversation_id: conversation,
            form: FormKind::Custom("loyalty".into()),
        })
        .await;
    let refused = agent
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::FormUnknown,
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(hub.server.chat.forms().unwrap().is_empty());

    let form_id = request_policy(&mut agent, &mut visitor, conversation).await;
    let ServerFrame::FormRequested { definition, .. } = agent
        .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(definition.is_some(), "the agent's console gets it too");

    // The hub checks every value; refusals name the field, never the value.
    let bad: &[(&[(&str, &str)], &str)] = &[
        (&[("policyNumber", "pq-482913")], "policyNumber"),
        (
            &[("policyNumber", POLICY), ("postcode", "2801")],
            "postcode",
        ),
        (&[("postcode", POSTCODE)], "policyNumber: missing"),
        (
            &[("policyNumber", POLICY), ("password", "hunter2")],
            "form: unknown field",
        ),
        (
            &[("policyNumber", POLICY), ("postcode", POSTCODE), ("x", "1")],
            "form: too many fields",
        ),
    ];
    for (pairs, says) in bad {
        let answer = submit(&mut visitor, conversation, form_id, pairs).await;
        let ServerFrame::Error { code, message, .. } = answer else {
            panic!("{pairs:?} accepted: {answer:?}");
        };
        assert_eq!(code, ErrorCode::FormInvalid);
        assert!(message.starts_with(says), "{pairs:?}: {message}");
        for (_, value) in *pairs {
            assert!(!message.contains(value), "{message} echoes {value}");
        }
    }

    let receipt = submit(
        &mut visitor,
        conversation,
        form_id,
        &[("policyNumber", POLICY), ("postcode", POSTCODE)],
    )
    .await;
    assert!(
        matches!(receipt, ServerFrame::FormSubmitted { ref fields, .. } if fields.is_empty()),
        "{receipt:?}"
    );
    let ServerFrame::FormSubmitted { form, fields, .. } = agent
        .until(|f| matches!(f, ServerFrame::FormSubmitted { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(form, policy_kind());
    let masked: Vec<(&str, &str, bool)> = fields
        .iter()
        .map(|f| (f.name.as_str(), f.masked.as_str(), f.revealable))
        .collect();
    assert_eq!(
        masked,
        [
            ("policyNumber", "•••• 2913", true),
            ("postcode", "••••••", true)
        ]
    );

    // Views: the policy number as often as needed (and copyable), the postcode once.
    let (_, body) = reveal(&hub, &token, conversation, form_id, "policyNumber").await;
    assert_eq!(body["kind"], "custom:policy-check");
    check_views(
        &hub,
        &token,
        conversation,
        form_id,
        ("policyNumber", POLICY),
        ("postcode", POSTCODE),
    )
    .await;
    close_and_check_gone(
        &hub,
        &mut agent,
        &token,
        conversation,
        form_id,
        "policyNumber",
    )
    .await;

    // The audit log has the form's life, with the configured names and no value.
    let views = hub
        .server
        .audit
        .log()
        .records_from(0)
        .filter(|r| r.as_ref().unwrap().event.action == Action::SecureFormViewed)
        .count();
    // Three granted views, the postcode's second try, the other agent, the view after closing.
    assert_eq!(views, 6);
    let lines = hub.audit_lines().join("\n");
    assert!(lines.contains("custom:policy-check"), "{lines}");
    assert!(
        lines.contains("policyNumber") && lines.contains("postcode"),
        "{lines}"
    );
    for raw in [POLICY, POSTCODE, "482913", "hunter2"] {
        assert!(!lines.contains(raw), "{raw} in the audit log");
    }
    let (config, _, dir) = hub.stop().await;
    for (_, bytes) in read_data_files(&config.data_dir) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(POLICY) && !text.contains("482913"));
    }
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_form_values_expire_like_the_built_in_ones() {
    // Shorter than the sessions' 15-minute idle limit, so the agent is still signed in.
    let hub = live_hub_with(|c| {
        c.forms = policy_forms();
        c.forms.expire_minutes = 5;
    })
    .await;
    let (mut agent, token, mut visitor, conversation) = assigned_agent(&hub).await;
    let form_id = request_policy(&mut agent, &mut visitor, conversation).await;
    let receipt = submit(
        &mut visitor,
        conversation,
        form_id,
        &[("policyNumber", POLICY)],
    )
    .await;
    assert!(
        matches!(receipt, ServerFrame::FormSubmitted { .. }),
        "{receipt:?}"
    );
    let (status, _) = reveal(&hub, &token, conversation, form_id, "policyNumber").await;
    assert_eq!(status, 200, "the optional postcode may be left out");
    assert_eq!(
        reveal(&hub, &token, conversation, form_id, "postcode")
            .await
            .0,
        404
    );

    hub.clock.advance(5 * 60);
    assert_eq!(
        reveal(&hub, &token, conversation, form_id, "policyNumber")
            .await
            .0,
        404,
        "gone after [forms] expire_minutes"
    );
    let now_ms = i64::try_from(hub.clock_now()).unwrap() * 1000;
    assert_eq!(hub.server.chat.forms().unwrap().purge(now_ms), 1);
    assert!(hub.server.chat.forms().unwrap().is_empty());
    // An expired form takes no values either.
    let form_id = request_policy(&mut agent, &mut visitor, conversation).await;
    hub.clock.advance(5 * 60);
    let late = submit(
        &mut visitor,
        conversation,
        form_id,
        &[("policyNumber", POLICY)],
    )
    .await;
    assert!(
        matches!(
            late,
            ServerFrame::Error {
                code: ErrorCode::FormInvalid,
                ..
            }
        ),
        "{late:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_custom_submissions_are_refused() {
    let hub = live_hub_with(|c| c.forms = policy_forms()).await;
    let (mut agent, _, mut visitor, conversation) = assigned_agent(&hub).await;
    let form_id = request_policy(&mut agent, &mut visitor, conversation).await;

    // A value beyond the field's limit, and one beyond any custom field's limit.
    let long = "9".repeat(200);
    for pairs in [
        [("policyNumber", "PQ-4829134"), ("postcode", POSTCODE)],
        [("policyNumber", POLICY), ("postcode", long.as_str())],
    ] {
        let answer = submit(&mut visitor, conversation, form_id, &pairs).await;
        assert!(
            matches!(
                answer,
                ServerFrame::Error {
                    code: ErrorCode::FormInvalid,
                    ..
                }
            ),
            "{answer:?}"
        );
    }
    // A frame beyond the protocol's size limit never reaches the form: the hub closes the
    // connection, and the form stays open for a proper submission.
    let huge = "9".repeat(rampart_protocol::MAX_FRAME_BYTES);
    visitor
        .send(&ClientFrame::SubmitForm {
            conversation_id: conversation,
            form_id,
            values: values(&[("policyNumber", &huge)]),
        })
        .await;
    assert!(
        visitor.next().await.is_none(),
        "the hub closes the connection"
    );
    assert_eq!(
        hub.server
            .chat
            .forms()
            .unwrap()
            .open_in(conversation, i64::try_from(hub.clock_now()).unwrap() * 1000)
            .len(),
        1
    );
}
