//! Any candidate password and context: the policy never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_auth::SecretString;
use rampart_auth::password::{PasswordContext, PasswordPolicy};

fuzz_target!(|input: (&str, &str, &str)| {
    let (password, username, email) = input;
    let context = PasswordContext {
        username: username.to_owned(),
        email: email.to_owned(),
        ..PasswordContext::default()
    };
    let _ = PasswordPolicy::default().evaluate(&SecretString::new(password.to_owned()), &context);
});
