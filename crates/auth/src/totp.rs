//! Time-based one-time passwords (RFC 6238) on top of `totp-rs`.
//!
//! Invariants:
//! - Secrets are 160 bits from the OS generator ([`TotpSecret::generate`]); shorter than
//!   128 bits is refused (RFC 4226 §4). `totp-rs` is only ever built through its checked
//!   builder, never `new_unchecked`.
//! - Verification accepts the current step and one step either side, and returns which
//!   step matched (RFC 6238 §5.2).
//! - Replay: the caller stores the last accepted step; a code whose step is at or before
//!   it fails with [`Error::TotpReplay`], distinct from [`Error::TotpInvalid`], so the
//!   caller can refuse and audit it (RFC 6238 §5.2, NIST SP 800-63B 5.1.4.1, ASVS 6.5.1).
//! - Time is a parameter. Window arithmetic is checked: no underflow at t = 0 and no
//!   overflow near `u64::MAX`; no input can panic.

use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Builder};

use crate::clock::Clock;
use crate::{Error, SecretBytes, SecretString, qr, rng};

/// Default step length in seconds (RFC 6238 §5.2).
pub const DEFAULT_PERIOD_SECS: u64 = 30;
/// Steps accepted either side of the current one.
pub const WINDOW_STEPS: u64 = 1;
/// Bytes in a generated secret (160 bits, RFC 4226 §4 recommendation).
pub const SECRET_BYTES: usize = 20;
/// Minimum secret length in bytes (128 bits, RFC 4226 §4 requirement).
pub const MIN_SECRET_BYTES: usize = 16;

/// HMAC hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1: the default, and the only one every authenticator app supports.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// Code length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TotpDigits {
    /// Six digits: the default.
    #[default]
    Six,
    /// Eight digits.
    Eight,
}

impl TotpDigits {
    /// As a number.
    pub fn count(self) -> u8 {
        match self {
            Self::Six => 6,
            Self::Eight => 8,
        }
    }
}

/// TOTP settings. The default is SHA-1, 6 digits, 30 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpConfig {
    /// HMAC hash function.
    pub algorithm: TotpAlgorithm,
    /// Code length.
    pub digits: TotpDigits,
    /// Step length in seconds (must be non-zero).
    pub period_secs: u64,
}

impl Default for TotpConfig {
    fn default() -> Self {
        Self {
            algorithm: TotpAlgorithm::Sha1,
            digits: TotpDigits::Six,
            period_secs: DEFAULT_PERIOD_SECS,
        }
    }
}

/// A shared TOTP secret. `Debug` is redacted; zeroized on drop.
#[derive(Clone)]
pub struct TotpSecret(SecretBytes);

impl TotpSecret {
    /// A fresh 160-bit secret from the OS generator.
    ///
    /// # Errors
    /// [`Error::Rng`] if the generator fails.
    pub fn generate() -> Result<Self, Error> {
        let bytes = rng::bytes::<SECRET_BYTES>()?;
        Ok(Self(SecretBytes::new(bytes.expose().to_vec())))
    }

    /// A secret from stored bytes.
    ///
    /// # Errors
    /// [`Error::TotpConfig`] if shorter than 128 bits.
    pub fn from_bytes(bytes: SecretBytes) -> Result<Self, Error> {
        if bytes.expose().len() < MIN_SECRET_BYTES {
            return Err(Error::TotpConfig {
                reason: "secret shorter than 128 bits",
            });
        }
        Ok(Self(bytes))
    }

    /// A secret from its unpadded RFC 4648 base32 form.
    ///
    /// # Errors
    /// [`Error::TotpConfig`] if it is not base32 or shorter than 128 bits.
    pub fn from_base32(encoded: &SecretString) -> Result<Self, Error> {
        let secret =
            totp_rs::Secret::try_from_base32(encoded.expose()).map_err(|_| Error::TotpConfig {
                reason: "secret is not base32",
            })?;
        Self::from_bytes(SecretBytes::new(secret.as_bytes().to_vec()))
    }

    /// The raw bytes, for storage (encrypted) by the caller.
    pub fn expose_bytes(&self) -> &[u8] {
        self.0.expose()
    }

    /// Unpadded base32, for manual entry into an authenticator app.
    pub fn to_base32(&self) -> SecretString {
        let secret = totp_rs::Secret::from(self.0.expose().as_slice());
        SecretString::new(secret.to_base32())
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A TOTP code that was accepted: the step it belongs to. The caller must persist
/// [`step`](Self::step) as the user's last accepted step before acting on the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpAccepted {
    step: u64,
}

impl TotpAccepted {
    /// The time step (Unix time / period) the code matched.
    pub fn step(self) -> u64 {
        self.step
    }
}

/// One user's TOTP authenticator. `Debug` is redacted (it holds the secret).
#[derive(Clone)]
pub struct Totp {
    inner: totp_rs::Totp,
    config: TotpConfig,
}

impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Totp {
    /// An authenticator for `account` at `issuer` (both shown in the authenticator app).
    ///
    /// # Errors
    /// [`Error::TotpConfig`] for a zero period, or an issuer or account containing `:`
    /// (the otpauth label separator) or an empty account.
    pub fn new(
        secret: &TotpSecret,
        config: TotpConfig,
        issuer: &str,
        account: &str,
    ) -> Result<Self, Error> {
        if config.period_secs == 0 {
            return Err(Error::TotpConfig {
                reason: "period must be non-zero",
            });
        }
        if account.is_empty() {
            return Err(Error::TotpConfig {
                reason: "account name is empty",
            });
        }
        if issuer.contains(':') || account.contains(':') {
            return Err(Error::TotpConfig {
                reason: "issuer and account may not contain ':'",
            });
        }
        let algorithm = match config.algorithm {
            TotpAlgorithm::Sha1 => Algorithm::SHA1,
            TotpAlgorithm::Sha256 => Algorithm::SHA256,
            TotpAlgorithm::Sha512 => Algorithm::SHA512,
        };
        let issuer = (!issuer.is_empty()).then_some(issuer);
        // Skew 0: the ±1 window is walked here, so that replays can be told apart.
        let inner = Builder::new()
            .with_algorithm(algorithm)
            .with_digits(config.digits.count())
            .with_secret(totp_rs::Secret::from(secret.expose_bytes()))
            .with_skew(0)
            .with_step_duration(config.period_secs)
            .with_account_name(account)
            .with_issuer(issuer)
            .build()
            .map_err(|e| Error::TotpConfig {
                reason: match e {
                    totp_rs::TotpError::SecretTooShort { .. } => "secret shorter than 128 bits",
                    totp_rs::TotpError::InvalidDigits { .. } => "digits must be 6 or 8",
                    _ => "rejected by totp-rs",
                },
            })?;
        Ok(Self { inner, config })
    }

    /// The settings.
    pub fn config(&self) -> TotpConfig {
        self.config
    }

    /// The step containing `unix_secs`.
    pub fn step_at(&self, unix_secs: u64) -> u64 {
        unix_secs / self.config.period_secs
    }

    /// The code for the step containing `unix_secs` (what the authenticator app shows).
    pub fn code_at(&self, unix_secs: u64) -> SecretString {
        SecretString::new(self.inner.generate(unix_secs).to_string())
    }

    /// Checks `code` at time `now` (Unix seconds) against the window T−1, T, T+1.
    /// `last_accepted_step` is what the caller persisted after the previous success.
    /// Spaces in the code are ignored.
    ///
    /// # Errors
    /// - [`Error::TotpMalformed`]: not exactly the configured number of ASCII digits.
    /// - [`Error::TotpReplay`]: matches a step at or before `last_accepted_step`.
    /// - [`Error::TotpInvalid`]: matches no step in the window.
    pub fn verify(
        &self,
        code: &str,
        now: u64,
        last_accepted_step: Option<u64>,
    ) -> Result<TotpAccepted, Error> {
        let digits = usize::from(self.config.digits.count());
        // Bound the work before copying anything out of untrusted input.
        if code.len() > 4 * digits {
            return Err(Error::TotpMalformed);
        }
        let compact = SecretString::new(code.chars().filter(|c| *c != ' ').collect());
        let compact = compact.expose();
        if compact.len() != digits || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::TotpMalformed);
        }

        let current = self.step_at(now);
        let candidates = [
            current.checked_sub(WINDOW_STEPS),
            Some(current),
            current.checked_add(WINDOW_STEPS),
        ];
        // Every candidate is computed (no early exit) so timing does not depend on which
        // step matched.
        let mut newest: Option<u64> = None;
        for step in candidates.into_iter().flatten() {
            let Some(at) = step.checked_mul(self.config.period_secs) else {
                continue;
            };
            if self.inner.check(compact, at).is_some() {
                newest = Some(newest.map_or(step, |n| n.max(step)));
            }
        }
        match (newest, last_accepted_step) {
            (None, _) => Err(Error::TotpInvalid),
            (Some(step), Some(last)) if step <= last => Err(Error::TotpReplay { step }),
            (Some(step), _) => Ok(TotpAccepted { step }),
        }
    }

    /// [`verify`](Self::verify) at the time `clock` reads.
    ///
    /// # Errors
    /// As [`verify`](Self::verify), plus [`Error::ClockBeforeEpoch`].
    pub fn verify_now(
        &self,
        code: &str,
        clock: &dyn Clock,
        last_accepted_step: Option<u64>,
    ) -> Result<TotpAccepted, Error> {
        self.verify(code, clock.unix_now()?, last_accepted_step)
    }

    /// The `otpauth://totp/…` enrollment URI. It contains the secret.
    ///
    /// # Errors
    /// [`Error::TotpConfig`] if totp-rs cannot build it.
    pub fn otpauth_uri(&self) -> Result<SecretString, Error> {
        self.inner
            .to_url()
            .map(SecretString::new)
            .map_err(|_| Error::TotpConfig {
                reason: "cannot build otpauth URI",
            })
    }

    /// The enrollment URI as a QR code in PNG. It contains the secret.
    ///
    /// # Errors
    /// [`Error::QrCode`] if rendering fails.
    pub fn qr_png(&self) -> Result<SecretBytes, Error> {
        let uri = self.otpauth_uri()?;
        qr::png(uri.expose().as_bytes()).map(SecretBytes::new)
    }

    /// The enrollment URI as a QR code in SVG. It contains the secret.
    ///
    /// # Errors
    /// [`Error::QrCode`] if rendering fails.
    pub fn qr_svg(&self) -> Result<SecretString, Error> {
        let uri = self.otpauth_uri()?;
        qr::svg(uri.expose().as_bytes()).map(SecretString::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totp() -> Totp {
        let secret = TotpSecret::generate().expect("os rng");
        Totp::new(
            &secret,
            TotpConfig::default(),
            "Rampart",
            "agent@example.com",
        )
        .expect("totp")
    }

    #[test]
    fn generated_secrets_are_160_bits_and_distinct() {
        let a = TotpSecret::generate().expect("os rng");
        let b = TotpSecret::generate().expect("os rng");
        assert_eq!(a.expose_bytes().len(), 20);
        assert_ne!(a.expose_bytes(), b.expose_bytes());
    }

    #[test]
    fn short_secrets_and_bad_labels_are_refused() {
        let short = TotpSecret::from_bytes(SecretBytes::new(vec![1; 15]));
        assert!(matches!(short, Err(Error::TotpConfig { .. })));
        let s = TotpSecret::generate().expect("os rng");
        let cfg = TotpConfig::default();
        assert!(Totp::new(&s, cfg, "Ram:part", "a").is_err());
        assert!(Totp::new(&s, cfg, "Rampart", "a:b").is_err());
        assert!(Totp::new(&s, cfg, "Rampart", "").is_err());
        let zero = TotpConfig {
            period_secs: 0,
            ..cfg
        };
        assert!(Totp::new(&s, zero, "Rampart", "a").is_err());
    }

    #[test]
    fn base32_round_trip() {
        let s = TotpSecret::generate().expect("os rng");
        let again = TotpSecret::from_base32(&s.to_base32()).expect("decode");
        assert_eq!(s.expose_bytes(), again.expose_bytes());
        let bad = SecretString::new("not base32 !!".to_owned());
        assert!(TotpSecret::from_base32(&bad).is_err());
    }

    #[test]
    fn malformed_codes_are_told_apart_from_wrong_ones() {
        let t = totp();
        for code in [
            "",
            "12345",
            "1234567",
            "12345a",
            "+12345",
            "１２３４５６",
            "12\u{0}456",
        ] {
            assert!(
                matches!(t.verify(code, 1_000_000, None), Err(Error::TotpMalformed)),
                "{code:?}"
            );
        }
        let code = t.code_at(1_000_000);
        let spaced = format!("{} {}", &code.expose()[..3], &code.expose()[3..]);
        assert!(t.verify(&spaced, 1_000_000, None).is_ok());
    }

    #[test]
    fn no_underflow_at_time_zero_and_no_overflow_at_the_end_of_time() {
        let t = totp();
        let c0 = t.code_at(0);
        assert_eq!(
            t.verify(c0.expose(), 0, None).map(TotpAccepted::step).ok(),
            Some(0)
        );
        let c1 = t.code_at(30);
        assert_eq!(
            t.verify(c1.expose(), 0, None).map(TotpAccepted::step).ok(),
            Some(1)
        );
        let end = u64::MAX;
        let c = t.code_at(end);
        assert_eq!(
            t.verify(c.expose(), end, None).map(TotpAccepted::step).ok(),
            Some(end / 30)
        );
    }

    #[test]
    fn otpauth_uri_carries_issuer_account_and_parameters() {
        let s = TotpSecret::from_bytes(SecretBytes::new(b"12345678901234567890".to_vec()))
            .expect("secret");
        let cfg = TotpConfig {
            algorithm: TotpAlgorithm::Sha256,
            digits: TotpDigits::Eight,
            period_secs: 30,
        };
        let t = Totp::new(&s, cfg, "Rampart", "agent@example.com").expect("totp");
        let uri = t.otpauth_uri().expect("uri");
        let uri = uri.expose();
        assert!(
            uri.starts_with("otpauth://totp/Rampart:agent%40example.com?"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(
            uri.contains("digits=8") && uri.contains("algorithm=SHA256"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Rampart"), "{uri}");
    }
}
