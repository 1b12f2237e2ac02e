//! The HTTP API and the live connection against a real hub: the login flow with TOTP, typed
//! refusals, transport failures, revocation of an open connection, and no secret in the logs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampart_auth::clock::Clock;
use rampart_client::{ApiOptions, ClientErrorCode, Endpoint, Event, HubApi, HubUrl, Live};
use rampart_protocol::ServerFrame;
use rampart_protocol::rest::{LoginStep, Role};
use tokio::net::TcpListener;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_enrolls_logs_in_with_totp_and_logs_out() {
    let hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (session, id) = hub.agent(&api, "ana").await;
    assert!(
        !session.recovery_codes.is_empty(),
        "codes come with enrollment"
    );
    let me = api.me(&session.token).await.unwrap();
    assert_eq!(
        (me.id, me.username.as_str(), me.role),
        (id, "ana", Role::Agent)
    );

    api.logout(&session.token).await.unwrap();
    let error = api.me(&session.token).await.unwrap_err();
    assert_eq!(error.code(), ClientErrorCode::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_the_hubs_codes() {
    let hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (_, _) = hub.agent(&api, "ana").await;

    let unacknowledged = api.new_visitor("en", "").await.unwrap_err();
    assert_eq!(
        unacknowledged.code(),
        ClientErrorCode::PrivacyNotAcknowledged
    );

    let wrong = api
        .login("ana", &secret("not the password"))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ClientErrorCode::InvalidCredentials);

    let bad_code = api
        .enroll("nobody", &secret("000000"), &secret(PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(bad_code.code(), ClientErrorCode::EnrollmentInvalid);

    // A TOTP code is good once: the same code for a second login is a replay.
    let totp = {
        // Re-enroll a fresh account to get at its authenticator.
        let (code_id, code) = hub
            .server
            .login
            .create_agent(
                rampart_audit::Actor::System,
                "bea",
                "Bea",
                Role::Agent,
                None,
            )
            .await
            .unwrap();
        let _ = code_id;
        api.enroll("bea", &code, &secret(PASSWORD)).await.unwrap();
        let LoginStep::EnrollmentRequired {
            challenge,
            otpauth_uri,
            ..
        } = api.login("bea", &secret(PASSWORD)).await.unwrap()
        else {
            panic!("enrollment first");
        };
        let totp = authenticator(&otpauth_uri);
        let code = totp.code_at(hub.clock.unix_now().unwrap());
        api.verify_totp(&challenge, &code).await.unwrap();
        totp
    };
    let LoginStep::TotpRequired { challenge, .. } =
        api.login("bea", &secret(PASSWORD)).await.unwrap()
    else {
        panic!("TOTP on every login");
    };
    let replayed = totp.code_at(hub.clock.unix_now().unwrap());
    let error = api.verify_totp(&challenge, &replayed).await.unwrap_err();
    assert_eq!(error.code(), ClientErrorCode::TotpReplayed);
    assert!(!error.is_transient());
}

#[tokio::test]
async fn an_unreachable_hub_and_a_silent_hub_are_told_apart() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = HubUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let error = HubApi::new(closed)
        .unwrap()
        .login("ana", &secret(PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ClientErrorCode::HubUnreachable);
    assert!(error.is_transient());

    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = HubUrl::parse(&format!("http://{}", silent.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let options = ApiOptions {
        connect_timeout: Duration::from_millis(200),
        request_timeout: Duration::from_millis(300),
        ..ApiOptions::default()
    };
    let api = HubApi::with_options(url, options).unwrap();
    let error = api.login("ana", &secret(PASSWORD)).await.unwrap_err();
    assert_eq!(error.code(), ClientErrorCode::Timeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_open_connection() {
    let hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (session, _) = hub.agent(&api, "ana").await;
    let (_live, mut events) = Live::spawn(live_config(
        hub.url_direct(),
        Endpoint::Agent,
        &session.token,
        1,
    ));
    wait_for(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    api.logout(&session.token).await.unwrap();
    wait_for(&mut events, |e| matches!(e, Event::SessionRevoked)).await;
    wait_for(&mut events, |e| matches!(e, Event::Stopped { .. })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_restart_on_the_same_port_is_survived_without_loss() {
    let mut hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (session, _) = hub.agent(&api, "ana").await;
    let agent = client(live_config(
        hub.url_direct(),
        Endpoint::Agent,
        &session.token,
        1,
    ));
    agent
        .live
        .set_availability(rampart_protocol::Availability::Available)
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(5), || agent
            .seen
            .lock()
            .unwrap()
            .connects
            == 1)
        .await
    );
    let visitor = visitor(&api).await;
    let conversation = visitor.conversation_id;
    let guest = client(live_config(
        hub.url_direct(),
        Endpoint::Visitor,
        &visitor.token,
        2,
    ));
    for n in 0..5 {
        guest
            .live
            .send(conversation, format!("antes {n}"))
            .await
            .unwrap();
    }
    assert!(
        eventually(Duration::from_secs(5), || guest
            .seen
            .lock()
            .unwrap()
            .acks
            .len()
            == 5)
        .await
    );

    let port = hub.addr.port();
    hub.restart_on(port).await;
    // Sent while the hub restarts, and after.
    for n in 0..5 {
        guest
            .live
            .send(conversation, format!("después {n}"))
            .await
            .unwrap();
    }
    let all_seen = |c: &Client| {
        c.seen
            .lock()
            .unwrap()
            .messages
            .get(&conversation)
            .map_or(0, Vec::len)
            == 10
    };
    assert!(
        eventually(Duration::from_secs(10), || all_seen(&agent)
            && all_seen(&guest))
        .await,
        "both ends see all ten messages after the restart"
    );
    for end in [&agent, &guest] {
        let seen = end.seen.lock().unwrap();
        assert!(seen.violations.is_empty(), "{:?}", seen.violations);
        assert!(seen.connects >= 2, "reconnected after the restart");
    }
    hub.stop().await;
}

/// A writer that keeps everything logged, to grep for secrets.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Current-thread runtime: the capturing subscriber sees every task of the test.
#[tokio::test]
async fn no_password_token_code_or_message_text_reaches_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let hub = TestHub::start(3).await;
    let api = HubApi::new(hub.url_direct()).unwrap();
    let (session, _) = hub.agent(&api, "ana").await;
    let _ = api.login("ana", &secret("canary-wrong-password")).await;
    let (live, mut events) = Live::spawn(live_config(
        hub.url_direct(),
        Endpoint::Agent,
        &session.token,
        1,
    ));
    live.set_availability(rampart_protocol::Availability::Available)
        .await
        .unwrap();
    wait_for(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let visitor = visitor(&api).await;
    wait_for(&mut events, |e| {
        matches!(e, Event::Frame(ServerFrame::Assigned { .. }))
    })
    .await;
    let (visitor_live, mut visitor_events) = Live::spawn(live_config(
        hub.url_direct(),
        Endpoint::Visitor,
        &visitor.token,
        2,
    ));
    visitor_live
        .send(visitor.conversation_id, "canary-message-text")
        .await
        .unwrap();
    wait_for(&mut visitor_events, |e| {
        matches!(e, Event::Frame(ServerFrame::Ack { .. }))
    })
    .await;
    wait_for(&mut events, |e| {
        matches!(e, Event::Frame(ServerFrame::Message { .. }))
    })
    .await;
    api.logout(&session.token).await.unwrap();

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(!logs.is_empty(), "the subscriber captured something");
    for canary in [
        PASSWORD,
        "canary-wrong-password",
        "canary-message-text",
        session.token.expose().as_str(),
        visitor.token.expose().as_str(),
    ] {
        assert!(!logs.contains(canary), "a secret reached the logs");
    }
}

async fn wait_for(
    events: &mut tokio::sync::mpsc::Receiver<Event>,
    matches: impl Fn(&Event) -> bool,
) {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("the event within 5 s")
            .expect("the client is running");
        if matches(&event) {
            return;
        }
    }
}
