//! JSON Lines export and import (`rampart-hub audit export` / `audit verify --file`).
//!
//! One record per line, fields in a fixed order, no whitespace:
//!
//! ```json
//! {"seq":1,"time":"2026-11-29T12:00:00Z","actor":{"kind":"user","id":"u1","name":"alice"},
//!  "origin":"10.0.0.1","action":"auth.login.succeeded","target":{"kind":"session","id":"s1"},
//!  "outcome":"success","code":null,"details":{},"prev":"00…00","hash":"9f…"}
//! ```
//!
//! (shown wrapped; each record is one line). Import is strict: unknown fields, raw control
//! characters, over-long values, malformed names, hashes or times, and lines over
//! [`MAX_LINE`] bytes are errors that name the line. Import never "cleans" a value, so the
//! hash is checked over exactly what the file says.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::UtcDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::action::{Action, TargetKind};
use crate::chain::Hash;
use crate::field::{Name, Text, neutralise};
use crate::record::{Actor, AuditEvent, AuditRecord, Details, Outcome, Status, Target};

/// Longest accepted line, in bytes (a full record is well under 16 KiB).
pub const MAX_LINE: usize = 64 * 1024;

/// The record as it appears in an export (and, column by column, in the SQLite store).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordLine {
    pub seq: u64,
    pub time: String,
    pub actor: ActorLine,
    pub origin: Option<String>,
    pub action: String,
    pub target: Option<TargetLine>,
    pub outcome: String,
    pub code: Option<String>,
    pub details: BTreeMap<String, String>,
    pub prev: String,
    pub hash: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActorLine {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetLine {
    pub kind: String,
    pub id: String,
}

/// Checks that `time` can be written as RFC 3339 (years 0 to 9999).
pub(crate) fn check_time(time: UtcDateTime) -> Result<(), Error> {
    if (0..=9999).contains(&time.year()) {
        Ok(())
    } else {
        Err(Error::InvalidField {
            field: "time",
            reason: "year must be between 0 and 9999",
        })
    }
}

pub(crate) fn format_time(time: UtcDateTime) -> Result<String, Error> {
    check_time(time)?;
    time.format(&Rfc3339).map_err(|_| Error::InvalidField {
        field: "time",
        reason: "cannot be written as RFC 3339",
    })
}

pub(crate) fn parse_time(s: &str) -> Result<UtcDateTime, Error> {
    UtcDateTime::parse(s, &Rfc3339).map_err(|_| Error::InvalidField {
        field: "time",
        reason: "must be an RFC 3339 timestamp",
    })
}

impl RecordLine {
    pub(crate) fn from_record(r: &AuditRecord) -> Result<Self, Error> {
        let e = &r.event;
        let actor = match &e.actor {
            Actor::System => ActorLine {
                kind: "system".into(),
                id: None,
                name: None,
            },
            Actor::User { id, name } => ActorLine {
                kind: "user".into(),
                id: Some(id.as_str().into()),
                name: name.as_ref().map(|n| n.as_str().into()),
            },
            Actor::Visitor { id } => ActorLine {
                kind: "visitor".into(),
                id: Some(id.as_str().into()),
                name: None,
            },
        };
        Ok(Self {
            seq: r.seq,
            time: format_time(r.time)?,
            actor,
            origin: e.origin.map(|ip| ip.to_string()),
            action: e.action.name().into(),
            target: e.target.as_ref().map(|t| TargetLine {
                kind: t.kind.name().into(),
                id: t.id.as_str().into(),
            }),
            outcome: e.outcome.status.name().into(),
            code: e.outcome.code.as_ref().map(|c| c.as_str().into()),
            details: e
                .details
                .iter()
                .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
                .collect(),
            prev: r.prev_hash.to_string(),
            hash: r.hash.to_string(),
        })
    }

    pub(crate) fn into_record(self) -> Result<AuditRecord, Error> {
        let actor = match (self.actor.kind.as_str(), self.actor.id, self.actor.name) {
            ("system", None, None) => Actor::System,
            ("user", Some(id), name) => Actor::User {
                id: Text::from_stored(id, "actor id")?,
                name: name
                    .map(|n| Text::from_stored(n, "actor name"))
                    .transpose()?,
            },
            ("visitor", Some(id), None) => Actor::Visitor {
                id: Text::from_stored(id, "actor id")?,
            },
            _ => {
                return Err(Error::InvalidField {
                    field: "actor",
                    reason: "must be system, user with id, or visitor with id",
                });
            }
        };
        let origin = self
            .origin
            .map(|o| {
                o.parse::<IpAddr>().map_err(|_| Error::InvalidField {
                    field: "origin",
                    reason: "must be an IP address",
                })
            })
            .transpose()?;
        let target = self
            .target
            .map(|t| {
                Ok::<_, Error>(Target {
                    kind: TargetKind::from_name(&t.kind)?,
                    id: Text::from_stored(t.id, "target id")?,
                })
            })
            .transpose()?;
        let outcome = Outcome {
            status: Status::from_name(&self.outcome)?,
            code: self
                .code
                .map(|c| Text::from_stored(c, "outcome code"))
                .transpose()?,
        };
        let mut details = Details::new();
        for (k, v) in self.details {
            details.insert_text(
                Name::new(&k, "detail key")?,
                Text::from_stored(v, "detail")?,
            )?;
        }
        Ok(AuditRecord {
            seq: self.seq,
            time: parse_time(&self.time)?,
            event: AuditEvent {
                actor,
                origin,
                action: Action::from_name(&self.action)?,
                target,
                outcome,
                details,
            },
            prev_hash: Hash::from_hex(&self.prev)?,
            hash: Hash::from_hex(&self.hash)?,
        })
    }
}

/// One record as a JSON line (without the newline).
pub fn to_json_line(record: &AuditRecord) -> Result<String, Error> {
    let line = RecordLine::from_record(record)?;
    serde_json::to_string(&line).map_err(|e| Error::Io(e.into()))
}

/// Parses one JSON line (strictly: see the module docs). `line_no` is used in errors.
pub fn from_json_line(line: &[u8], line_no: u64) -> Result<AuditRecord, Error> {
    let parsed: RecordLine = serde_json::from_slice(line).map_err(|e| Error::Import {
        line: line_no,
        reason: neutralise(&e.to_string(), 200),
    })?;
    parsed.into_record().map_err(|e| match e {
        Error::InvalidField { .. } | Error::MissingReason => Error::Import {
            line: line_no,
            reason: e.to_string(),
        },
        other => other,
    })
}

/// Writes `records` as JSON Lines; returns how many were written. Stops at the first error.
pub fn write_jsonl<I, W>(records: I, mut out: W) -> Result<u64, Error>
where
    I: IntoIterator<Item = Result<AuditRecord, Error>>,
    W: Write,
{
    let mut n = 0;
    for record in records {
        let line = to_json_line(&record?)?;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// Reads records from a JSON Lines export, one at a time (constant memory). Yields an error
/// for the first bad line and then stops.
pub struct JsonlReader<R> {
    input: R,
    line_no: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads from `input` (wrap files in a `BufReader`).
    pub fn new(input: R) -> Self {
        Self {
            input,
            line_no: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    fn read_line(&mut self) -> Result<Option<AuditRecord>, Error> {
        self.buf.clear();
        let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX) + 1;
        let n = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE {
            return Err(Error::Import {
                line: self.line_no,
                reason: format!("line longer than {MAX_LINE} bytes"),
            });
        }
        from_json_line(&self.buf, self.line_no).map(Some)
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<AuditRecord, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_line() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
