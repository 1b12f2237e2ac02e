//! A stored PHC string read back from disk: never panics, never asks for absurd cost.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_auth::SecretString;
use rampart_auth::password::{PasswordHash, PasswordHasher};

fuzz_target!(|input: &str| {
    if let Ok(stored) = PasswordHash::from_phc(input.to_owned()) {
        let hasher = PasswordHasher::insecure_for_tests();
        let _ = hasher.needs_rehash(&stored);
        // Verifying would run Argon2 with whatever (capped) cost the input names; the
        // parsing it starts with is the same as `from_phc`'s, so only tiny costs are run.
        if stored.as_phc().contains("$m=8,t=1,p=1$") {
            let _ = hasher.verify(&SecretString::new("x".to_owned()), &stored);
        }
    }
});
