//! Single-use recovery codes.
//!
//! Invariants:
//! - [`RECOVERY_CODE_COUNT`] codes are generated at once and shown once; only their hashes
//!   are stored ([`RecoveryCodeSet`]).
//! - Each code carries 120 bits from the OS generator. NIST SP 800-63B 5.1.2.2 allows a
//!   plain approved hash (here SHA-256, domain-separated) for look-up secrets of at least
//!   112 bits; a slow hash would add nothing but login latency.
//! - Redeeming compares against every stored hash without early exit, then clears the
//!   matching slot so the code cannot be used again. The caller persists the updated set
//!   before completing the login.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Error, SecretString, rng};

/// Codes per set.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Symbols per code (5 bits each: 120 bits).
const CODE_SYMBOLS: usize = 24;
/// Symbols per dash-separated group when shown.
const GROUP: usize = 4;
/// Crockford's base32 alphabet, lower-case: no i, l, o, u to avoid misreading.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Domain separation for the stored hashes.
const DOMAIN: &[u8] = b"rampart recovery code v1\0";

/// A recovery code as shown to the user once. `Debug` is redacted.
pub struct RecoveryCode(SecretString);

impl RecoveryCode {
    /// The code, grouped for reading (`xxxx-xxxx-…`).
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A recovery code that was accepted (and is now used up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryCodeAccepted {
    remaining: usize,
}

impl RecoveryCodeAccepted {
    /// Unused codes left; the UI should prompt for new ones when this is low.
    pub fn remaining(self) -> usize {
        self.remaining
    }
}

/// The stored form: one SHA-256 per code, `None` once used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodeSet {
    hashes: Vec<Option<[u8; 32]>>,
}

impl RecoveryCodeSet {
    /// Makes [`RECOVERY_CODE_COUNT`] new codes: show the first value once, store the second.
    ///
    /// # Errors
    /// [`Error::Rng`] if the OS generator fails.
    pub fn generate() -> Result<(Vec<RecoveryCode>, Self), Error> {
        let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
        let mut hashes = Vec::with_capacity(RECOVERY_CODE_COUNT);
        for _ in 0..RECOVERY_CODE_COUNT {
            let random = rng::bytes::<CODE_SYMBOLS>()?;
            // 256 is a multiple of 32, so masking keeps the symbols uniform.
            let symbols = SecretString::new(
                random
                    .expose()
                    .iter()
                    .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                    .collect(),
            );
            hashes.push(Some(digest(symbols.expose())));
            let shown = symbols
                .expose()
                .as_bytes()
                .chunks(GROUP)
                .map(|c| c.iter().map(|b| char::from(*b)).collect::<String>())
                .collect::<Vec<_>>()
                .join("-");
            codes.push(RecoveryCode(SecretString::new(shown)));
        }
        Ok((codes, Self { hashes }))
    }

    /// Unused codes left.
    pub fn remaining(&self) -> usize {
        self.hashes.iter().filter(|h| h.is_some()).count()
    }

    /// Accepts `input` if it is an unused code, and marks it used. Dashes, spaces and case
    /// are ignored, and the look-alikes `o`, `i`, `l` read as `0`, `1`, `1`.
    ///
    /// # Errors
    /// [`Error::RecoveryCodeInvalid`] if it matches no unused code.
    pub fn redeem(&mut self, input: &str) -> Result<RecoveryCodeAccepted, Error> {
        if input.len() > 4 * CODE_SYMBOLS {
            return Err(Error::RecoveryCodeInvalid);
        }
        let normalized = SecretString::new(
            input
                .chars()
                .filter(|c| !matches!(c, '-' | ' '))
                .map(|c| match c.to_ascii_lowercase() {
                    'o' => '0',
                    'i' | 'l' => '1',
                    other => other,
                })
                .collect(),
        );
        let candidate = digest(normalized.expose());
        let mut found: Option<usize> = None;
        for (i, stored) in self.hashes.iter().enumerate() {
            if let Some(h) = stored
                && bool::from(h.ct_eq(&candidate))
            {
                found = Some(i);
            }
        }
        let slot = found
            .and_then(|i| self.hashes.get_mut(i))
            .ok_or(Error::RecoveryCodeInvalid)?;
        *slot = None;
        Ok(RecoveryCodeAccepted {
            remaining: self.remaining(),
        })
    }
}

fn digest(symbols: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(symbols.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_well_formed_codes_each_usable_once() {
        let (codes, mut set) = RecoveryCodeSet::generate().expect("os rng");
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let mut seen: Vec<&str> = codes.iter().map(RecoveryCode::expose).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), RECOVERY_CODE_COUNT);
        for c in &codes {
            assert_eq!(c.expose().len(), CODE_SYMBOLS + CODE_SYMBOLS / GROUP - 1);
        }
        let first = set.redeem(codes[0].expose()).expect("first use");
        assert_eq!(first.remaining(), RECOVERY_CODE_COUNT - 1);
        assert!(matches!(
            set.redeem(codes[0].expose()),
            Err(Error::RecoveryCodeInvalid)
        ));
        assert_eq!(set.remaining(), RECOVERY_CODE_COUNT - 1);
    }

    #[test]
    fn input_is_normalised_for_case_dashes_and_look_alikes() {
        let (codes, mut set) = RecoveryCodeSet::generate().expect("os rng");
        let typed = codes[3]
            .expose()
            .replace('-', " ")
            .replace('0', "O")
            .replace('1', "l")
            .to_uppercase();
        assert!(set.redeem(&typed).is_ok());
    }

    #[test]
    fn stored_set_holds_no_plain_codes() {
        let (codes, set) = RecoveryCodeSet::generate().expect("os rng");
        let json = serde_json::to_string(&set).expect("serialise");
        for c in &codes {
            let plain = c.expose().replace('-', "");
            assert!(!json.contains(&plain));
        }
        let back: RecoveryCodeSet = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, set);
    }

    #[test]
    fn garbage_is_refused() {
        let (_, mut set) = RecoveryCodeSet::generate().expect("os rng");
        for input in ["", "zzzz", &"x".repeat(1000), "ünïcødé-ßß"] {
            assert!(matches!(set.redeem(input), Err(Error::RecoveryCodeInvalid)));
        }
        assert_eq!(set.remaining(), RECOVERY_CODE_COUNT);
    }
}
