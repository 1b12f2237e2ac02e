//! The cache key: 256 random bits, kept in the keychain as 64 hex digits, applied to SQLCipher
//! as a raw key (`PRAGMA key = "x'…'"`), so no passphrase KDF runs.
//!
//! Invariant: every buffer that holds the key or its hex form is zeroized on drop. No `Debug`.

use rampart_secret::{Secret, SecretString};
use rand::TryRngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Key length in bytes.
pub(crate) const KEY_LEN: usize = 32;

/// The raw SQLCipher key.
pub(crate) struct CacheKey(Secret<[u8; KEY_LEN]>);

impl CacheKey {
    /// A fresh key from the OS random generator.
    pub(crate) fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        OsRng
            .try_fill_bytes(bytes.as_mut())
            .map_err(|_| Error::Random)?;
        Ok(Self(Secret::new(*bytes)))
    }

    /// Parses the keychain form (64 hex digits, either case).
    pub(crate) fn from_stored(stored: &SecretString) -> Result<Self> {
        let hex = stored.expose().as_bytes();
        if hex.len() != KEY_LEN * 2 {
            return Err(Error::SecretMalformed);
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let hi = nibble(pair[0]).ok_or(Error::SecretMalformed)?;
            let lo = nibble(pair[1]).ok_or(Error::SecretMalformed)?;
            bytes[i] = (hi << 4) | lo;
        }
        Ok(Self(Secret::new(*bytes)))
    }

    /// The keychain form: 64 lowercase hex digits.
    pub(crate) fn to_stored(&self) -> SecretString {
        SecretString::new(self.hex().as_str().to_owned())
    }

    /// The statement that unlocks a connection. The caller runs it before anything else.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        let hex = self.hex();
        let mut sql = Zeroizing::new(String::with_capacity(KEY_LEN * 2 + 20));
        sql.push_str("PRAGMA key = \"x'");
        sql.push_str(&hex);
        sql.push_str("'\";");
        sql
    }

    fn hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = Zeroizing::new(String::with_capacity(KEY_LEN * 2));
        for b in self.0.expose() {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips() {
        let key = CacheKey::generate().expect("OS RNG works in tests");
        let again = CacheKey::from_stored(&key.to_stored()).expect("own output parses");
        assert_eq!(key.bytes(), again.bytes());
    }

    #[test]
    fn generated_keys_differ() {
        let a = CacheKey::generate().expect("OS RNG works in tests");
        let b = CacheKey::generate().expect("OS RNG works in tests");
        assert_ne!(a.bytes(), b.bytes());
    }

    #[test]
    fn pragma_is_a_raw_key_literal() {
        let key = CacheKey::from_stored(&SecretString::new("ab".repeat(KEY_LEN))).expect("hex");
        assert_eq!(
            key.pragma().as_str(),
            format!("PRAGMA key = \"x'{}'\";", "ab".repeat(KEY_LEN))
        );
    }

    proptest::proptest! {
        /// Whatever the keychain returns, parsing it never panics, and only 64 hex digits pass.
        #[test]
        fn parsing_any_stored_value_never_panics(s in "\\PC{0,80}") {
            let ok = CacheKey::from_stored(&SecretString::new(s.clone())).is_ok();
            let hex = s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
            proptest::prop_assert_eq!(ok, hex);
        }
    }

    #[test]
    fn malformed_stored_keys_are_refused() {
        for bad in ["", "zz", &"g".repeat(64), &"a".repeat(63), &"a".repeat(66)] {
            let err = CacheKey::from_stored(&SecretString::new(bad.to_owned()));
            assert!(matches!(err, Err(Error::SecretMalformed)));
        }
    }
}
