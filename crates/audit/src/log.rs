//! [`AuditLog`]: appends events to a store as chained records.
//!
//! Invariants: appends are serialised by one lock held across "read head, hash, store, advance
//! head", so records in one process get consecutive seqs and each chains to the one before it.
//! Across processes sharing a store, the store refuses a duplicate seq ([`Error::Conflict`]);
//! the log then reloads the head from the store and re-chains the event, a bounded number of
//! times. The head only advances after the store reports the record durable.

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use time::UtcDateTime;

use crate::Error;
use crate::chain::Checkpoint;
use crate::jsonl;
use crate::record::{AuditEvent, AuditRecord};
use crate::store::{AuditStore, Records};
use crate::verify::{Verifier, VerifySummary, verify_with};

/// How often an append re-chains after losing a race to another writer.
const CONFLICT_RETRIES: usize = 8;

/// The audit log over a store `S`.
pub struct AuditLog<S> {
    store: S,
    head: Mutex<Checkpoint>,
}

impl<S: AuditStore> AuditLog<S> {
    /// Opens the log on `store`, continuing from its last record (or genesis if empty).
    ///
    /// This does not verify the stored chain (that reads the whole log): call
    /// [`AuditLog::verify`] at start-up or on a schedule. New records chain onto the stored
    /// head as it is, so tampering before opening stays detectable.
    pub fn open(store: S) -> Result<Self, Error> {
        let head = store
            .last()?
            .map_or(Checkpoint::GENESIS, |r| Checkpoint::of(&r));
        Ok(Self {
            store,
            head: Mutex::new(head),
        })
    }

    /// Appends `event` at `time` (UTC, from the caller's clock) and returns the stored record.
    ///
    /// Fails without storing anything if the event is invalid ([`AuditEvent::validate`]) or
    /// `time` cannot be written as RFC 3339 (years 0 to 9999).
    pub fn append(&self, event: AuditEvent, time: UtcDateTime) -> Result<AuditRecord, Error> {
        event.validate()?;
        jsonl::check_time(time)?;
        // The lock guards only the head checkpoint, which is updated after a successful store;
        // a panic elsewhere cannot leave it pointing at a record that was not stored.
        let mut head = self.head.lock().unwrap_or_else(PoisonError::into_inner);
        let mut attempts = 0;
        loop {
            let record =
                AuditRecord::chained(*head, time, event.clone()).ok_or(Error::Exhausted)?;
            match self.store.append(&record) {
                Ok(()) => {
                    *head = Checkpoint::of(&record);
                    return Ok(record);
                }
                Err(Error::Conflict { .. }) if attempts < CONFLICT_RETRIES => {
                    attempts += 1;
                    *head = self
                        .store
                        .last()?
                        .map_or(Checkpoint::GENESIS, |r| Checkpoint::of(&r));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The last appended record's checkpoint. Anchor it outside the store (application log,
    /// external sink) so truncation and chain rewrites can be detected later.
    pub fn head(&self) -> Checkpoint {
        *self.head.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Streams the stored records from seq `from`.
    pub fn records_from(&self, from: u64) -> Records<'_, S> {
        Records::new(&self.store, from)
    }

    /// Verifies the whole stored chain, and that it reaches `trusted_head` if given.
    pub fn verify(&self, trusted_head: Option<Checkpoint>) -> Result<VerifySummary, Error> {
        let mut verifier = Verifier::new();
        if let Some(head) = trusted_head {
            verifier = verifier.with_trusted_head(head);
        }
        verify_with(verifier, self.records_from(0))
    }

    /// Runs a configured `verifier` (for example [`Verifier::after`] a checkpoint verified
    /// earlier, so a periodic check reads only new records) over the stored records from its
    /// start.
    pub fn verify_from(&self, verifier: Verifier) -> Result<VerifySummary, Error> {
        let from = verifier.next_seq();
        verify_with(verifier, self.records_from(from))
    }

    /// Writes every stored record as JSON Lines to `out`; returns the number written. The
    /// export is not verified first: run [`crate::verify()`] on it (or [`AuditLog::verify`]).
    pub fn export_jsonl<W: Write>(&self, out: W) -> Result<u64, Error> {
        jsonl::write_jsonl(self.records_from(0), out)
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S> std::fmt::Debug for AuditLog<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}
