//! Organisations: the tenants of one hub.
//!
//! A hub may host several organisations (a support firm serving several client companies).
//! Every staff account, conversation, allow-list entry and training cohort belongs to exactly
//! one; an organisation's staff never see another's visitors or data, and the hub answers a
//! request about another organisation's conversation exactly as it answers one about a
//! conversation that does not exist.
//!
//! The organisation named by the configuration's `organisation` is the `default` one: existing
//! databases were migrated into it, and visitors and accounts that name no organisation land
//! there. Ids are short stable slugs (they appear on embed tags and in URLs); display names
//! can change.

use std::fmt;
use std::str::FromStr;

/// The id of the organisation every hub has.
pub const DEFAULT_ORG: &str = "default";

/// Longest organisation id.
pub const MAX_ORG_ID: usize = 40;
/// Longest display name.
pub const MAX_ORG_NAME: usize = 80;

/// Why an organisation id, name or setting was refused. Messages are safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrgError {
    /// Not a slug: 1–40 lower-case ASCII letters, digits and inner hyphens.
    #[error(
        "an organisation id has 1 to {MAX_ORG_ID} lower-case letters, digits and hyphens, and \
         starts and ends with a letter or digit"
    )]
    InvalidId,
    /// Empty, too long, or holding control characters.
    #[error("an organisation name has 1 to {MAX_ORG_NAME} characters and no control characters")]
    InvalidName,
    /// Retention outside 1–3650 days.
    #[error("retention must be 1 to 3650 days")]
    InvalidRetention,
}

/// An organisation's id: a slug such as `acme` or `globex-eu`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// Checks a slug.
    pub fn parse(text: &str) -> Result<Self, OrgError> {
        let bytes = text.as_bytes();
        let edge_ok =
            |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let valid = (1..=MAX_ORG_ID).contains(&bytes.len())
            && edge_ok(bytes.first())
            && edge_ok(bytes.last())
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(OrgError::InvalidId)
        }
    }

    /// The `default` organisation.
    pub fn default_org() -> Self {
        Self(DEFAULT_ORG.to_owned())
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the `default` organisation.
    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_ORG
    }
}

impl Default for OrgId {
    fn default() -> Self {
        Self::default_org()
    }
}

impl FromStr for OrgId {
    type Err = OrgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Stable id.
    pub id: OrgId,
    /// Display name (certificates, authenticator apps, `org list`).
    pub name: String,
    /// Days its closed conversations are kept; `None`: the hub's `[retention] transcript_days`.
    pub retention_days: Option<u32>,
    /// When it was created (Unix seconds).
    pub created_at: u64,
}

/// Checks a display name; returns it trimmed.
pub fn check_name(name: &str) -> Result<String, OrgError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_ORG_NAME || name.chars().any(char::is_control) {
        return Err(OrgError::InvalidName);
    }
    Ok(name.to_owned())
}

/// Checks a retention period in days.
pub fn check_retention(days: u32) -> Result<u32, OrgError> {
    if (1..=3650).contains(&days) {
        Ok(days)
    } else {
        Err(OrgError::InvalidRetention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_slugs() {
        for good in ["acme", "a", "globex-eu", "team-42", "0day"] {
            assert_eq!(OrgId::parse(good).unwrap().as_str(), good);
        }
        let long = "a".repeat(MAX_ORG_ID + 1);
        for bad in [
            "", "Acme", "-acme", "acme-", "ac me", "acme_eu", "acmé", "../x", "a/b", &long,
        ] {
            assert_eq!(OrgId::parse(bad), Err(OrgError::InvalidId), "{bad:?}");
        }
        assert!(OrgId::default_org().is_default());
        assert!(!OrgId::parse("acme").unwrap().is_default());
    }

    #[test]
    fn names_and_retention_are_bounded() {
        assert_eq!(check_name("  Acme Corp ").unwrap(), "Acme Corp");
        assert!(check_name("   ").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(MAX_ORG_NAME + 1)).is_err());
        assert!(check_name(&"é".repeat(MAX_ORG_NAME)).is_ok());
        assert_eq!(check_retention(30), Ok(30));
        assert!(check_retention(0).is_err());
        assert!(check_retention(3651).is_err());
    }
}
