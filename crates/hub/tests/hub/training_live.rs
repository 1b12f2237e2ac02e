//! Live onboarding sessions over real sockets: join codes, pushed sections and questions,
//! tallies for the trainer only until a question closes, drills started for everyone.

use rampart_protocol::ServerFrame;
use serde_json::{Value, json};

use crate::training::{LESSON, PACK_TOML, console, enforcing_hub, import_acme, trainer, upload};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_pushes_sections_and_questions_to_two_trainees() {
    let hub = enforcing_hub().await;
    let trainer_token = trainer(&hub).await;
    import_acme(&hub, &trainer_token).await;
    let (mut coach, _) = console(&hub, &trainer_token).await;
    let (ana_token, _, _) = hub.agent_session("ana").await;
    let (ben_token, _, _) = hub.agent_session("ben").await;
    let (mut ana, _) = console(&hub, &ana_token).await;
    let (mut ben, _) = console(&hub, &ben_token).await;
    let (status, session) = hub
        .post_json(
            &trainer_token,
            "/api/v1/training/live",
            &json!({ "packId": "acme", "lessonId": "basics", "language": "en" }),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let id = session["id"].as_str().unwrap().to_owned();
    let code = session["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(
        code.chars()
            .all(|c| "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)),
        "{code}"
    );
    // Only a trainer starts one.
    let (status, _) = hub
        .post_json(
            &ana_token,
            "/api/v1/training/live",
            &json!({ "packId": "acme", "lessonId": "basics", "language": "en" }),
        )
        .await;
    assert_eq!(status, 403);
    // A wrong code is refused.
    let wrong = if code == "AAAAAA" { "BBBBBB" } else { "AAAAAA" };
    let (status, refused) = hub
        .post_json(
            &ana_token,
            "/api/v1/training/live/join",
            &json!({ "code": wrong }),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (404, Some("liveSessionNotFound"))
    );
    for token in [&ana_token, &ben_token] {
        let (status, joined) = hub
            .post_json(
                token,
                "/api/v1/training/live/join",
                &json!({ "code": code.to_lowercase() }),
            )
            .await;
        assert_eq!(status, 200, "{joined}");
    }
    let live = |f: &ServerFrame| matches!(f, ServerFrame::LiveTraining { .. });
    let session_of = |f: ServerFrame| match f {
        ServerFrame::LiveTraining { session } => *session,
        _ => unreachable!(),
    };
    let control = |body: Value| {
        let hub = &hub;
        let trainer_token = trainer_token.clone();
        let id = id.clone();
        async move {
            hub.post_json(
                &trainer_token,
                &format!("/api/v1/training/live/{id}/control"),
                &body,
            )
            .await
        }
    };
    // A section change reaches both trainees.
    let (status, _) = control(json!({ "type": "goto", "section": 1 })).await;
    assert_eq!(status, 200);
    for ws in [&mut ana, &mut ben] {
        let seen = session_of(
            ws.until(|f| {
                live(f)
                    && matches!(f, ServerFrame::LiveTraining { session } if session.section == 1)
            })
            .await,
        );
        assert_eq!(seen.participants.len(), 2);
    }
    // A question opens: trainees see it without its answer.
    let (status, opened) = control(json!({ "type": "openQuestion", "questionId": "who" })).await;
    assert_eq!(status, 200, "{opened}");
    let opened = session_of(
        ana.until(
            |f| matches!(f, ServerFrame::LiveTraining { session } if session.question.is_some()),
        )
        .await,
    );
    let question = opened.question.unwrap();
    assert!(
        question.open && question.question.answer.is_none() && question.question.explain.is_none()
    );
    // Answers: Ana right (then changes her mind and back), Ben wrong.
    let answer = |token: &str, choice: u32| {
        let hub = &hub;
        let token = token.to_owned();
        let id = id.clone();
        async move {
            hub.post_json(
                &token,
                &format!("/api/v1/training/live/{id}/answer"),
                &json!({ "questionId": "who", "answer": { "kind": "single", "choice": choice } }),
            )
            .await
        }
    };
    assert_eq!(answer(&ana_token, 0).await.0, 200);
    assert_eq!(answer(&ana_token, 2).await.0, 200);
    let (status, ben_view) = answer(&ben_token, 0).await;
    assert_eq!(status, 200);
    assert!(
        ben_view["question"]["tally"].as_array().unwrap().is_empty(),
        "{ben_view}"
    );
    let tallied = session_of(coach.until(|f| matches!(f, ServerFrame::LiveTraining { session } if session.question.as_ref().is_some_and(|q| q.answered == 2))).await);
    let q = tallied.question.unwrap();
    assert_eq!(q.tally, vec![1, 0, 1]);
    assert_eq!(q.correct, 1);
    assert!(q.question.answer.is_some());
    let during = session_of(ben.until(|f| matches!(f, ServerFrame::LiveTraining { session } if session.question.as_ref().is_some_and(|q| q.answered == 2))).await);
    assert!(during.question.unwrap().tally.is_empty());
    // Closed: everyone sees the tally and the right answer.
    control(json!({ "type": "closeQuestion" })).await;
    for ws in [&mut ana, &mut ben] {
        let closed = session_of(ws.until(|f| matches!(f, ServerFrame::LiveTraining { session } if session.question.as_ref().is_some_and(|q| !q.open))).await);
        let q = closed.question.unwrap();
        assert_eq!(q.tally, vec![1, 0, 1]);
        assert!(q.question.answer.is_some() && q.question.explain.is_some());
        let correct: Vec<u32> = closed.participants.iter().map(|p| p.correct).collect();
        assert_eq!(correct, vec![1, 0]);
    }
    let (status, _) = answer(&ana_token, 1).await;
    assert_eq!(status, 409, "a closed question takes no answers");
    control(json!({ "type": "end" })).await;
    let ended = session_of(
        ben.until(|f| matches!(f, ServerFrame::LiveTraining { session } if session.ended))
            .await,
    );
    assert!(ended.ended);
    let (status, _) = hub
        .get_json(&ana_token, &format!("/api/v1/training/live/{id}"))
        .await;
    assert_eq!(status, 404);
    let lines = hub.audit_lines();
    assert!(lines.iter().any(|l| l.contains("training.live.started")));
    assert!(lines.iter().any(|l| l.contains("training.live.ended")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_codes_cannot_be_guessed_and_large_packs_fit_the_upload_limit() {
    let hub = enforcing_hub().await;
    let trainer = trainer(&hub).await;
    // A pack well above the API's usual 16 KiB body limit is accepted.
    let padding = "Plain words to read. ".repeat(3000);
    let lesson = LESSON.replace("## Questions", &format!("{padding}\n\n## Questions"));
    assert!(lesson.len() > 60 * 1024);
    let (status, summary) = hub
        .post_json(
            &trainer,
            "/api/v1/training/packs",
            &upload(PACK_TOML, "en/01-basics.md", &lesson),
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    // Ten wrong codes, then the trainee must wait, even for a right one.
    let (status, session) = hub
        .post_json(
            &trainer,
            "/api/v1/training/live",
            &json!({ "packId": "acme", "lessonId": "basics", "language": "en" }),
        )
        .await;
    assert_eq!(status, 200);
    let code = session["code"].as_str().unwrap().to_owned();
    let (token, _, _) = hub.agent_session("gus").await;
    for i in 0..10 {
        let wrong = format!("ZZZZ{}{}", (b'2' + i / 8) as char, (b'2' + i % 8) as char);
        let wrong = if wrong == code {
            "ZZZZZZ".to_owned()
        } else {
            wrong
        };
        let (status, _) = hub
            .post_json(
                &token,
                "/api/v1/training/live/join",
                &json!({ "code": wrong }),
            )
            .await;
        assert_eq!(status, 404);
    }
    let (status, slow) = hub
        .post_json(
            &token,
            "/api/v1/training/live/join",
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(
        (status, slow["code"].as_str()),
        (429, Some("tooManyAttempts"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_starts_a_drill_for_everyone_and_each_trainee_runs_their_own() {
    let hub = enforcing_hub().await;
    let trainer = trainer(&hub).await;
    let (token, _, _) = hub.agent_session("jo").await;
    let (mut jo, _) = console(&hub, &token).await;
    let (_, session) = hub
        .post_json(
            &trainer,
            "/api/v1/training/live",
            &json!({ "packId": "rampart-builtin", "lessonId": "drill-card-pasted", "language": "en" }),
        )
        .await;
    let id = session["id"].as_str().unwrap();
    let (status, _) = hub
        .post_json(
            &token,
            "/api/v1/training/live/join",
            &json!({ "code": session["code"] }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = hub
        .post_json(
            &trainer,
            &format!("/api/v1/training/live/{id}/control"),
            &json!({ "type": "startDrill", "drillId": "no-such-drill" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = hub
        .post_json(
            &trainer,
            &format!("/api/v1/training/live/{id}/control"),
            &json!({ "type": "startDrill", "drillId": "card-pasted" }),
        )
        .await;
    assert_eq!(status, 200);
    let ServerFrame::LiveTraining { session } = jo
        .until(|f| matches!(f, ServerFrame::LiveTraining { session } if session.drill.is_some()))
        .await
    else {
        unreachable!()
    };
    let start = serde_json::to_value(session.drill.unwrap()).unwrap();
    let (status, turn) = hub
        .post_json(&token, "/api/v1/training/drills", &start)
        .await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(turn["drill"]["id"], "card-pasted");
    assert!(turn["customerSays"][0].as_str().unwrap().contains("4111"));
}
