//! The crate's one error type.
//!
//! Invariant: no variant carries a password, a code, a token, a secret or a hash, so an
//! error can be logged or shown as is. Messages are English developer text; the UI
//! branches on the variant (and, for policy rejections, on [`Rejection`] codes).

use crate::password::Rejection;

/// Everything that can go wrong in `rampart-auth`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The password does not satisfy the policy; each reason is a code plus parameters.
    #[error("password rejected by policy ({} reason(s))", .reasons.len())]
    PasswordRejected {
        /// Why, in a form the UI translates (never contains the password).
        reasons: Vec<Rejection>,
    },
    /// The administrator's policy settings are weaker than the baseline allows.
    #[error("policy setting `{setting}` is below the security baseline")]
    PolicyBelowBaseline {
        /// Name of the offending setting.
        setting: &'static str,
    },
    /// The password does not match the stored hash.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The stored hash is not an Argon2id PHC string this crate can read.
    #[error("stored password hash is malformed or not Argon2id")]
    MalformedHash,
    /// Argon2 rejected the parameters (memory, iterations, lanes).
    #[error("invalid Argon2id parameters")]
    InvalidHashParams,
    /// Argon2 failed while hashing.
    #[error("password hashing failed")]
    Hashing,
    /// The operating system's random generator failed; nothing was generated.
    #[error("the operating system's random generator failed")]
    Rng,
    /// The clock reads before the Unix epoch.
    #[error("the clock reads before the Unix epoch")]
    ClockBeforeEpoch,
    /// The one-time code is not of the expected shape (length, digits only).
    #[error("one-time code is malformed")]
    TotpMalformed,
    /// The one-time code matches no step in the accepted window.
    #[error("one-time code is invalid")]
    TotpInvalid,
    /// The one-time code matches a step at or before the last accepted one (RFC 6238 §5.2).
    /// The caller must refuse and audit it.
    #[error("one-time code was already used (step {step})")]
    TotpReplay {
        /// The step the replayed code belongs to.
        step: u64,
    },
    /// The TOTP settings are not acceptable (secret too short, bad digits, bad label).
    #[error("invalid TOTP configuration: {reason}")]
    TotpConfig {
        /// Which rule was broken; never contains the secret.
        reason: &'static str,
    },
    /// The enrollment QR code could not be rendered.
    #[error("could not render the enrollment QR code")]
    QrCode,
    /// The recovery code matches no unused code.
    #[error("recovery code is invalid or already used")]
    RecoveryCodeInvalid,
    /// The session token does not match the stored session.
    #[error("session token is invalid")]
    SessionInvalid,
    /// The session was idle longer than the idle timeout (PCI DSS 8.2.8).
    #[error("session expired after inactivity")]
    SessionIdle,
    /// The session reached its absolute lifetime.
    #[error("session reached its maximum lifetime")]
    SessionExpired,
}
