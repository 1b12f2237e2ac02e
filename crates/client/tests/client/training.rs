//! The training API against a scripted fake hub (a few lines of HTTP/1.1 over a TCP socket):
//! each call goes to the route, method, query and body the protocol names, with the session's
//! bearer token, and the hub's training refusals keep their codes and issues.

use std::sync::{Arc, Mutex};

use rampart_client::{ClientErrorCode, HubApi, HubUrl};
use rampart_protocol::ids::{CohortId, DrillRunId, LiveSessionId};
use rampart_protocol::rest::{ApiError, ApiErrorCode};
use rampart_protocol::training::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::secret;

/// What the fake hub received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    auth: Option<String>,
    body: serde_json::Value,
}

/// A fake hub answering each request with the next scripted `(status, content type, body)`.
struct FakeHub {
    api: HubApi,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn fake_hub(answers: Vec<(u16, &'static str, String)>) -> FakeHub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = HubUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        for (status, content_type, body) in answers {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buffer = Vec::new();
            let head_end = loop {
                let mut chunk = [0u8; 4096];
                let n = socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the client closed before a whole request");
                buffer.extend_from_slice(&chunk[..n]);
                if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
            let mut lines = head.lines();
            let mut request_line = lines.next().unwrap().split(' ');
            let method = request_line.next().unwrap().to_owned();
            let target = request_line.next().unwrap().to_owned();
            let mut length = 0;
            let mut auth = None;
            for line in lines {
                if let Some((name, value)) = line.split_once(':') {
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap(),
                        "authorization" => auth = Some(value.trim().to_owned()),
                        _ => {}
                    }
                }
            }
            while buffer.len() < head_end + length {
                let mut chunk = [0u8; 4096];
                let n = socket.read(&mut chunk).await.unwrap();
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body_in = &buffer[head_end..head_end + length];
            record.lock().unwrap().push(Seen {
                method,
                target,
                auth,
                body: serde_json::from_slice(body_in).unwrap_or(serde_json::Value::Null),
            });
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
            let _ = socket.shutdown().await;
        }
    });
    FakeHub {
        api: HubApi::new(url).unwrap(),
        seen,
    }
}

fn ok<T: serde::Serialize>(value: &T) -> (u16, &'static str, String) {
    (
        200,
        "application/json",
        serde_json::to_string(value).unwrap(),
    )
}

fn gate() -> TrainingGate {
    TrainingGate {
        allowed: false,
        missing: vec![LessonRef {
            pack_id: "core".to_owned(),
            lesson_id: "cards".to_owned(),
            title: "Cards".to_owned(),
        }],
        expired: Vec::new(),
    }
}

fn summary() -> LessonSummary {
    LessonSummary {
        pack_id: "core".to_owned(),
        lesson_id: "cards".to_owned(),
        title: "Cards".to_owned(),
        language: TrainingLanguage::En,
        version: 2,
        estimated_minutes: 10,
        pass_mark: 80,
        expiry_days: Some(365),
        required: true,
        questions: 2,
        drills: 1,
        state: StandingState::Missing,
        percent: None,
        passed_at: None,
        expires_at: None,
        due_at: None,
    }
}

fn lesson() -> LessonView {
    LessonView {
        pack_id: "core".to_owned(),
        lesson_id: "cards".to_owned(),
        title: "Cards".to_owned(),
        language: TrainingLanguage::Es,
        version: 2,
        estimated_minutes: 10,
        pass_mark: 80,
        sections: Vec::new(),
    }
}

fn live(id: LiveSessionId) -> LiveSession {
    LiveSession {
        id,
        code: "K7PQ2M".to_owned(),
        trainer: "Tess".to_owned(),
        lesson: lesson(),
        section: 0,
        participants: Vec::new(),
        question: None,
        drill: None,
        ended: false,
    }
}

#[tokio::test]
async fn trainee_calls_reach_their_routes_with_the_token() {
    let run = DrillRunId::new();
    let session = LiveSessionId::new();
    let turn = DrillTurn {
        run_id: run,
        drill: DrillBrief {
            id: "paste".to_owned(),
            title: "Pasted card".to_owned(),
            briefing: "A customer pastes a card.".to_owned(),
            customer: "Sam".to_owned(),
            secrets: Vec::new(),
        },
        customer_says: vec!["Hi".to_owned()],
        signals: Vec::new(),
        finished: false,
        result: None,
    };
    let hub = fake_hub(vec![
        ok(&TrainingOverview {
            gate: gate(),
            lessons: vec![summary()],
        }),
        ok(&lesson()),
        ok(&QuizResult {
            percent: 50,
            passed: false,
            marks: Vec::new(),
            lesson: summary(),
            gate: gate(),
        }),
        ok(&turn),
        ok(&turn),
        ok(&Vec::<Certificate>::new()),
        ok(&live(session)),
        ok(&live(session)),
        ok(&live(session)),
    ])
    .await;
    let token = secret("tok-123");
    let api = &hub.api;
    let overview = api
        .training_overview(&token, TrainingLanguage::Es)
        .await
        .unwrap();
    assert!(!overview.gate.allowed);
    let view = api
        .training_lesson(&token, "core", "cards/1", TrainingLanguage::Es, true)
        .await
        .unwrap();
    assert_eq!(view.version, 2);
    let submission = QuizSubmission {
        language: TrainingLanguage::Es,
        version: 2,
        answers: vec![Some(QuizAnswer::Single { choice: 1 }), None],
    };
    api.training_submit_quiz(&token, "core", "cards", &submission)
        .await
        .unwrap();
    let start = DrillStart {
        pack_id: "core".to_owned(),
        lesson_id: "cards".to_owned(),
        drill_id: "paste".to_owned(),
        language: TrainingLanguage::En,
    };
    api.training_start_drill(&token, &start).await.unwrap();
    api.training_drill_act(&token, run, DrillAction::RequestSecureForm)
        .await
        .unwrap();
    assert!(api.training_certificates(&token).await.unwrap().is_empty());
    api.training_live_join(&token, "K7PQ2M").await.unwrap();
    let answer = LiveAnswer {
        question_id: "q1".to_owned(),
        answer: QuizAnswer::TrueFalse { value: true },
    };
    api.training_live_answer(&token, session, &answer)
        .await
        .unwrap();
    api.training_live_session(&token, session).await.unwrap();

    let seen = hub.seen.lock().unwrap().clone();
    let routes: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.method.clone(), s.target.clone()))
        .collect();
    let expected = [
        ("GET", "/api/v1/training?language=es".to_owned()),
        (
            "GET",
            "/api/v1/training/packs/core/lessons/cards%2F1?language=es&preview=true".to_owned(),
        ),
        (
            "POST",
            "/api/v1/training/packs/core/lessons/cards/quiz".to_owned(),
        ),
        ("POST", "/api/v1/training/drills".to_owned()),
        ("POST", format!("/api/v1/training/drills/{run}/act")),
        ("GET", "/api/v1/training/certificates".to_owned()),
        ("POST", "/api/v1/training/live/join".to_owned()),
        ("POST", format!("/api/v1/training/live/{session}/answer")),
        ("GET", format!("/api/v1/training/live/{session}")),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(m, t)| (m.to_owned(), t))
        .collect();
    assert_eq!(routes, expected);
    assert!(
        seen.iter()
            .all(|s| s.auth.as_deref() == Some("Bearer tok-123"))
    );
    assert_eq!(
        seen[2].body,
        serde_json::json!({"language": "es", "version": 2, "answers": [{"kind": "single", "choice": 1}, null]})
    );
    assert_eq!(
        seen[4].body,
        serde_json::json!({"action": {"type": "requestSecureForm"}})
    );
    assert_eq!(seen[6].body, serde_json::json!({"code": "K7PQ2M"}));
}

#[tokio::test]
async fn trainer_calls_reach_their_routes_and_the_csv_comes_back_as_text() {
    let cohort = CohortId::new();
    let session = LiveSessionId::new();
    let saved = Cohort {
        id: cohort,
        name: "March".to_owned(),
        members: Vec::new(),
        assignments: Vec::new(),
    };
    let pack = PackSummary {
        id: "acme".to_owned(),
        version: 1,
        title_en: "Acme".to_owned(),
        title_es: "Acme".to_owned(),
        languages: vec![TrainingLanguage::En],
        lessons: Vec::new(),
        builtin: false,
        imported_at: Some(1),
    };
    let csv = "agent,lesson,state\nana,cards,current\n".to_owned();
    let hub = fake_hub(vec![
        ok(&vec![pack.clone()]),
        ok(&pack),
        ok(&Vec::<Trainee>::new()),
        ok(&vec![saved.clone()]),
        ok(&saved),
        ok(&saved),
        ok(&saved),
        ok(&Dashboard {
            cohort: Some(cohort),
            lessons: Vec::new(),
            rows: Vec::new(),
        }),
        (200, "text/csv; charset=utf-8", csv.clone()),
        (200, "text/csv", String::new()),
        ok(&live(session)),
        ok(&live(session)),
    ])
    .await;
    let token = secret("tok");
    let api = &hub.api;
    assert_eq!(api.trainer_packs(&token).await.unwrap().len(), 1);
    let files = vec![PackFile {
        path: "pack.toml".to_owned(),
        text: "id = \"acme\"".to_owned(),
    }];
    api.trainer_import_pack(&token, files).await.unwrap();
    api.trainer_trainees(&token).await.unwrap();
    api.trainer_cohorts(&token, TrainingLanguage::Es)
        .await
        .unwrap();
    let request = CohortRequest {
        name: "March".to_owned(),
        members: Vec::new(),
    };
    api.trainer_save_cohort(&token, None, &request)
        .await
        .unwrap();
    api.trainer_save_cohort(&token, Some(cohort), &request)
        .await
        .unwrap();
    let assignment = AssignmentRequest {
        pack_id: "core".to_owned(),
        lesson_id: "cards".to_owned(),
        due_at: 1_800_000_000_000,
    };
    api.trainer_assign(&token, cohort, &assignment)
        .await
        .unwrap();
    api.trainer_dashboard(&token, Some(cohort), TrainingLanguage::Es)
        .await
        .unwrap();
    assert_eq!(
        api.trainer_dashboard_csv(&token, Some(cohort), TrainingLanguage::Es)
            .await
            .unwrap(),
        csv
    );
    assert_eq!(
        api.trainer_dashboard_csv(&token, None, TrainingLanguage::En)
            .await
            .unwrap(),
        ""
    );
    let start = LiveStart {
        pack_id: "core".to_owned(),
        lesson_id: "cards".to_owned(),
        language: TrainingLanguage::En,
    };
    api.trainer_live_start(&token, &start).await.unwrap();
    api.trainer_live_control(&token, session, &LiveControl::Goto { section: 2 })
        .await
        .unwrap();

    let seen = hub.seen.lock().unwrap().clone();
    let routes: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.target))
        .collect();
    assert_eq!(
        routes,
        [
            "GET /api/v1/training/packs".to_owned(),
            "POST /api/v1/training/packs".to_owned(),
            "GET /api/v1/training/trainees".to_owned(),
            "GET /api/v1/training/cohorts?language=es".to_owned(),
            "POST /api/v1/training/cohorts".to_owned(),
            format!("PUT /api/v1/training/cohorts/{cohort}"),
            format!("POST /api/v1/training/cohorts/{cohort}/assignments"),
            format!("GET /api/v1/training/dashboard?language=es&cohort={cohort}"),
            format!("GET /api/v1/training/dashboard.csv?language=es&cohort={cohort}"),
            "GET /api/v1/training/dashboard.csv?language=en".to_owned(),
            "POST /api/v1/training/live".to_owned(),
            format!("POST /api/v1/training/live/{session}/control"),
        ]
    );
    assert_eq!(
        seen[1].body,
        serde_json::json!({"files": [{"path": "pack.toml", "text": "id = \"acme\""}]})
    );
    assert_eq!(
        seen[11].body,
        serde_json::json!({"type": "goto", "section": 2})
    );
}

#[tokio::test]
async fn training_refusals_keep_their_codes_and_the_packs_issues() {
    let refusal = |status, code, issues: &[&str]| {
        let mut error = ApiError::new(code, "refused");
        error.issues = issues.iter().map(|i| (*i).to_owned()).collect();
        (
            status,
            "application/json",
            serde_json::to_string(&error).unwrap(),
        )
    };
    let hub = fake_hub(vec![
        refusal(
            422,
            ApiErrorCode::PackInvalid,
            &["pack.toml:1: missing `version`", "en/a.md:9: no quiz"],
        ),
        refusal(409, ApiErrorCode::TrainingOutdated, &[]),
        refusal(404, ApiErrorCode::LiveSessionNotFound, &[]),
    ])
    .await;
    let token = secret("tok");
    let invalid = hub
        .api
        .trainer_import_pack(&token, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(invalid.code(), ClientErrorCode::PackInvalid);
    assert_eq!(
        invalid.issues(),
        ["pack.toml:1: missing `version`", "en/a.md:9: no quiz"]
    );
    let submission = QuizSubmission {
        language: TrainingLanguage::En,
        version: 1,
        answers: Vec::new(),
    };
    let outdated = hub
        .api
        .training_submit_quiz(&token, "core", "cards", &submission)
        .await
        .unwrap_err();
    assert_eq!(outdated.code(), ClientErrorCode::TrainingOutdated);
    let missing = hub
        .api
        .training_live_join(&token, "ZZZZZZ")
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ClientErrorCode::LiveSessionNotFound);
}
