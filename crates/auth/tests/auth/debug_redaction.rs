//! `Debug` of every secret-bearing type prints `<redacted>` and nothing else.

use rampart_auth::password::PasswordHasher;
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::SessionToken;
use rampart_auth::totp::TotpSecret;
use rampart_auth::{Secret, SecretBytes};

use crate::support::{fresh_totp, s};

const CANARY: &str = "canary-Pa55word-0xDEADBEEF";

fn assert_redacted(debug: String) {
    assert_eq!(debug, "<redacted>");
    assert!(!debug.contains("canary"));
}

#[test]
fn every_secret_type_debugs_as_redacted() {
    assert_redacted(format!("{:?}", s(CANARY)));
    assert_redacted(format!(
        "{:?}",
        SecretBytes::new(CANARY.as_bytes().to_vec())
    ));
    assert_redacted(format!("{:?}", Secret::new([0xAAu8; 32])));

    let hasher = PasswordHasher::insecure_for_tests();
    assert_redacted(format!("{:?}", hasher.hash(&s(CANARY)).expect("hash")));

    let (secret, totp) = fresh_totp();
    assert_redacted(format!("{secret:?}"));
    assert_redacted(format!("{totp:?}"));
    assert_redacted(format!("{:?}", totp.otpauth_uri().expect("uri")));
    assert_redacted(format!("{:?}", totp.code_at(0)));
    assert_redacted(format!("{:?}", totp.qr_png().expect("png")));
    assert_redacted(format!(
        "{:?}",
        TotpSecret::generate().expect("rng").to_base32()
    ));

    let (codes, _) = RecoveryCodeSet::generate().expect("rng");
    for c in &codes {
        assert_redacted(format!("{c:?}"));
    }
    assert_redacted(format!("{:?}", SessionToken::from_presented(s(CANARY))));
}

#[test]
fn password_context_debug_hides_personal_data() {
    let ctx = crate::support::jane();
    let debug = format!("{ctx:?}");
    for personal in ["jdoe", "Jane", "smithers", "Acme"] {
        assert!(!debug.contains(personal), "{debug}");
    }
    assert!(debug.contains("<redacted>"));
}

#[test]
fn errors_and_containers_do_not_leak_the_password() {
    let policy = rampart_auth::password::PasswordPolicy::default();
    let err = policy
        .check(&s("canary"), &Default::default())
        .expect_err("too short");
    assert!(!format!("{err:?} {err}").contains("canary"));
    let nested = format!("{:#?}", Some(vec![s(CANARY)]));
    assert!(!nested.contains("canary"), "{nested}");
}
