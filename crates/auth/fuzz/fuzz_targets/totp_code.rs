//! A one-time code typed by anyone, at any time, with any stored step: never panics, and
//! anything accepted is a step inside the ±1 window after the stored one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_auth::SecretBytes;
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};

fuzz_target!(|input: (&str, u64, Option<u64>)| {
    let (code, now, last) = input;
    let secret = TotpSecret::from_bytes(SecretBytes::new(b"12345678901234567890".to_vec()))
        .expect("20-byte secret is valid");
    let totp = Totp::new(&secret, TotpConfig::default(), "Rampart", "fuzz").expect("valid");
    if let Ok(accepted) = totp.verify(code, now, last) {
        let current = now / 30;
        assert!(accepted.step().abs_diff(current) <= 1);
        assert!(last.is_none_or(|l| accepted.step() > l));
    }
});
