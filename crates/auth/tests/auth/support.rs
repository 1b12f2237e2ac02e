//! Helpers that keep each test a few lines long.

#![allow(dead_code)] // Each module uses a different subset.

use rampart_auth::SecretBytes;
use rampart_auth::SecretString;
use rampart_auth::password::{PasswordContext, PasswordPolicy, Rejection};
use rampart_auth::totp::{Totp, TotpAlgorithm, TotpConfig, TotpDigits, TotpSecret};

/// A secret string from a literal.
pub fn s(value: &str) -> SecretString {
    SecretString::new(value.to_owned())
}

/// Reasons the default policy gives for `pw` with no user context.
pub fn reasons(pw: &str) -> Vec<Rejection> {
    PasswordPolicy::default().evaluate(&s(pw), &PasswordContext::default())
}

/// Reasons the default policy gives for `pw` for the user Jane Doe of Acme.
pub fn reasons_for_jane(pw: &str) -> Vec<Rejection> {
    PasswordPolicy::default().evaluate(&s(pw), &jane())
}

/// A typical user context.
pub fn jane() -> PasswordContext {
    PasswordContext {
        username: "jdoe".to_owned(),
        display_name: "Jane Doe".to_owned(),
        email: "jane.smithers@acme-support.example".to_owned(),
        organisation: "Acme Widgets".to_owned(),
    }
}

/// The RFC 6238 appendix B seeds, per algorithm.
pub fn rfc_seed(alg: TotpAlgorithm) -> &'static [u8] {
    match alg {
        TotpAlgorithm::Sha1 => b"12345678901234567890",
        TotpAlgorithm::Sha256 => b"12345678901234567890123456789012",
        TotpAlgorithm::Sha512 => {
            b"1234567890123456789012345678901234567890123456789012345678901234"
        }
    }
}

/// A TOTP over `seed` with the given algorithm and digits, 30 s steps.
pub fn totp_with(seed: &[u8], algorithm: TotpAlgorithm, digits: TotpDigits) -> Totp {
    let secret = TotpSecret::from_bytes(SecretBytes::new(seed.to_vec())).expect("valid seed");
    let config = TotpConfig {
        algorithm,
        digits,
        period_secs: 30,
    };
    Totp::new(&secret, config, "Rampart", "agent@example.com").expect("valid totp")
}

/// The default TOTP (SHA-1, 6 digits, 30 s) over a fresh random secret.
pub fn fresh_totp() -> (TotpSecret, Totp) {
    let secret = TotpSecret::generate().expect("os rng");
    let totp = Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").expect("totp");
    (secret, totp)
}
