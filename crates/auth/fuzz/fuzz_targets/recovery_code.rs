//! Anything typed as a recovery code: never panics, never accepted unless it is one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_auth::recovery::RecoveryCodeSet;

fuzz_target!(|input: &str| {
    let (_, mut set) = RecoveryCodeSet::generate().expect("os rng");
    assert!(set.redeem(input).is_err());
});
