//! Login: password, TOTP enrollment and verification, replay, lockout, sessions.

use crate::support::*;
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

#[tokio::test]
async fn an_admin_can_unlock_reset_totp_and_revoke_sessions_all_audited() {
    let hub = hub();
    agent(&hub, "ana").await;
    let (session, _) = first_login(&hub, "ana").await;
    // Lock the account.
    for _ in 0..10 {
        hub.clock.advance(61);
        let _ = hub
            .login
            .start("ana", secret("wrong password 123"), None)
            .await;
    }
    hub.clock.advance(61);
    assert!(matches!(
        hub.login.start("ana", secret(PASSWORD), None).await,
        Err(LoginError::LockedOut(_))
    ));
    hub.login
        .unlock(rampart_audit::Actor::System, "ana", None)
        .await
        .unwrap();
    assert!(hub.login.start("ana", secret(PASSWORD), None).await.is_ok());

    // Revocation ends the session.
    let ended = hub
        .login
        .revoke_sessions(rampart_audit::Actor::System, "ana", None)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(hub.login.authenticate(&session.token, None).await.is_err());

    // After a TOTP reset the next login enrolls again.
    hub.login
        .reset_totp(rampart_audit::Actor::System, "ana", None)
        .await
        .unwrap();
    hub.clock.advance(30);
    assert!(matches!(
        hub.login
            .start("ana", secret(PASSWORD), None)
            .await
            .unwrap(),
        LoginStep::EnrollmentRequired { .. }
    ));
    assert_eq!(hub.count(Action::AccountUnlocked), 1);
    assert_eq!(hub.count(Action::TotpReset), 1);
    assert!(hub.count(Action::SessionRevoked) >= 1);
    assert!(matches!(
        hub.login
            .unlock(rampart_audit::Actor::System, "nobody", None)
            .await,
        Err(LoginError::UnknownAccount)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_cannot_outrun_the_lockout() {
    let hub = hub();
    agent(&hub, "ana").await;
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let login = hub.login.clone();
            tokio::spawn(
                async move { login.start("ana", secret("wrong password 123"), None).await },
            )
        })
        .collect();
    let mut checked = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Err(LoginError::InvalidCredentials) => checked += 1,
            Err(LoginError::TooManyAttempts(_) | LoginError::LockedOut(_)) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // Only the free attempts get their password checked; the rest are refused unchecked.
    assert!(checked <= 4, "{checked} passwords were checked");
    let record = hub
        .store
        .account_by_username("ana")
        .await
        .unwrap()
        .unwrap()
        .failures;
    assert_eq!(
        record.consecutive, checked,
        "every checked attempt was counted"
    );
}

#[tokio::test]
async fn an_older_enrollment_challenge_cannot_replace_the_enrolled_authenticator() {
    let hub = hub();
    agent(&hub, "ana").await;
    let enroll = |step| match step {
        LoginStep::EnrollmentRequired {
            challenge,
            otpauth_uri,
            ..
        } => (challenge, authenticator(&otpauth_uri)),
        other => panic!("expected enrollment, got {other:?}"),
    };
    let (a, totp_a) = enroll(
        hub.login
            .start("ana", secret(PASSWORD), None)
            .await
            .unwrap(),
    );
    let (b, totp_b) = enroll(
        hub.login
            .start("ana", secret(PASSWORD), None)
            .await
            .unwrap(),
    );
    let victim = hub
        .login
        .complete(&a, &totp_a.code_at(hub.clock_now()), None)
        .await
        .unwrap();
    hub.clock.advance(30);
    let attacker = hub
        .login
        .complete(&b, &totp_b.code_at(hub.clock_now()), None)
        .await;
    assert!(
        matches!(attacker, Err(LoginError::ChallengeExpired)),
        "{attacker:?}"
    );
    // The victim's authenticator still works and their session is intact.
    assert!(hub.login.authenticate(&victim.token, None).await.is_ok());
    hub.clock.advance(30);
    let next = challenge(&hub, "ana").await;
    assert!(
        hub.login
            .complete(&next, &totp_a.code_at(hub.clock_now()), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn unknown_usernames_get_the_same_throttling_as_real_ones() {
    let hub = hub();
    agent(&hub, "ana").await;
    let mut real = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..5 {
        real.push(
            hub.login
                .start("ana", secret("wrong password 123"), None)
                .await,
        );
        unknown.push(
            hub.login
                .start("nobody", secret("wrong password 123"), None)
                .await,
        );
    }
    let shape = |r: &Result<LoginStep, LoginError>| match r {
        Err(LoginError::InvalidCredentials) => "invalid",
        Err(LoginError::TooManyAttempts(_)) => "wait",
        Err(LoginError::LockedOut(_)) => "locked",
        _ => "other",
    };
    let real: Vec<_> = real.iter().map(shape).collect();
    let unknown: Vec<_> = unknown.iter().map(shape).collect();
    assert_eq!(real, unknown);
    assert!(real.contains(&"wait"), "the schedule kicked in: {real:?}");
}

#[tokio::test]
async fn a_locked_console_unlocks_with_a_code_once_and_the_code_cannot_log_in_after() {
    let hub = hub();
    let id = agent(&hub, "ana").await;
    let (_, totp) = first_login(&hub, "ana").await;
    hub.clock.advance(30);
    let code = totp.code_at(hub.clock_now());
    hub.login.confirm_code(id, &code, None).await.unwrap();
    assert_eq!(hub.count(Action::ConsoleUnlocked), 1);
    // The same code again, for an unlock or a login, is a replay.
    let again = hub.login.confirm_code(id, &code, None).await;
    assert!(matches!(again, Err(LoginError::TotpReplayed)), "{again:?}");
    let login = challenge(&hub, "ana").await;
    let replay = hub.login.complete(&login, &code, None).await;
    assert!(
        matches!(replay, Err(LoginError::TotpReplayed)),
        "{replay:?}"
    );
    // A wrong code is refused and audited, without the code.
    let wrong = hub.login.confirm_code(id, &secret("000000"), None).await;
    assert!(matches!(wrong, Err(LoginError::TotpInvalid)), "{wrong:?}");
    let malformed = hub.login.confirm_code(id, &secret("12ab"), None).await;
    assert!(
        matches!(malformed, Err(LoginError::TotpInvalid)),
        "{malformed:?}"
    );
    assert_eq!(hub.count(Action::TotpReplayed), 2);
    assert_eq!(hub.count(Action::TotpFailed), 2);
    assert_eq!(hub.count(Action::ConsoleUnlocked), 1);
    assert!(hub.audit.log().verify(None).is_ok());
}

#[tokio::test]
async fn wrong_unlock_codes_count_towards_the_lockout_and_a_locked_account_cannot_unlock() {
    let hub = hub();
    let id = agent(&hub, "ana").await;
    let (_, totp) = first_login(&hub, "ana").await;
    let mut locked = false;
    for _ in 0..20 {
        hub.clock.advance(120);
        match hub.login.confirm_code(id, &secret("000000"), None).await {
            Err(LoginError::TotpInvalid) => {}
            Err(LoginError::LockedOut(_)) => {
                locked = true;
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(locked, "consecutive wrong unlock codes lock the account");
    assert_eq!(hub.count(Action::AccountLocked), 1);
    // Even the right code is refused while locked.
    hub.clock.advance(30);
    let right = totp.code_at(hub.clock_now());
    assert!(matches!(
        hub.login.confirm_code(id, &right, None).await,
        Err(LoginError::LockedOut(_))
    ));
}

#[tokio::test]
async fn a_right_unlock_code_does_not_forgive_earlier_failures() {
    let hub = hub();
    let id = agent(&hub, "ana").await;
    let (_, totp) = first_login(&hub, "ana").await;
    // Some failures, then a right code: only the code's own attempt is given back, so the
    // earlier failures and as many again reach the lockout.
    for _ in 0..5 {
        hub.clock.advance(120);
        assert!(
            hub.login
                .confirm_code(id, &secret("000000"), None)
                .await
                .is_err()
        );
    }
    hub.clock.advance(120);
    let code = totp.code_at(hub.clock_now());
    hub.login.confirm_code(id, &code, None).await.unwrap();
    for _ in 0..5 {
        hub.clock.advance(120);
        assert!(matches!(
            hub.login.confirm_code(id, &secret("000000"), None).await,
            Err(LoginError::TotpInvalid)
        ));
    }
    assert_eq!(
        hub.count(Action::AccountLocked),
        1,
        "the tenth failure locks"
    );
    hub.clock.advance(30);
    assert!(matches!(
        hub.login
            .confirm_code(id, &totp.code_at(hub.clock_now()), None)
            .await,
        Err(LoginError::LockedOut(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_between_the_upgrade_and_hello_gets_no_welcome() {
    let hub = live_hub().await;
    let (token, _, _) = hub.agent_session("ana").await;
    // The socket is open (its token was good), but the console logs out before it says hello:
    // the logout finds no registered connection to close.
    let mut console = hub.connect("/ws/agent", &token).await;
    let response = hub
        .http
        .post(hub.url("/api/v1/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let answer = console.hello(vec![]).await;
    assert!(
        matches!(answer, rampart_protocol::ServerFrame::SessionRevoked),
        "hello after the session ended: {answer:?}"
    );
}
