//! Where records live: the [`AuditStore`] trait and [`MemoryStore`].
//!
//! A store is dumb on purpose: it appends records it is given and reads them back in seq
//! order. Seq assignment, hashing and serialisation of writers are [`crate::AuditLog`]'s job;
//! the store's one duty there is to refuse a second record with an existing seq
//! ([`Error::Conflict`]), so that several hub processes sharing one database (PostgreSQL later)
//! cannot fork the chain. Stores never repair or reinterpret what they read: verification must
//! see exactly what is stored.

use std::sync::{Mutex, PoisonError};

use crate::Error;
use crate::record::AuditRecord;

/// Records per page when iterating a store.
pub const PAGE: usize = 512;

/// Durable, append-only storage for audit records.
///
/// The hub implements this on its own database (the `sqlite` feature provides
/// `SqliteStore`). Implementations must be safe to share between threads.
pub trait AuditStore: Send + Sync {
    /// Durably stores `record` (it is complete: seq, hashes). Must fail with
    /// [`Error::Conflict`] if a record with the same seq exists, and must not return before the
    /// record is durable.
    fn append(&self, record: &AuditRecord) -> Result<(), Error>;

    /// Up to `limit` records with `seq >= from`, in ascending seq (stored) order.
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error>;

    /// The record with the highest seq, if any.
    fn last(&self) -> Result<Option<AuditRecord>, Error>;

    /// Streams the records with `seq >= from`, [`PAGE`] at a time (constant memory).
    fn iter_from(&self, from: u64) -> Records<'_, Self>
    where
        Self: Sized,
    {
        Records::new(self, from)
    }
}

impl<S: AuditStore + ?Sized> AuditStore for &S {
    fn append(&self, record: &AuditRecord) -> Result<(), Error> {
        (**self).append(record)
    }
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error> {
        (**self).read_from(from, limit)
    }
    fn last(&self) -> Result<Option<AuditRecord>, Error> {
        (**self).last()
    }
}

impl<S: AuditStore + ?Sized> AuditStore for std::sync::Arc<S> {
    fn append(&self, record: &AuditRecord) -> Result<(), Error> {
        (**self).append(record)
    }
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error> {
        (**self).read_from(from, limit)
    }
    fn last(&self) -> Result<Option<AuditRecord>, Error> {
        (**self).last()
    }
}

/// A paging iterator over a store (see [`AuditStore::iter_from`]). Works on `dyn AuditStore`
/// too, through [`Records::new`].
pub struct Records<'a, S: ?Sized> {
    store: &'a S,
    next: Option<u64>,
    page: std::vec::IntoIter<AuditRecord>,
}

impl<'a, S: AuditStore + ?Sized> Records<'a, S> {
    /// Streams `store` from seq `from`.
    pub fn new(store: &'a S, from: u64) -> Self {
        Self {
            store,
            next: Some(from),
            page: Vec::new().into_iter(),
        }
    }
}

impl<S: AuditStore + ?Sized> Iterator for Records<'_, S> {
    type Item = Result<AuditRecord, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(record) = self.page.next() {
            return Some(Ok(record));
        }
        let from = self.next?;
        match self.store.read_from(from, PAGE) {
            Err(e) => {
                self.next = None;
                Some(Err(e))
            }
            Ok(page) => {
                // Always move forward, even if a damaged store returns seqs below `from`:
                // those records are still yielded (verification will flag them) but cannot
                // make the iteration loop.
                self.next = match page.last() {
                    Some(last) if page.len() == PAGE => last.seq.max(from).checked_add(1),
                    _ => None,
                };
                self.page = page.into_iter();
                self.page.next().map(Ok)
            }
        }
    }
}

/// An in-memory store, for tests and for tools that load an export.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every stored record, in stored order.
    pub fn snapshot(&self) -> Vec<AuditRecord> {
        self.lock().clone()
    }

    /// Lets a test tamper with the stored records (edit, delete, reorder, duplicate) to check
    /// that verification notices. Not for production code.
    pub fn dangerous_edit<R>(&self, edit: impl FnOnce(&mut Vec<AuditRecord>) -> R) -> R {
        edit(&mut self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditRecord>> {
        // A panic while holding the lock cannot leave the Vec half-modified (push is the only
        // mutation outside tests), so the data is still consistent.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AuditStore for MemoryStore {
    fn append(&self, record: &AuditRecord) -> Result<(), Error> {
        let mut records = self.lock();
        if records.last().is_some_and(|last| last.seq >= record.seq) {
            return Err(Error::Conflict { seq: record.seq });
        }
        records.push(record.clone());
        Ok(())
    }

    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, Error> {
        let records = self.lock();
        // Records are appended in seq order; on a tampered Vec this still returns something
        // (what is stored), and never panics.
        let start = records.partition_point(|r| r.seq < from);
        Ok(records.iter().skip(start).take(limit).cloned().collect())
    }

    fn last(&self) -> Result<Option<AuditRecord>, Error> {
        Ok(self.lock().last().cloned())
    }
}
