//! Helpers so each test reads as a few lines.

use std::net::IpAddr;

use rampart_audit::{
    Action, Actor, AuditEvent, AuditLog, AuditRecord, Error, MemoryStore, Tamper, Target,
    TargetKind, UtcDateTime, VerifySummary, verify,
};

/// A fixed base time plus `secs` seconds: tests never read the clock.
pub fn at(secs: i64) -> UtcDateTime {
    UtcDateTime::from_unix_timestamp(1_780_000_000 + secs).expect("in range")
}

/// A realistic event for `action`, varying actor, origin, target and details with `i`.
pub fn event_for(action: &Action, i: usize) -> AuditEvent {
    let actor = match i % 3 {
        0 => Actor::named_user(&format!("agent-{i}"), &format!("agent{i}")),
        1 => Actor::System,
        _ => Actor::visitor(&format!("v-{i}")),
    };
    let target = Target::new(
        TargetKind::ALL[i % TargetKind::ALL.len()].clone(),
        &format!("t-{i}"),
    );
    let origin: IpAddr = if i % 2 == 0 {
        IpAddr::from([192, 0, 2, (i % 250) as u8])
    } else {
        "2001:db8::1".parse().expect("literal")
    };
    if *action == Action::MaskedDataRevealed {
        return AuditEvent::reveal(actor, target, "customer asked to confirm card ending")
            .from_ip(origin);
    }
    let event = AuditEvent::new(actor, action.clone())
        .from_ip(origin)
        .on(target);
    let event = if i % 4 == 1 {
        event.failed("bad_password")
    } else {
        event
    };
    event
        .with_detail("request_id", &format!("req-{i}"))
        .expect("valid detail")
}

/// A log of `n` records cycling through every action.
pub fn log_of(n: usize) -> AuditLog<MemoryStore> {
    let log = AuditLog::open(MemoryStore::new()).expect("memory store opens");
    for i in 0..n {
        let action = &Action::ALL[i % Action::ALL.len()];
        log.append(event_for(action, i), at(i as i64))
            .expect("append");
    }
    log
}

/// The records of a log of `n`.
pub fn records(n: usize) -> Vec<AuditRecord> {
    log_of(n).store().snapshot()
}

/// Verifies a slice of records from genesis.
pub fn check(records: &[AuditRecord]) -> Result<VerifySummary, Error> {
    verify(records.iter().cloned().map(Ok))
}

/// The (position, seq, kind) of a verification failure; panics on anything else.
pub fn finding(result: Result<VerifySummary, Error>) -> (u64, u64, Tamper) {
    match result {
        Err(Error::Tampered {
            position,
            seq,
            kind,
        }) => (position, seq, kind),
        other => panic!("expected a tamper finding, got {other:?}"),
    }
}

/// Recomputes every link and hash, as an attacker with write access to the store would.
pub fn rechain(records: &mut [AuditRecord]) {
    let mut prev = rampart_audit::Checkpoint::GENESIS;
    for r in records.iter_mut() {
        r.prev_hash = prev.hash;
        r.hash = r.compute_hash();
        prev = rampart_audit::Checkpoint::of(r);
    }
}
