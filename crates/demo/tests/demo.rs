//! The demo against its real, in-process hub on loopback: the provisioned account logs in
//! through the public API, simulated visitors converse and their pasted card numbers arrive
//! masked, and the account survives restarts, a corrupt credentials file and a lost database.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

use std::time::Duration;

use rampart_client::{ClientErrorCode, Endpoint, Event, HubApi, Live, LiveConfig};
use rampart_demo::{DemoConfig, DemoHub, SecretString};
use rampart_protocol::rest::LoginStep;
use rampart_protocol::{Author, ConversationId, ServerFrame};

mod support {
    use super::*;

    pub fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// A demo without visitors in `dir`.
    pub async fn quiet(dir: &std::path::Path) -> DemoHub {
        let mut config = DemoConfig::new(dir);
        config.simulated_visitors = false;
        DemoHub::start(config).await.unwrap()
    }

    /// Logs in as the demo agent through the public API with the authenticator's current
    /// code, or, if this step's code was already used, the next step's.
    pub async fn login(demo: &DemoHub, password: &SecretString) -> SecretString {
        let api = HubApi::new(demo.url().clone()).unwrap();
        let step = api
            .login(demo.account().username(), password)
            .await
            .unwrap();
        let LoginStep::TotpRequired { challenge, .. } = step else {
            panic!("an enrolled account asks for a code, got {step:?}");
        };
        let now = now();
        let (code, _) = demo.account().code_at(now);
        match api.verify_totp(&challenge, &SecretString::new(code)).await {
            Ok(session) => session.token,
            Err(error) if error.code() == ClientErrorCode::TotpReplayed => {
                let (next, _) = demo.account().code_at(now + 30);
                let session = api
                    .verify_totp(&challenge, &SecretString::new(next))
                    .await
                    .unwrap();
                session.token
            }
            Err(error) => panic!("login failed: {error}"),
        }
    }

    /// The next live event within 10 s.
    pub async fn event(events: &mut tokio::sync::mpsc::Receiver<Event>) -> Event {
        tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an event within 10 s")
            .expect("the connection task is running")
    }
}

use support::{event, login, now, quiet};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provisioned_agent_logs_in_with_password_and_the_current_code() {
    let dir = tempfile::tempdir().unwrap();
    let demo = quiet(dir.path()).await;
    assert!(demo.url().to_string().starts_with("http://127.0.0.1:"));
    let account = demo.account();
    assert_eq!(account.username(), "demo.agent");

    // Provisioning confirmed the authenticator with the previous step's code, so the code an
    // authenticator shows right now is still unused.
    let api = HubApi::new(demo.url().clone()).unwrap();
    let LoginStep::TotpRequired { challenge, .. } =
        api.login("demo.agent", account.password()).await.unwrap()
    else {
        panic!("the account is enrolled");
    };
    let at = now();
    let (code, left) = account.code_at(at);
    assert!((1..=30).contains(&left));
    let session = api
        .verify_totp(&challenge, &SecretString::new(code.clone()))
        .await
        .unwrap();
    assert_eq!(session.agent.username, "demo.agent");
    assert_eq!(api.me(&session.token).await.unwrap().username, "demo.agent");

    // Each code works once; within the same step the next step's code is accepted.
    let LoginStep::TotpRequired { challenge, .. } =
        api.login("demo.agent", account.password()).await.unwrap()
    else {
        panic!("the account is enrolled");
    };
    let replay = api
        .verify_totp(&challenge, &SecretString::new(code))
        .await
        .unwrap_err();
    assert_eq!(replay.code(), ClientErrorCode::TotpReplayed);
    let (next, _) = account.code_at(at + 30);
    api.verify_totp(&challenge, &SecretString::new(next))
        .await
        .unwrap();

    // The credentials file is the owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(rampart_demo::ACCOUNT_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    demo.shutdown().await.unwrap();
}

/// Test cards the scripts paste.
const CARDS: [&str; 2] = ["4111111111111111", "5555555555554444"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_visitors_wait_converse_and_their_cards_arrive_masked() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DemoConfig::new(dir.path());
    config.visitor_every = Duration::from_millis(50);
    config.max_waiting = 2;
    config.reply_delay = Duration::from_millis(20);
    let demo = DemoHub::start(config).await.unwrap();
    let token = login(&demo, demo.account().password()).await;
    let (agent, mut events) =
        Live::spawn(LiveConfig::new(demo.url().clone(), Endpoint::Agent, token));

    let mut accepted = std::collections::HashSet::new();
    let mut saw_waiting = false;
    // The conversation whose visitor pasted a card, once the agent has answered it.
    let mut answered: Option<ConversationId> = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no masked card and answer within 30 s"
        );
        let Event::Frame(frame) = event(&mut events).await else {
            continue;
        };
        match frame {
            ServerFrame::Queue { waiting, total } => {
                assert!(total <= 2, "at most max_waiting visitors wait: {total}");
                for entry in waiting {
                    saw_waiting = true;
                    assert!(entry.locale.starts_with("en") || entry.locale.starts_with("es"));
                    if accepted.insert(entry.conversation_id) {
                        agent.accept(entry.conversation_id).await.unwrap();
                    }
                }
            }
            ServerFrame::Message {
                conversation_id,
                author: Author::Visitor,
                text,
                spans,
                ..
            } => {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                for card in CARDS {
                    assert!(
                        !digits.contains(card),
                        "a raw card number reached the agent"
                    );
                }
                if answered == Some(conversation_id) {
                    // The visitor answered the agent's reply: the conversation flows.
                    break;
                }
                let card = spans.iter().find(|s| s.kind == "credit_card");
                if let Some(card) = card {
                    let masked = &text[card.start as usize..card.end as usize];
                    assert!(masked.chars().filter(char::is_ascii_digit).count() <= 4);
                    if answered.is_none() {
                        answered = Some(conversation_id);
                    }
                }
                // The agent answers everyone, so every visitor moves on through the script.
                agent
                    .send(conversation_id, "Thanks, let me check that for you.")
                    .await
                    .unwrap();
            }
            _ => {}
        }
    }
    assert!(saw_waiting);
    agent.shutdown().await.unwrap();
    demo.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_data_directory_reuses_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let first = quiet(dir.path()).await;
    let password = first.account().password().clone();
    let secret = first.account().totp_secret().clone();
    login(&first, &password).await;
    first.shutdown().await.unwrap();

    let second = quiet(dir.path()).await;
    assert_eq!(second.account().username(), "demo.agent");
    assert_eq!(second.account().password().expose(), password.expose());
    assert_eq!(second.account().totp_secret().expose(), secret.expose());
    login(&second, &password).await;
    second.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_account_file_is_replaced_by_a_fresh_account_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let first = quiet(dir.path()).await;
    let old = first.account().password().clone();
    first.shutdown().await.unwrap();
    let file = dir.path().join(rampart_demo::ACCOUNT_FILE);
    std::fs::write(&file, "{\"version\": 1, \"password\": ").unwrap();

    let second = quiet(dir.path()).await;
    let new = second.account().password().clone();
    assert_ne!(new.expose(), old.expose(), "a new password was set");
    login(&second, &new).await;
    let api = HubApi::new(second.url().clone()).unwrap();
    let refused = api.login("demo.agent", &old).await.unwrap_err();
    assert_eq!(refused.code(), ClientErrorCode::InvalidCredentials);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["username"], "demo.agent");
    second.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_the_hub_does_not_know_is_provisioned_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = quiet(dir.path()).await;
    first.shutdown().await.unwrap();
    std::fs::remove_dir_all(dir.path().join(rampart_demo::HUB_DIR)).unwrap();

    let second = quiet(dir.path()).await;
    let password = second.account().password().clone();
    login(&second, &password).await;
    second.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_starts_with_an_empty_queue() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DemoConfig::new(dir.path());
    config.visitor_every = Duration::from_millis(50);
    let first = DemoHub::start(config).await.unwrap();
    let (agent, mut events) = Live::spawn(LiveConfig::new(
        first.url().clone(),
        Endpoint::Agent,
        login(&first, first.account().password()).await,
    ));
    loop {
        if let Event::Frame(ServerFrame::Queue { total, .. }) = event(&mut events).await {
            if total > 0 {
                break;
            }
        }
    }
    agent.shutdown().await.unwrap();
    first.shutdown().await.unwrap();

    let second = quiet(dir.path()).await;
    let (agent, mut events) = Live::spawn(LiveConfig::new(
        second.url().clone(),
        Endpoint::Agent,
        login(&second, second.account().password()).await,
    ));
    let total = loop {
        if let Event::Frame(ServerFrame::Queue { total, .. }) = event(&mut events).await {
            break total;
        }
    };
    assert_eq!(total, 0, "visitors of the previous run no longer wait");
    agent.shutdown().await.unwrap();
    second.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_and_an_untrained_agent_are_provisioned_beside_the_demo_agent() {
    let dir = tempfile::tempdir().unwrap();
    let demo = quiet(dir.path()).await;
    let api = HubApi::new(demo.url().clone()).unwrap();
    for (account, username, role, file) in [
        (
            demo.trainer(),
            "demo.trainer",
            rampart_protocol::rest::Role::Trainer,
            rampart_demo::TRAINER_FILE,
        ),
        (
            demo.newcomer(),
            "demo.newcomer",
            rampart_protocol::rest::Role::Agent,
            rampart_demo::NEWCOMER_FILE,
        ),
    ] {
        assert_eq!(account.username(), username);
        let LoginStep::TotpRequired { challenge, .. } =
            api.login(username, account.password()).await.unwrap()
        else {
            panic!("{username} is enrolled");
        };
        let (code, _) = account.code_at(now());
        let session = api
            .verify_totp(&challenge, &SecretString::new(code))
            .await
            .unwrap();
        assert_eq!(session.agent.role, role);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    let trainer_password = demo.trainer().password().clone();
    demo.shutdown().await.unwrap();
    // Reused at the next start, like the demo agent.
    let again = quiet(dir.path()).await;
    assert_eq!(
        again.trainer().password().expose(),
        trainer_password.expose()
    );
    assert_eq!(
        rampart_demo::DemoAccount::load_newcomer(dir.path())
            .unwrap()
            .username(),
        "demo.newcomer"
    );
    again.shutdown().await.unwrap();
}
