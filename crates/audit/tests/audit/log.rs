//! `AuditLog`: injected time, serialised concurrent appends, reopening, several writers.

use std::sync::Arc;

use rampart_audit::{Action, AuditLog, AuditStore, Error, MemoryStore, UtcDateTime};

use crate::support::{at, event_for};

#[test]
fn the_record_carries_the_callers_time() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let r = log
        .append(event_for(&Action::HubStarted, 1), at(42))
        .expect("append");
    assert_eq!(r.time, at(42));
}

#[test]
fn a_time_that_cannot_be_exported_is_refused() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let far = UtcDateTime::from_unix_timestamp(-70_000_000_000).expect("year -249");
    let result = log.append(event_for(&Action::HubStarted, 1), far);
    assert!(matches!(
        result,
        Err(Error::InvalidField { field: "time", .. })
    ));
    assert_eq!(log.head().seq, 0);
}

#[test]
fn concurrent_appends_get_consecutive_seqs_and_one_chain() {
    let log = Arc::new(AuditLog::open(MemoryStore::new()).expect("opens"));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..100 {
                    let action = &Action::ALL[(t + i) % Action::ALL.len()];
                    log.append(event_for(action, i), at(i as i64))
                        .expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no panic");
    }
    let summary = log.verify(Some(log.head())).expect("one valid chain");
    assert_eq!(summary.records, 800);
    assert_eq!(log.head().seq, 800);
}

#[test]
fn two_writers_on_one_store_do_not_fork_the_chain() {
    // Two hub processes sharing a database: each has a stale head half the time.
    let store = Arc::new(MemoryStore::new());
    let a = AuditLog::open(Arc::clone(&store)).expect("opens");
    let b = AuditLog::open(Arc::clone(&store)).expect("opens");
    for i in 0..20 {
        let writer = if i % 2 == 0 { &a } else { &b };
        writer
            .append(event_for(&Action::SessionCreated, i), at(i as i64))
            .expect("append retries after a conflict");
    }
    let summary = a.verify(None).expect("single chain");
    assert_eq!(summary.records, 20);
    assert_eq!(store.last().expect("reads").map(|r| r.seq), Some(20));
}

#[test]
fn reopening_continues_the_chain() {
    let store = Arc::new(MemoryStore::new());
    let first = AuditLog::open(Arc::clone(&store)).expect("opens");
    first
        .append(event_for(&Action::HubStarted, 0), at(0))
        .expect("append");
    first
        .append(event_for(&Action::HubStopped, 1), at(1))
        .expect("append");
    drop(first);
    let second = AuditLog::open(Arc::clone(&store)).expect("reopens");
    assert_eq!(second.head().seq, 2);
    let r = second
        .append(event_for(&Action::HubStarted, 2), at(2))
        .expect("append");
    assert_eq!(r.seq, 3);
    assert_eq!(second.verify(None).expect("verifies").records, 3);
}

#[test]
fn records_stream_from_a_seq_across_pages() {
    let log = crate::support::log_of(rampart_audit::PAGE * 2 + 7);
    let seqs: Vec<u64> = log
        .records_from(500)
        .map(|r| r.expect("reads").seq)
        .collect();
    assert_eq!(seqs.first(), Some(&500));
    assert_eq!(seqs.len(), rampart_audit::PAGE * 2 + 7 - 499);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn a_periodic_check_reads_only_records_after_the_last_verified_head() {
    let log = crate::support::log_of(20);
    let checked = log.verify(None).expect("verifies").head;
    for i in 20..25 {
        log.append(event_for(&Action::SessionExpired, i), at(i as i64))
            .expect("append");
    }
    let summary = log
        .verify_from(rampart_audit::Verifier::after(checked))
        .expect("new records verify");
    assert_eq!((summary.records, summary.head.seq), (5, 25));
    // Tampering before the checkpoint is out of scope; after it, it is caught.
    log.store()
        .dangerous_edit(|recs| recs[22].event.target = None);
    assert!(
        log.verify_from(rampart_audit::Verifier::after(checked))
            .is_err()
    );
}
