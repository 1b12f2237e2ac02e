//! The hash chain: the canonical encoding of a record and its SHA-256.
//!
//! `hash(record) = SHA-256(encoding)`, where the encoding (version 1) is, in order:
//!
//! | part        | bytes                                                                  |
//! |-------------|------------------------------------------------------------------------|
//! | domain      | `rampart-audit/v1/record` then a zero byte                             |
//! | prev_hash   | 32 bytes ([`Hash::GENESIS`], all zeros, for seq 1)                     |
//! | seq         | u64, big-endian                                                        |
//! | time        | i128 Unix nanoseconds (UTC), big-endian                                |
//! | actor       | tag `0` system · `1` user, `str(id)`, `opt(name)` · `2` visitor, `str(id)` |
//! | origin      | `0` none · `4` + 4 bytes IPv4 · `6` + 16 bytes IPv6                    |
//! | action      | `str(name)`                                                            |
//! | target      | `0` none · `1`, `str(kind)`, `str(id)`                                 |
//! | outcome     | `0` success · `1` failure, then `opt(code)`                            |
//! | details     | u32 count, then `str(key)`, `str(value)` per entry in key order        |
//!
//! `str(s)` is a u32 big-endian byte length then the UTF-8 bytes of the (already neutralised)
//! value; `opt(x)` is `0`, or `1` then `str(x)`. Every variable-length part is length-prefixed
//! and every choice is tagged, so two different records never share an encoding; the domain
//! string keeps these hashes apart from any other SHA-256 use.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use time::UtcDateTime;

use crate::Error;
use crate::record::{Actor, AuditEvent, AuditRecord, Status};

const DOMAIN: &[u8] = b"rampart-audit/v1/record\0";

/// A SHA-256 record hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The `prev_hash` of the first record (seq 1): 32 zero bytes.
    pub const GENESIS: Hash = Hash([0; 32]);

    /// Parses 64 lowercase hex digits.
    pub fn from_hex(s: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidField {
            field: "hash",
            reason: "must be 64 lowercase hex digits",
        };
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or_else(bad)?;
            let lo = hex_value(pair[1]).ok_or_else(bad)?;
            out[i] = hi << 4 | lo;
        }
        Ok(Self(out))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

/// A point in the chain: a record's seq and hash. The log's head is the last record's
/// checkpoint; anchoring it outside the database (see the README) is what makes truncation and
/// whole-chain rewrites detectable. Written and parsed as `seq:hash`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Checkpoint {
    /// The record's seq (0 for the empty log).
    pub seq: u64,
    /// The record's hash ([`Hash::GENESIS`] for the empty log).
    pub hash: Hash,
}

impl Checkpoint {
    /// The empty log: seq 0, genesis hash. The first record follows it.
    pub const GENESIS: Checkpoint = Checkpoint {
        seq: 0,
        hash: Hash::GENESIS,
    };

    /// The checkpoint of `record`.
    pub fn of(record: &AuditRecord) -> Self {
        Self {
            seq: record.seq,
            hash: record.hash,
        }
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for Checkpoint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let (seq, hash) = s.split_once(':').ok_or(Error::InvalidField {
            field: "checkpoint",
            reason: "must be seq:hash",
        })?;
        let seq = seq.parse().map_err(|_| Error::InvalidField {
            field: "checkpoint",
            reason: "seq must be a non-negative integer",
        })?;
        Ok(Self {
            seq,
            hash: Hash::from_hex(hash)?,
        })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Field caps keep every value far below u32::MAX; saturate rather than wrap regardless.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

/// Appends the canonical encoding (see the module docs) to `out`.
pub fn encode(
    out: &mut Vec<u8>,
    prev_hash: &Hash,
    seq: u64,
    time: UtcDateTime,
    event: &AuditEvent,
) {
    out.extend_from_slice(DOMAIN);
    out.extend_from_slice(&prev_hash.0);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&time.unix_timestamp_nanos().to_be_bytes());
    match &event.actor {
        Actor::System => out.push(0),
        Actor::User { id, name } => {
            out.push(1);
            put_str(out, id.as_str());
            put_opt(out, name.as_ref().map(|n| n.as_str()));
        }
        Actor::Visitor { id } => {
            out.push(2);
            put_str(out, id.as_str());
        }
    }
    match event.origin {
        None => out.push(0),
        Some(IpAddr::V4(ip)) => {
            out.push(4);
            out.extend_from_slice(&ip.octets());
        }
        Some(IpAddr::V6(ip)) => {
            out.push(6);
            out.extend_from_slice(&ip.octets());
        }
    }
    put_str(out, event.action.name());
    match &event.target {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_str(out, t.kind.name());
            put_str(out, t.id.as_str());
        }
    }
    out.push(match event.outcome.status {
        Status::Succeeded => 0,
        Status::Failed => 1,
    });
    put_opt(out, event.outcome.code.as_ref().map(|c| c.as_str()));
    let count = u32::try_from(event.details.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for (k, v) in event.details.iter() {
        put_str(out, k.as_str());
        put_str(out, v.as_str());
    }
}

/// The hash of a record with these contents.
pub fn hash_of(prev_hash: &Hash, seq: u64, time: UtcDateTime, event: &AuditEvent) -> Hash {
    let mut buf = Vec::with_capacity(256);
    encode(&mut buf, prev_hash, seq, time, event);
    Hash(Sha256::digest(&buf).into())
}

impl AuditRecord {
    /// Builds the record that follows `prev` (its seq and hash), computing this record's hash.
    /// Returns `None` if `prev.seq` is `u64::MAX`.
    pub fn chained(prev: Checkpoint, time: UtcDateTime, event: AuditEvent) -> Option<Self> {
        let seq = prev.seq.checked_add(1)?;
        let hash = hash_of(&prev.hash, seq, time, &event);
        Some(Self {
            seq,
            time,
            event,
            prev_hash: prev.hash,
            hash,
        })
    }

    /// Recomputes this record's hash from its contents (ignoring the stored `hash`).
    pub fn compute_hash(&self) -> Hash {
        hash_of(&self.prev_hash, self.seq, self.time, &self.event)
    }

    /// The canonical encoding that is hashed (for documentation and independent verifiers).
    pub fn canonical_encoding(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(256);
        encode(&mut buf, &self.prev_hash, self.seq, self.time, &self.event);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Target, TargetKind};

    fn t(secs: i64) -> UtcDateTime {
        UtcDateTime::from_unix_timestamp(secs).unwrap_or(UtcDateTime::UNIX_EPOCH)
    }

    #[test]
    fn hex_round_trips_and_is_strict() {
        let h = Hash([0xab; 32]);
        assert_eq!(Hash::from_hex(&h.to_string()).ok(), Some(h));
        assert!(Hash::from_hex(&"AB".repeat(32)).is_err());
        assert!(Hash::from_hex("ab").is_err());
        assert!(Hash::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn checkpoint_parses_its_display() {
        let c = Checkpoint {
            seq: 42,
            hash: Hash([7; 32]),
        };
        assert_eq!(c.to_string().parse::<Checkpoint>().ok(), Some(c));
        assert!("42".parse::<Checkpoint>().is_err());
        assert!("-1:00".parse::<Checkpoint>().is_err());
    }

    /// Pins the v1 encoding: a change here breaks every existing chain. The expected value
    /// was computed independently (Python `hashlib` over the byte layout in the module docs).
    #[test]
    fn known_answer() {
        let event = AuditEvent::new(Actor::named_user("u1", "alice"), Action::LoginSucceeded)
            .from_ip(IpAddr::from([10, 0, 0, 1]))
            .on(Target::new(TargetKind::Session, "s1"));
        let r = AuditRecord::chained(Checkpoint::GENESIS, t(1_700_000_000), event);
        let r = r.as_ref().map(|r| r.hash.to_string());
        assert_eq!(
            r.as_deref(),
            Some("bffea1b20e68b909bda29cde5dbdf4fa4943cef16e45a4802815dd55f0a23624")
        );
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        // Moving bytes between the id and the name must change the hash.
        let a = AuditEvent::new(Actor::named_user("ab", "c"), Action::LoginSucceeded);
        let b = AuditEvent::new(Actor::named_user("a", "bc"), Action::LoginSucceeded);
        assert_ne!(
            hash_of(&Hash::GENESIS, 1, t(0), &a),
            hash_of(&Hash::GENESIS, 1, t(0), &b)
        );
        let c = AuditEvent::new(Actor::user("a"), Action::LoginSucceeded);
        let d = AuditEvent::new(Actor::visitor("a"), Action::LoginSucceeded);
        assert_ne!(
            hash_of(&Hash::GENESIS, 1, t(0), &c),
            hash_of(&Hash::GENESIS, 1, t(0), &d)
        );
    }
}
