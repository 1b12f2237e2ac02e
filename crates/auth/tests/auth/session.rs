//! Sessions: issuance needs both factors; idle and absolute limits; tokens stored hashed.

use rampart_auth::Error;
use rampart_auth::password::{PasswordContext, PasswordHasher, PasswordPolicy};
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::{
    SessionPolicy, SessionRecord, SessionToken, change_password, enroll_totp,
    regenerate_recovery_codes, start_session,
};
use rampart_auth::totp::TotpConfig;

use crate::support::{fresh_totp, s};

const T0: u64 = 1_700_000_000;

fn login() -> (SessionToken, SessionRecord) {
    let hasher = PasswordHasher::insecure_for_tests();
    let stored = hasher
        .hash(&s("violet kettle 7 orbit maple"))
        .expect("hash");
    let password = hasher
        .verify(&s("violet kettle 7 orbit maple"), &stored)
        .expect("verify");
    let (_, totp) = fresh_totp();
    let code = totp.code_at(T0);
    let second = totp.verify(code.expose(), T0, None).expect("totp");
    let (token, record, session) = start_session(
        "u-42",
        password,
        second.into(),
        &SessionPolicy::default(),
        T0,
    )
    .expect("session");
    assert_eq!(session.user_id(), "u-42");
    (token, record)
}

#[test]
fn token_is_256_bits_and_only_its_hash_is_stored() {
    let (token, record) = login();
    assert_eq!(token.expose().len(), 64);
    assert!(token.expose().bytes().all(|b| b.is_ascii_hexdigit()));
    let stored = serde_json::to_string(&record).expect("serialise");
    assert!(!stored.contains(token.expose()));
    assert_eq!(record.token_hash, token.hash());
    let back: SessionRecord = serde_json::from_str(&stored).expect("deserialise");
    assert_eq!(back, record);
    let (other, _) = login();
    assert_ne!(token.expose(), other.expose());
}

#[test]
fn idle_timeout_is_fifteen_minutes_and_activity_extends_it() {
    let p = SessionPolicy::default();
    let (token, mut record) = login();
    let session = record.resume(&token, &p, T0 + 14 * 60).expect("active");
    assert_eq!(session.expires_at(), T0 + 29 * 60);
    assert!(record.resume(&token, &p, T0 + 28 * 60).is_ok());
    assert!(matches!(
        record.resume(&token, &p, T0 + 43 * 60),
        Err(Error::SessionIdle)
    ));
}

#[test]
fn absolute_lifetime_is_twelve_hours_whatever_the_activity() {
    let p = SessionPolicy::default();
    let (token, mut record) = login();
    let mut now = T0;
    while now + 600 < T0 + 12 * 3600 {
        now += 600;
        record.resume(&token, &p, now).expect("kept alive");
    }
    assert!(matches!(
        record.resume(&token, &p, T0 + 12 * 3600),
        Err(Error::SessionExpired)
    ));
}

#[test]
fn wrong_token_is_refused() {
    let p = SessionPolicy::default();
    let (_, mut record) = login();
    let forged = SessionToken::from_presented(s(&"0".repeat(64)));
    assert!(matches!(
        record.resume(&forged, &p, T0 + 1),
        Err(Error::SessionInvalid)
    ));
}

#[test]
fn privileged_operations_take_a_session() {
    let p = SessionPolicy::default();
    let (token, mut record) = login();
    let session = record.resume(&token, &p, T0 + 60).expect("active");
    let hasher = PasswordHasher::insecure_for_tests();
    let stored = hasher
        .hash(&s("violet kettle 7 orbit maple"))
        .expect("hash");
    let policy = PasswordPolicy::default();
    let ctx = PasswordContext::default();

    let wrong = change_password(
        &session,
        &hasher,
        &policy,
        &stored,
        &s("nope"),
        &s("x"),
        &ctx,
    );
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
    let weak = change_password(
        &session,
        &hasher,
        &policy,
        &stored,
        &s("violet kettle 7 orbit maple"),
        &s("short1"),
        &ctx,
    );
    assert!(matches!(weak, Err(Error::PasswordRejected { .. })));
    let new = change_password(
        &session,
        &hasher,
        &policy,
        &stored,
        &s("violet kettle 7 orbit maple"),
        &s("granite puffin 4 lantern oboe"),
        &ctx,
    )
    .expect("changed");
    assert!(
        hasher
            .verify(&s("granite puffin 4 lantern oboe"), &new)
            .is_ok()
    );

    let (codes, mut set) = regenerate_recovery_codes(&session).expect("codes");
    let used = set.redeem(codes[0].expose()).expect("recovery code");
    let _ = start_session(
        "u-42",
        hasher
            .verify(&s("granite puffin 4 lantern oboe"), &new)
            .expect("verify"),
        used.into(),
        &p,
        T0,
    )
    .expect("recovery code completes a login");

    let (_, totp) = enroll_totp(&session, TotpConfig::default(), "Rampart").expect("enroll");
    assert!(totp.otpauth_uri().expect("uri").expose().contains("u-42"));
    let _: RecoveryCodeSet = set;
}
