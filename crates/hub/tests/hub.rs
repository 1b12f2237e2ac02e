//! Integration tests of the hub.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod support {
    use std::sync::Arc;

    use rampart_audit::{Action, Actor};
    use rampart_auth::SecretString;
    use rampart_auth::clock::ManualClock;
    use rampart_auth::password::PasswordHasher;
    use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
    use rampart_hub::audit::Audit;
    use rampart_hub::login::{Login, LoginPolicy};
    use rampart_hub::store::{NewMessage, Store, StoredAuthor};
    use rampart_protocol::rest::{LoginStep, Role, SessionGranted};
    use rampart_protocol::{AgentId, ConversationId, MessageId, VisitorId};

    pub const START: u64 = 1_700_000_000;
    pub const PASSWORD: &str = "correct horse battery staple 42";

    pub struct Hub {
        #[allow(dead_code, reason = "kept for tests that inspect the store directly")]
        pub store: Store,
        pub audit: Audit,
        pub login: Login,
        pub clock: Arc<ManualClock>,
        pub dir: tempfile::TempDir,
    }

    pub fn hub() -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hub.db")).unwrap();
        let audit = Audit::open(&dir.path().join("audit.db")).unwrap();
        let clock = Arc::new(ManualClock::at(START));
        let policy = LoginPolicy {
            // Argon2 cost is not what these tests are about.
            hasher: PasswordHasher::insecure_for_tests(),
            organisation: "Acme Support".into(),
            ..LoginPolicy::default()
        };
        let login = Login::new(store.clone(), audit.clone(), clock.clone(), policy);
        Hub {
            store,
            audit,
            login,
            clock,
            dir,
        }
    }

    pub fn secret(s: &str) -> SecretString {
        SecretString::new(s.to_owned())
    }

    /// Creates an account and sets its password with the enrollment code.
    pub async fn agent(hub: &Hub, username: &str) -> AgentId {
        let (id, code) = hub
            .login
            .create_agent(Actor::System, username, "Ana López", Role::Agent, None)
            .await
            .unwrap();
        hub.login
            .enroll_password(username, &code, &secret(PASSWORD), None)
            .await
            .unwrap();
        id
    }

    /// The TOTP generator for an enrollment URI (what the agent's authenticator app does).
    pub fn authenticator(uri: &str) -> Totp {
        let query = uri.split_once('?').unwrap().1;
        let base32 = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("secret="))
            .unwrap();
        let secret = TotpSecret::from_base32(&secret(base32)).unwrap();
        Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").unwrap()
    }

    /// First login: password, enrollment, first code. Returns the session and the
    /// authenticator for later codes.
    pub async fn first_login(hub: &Hub, username: &str) -> (SessionGranted, Totp) {
        let step = hub
            .login
            .start(username, secret(PASSWORD), None)
            .await
            .unwrap();
        let LoginStep::EnrollmentRequired {
            challenge,
            otpauth_uri,
            qr_svg,
            ..
        } = step
        else {
            panic!("first login must enroll TOTP, got {step:?}");
        };
        assert!(qr_svg.starts_with("<?xml") || qr_svg.contains("<svg"));
        let totp = authenticator(&otpauth_uri);
        let code = totp.code_at(hub.clock_now());
        let session = hub.login.complete(&challenge, &code, None).await.unwrap();
        (session, totp)
    }

    impl Hub {
        pub fn clock_now(&self) -> u64 {
            use rampart_auth::clock::Clock;
            self.clock.unix_now().unwrap()
        }

        pub fn actions(&self) -> Vec<String> {
            self.audit
                .log()
                .records_from(0)
                .map(|r| r.unwrap().event.action.name().to_owned())
                .collect()
        }

        pub fn count(&self, action: Action) -> usize {
            self.actions()
                .iter()
                .filter(|a| *a == action.name())
                .count()
        }
    }

    pub struct TempStore {
        pub store: Store,
        pub dir: tempfile::TempDir,
    }

    pub fn open() -> TempStore {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hub.db")).unwrap();
        TempStore { store, dir }
    }

    pub async fn conversation(store: &Store) -> ConversationId {
        let id = ConversationId::new();
        store
            .create_conversation(id, VisitorId::new(), "en", 1_000)
            .await
            .unwrap();
        id
    }

    pub fn message(conversation: ConversationId, text: &str) -> NewMessage {
        NewMessage {
            id: MessageId::new(),
            conversation_id: conversation,
            author: StoredAuthor::Visitor,
            text: text.to_owned(),
            spans: Vec::new(),
            now_ms: 2_000,
        }
    }
}

mod login {
    use super::support::*;
    use rampart_audit::Action;
    use rampart_hub::login::LoginError;
    use rampart_protocol::rest::LoginStep;

    async fn challenge(hub: &Hub, username: &str) -> String {
        match hub
            .login
            .start(username, secret(PASSWORD), None)
            .await
            .unwrap()
        {
            LoginStep::TotpRequired { challenge, .. } => challenge,
            other => panic!("expected a TOTP step, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn first_login_enrolls_totp_and_returns_recovery_codes_once() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (session, _) = first_login(&hub, "ana").await;
        assert_eq!(session.recovery_codes.len(), 10);
        assert_eq!(session.agent.username, "ana");
        let authed = hub.login.authenticate(&session.token, None).await.unwrap();
        assert_eq!(authed.agent.id, session.agent.id);
        assert_eq!(hub.count(Action::TotpEnrolled), 1);
        assert_eq!(hub.count(Action::LoginSucceeded), 1);
        assert!(hub.audit.log().verify(None).is_ok());

        // The next login asks for a code, not for enrollment, and brings no recovery codes.
        hub.clock.advance(60);
        let challenge = challenge(&hub, "ana").await;
        assert!(!challenge.is_empty());
    }

    #[tokio::test]
    async fn a_password_alone_never_yields_a_session() {
        let hub = hub();
        agent(&hub, "ana").await;
        let step = hub
            .login
            .start("ana", secret(PASSWORD), None)
            .await
            .unwrap();
        let LoginStep::EnrollmentRequired { challenge, .. } = step else {
            panic!()
        };
        // The challenge is not a token.
        assert!(matches!(
            hub.login.authenticate(&secret(&challenge), None).await,
            Err(LoginError::Unauthenticated)
        ));
        // Nor is an empty or made-up code accepted.
        for code in ["", "000000", "12345", "abcdef"] {
            assert!(
                hub.login
                    .complete(&challenge, &secret(code), None)
                    .await
                    .is_err()
            );
        }
    }

    #[tokio::test]
    async fn a_used_code_is_refused_on_the_next_login_and_audited() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (_, totp) = first_login(&hub, "ana").await;
        hub.clock.advance(30);
        let code = totp.code_at(hub.clock_now());
        let first = challenge(&hub, "ana").await;
        hub.login.complete(&first, &code, None).await.unwrap();
        // A phished code replayed within its validity window.
        let second = challenge(&hub, "ana").await;
        let replay = hub.login.complete(&second, &code, None).await;
        assert!(
            matches!(replay, Err(LoginError::TotpReplayed)),
            "{replay:?}"
        );
        assert_eq!(hub.count(Action::TotpReplayed), 1);
    }

    #[tokio::test]
    async fn replay_protection_survives_a_hub_restart() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (_, totp) = first_login(&hub, "ana").await;
        let code = totp.code_at(hub.clock_now());
        // Same hub files, new process state.
        let restarted = rampart_hub::login::Login::new(
            rampart_hub::store::Store::open(&hub.dir.path().join("hub.db")).unwrap(),
            hub.audit.clone(),
            hub.clock.clone(),
            rampart_hub::login::LoginPolicy {
                hasher: rampart_auth::password::PasswordHasher::insecure_for_tests(),
                ..Default::default()
            },
        );
        let LoginStep::TotpRequired { challenge, .. } = restarted
            .start("ana", secret(PASSWORD), None)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert!(matches!(
            restarted.complete(&challenge, &code, None).await,
            Err(LoginError::TotpReplayed)
        ));
    }

    #[tokio::test]
    async fn wrong_codes_count_towards_lockout() {
        let hub = hub();
        agent(&hub, "ana").await;
        first_login(&hub, "ana").await;
        let mut locked = false;
        for _ in 0..20 {
            hub.clock.advance(120);
            match hub.login.start("ana", secret(PASSWORD), None).await {
                Ok(LoginStep::TotpRequired { challenge, .. }) => {
                    let result = hub
                        .login
                        .complete(&challenge, &secret("000000"), None)
                        .await;
                    assert!(result.is_err());
                }
                Err(LoginError::LockedOut(_)) => {
                    locked = true;
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(locked, "ten consecutive wrong codes lock the account");
        assert_eq!(hub.count(Action::AccountLocked), 1);
    }

    #[tokio::test]
    async fn ten_wrong_passwords_lock_for_thirty_minutes_and_success_resets() {
        let hub = hub();
        agent(&hub, "ana").await;
        let mut outcomes = Vec::new();
        for _ in 0..10 {
            hub.clock.advance(61);
            outcomes.push(
                hub.login
                    .start("ana", secret("wrong password 123"), None)
                    .await,
            );
        }
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Err(LoginError::InvalidCredentials)))
        );
        hub.clock.advance(61);
        let locked = hub.login.start("ana", secret(PASSWORD), None).await;
        let Err(LoginError::LockedOut(until)) = locked else {
            panic!("{locked:?}")
        };
        // Locked at the tenth failure, 61 s ago, for 30 minutes.
        assert_eq!(until, hub.clock_now() - 61 + 30 * 60);
        assert_eq!(hub.count(Action::AccountLocked), 1);
        // After the lock the right password works again.
        hub.clock.advance(31 * 60);
        assert!(hub.login.start("ana", secret(PASSWORD), None).await.is_ok());
    }

    #[tokio::test]
    async fn early_retries_are_throttled_without_checking_the_password() {
        let hub = hub();
        agent(&hub, "ana").await;
        for _ in 0..4 {
            let _ = hub
                .login
                .start("ana", secret("wrong password 123"), None)
                .await;
        }
        let throttled = hub.login.start("ana", secret(PASSWORD), None).await;
        assert!(
            matches!(throttled, Err(LoginError::TooManyAttempts(s)) if s > 0),
            "{throttled:?}"
        );
    }

    #[tokio::test]
    async fn unknown_users_fail_like_wrong_passwords() {
        let hub = hub();
        let result = hub.login.start("nobody", secret(PASSWORD), None).await;
        assert!(matches!(result, Err(LoginError::InvalidCredentials)));
        assert_eq!(hub.count(Action::LoginFailed), 1);
    }

    #[tokio::test]
    async fn sessions_expire_when_idle_and_are_audited() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (session, _) = first_login(&hub, "ana").await;
        hub.clock.advance(14 * 60);
        assert!(hub.login.authenticate(&session.token, None).await.is_ok());
        hub.clock.advance(15 * 60 + 1);
        assert!(matches!(
            hub.login.authenticate(&session.token, None).await,
            Err(LoginError::Unauthenticated)
        ));
        assert_eq!(hub.count(Action::SessionExpired), 1);
    }

    #[tokio::test]
    async fn logout_ends_the_session() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (session, _) = first_login(&hub, "ana").await;
        hub.login.logout(&session.token, None).await.unwrap();
        assert!(hub.login.authenticate(&session.token, None).await.is_err());
        assert_eq!(hub.count(Action::SessionRevoked), 1);
    }

    #[tokio::test]
    async fn an_enrollment_code_works_once_and_weak_passwords_are_refused() {
        let hub = hub();
        let (_, code) = hub
            .login
            .create_agent(
                rampart_audit::Actor::System,
                "bo",
                "Bo",
                rampart_protocol::rest::Role::Agent,
                None,
            )
            .await
            .unwrap();
        let weak = hub
            .login
            .enroll_password("bo", &code, &secret("password1234"), None)
            .await;
        assert!(matches!(weak, Err(LoginError::PasswordRejected(r)) if !r.is_empty()));
        hub.login
            .enroll_password("bo", &code, &secret(PASSWORD), None)
            .await
            .unwrap();
        let again = hub
            .login
            .enroll_password("bo", &code, &secret("another good pass 99"), None)
            .await;
        assert!(matches!(again, Err(LoginError::EnrollmentInvalid)));
        let wrong = hub
            .login
            .enroll_password("bo", &secret("nope"), &secret(PASSWORD), None)
            .await;
        assert!(matches!(wrong, Err(LoginError::EnrollmentInvalid)));
    }

    #[tokio::test]
    async fn challenges_expire() {
        let hub = hub();
        agent(&hub, "ana").await;
        let (_, totp) = first_login(&hub, "ana").await;
        hub.clock.advance(30);
        let challenge = challenge(&hub, "ana").await;
        hub.clock.advance(5 * 60 + 1);
        let code = totp.code_at(hub.clock_now());
        assert!(matches!(
            hub.login.complete(&challenge, &code, None).await,
            Err(LoginError::ChallengeExpired)
        ));
    }

    #[tokio::test]
    async fn usernames_are_unique_regardless_of_case() {
        let hub = hub();
        agent(&hub, "ana").await;
        let dup = hub
            .login
            .create_agent(
                rampart_audit::Actor::System,
                "ANA",
                "x",
                rampart_protocol::rest::Role::Agent,
                None,
            )
            .await;
        assert!(matches!(dup, Err(LoginError::UsernameTaken)));
    }
}

mod store {
    use super::support::*;
    use rampart_hub::store::{ConversationState, Store, StoreError, StoredAuthor};
    use rampart_protocol::{AgentId, ConversationId, MessageId, Seq};
    use std::collections::HashSet;

    #[tokio::test]
    async fn appends_get_gap_free_sequence_numbers() {
        let t = open();
        let conv = conversation(&t.store).await;
        for expected in 1..=5 {
            let appended = t.store.append(message(conv, "hi")).await.unwrap();
            assert_eq!(appended.seq, Seq(expected));
            assert!(!appended.duplicate);
        }
        let all = t.store.messages_after(conv, Seq::ZERO, 100).await.unwrap();
        let seqs: Vec<u64> = all.iter().map(|m| m.seq.0).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn a_resend_with_the_same_id_is_stored_once_with_the_same_seq() {
        let t = open();
        let conv = conversation(&t.store).await;
        let first = message(conv, "first");
        let a = t.store.append(first.clone()).await.unwrap();
        t.store.append(message(conv, "second")).await.unwrap();
        let again = t.store.append(first).await.unwrap();
        assert_eq!(again.seq, a.seq);
        assert_eq!(again.sent_at, a.sent_at);
        assert!(again.duplicate);
        assert_eq!(
            t.store
                .messages_after(conv, Seq::ZERO, 100)
                .await
                .unwrap()
                .len(),
            2
        );
    }

    #[tokio::test]
    async fn an_id_reused_in_another_conversation_is_refused() {
        let t = open();
        let one = conversation(&t.store).await;
        let two = conversation(&t.store).await;
        let m = message(one, "x");
        t.store.append(m.clone()).await.unwrap();
        let mut stolen = m;
        stolen.conversation_id = two;
        assert!(matches!(
            t.store.append(stolen).await,
            Err(StoreError::IdConflict)
        ));
        assert!(
            t.store
                .messages_after(two, Seq::ZERO, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn closed_and_missing_conversations_refuse_messages() {
        let t = open();
        let conv = conversation(&t.store).await;
        t.store.close(conv, 3_000).await.unwrap();
        t.store.close(conv, 3_001).await.unwrap();
        assert!(matches!(
            t.store.append(message(conv, "late")).await,
            Err(StoreError::ConversationClosed)
        ));
        assert!(matches!(
            t.store
                .append(message(ConversationId::new(), "nowhere"))
                .await,
            Err(StoreError::ConversationNotFound)
        ));
        assert!(matches!(
            t.store.assign(conv, AgentId::new()).await,
            Err(StoreError::ConversationClosed)
        ));
    }

    #[tokio::test]
    async fn assignment_moves_a_conversation_out_of_the_queue() {
        let t = open();
        let first = conversation(&t.store).await;
        let second = conversation(&t.store).await;
        let waiting: Vec<ConversationId> = t
            .store
            .waiting()
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(waiting.len(), 2);
        assert!(waiting.contains(&first) && waiting.contains(&second));
        let agent = AgentId::new();
        t.store.assign(first, agent).await.unwrap();
        assert_eq!(
            t.store.conversation_state(first).await.unwrap(),
            (ConversationState::Active, Some(agent))
        );
        let waiting: Vec<ConversationId> = t
            .store
            .waiting()
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(waiting, vec![second]);
    }

    #[tokio::test]
    async fn resume_returns_exactly_what_follows_the_last_seen_seq() {
        let t = open();
        let conv = conversation(&t.store).await;
        for i in 0..10 {
            t.store
                .append(message(conv, &format!("m{i}")))
                .await
                .unwrap();
        }
        let rest = t.store.messages_after(conv, Seq(7), 100).await.unwrap();
        let texts: Vec<&str> = rest.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, vec!["m7", "m8", "m9"]);
        assert_eq!(
            t.store.messages_after(conv, Seq(4), 2).await.unwrap().len(),
            2
        );
        assert!(
            t.store
                .messages_after(conv, Seq(10), 100)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_with_resends_store_each_message_once_in_order() {
        let t = open();
        let mut conversations = Vec::new();
        for _ in 0..4 {
            conversations.push(conversation(&t.store).await);
        }
        let mut tasks = Vec::new();
        for task in 0..40 {
            let store = t.store.clone();
            let conv = conversations[task % conversations.len()];
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..25 {
                    let m = message(conv, &format!("t{task} m{i}"));
                    let first = store.append(m.clone()).await.unwrap();
                    // Every third message is resent, as a client does after a lost ack.
                    if i % 3 == 0 {
                        let again = store.append(m.clone()).await.unwrap();
                        assert_eq!(again.seq, first.seq);
                        assert!(again.duplicate);
                    }
                    ids.push(m.id);
                }
                ids
            }));
        }
        let mut sent: HashSet<MessageId> = HashSet::new();
        for task in tasks {
            sent.extend(task.await.unwrap());
        }
        assert_eq!(sent.len(), 1_000);
        let mut stored = HashSet::new();
        for conv in conversations {
            let all = t
                .store
                .messages_after(conv, Seq::ZERO, 10_000)
                .await
                .unwrap();
            for (index, m) in all.iter().enumerate() {
                assert_eq!(m.seq, Seq(index as u64 + 1), "gap-free");
                assert!(stored.insert(m.id), "stored once");
            }
        }
        assert_eq!(stored, sent);
    }

    #[tokio::test]
    async fn a_failing_write_does_not_disturb_concurrent_writes() {
        let t = open();
        let conv = conversation(&t.store).await;
        let good = t.store.append(message(conv, "ok"));
        let bad = t.store.append(message(ConversationId::new(), "nowhere"));
        let good2 = t.store.append(message(conv, "ok too"));
        let (good, bad, good2) = tokio::join!(good, bad, good2);
        assert!(good.is_ok() && good2.is_ok());
        assert!(matches!(bad, Err(StoreError::ConversationNotFound)));
        assert_eq!(
            t.store
                .messages_after(conv, Seq::ZERO, 10)
                .await
                .unwrap()
                .len(),
            2
        );
    }

    #[tokio::test]
    async fn messages_and_dedup_survive_a_reopen() {
        let t = open();
        let path = t.store.path().to_path_buf();
        let conv = conversation(&t.store).await;
        let m = message(conv, "before restart");
        let a = t.store.append(m.clone()).await.unwrap();
        drop(t.store);
        let reopened = Store::open(&path).unwrap();
        let again = reopened.append(m).await.unwrap();
        assert_eq!(again.seq, a.seq);
        assert!(again.duplicate);
        let all = reopened.messages_after(conv, Seq::ZERO, 10).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].author, StoredAuthor::Visitor);
        drop(t.dir);
    }
}
