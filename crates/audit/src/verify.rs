//! Streaming verification of a chain, in constant memory.
//!
//! [`Verifier`] takes records one at a time in stored order and keeps only the last good
//! checkpoint plus, after a first anomaly, one pending finding. It checks, for each record:
//! the seq follows the previous one; its `prev_hash` is the previous record's hash; its hash
//! matches its contents; and, if a trusted head is given, that the record at the head's seq has
//! the head's hash and that the log reaches the head.
//!
//! Naming the fault needs a little look-ahead, still in constant memory: a seq gap stays
//! pending until the end (a missing seq that shows up later means *reordered*, otherwise
//! *deleted*, or *truncated at the head* for the first record); a broken link stays pending
//! until a later record whose hash is the one this record points to (*reordered*) or the end
//! (*edited* or *chain broken*). Verification always reports the first bad record.

use time::UtcDateTime;

use crate::chain::{Checkpoint, Hash};
use crate::error::{Error, Tamper};
use crate::record::AuditRecord;

/// What a successful verification saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifySummary {
    /// Records verified.
    pub records: u64,
    /// The checkpoint verification started from ([`Checkpoint::GENESIS`] for a whole log).
    pub start: Checkpoint,
    /// The last record's checkpoint: anchor it elsewhere to detect later truncation.
    pub head: Checkpoint,
    /// The last record's time.
    pub last_time: Option<UtcDateTime>,
    /// How many records carry a time earlier than the record before them. Not tampering by
    /// itself (clocks step back), but worth a look.
    pub time_regressions: u64,
}

#[derive(Debug)]
enum Pending {
    /// Seqs `first..=last` were skipped at `position`.
    Gap {
        position: u64,
        seq: u64,
        first: u64,
        last: u64,
    },
    /// The record at `position` points to `wanted` instead of the previous hash.
    Link {
        position: u64,
        seq: u64,
        wanted: Hash,
        consistent: bool,
    },
}

/// A streaming chain verifier. Feed records with [`Verifier::push`], then call
/// [`Verifier::finish`].
#[derive(Debug)]
pub struct Verifier {
    start: Checkpoint,
    last: Checkpoint,
    trusted_head: Option<Checkpoint>,
    position: u64,
    records: u64,
    last_time: Option<UtcDateTime>,
    time_regressions: u64,
    pending: Option<Pending>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// Verifies a whole log: the first record must be seq 1 chained to [`Hash::GENESIS`].
    pub fn new() -> Self {
        Self::after(Checkpoint::GENESIS)
    }

    /// Verifies the records that follow a trusted `checkpoint` (a previously verified head, or
    /// the last record before a retention cut): the first must be `checkpoint.seq + 1`,
    /// chained to `checkpoint.hash`.
    pub fn after(checkpoint: Checkpoint) -> Self {
        Self {
            start: checkpoint,
            last: checkpoint,
            trusted_head: None,
            position: 0,
            records: 0,
            last_time: None,
            time_regressions: 0,
            pending: None,
        }
    }

    /// Also requires the log to reach `head` (a checkpoint anchored outside the store) with
    /// the same hash: this is what detects deleting the last records, or recomputing the chain.
    #[must_use]
    pub fn with_trusted_head(mut self, head: Checkpoint) -> Self {
        self.trusted_head = Some(head);
        self
    }

    /// The seq the next record must carry (where a store should start reading).
    pub fn next_seq(&self) -> u64 {
        self.last.seq.saturating_add(1)
    }

    fn fail(position: u64, seq: u64, kind: Tamper) -> Error {
        Error::Tampered {
            position,
            seq,
            kind,
        }
    }

    /// Checks the next record in stored order. Returns the error for the first bad record as
    /// soon as it is certain; some findings need later records and surface from later pushes
    /// or from [`Verifier::finish`].
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), Error> {
        self.position += 1;
        let position = self.position;
        if let Some(pending) = &self.pending {
            // Only look for the evidence that resolves the pending finding.
            return match *pending {
                Pending::Gap {
                    position,
                    seq,
                    first,
                    last,
                } if (first..=last).contains(&record.seq) => {
                    Err(Self::fail(position, seq, Tamper::Reordered))
                }
                Pending::Link {
                    position,
                    seq,
                    wanted,
                    ..
                } if record.hash == wanted => Err(Self::fail(position, seq, Tamper::Reordered)),
                _ => Ok(()),
            };
        }

        let Some(expected) = self.last.seq.checked_add(1) else {
            return Err(Self::fail(position, record.seq, Tamper::Duplicated));
        };
        if record.seq < expected {
            return Err(Self::fail(position, record.seq, Tamper::Duplicated));
        }
        if record.seq > expected {
            self.pending = Some(Pending::Gap {
                position,
                seq: record.seq,
                first: expected,
                last: record.seq - 1,
            });
            return Ok(());
        }
        if record.prev_hash != self.last.hash {
            if record.hash == self.last.hash {
                // The previous record's content copied into the next seq.
                return Err(Self::fail(position, record.seq, Tamper::Duplicated));
            }
            self.pending = Some(Pending::Link {
                position,
                seq: record.seq,
                wanted: record.prev_hash,
                consistent: record.compute_hash() == record.hash,
            });
            return Ok(());
        }
        if record.compute_hash() != record.hash {
            return Err(Self::fail(position, record.seq, Tamper::Edited));
        }
        if let Some(head) = self.trusted_head {
            if head.seq == record.seq && head.hash != record.hash {
                return Err(Self::fail(position, record.seq, Tamper::HeadMismatch));
            }
        }
        if self.last_time.is_some_and(|t| record.time < t) {
            self.time_regressions += 1;
        }
        self.last_time = Some(record.time);
        self.last = Checkpoint::of(record);
        self.records += 1;
        Ok(())
    }

    /// Ends verification: resolves a pending finding and checks the trusted head.
    pub fn finish(self) -> Result<VerifySummary, Error> {
        match self.pending {
            Some(Pending::Gap {
                position,
                seq,
                first,
                last,
            }) => {
                let kind = if position == 1 {
                    Tamper::TruncatedHead { first, last }
                } else {
                    Tamper::Deleted { first, last }
                };
                return Err(Self::fail(position, seq, kind));
            }
            Some(Pending::Link {
                position,
                seq,
                consistent,
                ..
            }) => {
                let kind = if consistent {
                    Tamper::BrokenLink
                } else {
                    Tamper::Edited
                };
                return Err(Self::fail(position, seq, kind));
            }
            None => {}
        }
        if let Some(head) = self.trusted_head {
            if head.seq > self.last.seq {
                return Err(Self::fail(
                    self.position + 1,
                    self.last.seq.saturating_add(1),
                    Tamper::TruncatedTail { head: head.seq },
                ));
            }
            if head.seq == self.start.seq && head.hash != self.start.hash {
                return Err(Self::fail(0, head.seq, Tamper::HeadMismatch));
            }
        }
        Ok(VerifySummary {
            records: self.records,
            start: self.start,
            head: self.last,
            last_time: self.last_time,
            time_regressions: self.time_regressions,
        })
    }
}

/// Verifies a whole log from seq 1, streaming: read errors are returned as they come, and the
/// first bad record is named ([`Error::Tampered`]).
pub fn verify<I>(records: I) -> Result<VerifySummary, Error>
where
    I: IntoIterator<Item = Result<AuditRecord, Error>>,
{
    verify_with(Verifier::new(), records)
}

/// Runs `verifier` (configured with a start checkpoint or trusted head) over `records`.
pub fn verify_with<I>(mut verifier: Verifier, records: I) -> Result<VerifySummary, Error>
where
    I: IntoIterator<Item = Result<AuditRecord, Error>>,
{
    for record in records {
        verifier.push(&record?)?;
    }
    verifier.finish()
}
