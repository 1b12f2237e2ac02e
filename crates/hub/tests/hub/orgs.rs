//! Several organisations on one hub: visitors reach only their organisation's agents, staff see
//! and act on only their organisation's conversations, people and cohorts (another's are "not
//! found"), allow-lists bind their own organisation's staff only, and retention is per
//! organisation.

use crate::support::*;
use rampart_audit::Actor;
use rampart_hub::org::OrgId;
use rampart_hub::store::{AllowChange, StoreError};
use rampart_protocol::rest::Role;
use rampart_protocol::{
    Availability, ClientFrame, ConversationId, ErrorCode, MessageId, ServerFrame, VisitorId,
};

fn acme() -> OrgId {
    OrgId::parse("acme").unwrap()
}

/// A hub hosting `acme` as well as its default organisation.
async fn two_org_hub(edit: impl FnOnce(&mut rampart_hub::config::HubConfig)) -> LiveHub {
    let hub = live_hub_with(edit).await;
    hub.server
        .create_org(Actor::System, acme(), "Acme Corp", None)
        .await
        .unwrap();
    hub
}

/// A signed-in member of `org` with their console connected (and available, for agents).
async fn console(hub: &LiveHub, org: &OrgId, username: &str, role: Role) -> (Ws, String) {
    let (token, _, _) = hub
        .staff_session_in(org, username, &format!("{username} ({org})"), role)
        .await;
    let mut ws = hub.connect("/ws/agent", &token).await;
    assert!(matches!(
        ws.hello(vec![]).await,
        ServerFrame::Welcome { .. }
    ));
    ws.send(&ClientFrame::SetAvailability {
        availability: Availability::Available,
    })
    .await;
    (ws, token)
}

/// Every frame the hub queued for `ws` so far (a ping's pong marks the end).
async fn drain(ws: &mut Ws) -> Vec<ServerFrame> {
    let nonce = rand::random();
    ws.send(&ClientFrame::Ping { nonce }).await;
    let mut frames = Vec::new();
    loop {
        match ws.recv().await {
            ServerFrame::Pong { nonce: n } if n == nonce => return frames,
            frame => frames.push(frame),
        }
    }
}

async fn visitor_of(hub: &LiveHub, org: &str) -> (ConversationId, String) {
    let (status, body) = hub.visitor_at(&format!("/api/v1/visitor?org={org}")).await;
    assert_eq!(status, 200, "{body}");
    (
        body["conversationId"].as_str().unwrap().parse().unwrap(),
        body["token"].as_str().unwrap().to_owned(),
    )
}

fn assigned(frames: &[ServerFrame], conversation: ConversationId) -> bool {
    frames.iter().any(
        |f| matches!(f, ServerFrame::Assigned { conversation_id, .. } if *conversation_id == conversation),
    )
}

/// The `username` of each object of a JSON array.
fn usernames(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect()
}

fn refused_with(frames: &[ServerFrame], code: ErrorCode) -> bool {
    frames
        .iter()
        .any(|f| matches!(f, ServerFrame::Error { code: c, .. } if *c == code))
}

fn queued(frames: &[ServerFrame], conversation: ConversationId) -> bool {
    frames.iter().any(|f| match f {
        ServerFrame::Queue { waiting, .. } => {
            waiting.iter().any(|w| w.conversation_id == conversation)
        }
        _ => false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_are_routed_only_to_agents_of_their_organisation() {
    let hub = two_org_hub(|_| {}).await;
    // The default organisation's agent is free; Acme's is busy elsewhere (away).
    let (mut other, _) = console(&hub, &OrgId::default_org(), "dora", Role::Agent).await;
    let (mut own, _) = console(&hub, &acme(), "ana", Role::Agent).await;
    own.send(&ClientFrame::SetAvailability {
        availability: Availability::Away,
    })
    .await;
    drain(&mut own).await;
    drain(&mut other).await;

    let (conversation, _) = visitor_of(&hub, "acme").await;
    let seen_by_other = drain(&mut other).await;
    assert!(!assigned(&seen_by_other, conversation), "{seen_by_other:?}");
    assert!(!queued(&seen_by_other, conversation), "{seen_by_other:?}");
    // Acme's agent sees the visitor waiting and gets them once available.
    assert!(queued(&drain(&mut own).await, conversation));
    own.send(&ClientFrame::SetAvailability {
        availability: Availability::Available,
    })
    .await;
    assert!(assigned(&drain(&mut own).await, conversation));
    assert!(!assigned(&drain(&mut other).await, conversation));

    // And a visitor with no organisation named is the default organisation's.
    let (default_visitor, _) = hub.visitor().await;
    assert!(assigned(&drain(&mut other).await, default_visitor));
    assert!(!assigned(&drain(&mut own).await, default_visitor));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_conversation_is_not_found_for_accept_send_transfer_and_reveal() {
    let hub = two_org_hub(|c| c.reveal.roles = vec![Role::Agent, Role::Supervisor]).await;
    let (mut outsider, outsider_token) =
        console(&hub, &OrgId::default_org(), "dora", Role::Agent).await;
    outsider
        .send(&ClientFrame::SetAvailability {
            availability: Availability::Away,
        })
        .await;
    let (_, supervisor_token) = console(&hub, &OrgId::default_org(), "sam", Role::Supervisor).await;
    let (chat, visitor_token) = visitor_of(&hub, "acme").await;
    drain(&mut outsider).await;

    // Accepting Acme's waiting visitor: no such conversation, as for an id that never existed.
    for conversation in [chat, ConversationId::new()] {
        outsider
            .send(&ClientFrame::Accept {
                conversation_id: conversation,
            })
            .await;
        let refusal = drain(&mut outsider).await;
        assert!(refused_with(&refusal, ErrorCode::NotFound), "{refusal:?}");
    }

    // Acme's agent takes it; the visitor sends a card number.
    let (mut own, own_token) = console(&hub, &acme(), "ana", Role::Agent).await;
    own.until(
        |f| matches!(f, ServerFrame::Assigned { conversation_id, .. } if *conversation_id == chat),
    )
    .await;
    let mut visitor = hub.connect("/ws/visitor", &visitor_token).await;
    visitor.hello(vec![]).await;
    let id = MessageId::new();
    visitor
        .send(&ClientFrame::Send {
            id,
            conversation_id: chat,
            text: "mi tarjeta es 4111 1111 1111 1111".into(),
        })
        .await;
    own.until(|f| matches!(f, ServerFrame::Message { id: m, .. } if *m == id))
        .await;

    // The outsider cannot write into it, and hears "not found", not "not yours".
    outsider
        .send(&ClientFrame::Send {
            id: MessageId::new(),
            conversation_id: chat,
            text: "hello".into(),
        })
        .await;
    let refusal = drain(&mut outsider).await;
    assert!(refused_with(&refusal, ErrorCode::NotFound), "{refusal:?}");

    // Acme's agent cannot hand it to the outsider, who is not even offered as a target.
    let (status, targets) = hub.get_json(&own_token, "/api/v1/agents/online").await;
    assert_eq!(status, 200);
    assert!(targets.as_array().unwrap().is_empty(), "{targets}");
    let (_, outsider_id) = me_id(&hub, &outsider_token).await;
    own.send(&ClientFrame::Transfer {
        conversation_id: chat,
        to_agent: outsider_id,
    })
    .await;
    let refusal = drain(&mut own).await;
    assert!(refused_with(&refusal, ErrorCode::NotAllowed), "{refusal:?}");
    assert!(!assigned(&drain(&mut outsider).await, chat));

    // The default organisation's supervisor, who may reveal anywhere in their own
    // organisation, finds nothing here; Acme's own agent does.
    let request = serde_json::json!({
        "conversationId": chat, "messageId": id, "span": 0, "reason": "paymentIssue",
    });
    let (status, body) = hub
        .post_json(&supervisor_token, "/api/v1/reveal", &request)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("notFound")),
        "{body}"
    );
    let (status, body) = hub.post_json(&own_token, "/api/v1/reveal", &request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], "4111 1111 1111 1111");
}

async fn me_id(hub: &LiveHub, token: &str) -> (u16, rampart_protocol::AgentId) {
    let (status, me) = hub.get_json(token, "/api/v1/me").await;
    (status, me["id"].as_str().unwrap().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisations_allow_list_binds_its_own_staff_only() {
    let hub = two_org_hub(|_| {}).await;
    let globex = OrgId::parse("globex").unwrap();
    hub.server
        .create_org(Actor::System, globex.clone(), "Globex", None)
        .await
        .unwrap();
    // Acme's staff come from loopback; Globex's only from its office network.
    let store = &hub.server.store;
    store
        .add_allow(&acme(), None, "127.0.0.0/8".parse().unwrap(), START, None)
        .await
        .unwrap();
    store
        .add_allow(
            &globex,
            None,
            "198.51.100.0/24".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();

    let (_, _, status, _) = hub.sign_in(&acme(), "ana", "Ana", Role::Agent).await;
    assert_eq!(status, 200);
    let (_, _, status, body) = hub.sign_in(&globex, "gus", "Gus", Role::Agent).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("ipNotAllowed")),
        "{body}"
    );
    // Refused at the password step, although Acme (and the default organisation) admit this
    // address: Globex's list decides for Globex's account before its password is checked, so
    // a guess from another organisation's network neither tests the password nor locks it.
    for _ in 0..3 {
        let step = hub
            .http
            .post(hub.url("/api/v1/login"))
            .json(&serde_json::json!({ "username": "gus", "password": "a wrong guess 123" }))
            .send()
            .await
            .unwrap();
        assert_eq!(step.status(), 403);
        let body: serde_json::Value = step.json().await.unwrap();
        assert_eq!(body["code"], "ipNotAllowed", "{body}");
    }
    let gus = store.account_by_username("gus").await.unwrap().unwrap();
    assert_eq!(gus.failures.consecutive, 0, "no failure counted");
    // The default organisation lists nothing, so its staff are not bound by either list.
    let (_, _, status, _) = hub
        .sign_in(&OrgId::default_org(), "dora", "Dora", Role::Agent)
        .await;
    assert_eq!(status, 200);

    // A role entry of Acme's binds Acme's supervisors, not Globex's nor the default's.
    store
        .add_allow(
            &acme(),
            Some(Role::Supervisor),
            "127.0.0.2/32".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();
    let (_, _, status, _) = hub.sign_in(&acme(), "sue", "Sue", Role::Supervisor).await;
    assert_eq!(status, 403);
    let (_, _, status, _) = hub
        .sign_in(&OrgId::default_org(), "sid", "Sid", Role::Supervisor)
        .await;
    assert_eq!(status, 200);

    // Removing is per organisation too: Acme's id does not remove anything of Globex's.
    let entries = store.allow_entries().await.unwrap();
    let globex_entry = entries.iter().find(|e| e.org == globex).unwrap().id;
    assert_eq!(
        store
            .remove_allow(&acme(), globex_entry, None)
            .await
            .unwrap(),
        AllowChange::NotFound
    );
    assert_eq!(
        store
            .remove_allow(&globex, globex_entry, None)
            .await
            .unwrap(),
        AllowChange::Removed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_only_the_organisation_s_own_old_transcripts() {
    let hub = live_hub_with(|c| c.retention.transcript_days = 90).await;
    let short = OrgId::parse("short").unwrap();
    hub.server
        .create_org(Actor::System, short.clone(), "Short Retention", Some(7))
        .await
        .unwrap();
    let store = &hub.server.store;
    let now_ms = i64::try_from(hub.clock_now()).unwrap() * 1000;
    let day = 24 * 60 * 60 * 1000;
    let mut closed = Vec::new();
    for (org, age_days) in [(&short, 10), (&short, 3), (&OrgId::default_org(), 10)] {
        let id = ConversationId::new();
        store
            .open_visitor_conversation(
                id,
                VisitorId::new(),
                org,
                "en",
                "2026-11",
                rand::random(),
                now_ms - age_days * day - 1000,
            )
            .await
            .unwrap();
        store.close(id, now_ms - age_days * day).await.unwrap();
        closed.push(id);
    }
    // (The serving hub's own hourly purge may run first; what is left is what matters.)
    hub.server.purge_expired().await.unwrap();
    assert!(matches!(
        store.conversation_in(closed[0]).await,
        Err(StoreError::ConversationNotFound)
    ));
    assert_eq!(store.conversation_in(closed[1]).await.unwrap().0, short);
    assert!(store.conversation_in(closed[2]).await.is_ok());
    // Seven days is shorter than a console's cache: the deletion is recorded for the short
    // organisation's consoles only.
    let forgotten = store.forgotten_after(0, 0, 10).await.unwrap();
    assert_eq!(forgotten.len(), 1);
    assert_eq!(
        (forgotten[0].conversation, &forgotten[0].org),
        (closed[0], &short)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_of_an_unknown_organisation_is_refused_not_sent_to_the_default_one() {
    let hub = two_org_hub(|_| {}).await;
    for org in ["nope", "Acme", "..%2Fx"] {
        let (status, body) = hub.visitor_at(&format!("/api/v1/visitor?org={org}")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("notFound")),
            "{org}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("not available"));
    }
    assert_eq!(hub.server.store.waiting_count().await.unwrap(), 0);
    // A hosted organisation's chat opens, and its conversation is that organisation's.
    let (conversation, _) = visitor_of(&hub, "acme").await;
    assert_eq!(
        hub.server
            .store
            .conversation_in(conversation)
            .await
            .unwrap()
            .0,
        acme()
    );
}

/// What an unauthenticated visitor's requests answer for `org` short of opening a
/// conversation: the privacy notice, and a chat start refused for the notice's version.
async fn answers_short_of_a_chat(hub: &LiveHub, org: &str) -> Vec<(u16, serde_json::Value)> {
    let notice = hub
        .http
        .get(hub.url(&format!("/api/v1/privacy?org={org}")))
        .send()
        .await
        .unwrap();
    let notice = (notice.status().as_u16(), notice.json().await.unwrap());
    let stale = hub
        .http
        .post(hub.url(&format!("/api/v1/visitor?org={org}")))
        .json(&serde_json::json!({ "locale": "en", "privacyNotice": "an old version" }))
        .send()
        .await
        .unwrap();
    let stale = (stale.status().as_u16(), stale.json().await.unwrap());
    vec![notice, stale]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_chat_that_opens_tells_whether_an_organisation_exists() {
    let hub = two_org_hub(|_| {}).await;
    // The privacy notice is the hub's, and a stale acknowledgement is refused before the
    // organisation is looked at: hosted, unknown, malformed or unnamed, the same answers.
    let hosted = answers_short_of_a_chat(&hub, "acme").await;
    assert_eq!(hosted[0].0, 200, "{hosted:?}");
    assert_eq!(hosted[1].1["code"], "privacyNotAcknowledged", "{hosted:?}");
    for org in ["nope", "Acme", "..%2Fx", "", "default"] {
        assert_eq!(
            answers_short_of_a_chat(&hub, org).await,
            hosted,
            "?org={org}"
        );
    }
    assert_eq!(hub.server.store.waiting_count().await.unwrap(), 0);

    // A full queue turns every visitor away alike, hosted organisation or not.
    let hub = two_org_hub(|c| c.limits.max_waiting = 1).await;
    visitor_of(&hub, "acme").await;
    let (unknown, hosted) = (
        hub.visitor_at("/api/v1/visitor?org=nope").await,
        hub.visitor_at("/api/v1/visitor?org=acme").await,
    );
    assert_eq!(unknown, hosted);
    assert_eq!(unknown.0, 429, "{unknown:?}");

    // Asking about organisations one by one spends the address's quota of new chats.
    let hub = two_org_hub(|c| c.limits.visitors_per_minute = 3).await;
    for org in ["nope", "nada", "nichts"] {
        let (status, _) = hub.visitor_at(&format!("/api/v1/visitor?org={org}")).await;
        assert_eq!(status, 404, "{org}");
    }
    let (status, body) = hub.visitor_at("/api/v1/visitor?org=acme").await;
    assert_eq!(status, 429, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trainers_see_and_manage_only_their_organisation_s_staff_and_cohorts() {
    let hub = two_org_hub(|_| {}).await;
    let (acme_trainer, _, _) = hub
        .staff_session_in(&acme(), "tina", "Tina", Role::Trainer)
        .await;
    let (home_trainer, _, _) = hub.staff_session("tom", "Tom", Role::Trainer).await;
    let (_, _, acme_agent) = hub
        .staff_session_in(&acme(), "ana", "Ana", Role::Agent)
        .await;
    let (_, _, home_agent) = hub.staff_session("dora", "Dora", Role::Agent).await;

    let (status, trainees) = hub
        .get_json(&acme_trainer, "/api/v1/training/trainees")
        .await;
    assert_eq!(status, 200);
    assert_eq!(usernames(&trainees), ["ana", "tina"]);

    // Another organisation's agent is unknown as a cohort member.
    let (status, body) = hub
        .post_json(
            &acme_trainer,
            "/api/v1/training/cohorts",
            &serde_json::json!({ "name": "Mixed", "members": [acme_agent, home_agent] }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, cohort) = hub
        .post_json(
            &acme_trainer,
            "/api/v1/training/cohorts",
            &serde_json::json!({ "name": "Acme starters", "members": [acme_agent] }),
        )
        .await;
    assert_eq!(status, 200, "{cohort}");
    let id = cohort["id"].as_str().unwrap();

    // The other organisation's trainer neither lists, changes, assigns to nor reports on it.
    let (_, cohorts) = hub
        .get_json(&home_trainer, "/api/v1/training/cohorts")
        .await;
    assert_eq!(cohorts, serde_json::json!([]));
    let (status, _) = hub
        .send_json(
            reqwest::Method::PUT,
            &home_trainer,
            &format!("/api/v1/training/cohorts/{id}"),
            &serde_json::json!({ "name": "Taken", "members": [home_agent] }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = hub
        .get_json(
            &home_trainer,
            &format!("/api/v1/training/dashboard?cohort={id}"),
        )
        .await;
    assert_eq!(status, 404);
    let (_, dashboard) = hub
        .get_json(&home_trainer, "/api/v1/training/dashboard")
        .await;
    let rows: Vec<&str> = dashboard["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["trainee"]["username"].as_str().unwrap())
        .collect();
    assert!(rows.contains(&"dora") && !rows.contains(&"ana"), "{rows:?}");

    // The catalog is the hub's: only the hosting organisation's trainers import packs.
    let (status, body) = hub
        .post_json(
            &acme_trainer,
            "/api/v1/training/packs",
            &serde_json::json!({ "files": [] }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_only_their_organisation_over_the_api() {
    let hub = two_org_hub(|_| {}).await;
    let (admin, _, _) = hub
        .staff_session_in(&acme(), "alba", "Alba", Role::Admin)
        .await;
    hub.staff_session("dora", "Dora", Role::Agent).await;
    hub.server
        .store
        .add_allow(
            &OrgId::default_org(),
            Some(Role::Supervisor),
            "203.0.113.0/24".parse().unwrap(),
            START,
            None,
        )
        .await
        .unwrap();

    // Accounts: Acme's only; one created here is Acme's; the default organisation's Dora is
    // "no such account" for every action.
    let (_, listed) = hub.get_json(&admin, "/api/v1/admin/accounts").await;
    assert_eq!(usernames(&listed), ["alba"]);
    let (status, _) = hub
        .post_json(
            &admin,
            "/api/v1/admin/accounts",
            &serde_json::json!({ "username": "nuria", "displayName": "Nuria", "role": "agent" }),
        )
        .await;
    assert_eq!(status, 201);
    let nuria = hub.server.login.account_of("nuria").await.unwrap();
    assert_eq!(nuria.map(|(_, org)| org), Some(acme()));
    for action in ["unlock", "reset-totp", "revoke", "wipe"] {
        let path = format!("/api/v1/admin/accounts/dora/{action}");
        let (status, body) = hub.post_json(&admin, &path, &serde_json::json!({})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("notFound")),
            "{action}"
        );
    }

    // The allow-list: Acme's entries only; the default organisation's entry is not found.
    let (_, entries) = hub.get_json(&admin, "/api/v1/admin/allowlist").await;
    assert_eq!(entries, serde_json::json!([]));
    let other = hub.server.store.allow_entries().await.unwrap()[0].id;
    let response = hub
        .http
        .delete(hub.url(&format!("/api/v1/admin/allowlist/{other}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (status, entry) = hub
        .post_json(
            &admin,
            "/api/v1/admin/allowlist",
            &serde_json::json!({ "network": "127.0.0.0/8", "role": null }),
        )
        .await;
    assert_eq!(status, 201, "{entry}");
    let entries = hub.server.store.allow_entries().await.unwrap();
    let added = entries.iter().find(|e| e.id == entry["id"]).unwrap();
    assert_eq!(added.org, acme());

    // The audit log spans every organisation: the hosting organisation's business.
    for path in ["/api/v1/admin/audit/verify", "/api/v1/admin/audit/export"] {
        let (status, body) = hub.get_json(&admin, path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
}
