//! Property tests: no input string makes verification panic.

use proptest::prelude::*;
use rampart_auth::password::{PasswordHash, PasswordHasher, PasswordPolicy};
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::session::{SessionPolicy, SessionToken};

use crate::support::{fresh_totp, s};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn totp_verify_never_panics(code in any::<String>(), now in any::<u64>(), last in any::<Option<u64>>()) {
        let (_, t) = fresh_totp();
        let _ = t.verify(&code, now, last);
    }

    #[test]
    fn totp_verify_never_panics_on_digit_strings(code in "[0-9 ]{0,12}", now in any::<u64>()) {
        let (_, t) = fresh_totp();
        let _ = t.verify(&code, now, Some(now / 30));
    }

    #[test]
    fn recovery_redeem_never_panics(input in any::<String>()) {
        let (_, mut set) = RecoveryCodeSet::generate().expect("rng");
        prop_assert!(set.redeem(&input).is_err());
    }

    #[test]
    fn stored_hash_parsing_never_panics(phc in any::<String>()) {
        let _ = PasswordHash::from_phc(phc);
    }

    #[test]
    fn session_resume_never_panics(token in any::<String>(), now in any::<u64>()) {
        let p = SessionPolicy::default();
        let stored = serde_json::json!({
            "userId": "u",
            "tokenHash": SessionToken::from_presented(s("x")).hash(),
            "createdAt": 0,
            "lastSeen": 0,
        });
        let mut record: rampart_auth::session::SessionRecord =
            serde_json::from_value(stored).expect("stored record");
        let _ = record.resume(&SessionToken::from_presented(s(&token)), &p, now);
    }
}

proptest! {
    // Argon2 and zxcvbn cost more per case; fewer cases keep the debug suite fast.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn password_verify_never_panics(pw in any::<String>()) {
        let hasher = PasswordHasher::insecure_for_tests();
        let stored = hasher.hash(&s("violet kettle 7 orbit maple")).expect("hash");
        prop_assert!(hasher.verify(&s(&pw), &stored).is_err());
    }

    #[test]
    fn policy_never_panics(pw in any::<String>()) {
        let _ = PasswordPolicy::default().evaluate(&s(&pw), &crate::support::jane());
    }

    #[test]
    fn policy_never_panics_on_long_unicode(pw in "\\PC{60,300}") {
        let _ = PasswordPolicy::default().evaluate(&s(&pw), &crate::support::jane());
    }
}
