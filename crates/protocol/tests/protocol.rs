//! Wire-format tests: round trips, pinned JSON shapes, and every kind of bad input.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

use proptest::prelude::*;
use rampart_protocol::codec::{CLIENT_FRAME_TYPES, SERVER_FRAME_TYPES};
use rampart_protocol::rest::{LoginRequest, LoginStep};
use rampart_protocol::*;

mod support {
    use super::*;

    pub fn conv() -> ConversationId {
        "0190f1a2-0000-7000-8000-0000000000c1".parse().unwrap()
    }

    pub fn msg() -> MessageId {
        "0190f1a2-0000-7000-8000-0000000000a1".parse().unwrap()
    }

    pub fn form() -> FormId {
        "0190f1a2-0000-7000-8000-0000000000f1".parse().unwrap()
    }

    pub fn epoch() -> EpochId {
        "0190f1a2-0000-7000-8000-0000000000d1".parse().unwrap()
    }

    pub fn agent() -> AgentId {
        "0190f1a2-0000-7000-8000-0000000000e1".parse().unwrap()
    }

    pub fn client_frames() -> Vec<ClientFrame> {
        vec![
            ClientFrame::Hello {
                protocol_version: PROTOCOL_VERSION,
                resume: vec![ResumePoint {
                    conversation_id: conv(),
                    after_seq: Seq(41),
                }],
                forgotten: Some(ForgetPosition {
                    epoch: epoch(),
                    through: 12,
                }),
            },
            ClientFrame::Send {
                id: msg(),
                conversation_id: conv(),
                text: "hola 👋".into(),
            },
            ClientFrame::Typing {
                conversation_id: conv(),
                active: true,
            },
            ClientFrame::Accept {
                conversation_id: conv(),
            },
            ClientFrame::Transfer {
                conversation_id: conv(),
                to_agent: agent(),
            },
            ClientFrame::Close {
                conversation_id: conv(),
            },
            ClientFrame::SetAvailability {
                availability: Availability::Away,
            },
            ClientFrame::Ping { nonce: 7 },
            ClientFrame::RequestForm {
                conversation_id: conv(),
                form: FormKind::Card,
            },
            ClientFrame::RequestForm {
                conversation_id: conv(),
                form: FormKind::Custom("policy-check".into()),
            },
            ClientFrame::SubmitForm {
                conversation_id: conv(),
                form_id: form(),
                values: vec![FormValue {
                    name: "ssn".into(),
                    value: "123-45-6788".into(),
                }],
            },
        ]
    }

    pub fn server_frames() -> Vec<ServerFrame> {
        vec![
            ServerFrame::Welcome {
                protocol_version: PROTOCOL_VERSION,
                session_expires_at: 1_700_000_000_000,
                idle_timeout_secs: 900,
            },
            ServerFrame::Ack {
                id: msg(),
                conversation_id: conv(),
                seq: Seq(42),
            },
            ServerFrame::Message {
                conversation_id: conv(),
                seq: Seq(42),
                id: msg(),
                author: Author::Agent {
                    agent_id: agent(),
                    display_name: "Ana".into(),
                },
                text: "card ••••1111".into(),
                spans: vec![MaskedSpan {
                    start: 5,
                    end: 15,
                    kind: "credit_card".into(),
                    revealable: false,
                }],
                sent_at: 1_700_000_000_123,
            },
            ServerFrame::Typing {
                conversation_id: conv(),
                author: Author::Visitor,
                active: false,
            },
            ServerFrame::Queue {
                waiting: vec![QueueEntry {
                    conversation_id: conv(),
                    visitor_name: None,
                    waiting_since: 1_700_000_000_000,
                    locale: "es-MX".into(),
                }],
                total: 1,
            },
            ServerFrame::Assigned {
                conversation_id: conv(),
                locale: "en".into(),
                privacy_notice: Some("2026-11".into()),
                privacy_acknowledged_at: Some(1_700_000_000_000),
            },
            ServerFrame::AgentJoined {
                conversation_id: conv(),
                display_name: "Ana".into(),
            },
            ServerFrame::Closed {
                conversation_id: conv(),
            },
            ServerFrame::SessionRevoked,
            ServerFrame::WipeDevice,
            ServerFrame::Forget {
                conversations: vec![conv()],
                through: 12,
                epoch: Some(epoch()),
            },
            ServerFrame::Error {
                code: ErrorCode::TextInvalid,
                message: "x".into(),
                id: Some(msg()),
            },
            ServerFrame::Pong { nonce: 7 },
            ServerFrame::FormRequested {
                conversation_id: conv(),
                form_id: form(),
                form: FormKind::NationalId,
                expires_at: 1_700_000_900_000,
                definition: None,
            },
            ServerFrame::FormRequested {
                conversation_id: conv(),
                form_id: form(),
                form: FormKind::Custom("policy-check".into()),
                expires_at: 1_700_000_900_000,
                definition: Some(custom_form()),
            },
            ServerFrame::FormSubmitted {
                conversation_id: conv(),
                form_id: form(),
                form: FormKind::Card,
                fields: vec![MaskedField {
                    name: "cardNumber".into(),
                    masked: "•••• •••• •••• 1111".into(),
                    revealable: true,
                }],
            },
            ServerFrame::TrainingGate {
                gate: training::TrainingGate {
                    allowed: false,
                    missing: vec![lesson_ref()],
                    expired: Vec::new(),
                },
            },
            ServerFrame::LiveTraining {
                session: Box::new(live_session()),
            },
        ]
    }

    pub fn custom_form() -> CustomForm {
        let text = |en: &str, es: &str| Localized {
            en: en.into(),
            es: es.into(),
        };
        CustomForm {
            id: "policy-check".into(),
            title: text("Policy check", "Comprobación de póliza"),
            intro: Some(text("We need your policy.", "Necesitamos tu póliza.")),
            fields: vec![
                CustomField {
                    name: "policyNumber".into(),
                    label: text("Policy number", "Número de póliza"),
                    hint: Some(text("AB-123456", "AB-123456")),
                    required: true,
                    check: FieldCheck::Pattern {
                        pattern: "^(?:[A-Z]{2}-[0-9]{6})$".into(),
                        max_length: 9,
                    },
                    mask: FieldMask::Last4,
                    reveal_once: false,
                },
                CustomField {
                    name: "postcode".into(),
                    label: text("Postcode", "Código postal"),
                    hint: None,
                    required: false,
                    check: FieldCheck::Digits {
                        min_length: 5,
                        max_length: 5,
                    },
                    mask: FieldMask::Full,
                    reveal_once: true,
                },
            ],
        }
    }

    pub fn lesson_ref() -> training::LessonRef {
        training::LessonRef {
            pack_id: "rampart-builtin".into(),
            lesson_id: "passwords-and-codes".into(),
            title: "Passwords and codes".into(),
        }
    }

    pub fn live_session() -> training::LiveSession {
        use training::*;
        LiveSession {
            id: "0190f1a2-0000-7000-8000-0000000000aa".parse().unwrap(),
            code: "K7QX3M".into(),
            trainer: "Tess Trainer".into(),
            lesson: LessonView {
                pack_id: "rampart-builtin".into(),
                lesson_id: "passwords-and-codes".into(),
                title: "Passwords and codes".into(),
                language: TrainingLanguage::En,
                version: 1,
                estimated_minutes: 10,
                pass_mark: 80,
                sections: vec![SectionView {
                    title: Some("Codes".into()),
                    blocks: vec![
                        BlockView::Text {
                            html: "<p>Never share a code.</p>".into(),
                        },
                        BlockView::Quiz {
                            question: QuestionView {
                                id: "q1".into(),
                                prompt: "Who may ask for your code?".into(),
                                kind: QuestionKind::Single,
                                options: vec!["IT".into(), "Nobody".into()],
                                answer: None,
                                explain: None,
                            },
                        },
                    ],
                }],
            },
            section: 0,
            participants: vec![LiveParticipant {
                display_name: "Ana".into(),
                answered: true,
                correct: 1,
            }],
            question: Some(LiveQuestion {
                question: QuestionView {
                    id: "q1".into(),
                    prompt: "Who may ask for your code?".into(),
                    kind: QuestionKind::Single,
                    options: vec!["IT".into(), "Nobody".into()],
                    answer: Some(QuizAnswer::Single { choice: 1 }),
                    explain: Some("Nobody, ever.".into()),
                },
                open: false,
                answered: 1,
                tally: vec![0, 1],
                correct: 1,
            }),
            drill: None,
            ended: false,
        }
    }

    pub fn frame_type(json: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["type"].as_str().unwrap().to_owned()
    }
}

use support::*;

#[test]
fn every_client_frame_round_trips() {
    for frame in client_frames() {
        let json = encode(&frame);
        assert_eq!(decode_client(json.as_bytes()).unwrap(), frame, "{json}");
    }
}

#[test]
fn every_server_frame_round_trips() {
    for frame in server_frames() {
        let json = encode(&frame);
        assert_eq!(decode_server(json.as_bytes()).unwrap(), frame, "{json}");
    }
}

#[test]
fn type_lists_match_the_enums() {
    let mut client: Vec<String> = client_frames()
        .iter()
        .map(|f| frame_type(&encode(f)))
        .collect();
    let mut server: Vec<String> = server_frames()
        .iter()
        .map(|f| frame_type(&encode(f)))
        .collect();
    // Some types appear more than once (a built-in and a custom form request).
    client.sort();
    client.dedup();
    server.sort();
    server.dedup();
    let mut known_client: Vec<&str> = CLIENT_FRAME_TYPES.to_vec();
    let mut known_server: Vec<&str> = SERVER_FRAME_TYPES.to_vec();
    known_client.sort_unstable();
    known_server.sort_unstable();
    assert_eq!(client, known_client);
    assert_eq!(server, known_server);
}

#[test]
fn wire_shapes_are_pinned() {
    let client: Vec<serde_json::Value> = client_frames()
        .iter()
        .map(|f| serde_json::from_str(&encode(f)).unwrap())
        .collect();
    let server: Vec<serde_json::Value> = server_frames()
        .iter()
        .map(|f| serde_json::from_str(&encode(f)).unwrap())
        .collect();
    insta::assert_json_snapshot!("client_frames", client);
    insta::assert_json_snapshot!("server_frames", server);
}

#[test]
fn built_in_form_kinds_stay_strings_and_custom_forms_are_named_objects() {
    let kinds: Vec<String> = FormKind::BUILT_IN
        .iter()
        .map(|k| serde_json::to_string(k).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            r#""card""#,
            r#""ssn""#,
            r#""nationalId""#,
            r#""dateOfBirth""#
        ]
    );
    let custom = FormKind::Custom("policy-check".into());
    assert_eq!(
        serde_json::to_string(&custom).unwrap(),
        r#"{"custom":"policy-check"}"#
    );
    // A built-in request without a definition is the same frame as before custom forms.
    let frame = encode(&ServerFrame::FormRequested {
        conversation_id: conv(),
        form_id: form(),
        form: FormKind::Card,
        expires_at: 1,
        definition: None,
    });
    assert!(!frame.contains("definition"), "{frame}");
    let unknown = r#"{"type":"requestForm","conversationId":"0190f1a2-0000-7000-8000-0000000000c1","form":{"other":"x"}}"#;
    assert_eq!(
        decode_client(unknown.as_bytes()).unwrap_err().code,
        ErrorCode::Malformed
    );
}

#[test]
fn oversized_frames_are_refused_before_parsing() {
    let mut big = br#"{"type":"ping","nonce":1,"pad":""#.to_vec();
    big.resize(MAX_FRAME_BYTES + 1, b'a');
    let error = decode_client(&big).unwrap_err();
    assert_eq!(error.code, ErrorCode::FrameTooLarge);
}

#[test]
fn invalid_utf8_is_refused() {
    let error = decode_client(b"{\"type\":\"ping\",\"nonce\":1,\"x\":\"\xff\xfe\"}").unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidUtf8);
}

#[test]
fn malformed_frames_get_malformed_without_echoing_content() {
    for bad in [
        &b"not json 4111111111111111"[..],
        b"[1,2,3]",
        b"{}",
        b"{\"type\":42}",
        b"{\"type\":\"send\"}",
        b"{\"type\":\"send\",\"id\":\"nope\",\"conversationId\":\"x\",\"text\":\"4111111111111111\"}",
        b"",
    ] {
        let error = decode_client(bad).unwrap_err();
        assert_eq!(error.code, ErrorCode::Malformed, "{}", String::from_utf8_lossy(bad));
        assert!(!error.message.contains("4111"), "error echoes content: {}", error.message);
    }
}

#[test]
fn unknown_types_are_named_as_such() {
    let error = decode_client(br#"{"type":"becomeAdmin","please":true}"#).unwrap_err();
    assert_eq!(error.code, ErrorCode::UnknownType);
    assert!(!error.message.contains("becomeAdmin"));
    // A server-only type is unknown from a client.
    let error = decode_client(br#"{"type":"welcome"}"#).unwrap_err();
    assert_eq!(error.code, ErrorCode::UnknownType);
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let depth = 20_000;
    let mut json = String::from(r#"{"type":"ping","nonce":1,"x":"#);
    json.push_str(&"[".repeat(depth));
    json.push_str(&"]".repeat(depth));
    json.push('}');
    assert!(json.len() < MAX_FRAME_BYTES);
    assert_eq!(
        decode_client(json.as_bytes()).unwrap_err().code,
        ErrorCode::Malformed
    );
}

#[test]
fn message_text_must_be_non_blank_and_within_the_limit() {
    let send = |text: &str| {
        encode(&ClientFrame::Send {
            id: msg(),
            conversation_id: conv(),
            text: text.into(),
        })
    };
    assert_eq!(
        decode_client(send("  \n ").as_bytes()).unwrap_err().code,
        ErrorCode::TextInvalid
    );
    let longest = "ñ".repeat(MAX_TEXT_CHARS);
    assert!(decode_client(send(&longest).as_bytes()).is_ok());
    let too_long = "a".repeat(MAX_TEXT_CHARS + 1);
    assert_eq!(
        decode_client(send(&too_long).as_bytes()).unwrap_err().code,
        ErrorCode::TextInvalid
    );
}

#[test]
fn error_frames_answer_refusals() {
    let error = decode_client(b"{").unwrap_err();
    match error.to_frame() {
        ServerFrame::Error { code, id, .. } => {
            assert_eq!(code, ErrorCode::Malformed);
            assert_eq!(id, None);
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[test]
fn login_request_carries_the_password_on_the_wire_but_not_in_debug() {
    let request: LoginRequest =
        serde_json::from_str(r#"{"username":"ana","password":"Canary-Passw0rd-123"}"#).unwrap();
    assert!(!format!("{request:?}").contains("Canary"));
    let json = serde_json::to_string(&request).unwrap();
    assert!(json.contains("Canary-Passw0rd-123"));
}

#[test]
fn login_steps_never_include_a_session() {
    let step = LoginStep::TotpRequired {
        challenge: "c".into(),
        expires_at: 1,
    };
    let json = serde_json::to_string(&step).unwrap();
    assert_eq!(
        json,
        r#"{"step":"totpRequired","challenge":"c","expiresAt":1}"#
    );
}

#[test]
fn typescript_bindings_cover_the_frames() {
    let ts = rampart_protocol::typescript_bindings();
    for name in [
        "ClientFrame",
        "ServerFrame",
        "ErrorCode",
        "LoginStep",
        "PROTOCOL_VERSION",
    ] {
        assert!(ts.contains(name), "bindings lack {name}");
    }
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_client(&bytes);
        let _ = decode_server(&bytes);
    }

    #[test]
    fn decoding_arbitrary_send_text_never_panics(text in ".{0,200}") {
        let json = serde_json::json!({
            "type": "send",
            "id": "0190f1a2-0000-7000-8000-0000000000a1",
            "conversationId": "0190f1a2-0000-7000-8000-0000000000c1",
            "text": text,
        });
        let bytes = json.to_string();
        match decode_client(bytes.as_bytes()) {
            Ok(ClientFrame::Send { text: decoded, .. }) => prop_assert_eq!(decoded, text),
            Ok(other) => prop_assert!(false, "decoded as {:?}", other),
            Err(error) => prop_assert_eq!(error.code, ErrorCode::TextInvalid),
        }
    }
}

#[test]
fn committed_typescript_bindings_are_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/protocol.ts");
    let fresh = rampart_protocol::typescript_bindings();
    if std::env::var_os("RAMPART_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/ipc/protocol.ts is stale: run `make bindings`"
    );
}

#[test]
fn training_bodies_have_pinned_shapes() {
    use training::*;
    let bodies = serde_json::json!({
        "answers": [
            QuizAnswer::Single { choice: 2 },
            QuizAnswer::Multiple { choices: vec![0, 2] },
            QuizAnswer::TrueFalse { value: false },
            QuizAnswer::Ordering { order: vec![2, 0, 1] },
        ],
        "actions": [
            DrillAction::SendMessage { text: "Please use the secure form".into() },
            DrillAction::RequestSecureForm,
            DrillAction::Refuse,
        ],
        "controls": [
            LiveControl::Goto { section: 2 },
            LiveControl::OpenQuestion { question_id: "q1".into() },
            LiveControl::CloseQuestion,
            LiveControl::StartDrill { drill_id: "fake-it".into() },
            LiveControl::End,
        ],
    });
    insta::assert_json_snapshot!("training_bodies", bodies);
    // Unknown answer kinds and actions are refused, not guessed.
    assert!(serde_json::from_str::<QuizAnswer>(r#"{"kind":"essay","text":"x"}"#).is_err());
    assert!(serde_json::from_str::<DrillAction>(r#"{"type":"sendMessage"}"#).is_err());
    assert!(serde_json::from_str::<LiveControl>(r#"{"type":"goto","section":-1}"#).is_err());
}

#[test]
fn a_trainees_question_view_carries_no_answer() {
    let mut question = live_session().question.unwrap().question;
    question.answer = None;
    question.explain = None;
    let json = serde_json::to_value(&question).unwrap();
    assert!(
        json.get("answer").is_none() && json.get("explain").is_none(),
        "{json}"
    );
}

#[test]
fn every_wire_field_is_camel_case() {
    // serde's container-level rename_all does not reach the fields of enum variants; each
    // struct variant needs its own. A snake_case field in the bindings is that mistake.
    let bindings = typescript_bindings();
    let snake: Vec<&str> = bindings
        .lines()
        .filter(|line| !line.trim_start().starts_with("//") && !line.contains("const "))
        .flat_map(|line| line.split([' ', '{', ',', '(']))
        .filter(|word| word.ends_with(':') && word.trim_end_matches(':').contains('_'))
        .collect();
    assert!(snake.is_empty(), "snake_case fields on the wire: {snake:?}");
}

#[test]
fn frames_from_before_the_deletion_cursor_still_decode() {
    let hello = decode_client(
        format!(r#"{{"type":"hello","protocolVersion":{PROTOCOL_VERSION},"resume":[]}}"#)
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        hello,
        ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            resume: vec![],
            forgotten: None,
        }
    );
    let forget: ServerFrame = serde_json::from_str(
        r#"{"type":"forget","conversations":["0190f1a2-0000-7000-8000-0000000000c1"]}"#,
    )
    .unwrap();
    assert!(matches!(
        forget,
        ServerFrame::Forget {
            through: 0,
            epoch: None,
            ..
        }
    ));
}

#[test]
fn a_position_without_its_epoch_is_never_a_cursor() {
    // A console from before epochs names a bare number: still a valid hello, without a cursor
    // (so the hub sends every recent deletion again).
    let hello = decode_client(
        format!(
            r#"{{"type":"hello","protocolVersion":{PROTOCOL_VERSION},"resume":[],"forgottenThrough":12}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    assert!(matches!(
        hello,
        ClientFrame::Hello {
            forgotten: None,
            ..
        }
    ));
    // A cursor must name both its epoch and its position.
    for cursor in [
        r#"{"through":12}"#,
        r#"{"epoch":"0190f1a2-0000-7000-8000-0000000000d1"}"#,
        r#"{"epoch":"not-an-epoch","through":12}"#,
        r#"12"#,
    ] {
        let frame = format!(
            r#"{{"type":"hello","protocolVersion":{PROTOCOL_VERSION},"resume":[],"forgotten":{cursor}}}"#
        );
        assert!(decode_client(frame.as_bytes()).is_err(), "{cursor}");
    }
    // Pinned shape: `{"epoch": "<uuid>", "through": n}`.
    let hello = encode(&ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        resume: vec![],
        forgotten: Some(ForgetPosition {
            epoch: epoch(),
            through: 12,
        }),
    });
    assert!(
        hello.contains(
            r#""forgotten":{"epoch":"0190f1a2-0000-7000-8000-0000000000d1","through":12}"#
        ),
        "{hello}"
    );
}
