//! The administration API (`/api/v1/admin/…`): administrators only; accounts, lockouts,
//! sessions, the allow-list and the audit log; every change audited with the administrator and
//! their address; an allow-list change that would shut the administrator out is refused.

use crate::support::*;
use rampart_audit::Action;
use rampart_protocol::ServerFrame;
use rampart_protocol::rest::Role;
use serde_json::{Value, json};

/// Calls the API as `token`: `(status, JSON body or null)`.
async fn call(
    hub: &LiveHub,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = hub.http.request(method, hub.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(hub: &LiveHub, path: &str, token: &str) -> (u16, Value) {
    call(hub, reqwest::Method::GET, path, token, None).await
}

async fn post(hub: &LiveHub, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(hub, reqwest::Method::POST, path, token, Some(body)).await
}

/// Adds `network` (for `role`, or everyone) to the caller's allow-list.
async fn add_allow(hub: &LiveHub, token: &str, network: &str, role: Option<&str>) -> (u16, Value) {
    let body = json!({ "network": network, "role": role });
    post(hub, "/api/v1/admin/allowlist", token, body).await
}

/// Audit records of `action`, as exported lines.
fn records(hub: &LiveHub, action: Action) -> Vec<String> {
    hub.server
        .audit
        .log()
        .records_from(0)
        .map(|r| r.unwrap())
        .filter(|r| r.event.action == action)
        .map(|r| rampart_audit::to_json_line(&r).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_reach_the_admin_api() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    assert_eq!(get(&hub, "/api/v1/admin/accounts", &admin).await.0, 200);
    for (name, role) in [
        ("ana", Role::Agent),
        ("sue", Role::Supervisor),
        ("tom", Role::Trainer),
    ] {
        let (token, _, _) = hub.staff_session(name, name, role).await;
        for path in [
            "/api/v1/admin/accounts",
            "/api/v1/admin/allowlist",
            "/api/v1/admin/audit/verify",
            "/api/v1/admin/audit/export",
        ] {
            let (status, body) = get(&hub, path, &token).await;
            assert_eq!(status, 403, "{name} {path}: {body}");
            assert_eq!(body["code"], "forbidden");
        }
        let (status, _) = post(&hub, "/api/v1/admin/accounts/ana/unlock", &token, json!({})).await;
        assert_eq!(status, 403, "{name}");
    }
    let (status, _) = get(&hub, "/api/v1/admin/accounts", "not-a-token").await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_accounts_that_enroll_with_their_one_time_code() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let (status, created) = post(
        &hub,
        "/api/v1/admin/accounts",
        &admin,
        json!({ "username": "nuria", "displayName": "Nuria", "role": "agent" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["validHours"], 72);
    let code = created["enrollmentCode"].as_str().unwrap();
    let enroll = hub
        .http
        .post(hub.url("/api/v1/enroll"))
        .json(&json!({ "username": "nuria", "enrollmentCode": code, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(enroll.status(), 204);

    let (_, listed) = get(&hub, "/api/v1/admin/accounts", &admin).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nuria", "root"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("passwordHash").is_none() && a.get("totpSecret").is_none())
    );
    assert_eq!(listed[0]["enrolled"], false, "no authenticator yet");
    assert_eq!(listed[1]["enrolled"], true);

    // Taken, unusable and disguised names are refused with what is wrong.
    for (body, status, code) in [
        (
            json!({ "username": "NURIA", "displayName": "x", "role": "agent" }),
            409,
            "usernameTaken",
        ),
        (
            json!({ "username": "nuria lopez", "displayName": "x", "role": "agent" }),
            400,
            "malformed",
        ),
        (
            json!({ "username": "", "displayName": "x", "role": "agent" }),
            400,
            "malformed",
        ),
        (
            json!({ "username": "\u{430}dmin", "displayName": "x", "role": "agent" }),
            400,
            "malformed",
        ),
        (
            json!({ "username": "eve", "displayName": "IT\u{202E}kcehc", "role": "agent" }),
            400,
            "malformed",
        ),
        (
            json!({ "username": "eve", "displayName": "Eve", "role": "overlord" }),
            400,
            "malformed",
        ),
    ] {
        let (got, error) = post(&hub, "/api/v1/admin/accounts", &admin, body.clone()).await;
        assert_eq!(
            (got, error["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    // The creation is audited with the administrator and their address; the code is not.
    let created = records(&hub, Action::AccountCreated);
    let by_api: Vec<_> = created.iter().filter(|r| r.contains("\"root\"")).collect();
    assert_eq!(by_api.len(), 1, "{created:?}");
    assert!(by_api[0].contains("127.0.0.1") && !by_api[0].contains(code));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_unlocks_revokes_and_wipes() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let (token, _, _) = hub.agent_session("ana").await;
    let mut console = hub.connect("/ws/agent", &token).await;
    console.hello(vec![]).await;

    // Locked by failed logins: the list says until when; an unlock clears it.
    for _ in 0..10 {
        hub.clock.advance(61);
        let _ = hub
            .http
            .post(hub.url("/api/v1/login"))
            .json(&json!({ "username": "ana", "password": "wrong password 123" }))
            .send()
            .await
            .unwrap();
    }
    let (_, listed) = get(&hub, "/api/v1/admin/accounts", &admin).await;
    let ana = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "ana")
        .unwrap()
        .clone();
    assert!(
        ana["lockedUntil"].as_u64().unwrap() > hub.clock_now(),
        "{ana}"
    );
    let (status, _) = post(&hub, "/api/v1/admin/accounts/ana/unlock", &admin, json!({})).await;
    assert_eq!(status, 204);
    let (_, listed) = get(&hub, "/api/v1/admin/accounts", &admin).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("lockedUntil").is_none())
    );

    // Revoking ends the session, and the open console is told.
    let (status, ended) = post(&hub, "/api/v1/admin/accounts/ana/revoke", &admin, json!({})).await;
    assert_eq!((status, ended["sessions"].as_u64()), (200, Some(1)));
    console
        .until(|f| matches!(f, ServerFrame::SessionRevoked))
        .await;

    // A wipe of an account with no session left ends none, and is still recorded.
    let (status, ended) = post(&hub, "/api/v1/admin/accounts/ana/wipe", &admin, json!({})).await;
    assert_eq!((status, ended["sessions"].as_u64()), (200, Some(0)));
    let (status, _) = post(
        &hub,
        "/api/v1/admin/accounts/ana/reset-totp",
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(status, 204);

    // Unknown accounts are "not found" here (only sign-in hides whether an account exists).
    for action in ["unlock", "revoke", "wipe", "reset-totp"] {
        let path = format!("/api/v1/admin/accounts/nobody/{action}");
        let (status, body) = post(&hub, &path, &admin, json!({})).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("notFound")));
    }
    for action in [
        Action::AccountUnlocked,
        Action::SessionRevoked,
        Action::RemoteWipeIssued,
        Action::TotpReset,
    ] {
        let recorded = records(&hub, action.clone());
        assert!(
            recorded
                .iter()
                .any(|r| r.contains("\"root\"") && r.contains("127.0.0.1")),
            "{action:?}: {recorded:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_list_changes_are_audited_and_cannot_shut_the_administrator_out() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let (ana, _, _) = hub.agent_session("ana").await;
    let add = async |network, role| add_allow(&hub, &admin, network, role).await;
    // An organisation-wide list without the administrator's address: refused, nothing added.
    let (status, body) = add("10.0.0.0/8", None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("wouldLockOut")));
    assert!(body["message"].as_str().unwrap().contains("127.0.0.1"));
    assert!(
        hub.server
            .admin
            .allow_list(&rampart_hub::org::OrgId::default_org())
            .await
            .unwrap()
            .is_empty()
    );

    let (status, loopback) = add("127.0.0.1/8", None).await;
    assert_eq!(status, 201, "{loopback}");
    assert_eq!(loopback["network"], "127.0.0.0/8", "stored as the network");
    let (status, elsewhere) = add("10.0.0.0/8", None).await;
    assert_eq!(status, 201);
    // Agents only from 10/8: an agent on loopback is refused, the administrator is not.
    let (status, _) = add("2001:db8::/32", Some("agent")).await;
    assert_eq!(status, 201);
    let (status, body) = get(&hub, "/api/v1/me", &ana).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("ipNotAllowed")));
    assert_eq!(get(&hub, "/api/v1/me", &admin).await.0, 200);

    // Removing the entry that covers the administrator: refused; an unknown id: not found.
    let path = format!("/api/v1/admin/allowlist/{}", loopback["id"]);
    let (status, body) = call(&hub, reqwest::Method::DELETE, &path, &admin, None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("wouldLockOut")));
    let (status, _) = call(
        &hub,
        reqwest::Method::DELETE,
        "/api/v1/admin/allowlist/999999",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let path = format!("/api/v1/admin/allowlist/{}", elsewhere["id"]);
    let (status, _) = call(&hub, reqwest::Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, 204);
    let (_, listed) = get(&hub, "/api/v1/admin/allowlist", &admin).await;
    let networks: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["network"].as_str().unwrap())
        .collect();
    assert_eq!(networks, ["127.0.0.0/8", "2001:db8::/32"]);
    assert_eq!(listed[1]["role"], "agent");

    for bad in ["10.0.0.0/33", "localhost", "", "10.0.0.0/8; DROP TABLE"] {
        let (status, body) = add(bad, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("malformed")),
            "{bad}"
        );
    }
    // Three additions and one removal, each with the administrator and their address.
    let changes = records(&hub, Action::AllowListChanged);
    assert_eq!(changes.len(), 4, "{changes:?}");
    assert!(
        changes
            .iter()
            .all(|r| r.contains("\"root\"") && r.contains("127.0.0.1"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_listed_entry_again_changes_nothing_and_is_audited_as_unchanged() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let add = async |network| add_allow(&hub, &admin, network, Some("admin")).await;
    let (status, first) = add("127.0.0.0/8").await;
    assert_eq!(status, 201, "{first}");
    // The same entry, with host bits or without: 200 with the listed entry, nothing created.
    for again in ["127.0.0.0/8", "127.0.0.1/8"] {
        let (status, body) = add(again).await;
        assert_eq!(status, 200, "{again}: {body}");
        assert_eq!(body, first);
    }
    let (_, listed) = get(&hub, "/api/v1/admin/allowlist", &admin).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let changes = records(&hub, Action::AllowListChanged);
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes[0].contains(r#""change":"add""#), "{}", changes[0]);
    for unchanged in &changes[1..] {
        assert!(
            unchanged.contains(r#""change":"unchanged""#)
                && unchanged.contains(&format!(r#""entry":"{}""#, first["id"]))
                && unchanged.contains("127.0.0.1"),
            "{unchanged}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_administrators_removing_at_once_cannot_shut_everyone_out() {
    let hub = live_hub().await;
    let (root, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let (rita, _, _) = hub.staff_session("rita", "Rita", Role::Admin).await;
    let add = async |network| {
        let (status, body) = add_allow(&hub, &root, network, None).await;
        assert!(status == 201 || status == 200, "{network}: {status} {body}");
        body["id"].as_i64().unwrap()
    };
    // Another network stays listed throughout, so removing both loopback entries would leave
    // a list that admits neither administrator.
    add("127.0.0.0/8").await;
    add("10.0.0.0/8").await;
    for round in 0..5 {
        let (wide, narrow) = (add("127.0.0.0/8").await, add("127.0.0.1/32").await);
        // Each removal alone keeps both administrators in; each one passes the check on its own.
        let remove = async |token: &str, id: i64| {
            let path = format!("/api/v1/admin/allowlist/{id}");
            call(&hub, reqwest::Method::DELETE, &path, token, None).await
        };
        let (first, second) = tokio::join!(remove(&root, wide), remove(&rita, narrow));
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [204, 409], "round {round}: {first:?} {second:?}");
        for token in [&root, &rita] {
            assert_eq!(get(&hub, "/api/v1/me", token).await.0, 200, "round {round}");
        }
    }
    // The refused one is in the audit log with why nothing changed.
    let changes = records(&hub, Action::AllowListChanged);
    assert!(
        changes.iter().any(|r| r.contains("would_lock_out")),
        "{changes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_verified_and_exported_over_the_api_and_tampering_is_named() {
    let hub = live_hub().await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;
    let (status, verified) = get(&hub, "/api/v1/admin/audit/verify", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(verified["ok"], true, "{verified}");
    assert!(verified["records"].as_u64().unwrap() >= 3);

    let export = hub
        .http
        .get(hub.url("/api/v1/admin/audit/export"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert_eq!(
        export.headers()["content-type"].to_str().unwrap(),
        "application/x-ndjson"
    );
    let text = export.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 4);
    assert_eq!(lines.last().unwrap()["action"], "audit.exported");
    // The export verifies on its own, with the crate's verifier.
    rampart_audit::verify(rampart_audit::JsonlReader::new(text.as_bytes())).unwrap();

    // Someone with the database file rewrites a record: the API names it.
    let db = hub.server.config.data_dir.join("audit.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET origin = '10.9.9.9' WHERE seq = 2;",
    )
    .unwrap();
    let (status, verified) = get(&hub, "/api/v1/admin/audit/verify", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(verified["ok"], false, "{verified}");
    assert!(
        verified["problem"].as_str().unwrap().contains("(seq 2)"),
        "{verified}"
    );
    assert!(
        records(&hub, Action::AuditVerified)
            .last()
            .unwrap()
            .contains("tampered")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_or_wiping_from_the_api_tells_open_consoles_at_once() {
    // Session checks an hour apart: whatever reaches the consoles comes from the order itself.
    let hub = live_hub_rechecking(std::time::Duration::from_secs(3600)).await;
    let (admin, _, _) = hub.staff_session("root", "Root", Role::Admin).await;

    let (token, _, _) = hub.agent_session("ana").await;
    let mut console = hub.connect("/ws/agent", &token).await;
    console.hello(vec![]).await;
    let (status, _) = post(&hub, "/api/v1/admin/accounts/ana/revoke", &admin, json!({})).await;
    assert_eq!(status, 200);
    let revoked = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        console.until(|f| matches!(f, ServerFrame::SessionRevoked)),
    )
    .await;
    assert!(
        revoked.is_ok(),
        "the console was not told of the revocation"
    );

    let (token, _, _) = hub.agent_session("bea").await;
    let mut console = hub.connect("/ws/agent", &token).await;
    console.hello(vec![]).await;
    let (status, _) = post(&hub, "/api/v1/admin/accounts/bea/wipe", &admin, json!({})).await;
    assert_eq!(status, 200);
    let order = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let wipe = console
            .until(|f| matches!(f, ServerFrame::WipeDevice | ServerFrame::SessionRevoked))
            .await;
        (wipe, console.recv().await)
    })
    .await
    .expect("the console was not told of the wipe");
    assert!(
        matches!(
            order,
            (ServerFrame::WipeDevice, ServerFrame::SessionRevoked)
        ),
        "{order:?}"
    );
}
