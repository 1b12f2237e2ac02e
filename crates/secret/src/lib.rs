//! `Secret<T>`: the one wrapper for passwords, TOTP secrets, session tokens, keys and raw
//! personal data.
//!
//! Invariants:
//! - `Debug` prints `<redacted>`; there is no `Display` and no `Serialize`, so a secret cannot
//!   reach a log line, an error message or a wire frame by accident.
//! - The inner value is zeroized when the wrapper is dropped.
//! - Reading the value is explicit (`expose`), which makes every use greppable in review.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Libraries that write what passes through them at debug and trace level: tungstenite logs
/// every WebSocket message it receives (a visitor's card number, a form's CVV), hyper, h2 and
/// reqwest log headers (bearer tokens). The hub's and the console's log filters keep these at
/// info at most, whatever `RAMPART_LOG` asks for, so raising the level to debug a problem never
/// writes personal data or secrets.
pub const PAYLOAD_LOGGERS: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "tokio_rustls",
    "axum",
    "tower_http",
];

/// Whether a log event from `target` may be written: `false` for debug/trace (`verbose`)
/// events of the [`PAYLOAD_LOGGERS`] and their modules.
pub fn loggable(target: &str, verbose: bool) -> bool {
    !(verbose
        && PAYLOAD_LOGGERS.iter().any(|crate_name| {
            target
                .strip_prefix(crate_name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        }))
}

/// A value that must never be logged, printed or serialised.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives read access to the value. Call sites are where secrets are used: keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Secret<T> {}

/// Secrets can be read from a request body (a password in a login request) but never written:
/// there is deliberately no `Serialize`. Code that must send a secret exposes it explicitly.
#[cfg(feature = "serde")]
impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
    }
}

/// A secret string (password, token, TOTP code).
pub type SecretString = Secret<String>;
/// Secret bytes (keys, TOTP secrets).
pub type SecretBytes = Secret<Vec<u8>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_loggers_are_held_at_info_and_others_are_not() {
        assert!(!loggable("tungstenite::protocol", true));
        assert!(!loggable("tokio_tungstenite", true));
        assert!(!loggable("hyper_util::client::legacy", true));
        assert!(
            loggable("tungstenite::protocol", false),
            "info and above pass"
        );
        assert!(loggable("rampart_hub::server", true));
        assert!(loggable("hyperfine", true), "a prefix is not a crate");
    }

    #[test]
    fn debug_is_redacted_for_strings_and_bytes() {
        let s = SecretString::new("hunter2-canary".to_owned());
        let b = SecretBytes::new(vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{b:?}"), "<redacted>");
        assert_eq!(format!("{:#?}", Some(&s)), "Some(\n    <redacted>,\n)");
    }

    #[test]
    fn expose_returns_the_value() {
        let s = SecretString::from("abc".to_owned());
        assert_eq!(s.expose(), "abc");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn deserializes_without_leaking_through_debug() {
        let s: SecretString = serde_json::from_str("\"pa55word-canary\"").unwrap();
        assert_eq!(s.expose(), "pa55word-canary");
        assert_eq!(format!("{s:?}"), "<redacted>");
    }

    #[test]
    fn zeroize_clears_the_value() {
        let mut v = String::from("topsecret");
        v.zeroize();
        assert!(v.is_empty());
    }
}
