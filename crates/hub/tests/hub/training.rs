//! Security training over real sockets: the gate on routing, hub-scored quizzes and drills,
//! trainer tools, live sessions, and what the audit log may (not) contain.

use rampart_protocol::rest::Role;
use rampart_protocol::{Availability, ClientFrame, ServerFrame};
use serde_json::{Value, json};

use crate::support::{LiveHub, Ws, live_hub_with};

/// A hub that enforces training (the default; the other tests turn it off).
pub(crate) async fn enforcing_hub() -> LiveHub {
    live_hub_with(|config| config.training.enforce = true).await
}

pub(crate) async fn trainer(hub: &LiveHub) -> String {
    hub.staff_session("tess", "Tess Trainer", Role::Trainer)
        .await
        .0
}

/// An agent console after hello, available; returns the socket and the first training gate.
pub(crate) async fn console(hub: &LiveHub, token: &str) -> (Ws, Value) {
    let mut ws = hub.connect("/ws/agent", token).await;
    assert!(matches!(
        ws.hello(vec![]).await,
        ServerFrame::Welcome { .. }
    ));
    let ServerFrame::TrainingGate { gate } = ws.recv().await else {
        panic!("the training gate comes right after the welcome");
    };
    ws.send(&ClientFrame::SetAvailability {
        availability: Availability::Available,
    })
    .await;
    (ws, serde_json::to_value(gate).unwrap())
}

/// Right answers from a trainer's preview, in question order.
async fn right_answers(
    hub: &LiveHub,
    trainer: &str,
    pack: &str,
    lesson: &str,
) -> (u64, Vec<Value>) {
    let (status, view) = hub
        .get_json(
            trainer,
            &format!("/api/v1/training/packs/{pack}/lessons/{lesson}?language=en&preview=true"),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let answers = questions(&view)
        .iter()
        .map(|q| q["answer"].clone())
        .collect();
    (view["version"].as_u64().unwrap(), answers)
}

fn questions(view: &Value) -> Vec<Value> {
    view["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap().clone())
        .filter(|b| b["type"] == "quiz")
        .map(|b| b["question"].clone())
        .collect()
}

fn drills(view: &Value) -> Vec<String> {
    view["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["blocks"].as_array().unwrap().clone())
        .filter(|b| b["type"] == "drill")
        .map(|b| b["drill"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs a drill with `actions` until it ends; returns the last turn.
async fn run_drill(
    hub: &LiveHub,
    token: &str,
    pack: &str,
    lesson: &str,
    drill: &str,
    actions: &[Value],
) -> Value {
    let (status, turn) = hub
        .post_json(
            token,
            "/api/v1/training/drills",
            &json!({ "packId": pack, "lessonId": lesson, "drillId": drill, "language": "en" }),
        )
        .await;
    assert_eq!(status, 200, "{turn}");
    let run = turn["runId"].as_str().unwrap().to_owned();
    for action in actions {
        let (status, turn) = hub
            .post_json(
                token,
                &format!("/api/v1/training/drills/{run}/act"),
                &json!({ "action": action }),
            )
            .await;
        assert_eq!(status, 200, "{turn}");
        if turn["finished"] == true {
            return turn;
        }
    }
    panic!("drill {drill} did not finish");
}

/// Passes every lesson the overview marks required, through the trainee endpoints: the
/// trainer's preview supplies the quiz answers; drills are handled the safe way.
async fn pass_required(hub: &LiveHub, trainer: &str, token: &str) {
    let (status, overview) = hub.get_json(token, "/api/v1/training").await;
    assert_eq!(status, 200, "{overview}");
    let safe = [
        json!({ "type": "report" }),
        json!({ "type": "refuse" }),
        json!({ "type": "refuse" }),
        json!({ "type": "requestSecureForm" }),
    ];
    for lesson in overview["lessons"].as_array().unwrap() {
        if lesson["required"] != true {
            continue;
        }
        let pack = lesson["packId"].as_str().unwrap();
        let id = lesson["lessonId"].as_str().unwrap();
        let (status, view) = hub
            .get_json(
                token,
                &format!("/api/v1/training/packs/{pack}/lessons/{id}?language=en"),
            )
            .await;
        assert_eq!(status, 200);
        if !questions(&view).is_empty() {
            let (version, answers) = right_answers(hub, trainer, pack, id).await;
            let (status, result) = hub
                .post_json(
                    token,
                    &format!("/api/v1/training/packs/{pack}/lessons/{id}/quiz"),
                    &json!({ "language": "en", "version": version, "answers": answers }),
                )
                .await;
            assert_eq!(status, 200, "{result}");
            assert_eq!(result["passed"], true, "{id}: {result}");
        }
        for drill in drills(&view) {
            let turn = run_drill(hub, token, pack, id, &drill, &safe).await;
            assert_eq!(turn["result"]["passed"], true, "{drill}: {turn}");
        }
    }
}

async fn wait_waiting(hub: &LiveHub, expected: u64) {
    for _ in 0..50 {
        if hub.server.chat.waiting_count().await.unwrap() == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("expected {expected} waiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrained_agent_gets_no_chats_until_every_required_lesson_is_passed() {
    let hub = enforcing_hub().await;
    let trainer = trainer(&hub).await;
    let (token, _, _) = hub.agent_session("ana").await;
    let (mut ws, gate) = console(&hub, &token).await;
    assert_eq!(gate["allowed"], false);
    assert!(gate["missing"].as_array().unwrap().len() >= 8, "{gate}");
    // A visitor waits: the only available agent is not trained.
    let (conversation, _) = hub.visitor().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_waiting(&hub, 1).await;
    // Nor may the agent take it from the queue.
    ws.send(&ClientFrame::Accept {
        conversation_id: conversation,
    })
    .await;
    let refusal = ws.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(refusal, ServerFrame::Error { .. }));
    wait_waiting(&hub, 1).await;

    let (_, spanish) = hub.get_json(&token, "/api/v1/training?language=es").await;
    assert_eq!(spanish["gate"]["allowed"], false);
    let titles: Vec<&str> = spanish["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    let missing = spanish["gate"]["missing"][0]["title"].as_str().unwrap();
    assert!(titles.contains(&missing), "{missing} is titled in Spanish");
    assert!(
        spanish["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["language"] == "es")
    );

    pass_required(&hub, &trainer, &token).await;
    let gate = ws
        .until(|f| matches!(f, ServerFrame::TrainingGate { gate } if gate.allowed))
        .await;
    assert!(matches!(gate, ServerFrame::TrainingGate { gate } if gate.missing.is_empty()));
    let assigned = ws
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(
        matches!(assigned, ServerFrame::Assigned { conversation_id, .. } if conversation_id == conversation)
    );
    let (_, overview) = hub.get_json(&token, "/api/v1/training").await;
    assert_eq!(overview["gate"]["allowed"], true);
    let required: Vec<&Value> = overview["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["required"] == true)
        .collect();
    assert!(
        required.iter().all(|l| l["state"] == "current"),
        "{overview}"
    );
    // Certificates: one per passed lesson, with the organisation and the agent's name.
    let (status, certificates) = hub.get_json(&token, "/api/v1/training/certificates").await;
    assert_eq!(status, 200);
    let certificates = certificates.as_array().unwrap();
    assert_eq!(certificates.len(), required.len());
    assert!(certificates.iter().all(|c| c["agentName"] == "Agent ana"
        && c["organisation"] == "Rampart Demo"
        && c["expiresAt"].is_i64()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_completion_blocks_the_agent_again_and_a_gate_frame_says_so() {
    let hub = enforcing_hub().await;
    let (token, _, agent) = hub.agent_session("ben").await;
    // Completions that expire in five minutes (365-day lessons passed 365 days ago, almost).
    let now_ms = i64::try_from(hub.clock_now()).unwrap() * 1000;
    let passed_at = now_ms - 365 * 24 * 60 * 60 * 1000 + 5 * 60 * 1000;
    hub.server
        .training
        .seed_required(agent, Role::Agent, passed_at)
        .await
        .unwrap();
    let (mut ws, gate) = console(&hub, &token).await;
    assert_eq!(gate["allowed"], true, "{gate}");
    let (first, _) = hub.visitor().await;
    let assigned = ws
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    assert!(
        matches!(assigned, ServerFrame::Assigned { conversation_id, .. } if conversation_id == first)
    );
    // Ten minutes later (within the session's idle limit) the completions have expired.
    hub.clock.advance(10 * 60);
    let ServerFrame::TrainingGate { gate } = ws
        .until(|f| matches!(f, ServerFrame::TrainingGate { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(!gate.allowed);
    assert!(gate.missing.is_empty());
    assert!(gate.expired.len() >= 8, "{gate:?}");
    hub.visitor().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_waiting(&hub, 1).await;
}

pub(crate) const PACK_TOML: &str = r#"id = "acme"
version = 1
languages = ["en"]
lessons = ["en/01-basics.md"]

[title]
en = "ACME onboarding"
"#;

pub(crate) const LESSON: &str = r#"+++
id = "basics"
title = "Basics"
language = "en"
roles = ["agent"]
version = 1
estimated_minutes = 5
pass_mark = 100
+++
Intro <script>alert(1)</script> and <img src=x onerror=alert(2)> and [a link](javascript:alert(3)).

## Questions

```quiz
id = "who"
kind = "single"
prompt = "Who may ask for your code?"
options = ["IT", "Your manager", "Nobody"]
answer = 3
explain = "Nobody, ever."
```

```quiz
id = "it"
kind = "true_false"
prompt = "IT may ask for your code."
answer = false
explain = "Real IT never needs it."
```

```quiz
id = "steps"
kind = "ordering"
prompt = "Put the steps in order."
items = ["Refuse", "Report", "Carry on"]
explain = "Refuse first, then report."
```
"#;

pub(crate) fn upload(pack_toml: &str, path: &str, lesson: &str) -> Value {
    json!({ "files": [
        { "path": "pack.toml", "text": pack_toml },
        { "path": path, "text": lesson },
    ]})
}

pub(crate) async fn import_acme(hub: &LiveHub, trainer: &str) {
    let (status, summary) = hub
        .post_json(
            trainer,
            "/api/v1/training/packs",
            &upload(PACK_TOML, "en/01-basics.md", LESSON),
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["id"], "acme");
    assert_eq!(summary["builtin"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quizzes_are_scored_by_the_hub_with_answers_withheld_from_trainees() {
    let hub = enforcing_hub().await;
    let trainer = trainer(&hub).await;
    import_acme(&hub, &trainer).await;
    let (token, _, _) = hub.agent_session("cleo").await;
    let path = "/api/v1/training/packs/acme/lessons/basics";
    // The trainee's view has no answers or explanations; a preview is for trainers only.
    let (status, view) = hub.get_json(&token, &format!("{path}?language=es")).await;
    assert_eq!(status, 200);
    assert_eq!(
        view["language"], "en",
        "falls back to the language the lesson exists in"
    );
    let shown = questions(&view);
    assert_eq!(shown.len(), 3);
    assert!(
        shown
            .iter()
            .all(|q| q.get("answer").is_none() && q.get("explain").is_none())
    );
    let (status, refused) = hub.get_json(&token, &format!("{path}?preview=true")).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")));
    let (_, answers) = right_answers(&hub, &trainer, "acme", "basics").await;
    assert_eq!(answers[0], json!({ "kind": "single", "choice": 2 }));
    // Ordering: shown shuffled, never in the right order; answers index the shown order.
    let options: Vec<&str> = shown[2]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_ne!(options, ["Refuse", "Report", "Carry on"]);
    let position = |item: &str| options.iter().position(|o| *o == item).unwrap();
    let right_order = json!([position("Refuse"), position("Report"), position("Carry on")]);
    assert_eq!(
        answers[2],
        json!({ "kind": "ordering", "order": right_order })
    );

    let submit = |answers: Value, version: u64| {
        let hub = &hub;
        let token = token.clone();
        async move {
            hub.post_json(
                &token,
                &format!("{path}/quiz"),
                &json!({ "language": "en", "version": version, "answers": answers }),
            )
            .await
        }
    };
    // Wrong answers: the shown order as is, "IT", true.
    let (status, result) = submit(
        json!([
            { "kind": "single", "choice": 0 },
            { "kind": "trueFalse", "value": true },
            { "kind": "ordering", "order": [0, 1, 2] },
        ]),
        1,
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["percent"].as_u64(), result["passed"].as_bool()),
        (Some(0), Some(false))
    );
    assert_eq!(result["marks"][0]["explain"], "Nobody, ever.");
    assert_eq!(result["marks"][2]["answer"]["order"], right_order);
    assert_eq!(result["lesson"]["state"], "missing");
    // A stale version is refused.
    let (status, stale) = submit(json!([]), 0).await;
    assert_eq!(
        (status, stale["code"].as_str()),
        (409, Some("trainingOutdated"))
    );
    // Right answers pass the lesson.
    let (status, result) = submit(
        json!([
            { "kind": "single", "choice": 2 },
            { "kind": "trueFalse", "value": false },
            { "kind": "ordering", "order": right_order },
        ]),
        1,
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["percent"].as_u64(), result["passed"].as_bool()),
        (Some(100), Some(true))
    );
    assert!(
        result["marks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["correct"] == true)
    );
    assert_eq!(result["lesson"]["state"], "current");
    // The audit log has the scores, never the answers.
    let quiz: Vec<String> = hub
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains("training.quiz.submitted"))
        .collect();
    assert_eq!(quiz.len(), 2);
    assert!(
        quiz.iter()
            .all(|l| !l.contains("choice") && !l.contains("order"))
    );
    assert!(quiz[1].contains("\"percent\":\"100\""), "{}", quiz[1]);
    assert!(
        hub.audit_lines()
            .iter()
            .any(|l| l.contains("training.lesson.passed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_drill_passes_with_the_secure_form_and_fails_when_asking_for_the_card() {
    let hub = enforcing_hub().await;
    let (token, _, _) = hub.agent_session("dan").await;
    let (pack, lesson, drill) = ("rampart-builtin", "drill-card-pasted", "card-pasted");
    let good = run_drill(
        &hub,
        &token,
        pack,
        lesson,
        drill,
        &[json!({ "type": "requestSecureForm" })],
    )
    .await;
    assert_eq!(good["result"]["percent"], 100, "{good}");
    assert_eq!(good["result"]["passed"], true);
    assert!(good["result"]["mistakes"].as_array().unwrap().is_empty());

    let canary = "Could you send me your card number here in the chat? CANARY-7731";
    let bad = run_drill(
        &hub,
        &token,
        pack,
        lesson,
        drill,
        &[
            json!({ "type": "sendMessage", "text": canary }),
            json!({ "type": "sendMessage", "text": "ok thanks" }),
            json!({ "type": "sendMessage", "text": "ok thanks" }),
        ],
    )
    .await;
    let result = &bad["result"];
    assert_eq!(result["passed"], false, "{bad}");
    let mistakes = result["mistakes"].as_array().unwrap();
    let asked = mistakes
        .iter()
        .find(|m| m["signal"] == "asked_card_in_chat")
        .expect("asking for the card in chat is a mistake");
    assert_eq!(asked["avoid"], true);
    assert_eq!(asked["critical"], true);
    assert!(
        asked["explain"]
            .as_str()
            .unwrap()
            .starts_with("Never ask for a card number")
    );
    // What the trainee typed is nowhere in the audit log; the drill's results are.
    let lines = hub.audit_lines();
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("CANARY") && !l.contains("card number here"))
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("training.drill.finished"))
            .count(),
        2
    );
    // A run is its trainee's only.
    let (_, turn) = hub
        .post_json(
            &token,
            "/api/v1/training/drills",
            &json!({ "packId": pack, "lessonId": lesson, "drillId": drill, "language": "en" }),
        )
        .await;
    let (other, _, _) = hub.agent_session("eve").await;
    let (status, _) = hub
        .post_json(
            &other,
            &format!(
                "/api/v1/training/drills/{}/act",
                turn["runId"].as_str().unwrap()
            ),
            &json!({ "action": { "type": "requestSecureForm" } }),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trainer_endpoints_check_roles_validate_packs_and_export_a_safe_csv() {
    let hub = enforcing_hub().await;
    let trainer = trainer(&hub).await;
    let (agent, _, _) = hub.agent_session("fay").await;
    for path in [
        "/api/v1/training/packs",
        "/api/v1/training/trainees",
        "/api/v1/training/cohorts",
        "/api/v1/training/dashboard",
        "/api/v1/training/dashboard.csv",
    ] {
        let (status, body) = hub.get_json(&agent, path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
    let (status, _) = hub
        .post_json(
            &agent,
            "/api/v1/training/packs",
            &upload(PACK_TOML, "en/01-basics.md", LESSON),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = hub.get_json("not-a-token", "/api/v1/training").await;
    assert_eq!(status, 401);

    // A valid pack; the same version again is not newer.
    import_acme(&hub, &trainer).await;
    let (status, again) = hub
        .post_json(
            &trainer,
            "/api/v1/training/packs",
            &upload(PACK_TOML, "en/01-basics.md", LESSON),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("trainingOutdated"))
    );
    // Its lesson is served inert.
    let (_, view) = hub
        .get_json(&agent, "/api/v1/training/packs/acme/lessons/basics")
        .await;
    let html = view["sections"][0]["blocks"][0]["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");

    // An invalid pack: every issue with its file and line.
    let bad = "+++\nid = \"bad\"\ntitle = \"Bad\"\nlanguage = \"en\"\nroles = []\nversion = 1\n\
               estimated_minutes = 5\npass_mark = 150\n+++\nText.\n\n```quiz\nkind = \"single\"\n\
               prompt = \"Q?\"\noptions = [\"a\", \"b\"]\nanswer = 5\nexplain = \"x\"\n```\n";
    let manifest = PACK_TOML
        .replace("acme", "bad")
        .replace("01-basics", "01-bad");
    let (status, refused) = hub
        .post_json(
            &trainer,
            "/api/v1/training/packs",
            &upload(&manifest, "en/01-bad.md", bad),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("packInvalid")),
        "{refused}"
    );
    let issues: Vec<&str> = refused["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        issues.iter().any(|i| i.starts_with("en/01-bad.md:8:")),
        "{issues:?}"
    );
    assert!(
        issues.iter().any(|i| i.starts_with("en/01-bad.md:16:")),
        "{issues:?}"
    );
    let (status, _) = hub
        .post_json(
            &trainer,
            "/api/v1/training/packs",
            &upload(&manifest, "../escape.md", bad),
        )
        .await;
    assert_eq!(status, 422);

    // Cohort, assignment, dashboard and CSV.
    let (_, _, formula) = hub
        .staff_session("gil", "=HYPERLINK(\"http://evil\",\"x\")", Role::Agent)
        .await;
    let (_, trainees) = hub.get_json(&trainer, "/api/v1/training/trainees").await;
    let fay = trainees
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["username"] == "fay")
        .unwrap()["id"]
        .clone();
    let (status, bad_name) = hub
        .post_json(
            &trainer,
            "/api/v1/training/cohorts",
            &json!({ "name": "", "members": [] }),
        )
        .await;
    assert_eq!(
        (status, bad_name["code"].as_str()),
        (400, Some("malformed"))
    );
    let (status, unknown) = hub
        .post_json(
            &trainer,
            "/api/v1/training/cohorts",
            &json!({ "name": "Nov", "members": ["0190b3a4-0000-7000-8000-000000000000"] }),
        )
        .await;
    assert_eq!(status, 400, "{unknown}");
    let (status, cohort) = hub
        .post_json(
            &trainer,
            "/api/v1/training/cohorts",
            &json!({ "name": "November starters", "members": [fay, formula.to_string()] }),
        )
        .await;
    assert_eq!(status, 200, "{cohort}");
    let id = cohort["id"].as_str().unwrap().to_owned();
    assert_eq!(cohort["members"].as_array().unwrap().len(), 2);
    let due = i64::try_from(hub.clock_now()).unwrap() * 1000 - 1000;
    let (status, cohort) = hub
        .post_json(
            &trainer,
            &format!("/api/v1/training/cohorts/{id}/assignments"),
            &json!({ "packId": "acme", "lessonId": "basics", "dueAt": due }),
        )
        .await;
    assert_eq!(status, 200, "{cohort}");
    assert_eq!(cohort["assignments"][0]["lesson"]["title"], "Basics");
    let (status, renamed) = hub
        .send_json(
            reqwest::Method::PUT,
            &trainer,
            &format!("/api/v1/training/cohorts/{id}"),
            &json!({ "name": "Starters", "members": [fay] }),
        )
        .await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("Starters")));
    hub.send_json(
        reqwest::Method::PUT,
        &trainer,
        &format!("/api/v1/training/cohorts/{id}"),
        &json!({ "name": "Starters", "members": [fay, formula.to_string()] }),
    )
    .await;
    let (status, dashboard) = hub
        .get_json(&trainer, &format!("/api/v1/training/dashboard?cohort={id}"))
        .await;
    assert_eq!(status, 200, "{dashboard}");
    assert_eq!(dashboard["lessons"].as_array().unwrap().len(), 1);
    let rows = dashboard["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["allowed"] == false
        && r["cells"][0]["state"] == "missing"
        && r["cells"][0]["overdue"] == true));
    let (_, everyone) = hub.get_json(&trainer, "/api/v1/training/dashboard").await;
    assert!(everyone["lessons"].as_array().unwrap().len() >= 8);
    // Titles in the trainer's language when asked for.
    let (_, en) = hub
        .get_json(&trainer, "/api/v1/training/dashboard?language=en")
        .await;
    let (_, es) = hub
        .get_json(&trainer, "/api/v1/training/dashboard?language=es")
        .await;
    let title = |d: &serde_json::Value, lesson: &str| {
        d["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["lessonId"] == lesson)
            .map(|l| l["title"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(
        title(&en, "security-and-privacy"),
        title(&everyone, "security-and-privacy")
    );
    assert_eq!(
        title(&es, "security-and-privacy"),
        "Seguridad y privacidad: por qué importan las dos"
    );
    let response = hub
        .http
        .get(hub.url(&format!("/api/v1/training/dashboard.csv?cohort={id}")))
        .bearer_auth(&trainer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with("username,display name,may take chats,acme/basics state"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\ngil,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",no,overdue"),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    // Audited: import, refusals, cohort and assignment changes, the export.
    let lines = hub.audit_lines();
    for action in [
        "training.pack.imported",
        "training.pack.refused",
        "training.cohort.created",
        "training.cohort.changed",
        "training.assignment.set",
        "training.dashboard.exported",
    ] {
        assert!(lines.iter().any(|l| l.contains(action)), "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrained_colleague_cannot_receive_a_transfer() {
    let hub = enforcing_hub().await;
    let (trained, _, trained_id) = hub.agent_session("hal").await;
    let now_ms = i64::try_from(hub.clock_now()).unwrap() * 1000;
    hub.server
        .training
        .seed_required(trained_id, Role::Agent, now_ms)
        .await
        .unwrap();
    let (untrained, _, untrained_id) = hub.agent_session("ivy").await;
    let (mut hal, gate) = console(&hub, &trained).await;
    assert_eq!(gate["allowed"], true);
    let (_ivy, gate) = console(&hub, &untrained).await;
    assert_eq!(gate["allowed"], false);
    let (conversation, _) = hub.visitor().await;
    hal.until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let (_, targets) = hub.get_json(&trained, "/api/v1/agents/online").await;
    let ivy = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "Agent ivy")
        .unwrap();
    assert_eq!(ivy["available"], false);
    hal.send(&ClientFrame::Transfer {
        conversation_id: conversation,
        to_agent: untrained_id,
    })
    .await;
    let refused = hal.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(refused, ServerFrame::Error { .. }));
    let (_, Some(holder)) = hub
        .server
        .store
        .conversation_state(conversation)
        .await
        .unwrap()
    else {
        panic!("the conversation is assigned");
    };
    assert_eq!(holder, trained_id);
}
