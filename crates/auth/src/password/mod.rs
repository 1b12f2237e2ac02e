//! Passwords: the policy a new password must meet, and Argon2id hashing.

pub(crate) mod blocklist;
mod hash;
mod policy;

pub use hash::{HashParams, PasswordHash, PasswordHasher, PasswordVerified};
pub use policy::{
    BASELINE_MAX_CHARS, BASELINE_MIN_CHARS, BASELINE_MIN_SCORE, ContextField, DEFAULT_MAX_CHARS,
    PasswordContext, PasswordPolicy, PasswordRules, Rejection,
};

/// Number of passwords in the bundled common-password list.
pub fn blocklist_len() -> usize {
    blocklist::len()
}
