//! The record: who did what, when, from where, on what, with which outcome (PCI DSS 10.2.2).
//!
//! The caller builds an [`AuditEvent`] (actor, origin, action, target, outcome, details);
//! [`crate::AuditLog::append`] stamps it with the sequence number, the caller's UTC time, the
//! previous record's hash and its own hash, giving an [`AuditRecord`].
//!
//! No personal data or secrets by construction: there is no field for message text; actors and
//! targets are ids (a staff account may carry its user name, which is needed for
//! accountability); [`Details`] hold ids, codes and short reasons, every value neutralised and
//! capped ([`Text`]). Callers must not put visitor names, contact details, card data, message
//! text, passwords, tokens or TOTP codes in any field.

use std::collections::BTreeMap;
use std::net::IpAddr;

use time::UtcDateTime;

use crate::Error;
use crate::action::{Action, TargetKind};
use crate::chain::Hash;
use crate::field::{Name, Text};

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The hub itself (start, stop, expiry, automatic unlock).
    System,
    /// A staff account: its stable id and, optionally, its user name at the time.
    User {
        /// Stable account id.
        id: Text,
        /// User name at the time of the event.
        name: Option<Text>,
    },
    /// A visitor, by pseudonymous id only (never a name or contact detail).
    Visitor {
        /// Pseudonymous visitor id.
        id: Text,
    },
}

impl Actor {
    /// A staff account by id.
    pub fn user(id: &str) -> Self {
        Self::User {
            id: Text::new(id),
            name: None,
        }
    }

    /// A staff account by id and user name.
    pub fn named_user(id: &str, name: &str) -> Self {
        Self::User {
            id: Text::new(id),
            name: Some(Text::new(name)),
        }
    }

    /// A visitor by pseudonymous id.
    pub fn visitor(id: &str) -> Self {
        Self::Visitor { id: Text::new(id) }
    }
}

/// What an action was done on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The kind of object.
    pub kind: TargetKind,
    /// Its id.
    pub id: Text,
}

impl Target {
    /// A target of `kind` with `id`.
    pub fn new(kind: TargetKind, id: &str) -> Self {
        Self {
            kind,
            id: Text::new(id),
        }
    }
}

/// Whether the attempted action succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// It succeeded.
    Succeeded,
    /// It failed or was refused.
    Failed,
}

impl Status {
    /// The stable name that is hashed and exported.
    pub fn name(self) -> &'static str {
        match self {
            Self::Succeeded => "success",
            Self::Failed => "failure",
        }
    }

    /// Parses a stable name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "success" => Ok(Self::Succeeded),
            "failure" => Ok(Self::Failed),
            _ => Err(Error::InvalidField {
                field: "outcome",
                reason: "must be \"success\" or \"failure\"",
            }),
        }
    }
}

/// The outcome: success or failure, with an optional reason code (`bad_password`, `replay`,
/// `not_in_allowlist`, …).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// Success or failure.
    pub status: Status,
    /// Why, as a short code.
    pub code: Option<Text>,
}

impl Outcome {
    /// Success without a code.
    pub fn success() -> Self {
        Self {
            status: Status::Succeeded,
            code: None,
        }
    }

    /// Failure with a reason code.
    pub fn failure(code: &str) -> Self {
        Self {
            status: Status::Failed,
            code: Some(Text::new(code)),
        }
    }
}

/// Free-form detail fields: at most [`Details::MAX_ENTRIES`] pairs of [`Name`] key and
/// [`Text`] value, kept sorted by key (the canonical order). Values are ids, codes and short
/// reasons — never personal data or secrets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Details(BTreeMap<Name, Text>);

impl Details {
    /// Most entries a record may carry.
    pub const MAX_ENTRIES: usize = 16;

    /// No details.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces `key`. Fails if the key is not a valid [`Name`] or the map is full.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let key = Name::new(key, "detail key")?;
        self.insert_text(key, Text::new(value))
    }

    pub(crate) fn insert_text(&mut self, key: Name, value: Text) -> Result<(), Error> {
        if self.0.len() >= Self::MAX_ENTRIES && !self.0.contains_key(&key) {
            return Err(Error::InvalidField {
                field: "details",
                reason: "more than 16 entries",
            });
        }
        self.0.insert(key, value);
        Ok(())
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Text> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    /// Entries in canonical (key) order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Name, &Text)> {
        self.0.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the caller reports; [`crate::AuditLog::append`] turns it into an [`AuditRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuditEvent {
    /// Who acted.
    pub actor: Actor,
    /// The peer address the request came from, if any (after trusted-proxy resolution).
    pub origin: Option<IpAddr>,
    /// What happened.
    pub action: Action,
    /// What it was done on.
    pub target: Option<Target>,
    /// Whether it succeeded.
    pub outcome: Outcome,
    /// Ids, codes and reasons.
    pub details: Details,
}

impl AuditEvent {
    /// `actor` did `action`, successfully, with no origin, target or details yet.
    pub fn new(actor: Actor, action: Action) -> Self {
        Self {
            actor,
            origin: None,
            action,
            target: None,
            outcome: Outcome::success(),
            details: Details::new(),
        }
    }

    /// A reveal of masked data with the reason the actor gave (stored in the `reason` detail).
    pub fn reveal(actor: Actor, target: Target, reason: &str) -> Self {
        let mut event = Self::new(actor, Action::MaskedDataRevealed).on(target);
        event
            .details
            .0
            .insert(reveal_reason_key(), Text::new(reason));
        event
    }

    /// Sets the origin address.
    #[must_use]
    pub fn from_ip(mut self, origin: IpAddr) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets the target.
    #[must_use]
    pub fn on(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// Sets the outcome.
    #[must_use]
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Marks the event failed with a reason code.
    #[must_use]
    pub fn failed(self, code: &str) -> Self {
        self.with_outcome(Outcome::failure(code))
    }

    /// Adds a detail (see [`Details::insert`]).
    pub fn with_detail(mut self, key: &str, value: &str) -> Result<Self, Error> {
        self.details.insert(key, value)?;
        Ok(self)
    }

    /// Checks rules that types alone cannot: a reveal must state a non-empty reason.
    pub fn validate(&self) -> Result<(), Error> {
        if self.action == Action::MaskedDataRevealed
            && self.details.get(REASON_KEY).is_none_or(Text::is_empty)
        {
            return Err(Error::MissingReason);
        }
        Ok(())
    }
}

/// The detail key that carries a reveal's stated reason.
pub const REASON_KEY: &str = "reason";

fn reveal_reason_key() -> Name {
    Name::from_static(REASON_KEY)
}

/// One stored, chained record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuditRecord {
    /// Position in the log: 1 for the first record, then +1 each (no gaps).
    pub seq: u64,
    /// When it happened, in UTC, as given by the caller.
    pub time: UtcDateTime,
    /// The event.
    pub event: AuditEvent,
    /// The previous record's hash ([`Hash::GENESIS`] for seq 1).
    pub prev_hash: Hash,
    /// SHA-256 of the canonical encoding of everything above ([`crate::chain`]).
    pub hash: Hash,
}
