//! `rampart-auth`: the authentication rules of Rampart, in one Tauri-free crate used by the
//! hub (every login) and the console (enrollment and password hints).
//!
//! What it owns:
//! - [`password`]: the password policy (NFKC, length, common-password list, context words,
//!   zxcvbn) and Argon2id hashing.
//! - [`totp`]: RFC 6238 codes with a ±1 step window and replay detection; enrollment URI
//!   and QR code.
//! - [`recovery`]: ten single-use recovery codes, stored hashed.
//! - [`lockout`]: growing delays and a 30-minute lock after ten failures.
//! - [`session`]: opaque tokens, stored hashed, with idle and absolute limits, and the
//!   [`session::Session`] type privileged operations require.
//!
//! Invariants: nothing here reads the clock on its own (time is a parameter or a
//! [`clock::Clock`]); secrets live in [`Secret`] or in types whose `Debug` prints
//! `<redacted>`; no error carries a secret; no input can panic.
//!
//! A login on the hub, in order: [`lockout::LockoutPolicy::decide`] → on `Allow`,
//! [`password::PasswordHasher::verify`] → [`totp::Totp::verify`] (persist the step) or
//! [`recovery::RecoveryCodeSet::redeem`] (persist the set) → [`session::start_session`];
//! every failure goes through [`lockout::LockoutPolicy::record_failure`], success through
//! [`lockout::LockoutPolicy::record_success`].

pub mod clock;
mod error;
pub mod lockout;
pub mod password;
mod qr;
pub mod recovery;
mod rng;
pub mod session;
pub mod totp;

pub use error::Error;
pub use rampart_secret::{Secret, SecretBytes, SecretString};
