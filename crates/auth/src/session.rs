//! Sessions: opaque tokens, stored hashed, with idle and absolute limits.
//!
//! Invariants:
//! - A token is 256 bits from the OS generator, shown to the client once as 64 hex
//!   characters; the hub stores only its SHA-256 ([`SessionRecord`]). A 256-bit random
//!   value needs no slow hash.
//! - A [`Session`] can only be obtained by [`start_session`], which needs both a
//!   [`PasswordVerified`] and a [`SecondFactor`] (so MFA cannot be skipped, PCI DSS 8.5.1),
//!   or by [`SessionRecord::resume`] within the idle timeout (default 15 min, PCI DSS 8.2.8)
//!   and the absolute lifetime (default 12 h). Privileged operations take `&Session`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::password::{
    PasswordContext, PasswordHash, PasswordHasher, PasswordPolicy, PasswordVerified,
};
use crate::recovery::{RecoveryCode, RecoveryCodeAccepted, RecoveryCodeSet};
use crate::totp::{Totp, TotpAccepted, TotpConfig, TotpSecret};
use crate::{Error, SecretString, rng};

/// Default idle timeout (PCI DSS 8.2.8).
pub const DEFAULT_IDLE_SECS: u64 = 15 * 60;
/// Default absolute lifetime.
pub const DEFAULT_ABSOLUTE_SECS: u64 = 12 * 60 * 60;
/// Token entropy in bytes (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// Session limits. An administrator may shorten them, not lengthen them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SessionPolicy {
    /// Seconds without activity before re-authentication.
    pub idle_secs: u64,
    /// Seconds after login before re-authentication, whatever the activity.
    pub absolute_secs: u64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_secs: DEFAULT_IDLE_SECS,
            absolute_secs: DEFAULT_ABSOLUTE_SECS,
        }
    }
}

impl SessionPolicy {
    /// Validates administrator settings.
    ///
    /// # Errors
    /// [`Error::PolicyBelowBaseline`] when a limit is zero or longer than the default.
    pub fn validate(self) -> Result<Self, Error> {
        if self.idle_secs == 0 || self.idle_secs > DEFAULT_IDLE_SECS {
            return Err(Error::PolicyBelowBaseline {
                setting: "idleSecs",
            });
        }
        if self.absolute_secs == 0 || self.absolute_secs > DEFAULT_ABSOLUTE_SECS {
            return Err(Error::PolicyBelowBaseline {
                setting: "absoluteSecs",
            });
        }
        Ok(self)
    }
}

/// The bearer token the client holds. `Debug` is redacted.
pub struct SessionToken(SecretString);

impl SessionToken {
    /// A token as presented by a client (not validated until [`SessionRecord::resume`]).
    pub fn from_presented(token: SecretString) -> Self {
        Self(token)
    }

    /// The token text, to hand to the client once.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// What the hub stores.
    pub fn hash(&self) -> SessionTokenHash {
        SessionTokenHash(Sha256::digest(self.0.expose().as_bytes()).into())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// SHA-256 of a session token: the hub's lookup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionTokenHash([u8; 32]);

impl SessionTokenHash {
    /// Raw bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Which second factor completed a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum SecondFactorMethod {
    /// A TOTP code for this step.
    Totp {
        /// The accepted step (the caller has persisted it).
        step: u64,
    },
    /// A recovery code.
    RecoveryCode,
}

/// Proof that a second factor was verified. It can only be made from a [`TotpAccepted`]
/// or a [`RecoveryCodeAccepted`], which only verification creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactor(SecondFactorMethod);

impl SecondFactor {
    /// Which factor it was, e.g. for the audit record.
    pub fn method(self) -> SecondFactorMethod {
        self.0
    }
}

impl From<TotpAccepted> for SecondFactor {
    fn from(a: TotpAccepted) -> Self {
        Self(SecondFactorMethod::Totp { step: a.step() })
    }
}

impl From<RecoveryCodeAccepted> for SecondFactor {
    fn from(_: RecoveryCodeAccepted) -> Self {
        Self(SecondFactorMethod::RecoveryCode)
    }
}

/// What the hub stores for a session. Built by [`start_session`], or by the hub from its
/// own storage; a record only yields a [`Session`] for the token whose hash it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// Whose session.
    pub user_id: String,
    /// SHA-256 of the token: the lookup key.
    pub token_hash: SessionTokenHash,
    /// Unix seconds of the login.
    pub created_at: u64,
    /// Unix seconds of the last accepted use.
    pub last_seen: u64,
}

/// An authenticated, unexpired session. Obtainable only through [`start_session`] or
/// [`SessionRecord::resume`]; privileged operations require one. Request-scoped: resume
/// again for the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    user_id: String,
    created_at: u64,
    expires_at: u64,
}

impl Session {
    /// Whose session.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Unix seconds of the login.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// Unix seconds when the session expires unless used again (the earlier of the idle
    /// and absolute limits).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

/// Starts a session after a password **and** a second factor were verified.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
pub fn start_session(
    user_id: &str,
    _password: PasswordVerified,
    _second_factor: SecondFactor,
    policy: &SessionPolicy,
    now: u64,
) -> Result<(SessionToken, SessionRecord, Session), Error> {
    let random = rng::bytes::<TOKEN_BYTES>()?;
    let token = SessionToken(SecretString::new(hex(random.expose())));
    let record = SessionRecord {
        user_id: user_id.to_owned(),
        token_hash: token.hash(),
        created_at: now,
        last_seen: now,
    };
    let session = record.session(policy);
    Ok((token, record, session))
}

impl SessionRecord {
    /// Validates `presented` against this record at `now`, and on success records the use.
    ///
    /// # Errors
    /// [`Error::SessionInvalid`] for a wrong token, [`Error::SessionExpired`] past the
    /// absolute lifetime, [`Error::SessionIdle`] past the idle timeout. The caller deletes
    /// the record on either expiry.
    pub fn resume(
        &mut self,
        presented: &SessionToken,
        policy: &SessionPolicy,
        now: u64,
    ) -> Result<Session, Error> {
        let matches: bool = presented.hash().0.ct_eq(&self.token_hash.0).into();
        if !matches {
            return Err(Error::SessionInvalid);
        }
        if now >= self.created_at.saturating_add(policy.absolute_secs) {
            return Err(Error::SessionExpired);
        }
        if now >= self.last_seen.saturating_add(policy.idle_secs) {
            return Err(Error::SessionIdle);
        }
        // A clock that went backwards never extends a session.
        self.last_seen = self.last_seen.max(now);
        Ok(self.session(policy))
    }

    fn session(&self, policy: &SessionPolicy) -> Session {
        let idle = self.last_seen.saturating_add(policy.idle_secs);
        let absolute = self.created_at.saturating_add(policy.absolute_secs);
        Session {
            user_id: self.user_id.clone(),
            created_at: self.created_at,
            expires_at: idle.min(absolute),
        }
    }
}

/// Privileged: changes a password. Re-verifies the current one and applies the policy.
///
/// # Errors
/// [`Error::InvalidCredentials`] if `current` is wrong, [`Error::PasswordRejected`] if
/// `new` fails the policy, or a hashing error.
pub fn change_password(
    _session: &Session,
    hasher: &PasswordHasher,
    policy: &PasswordPolicy,
    stored: &PasswordHash,
    current: &SecretString,
    new: &SecretString,
    context: &PasswordContext,
) -> Result<PasswordHash, Error> {
    hasher.verify(current, stored)?;
    policy.check(new, context)?;
    hasher.hash(new)
}

/// Privileged: replaces the user's recovery codes (the old set stops working once the
/// caller stores the new one).
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
pub fn regenerate_recovery_codes(
    _session: &Session,
) -> Result<(Vec<RecoveryCode>, RecoveryCodeSet), Error> {
    RecoveryCodeSet::generate()
}

/// Privileged: a new TOTP secret for the session's user. Keep the old one active until the
/// user proves the new one with a code ([`Totp::verify`]).
///
/// # Errors
/// [`Error::Rng`] or [`Error::TotpConfig`].
pub fn enroll_totp(
    session: &Session,
    config: TotpConfig,
    issuer: &str,
) -> Result<(TotpSecret, Totp), Error> {
    let secret = TotpSecret::generate()?;
    let totp = Totp::new(&secret, config, issuer, session.user_id())?;
    Ok((secret, totp))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes_both_nibbles() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }

    #[test]
    fn policy_cannot_be_lengthened() {
        let d = SessionPolicy::default;
        assert!(
            SessionPolicy {
                idle_secs: 3600,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(
            SessionPolicy {
                absolute_secs: 86_400,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(
            SessionPolicy {
                idle_secs: 300,
                ..d()
            }
            .validate()
            .is_ok()
        );
    }
}
