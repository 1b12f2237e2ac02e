//! The lockout schedule (PCI DSS 8.3.4) and its reset.

use rampart_auth::lockout::{Decision, FailureRecord, LockoutPolicy};

/// Fails once at the earliest allowed moment; returns the time of that failure.
fn fail_when_allowed(p: &LockoutPolicy, r: &mut FailureRecord, now: u64) -> (u64, Decision) {
    let at = match p.decide(r, now) {
        Decision::Allow => now,
        Decision::Wait { seconds } => now + seconds,
        Decision::Locked { until } => until,
    };
    assert_eq!(p.decide(r, at), Decision::Allow);
    (at, p.record_failure(r, at).decision)
}

#[test]
fn delays_grow_then_the_tenth_failure_locks_for_thirty_minutes() {
    let p = LockoutPolicy::default();
    let mut r = FailureRecord::default();
    let mut now = 1_000;
    let expected = [
        Decision::Allow,
        Decision::Allow,
        Decision::Allow,
        Decision::Wait { seconds: 1 },
        Decision::Wait { seconds: 2 },
        Decision::Wait { seconds: 4 },
        Decision::Wait { seconds: 8 },
        Decision::Wait { seconds: 16 },
        Decision::Wait { seconds: 32 },
    ];
    for (i, want) in expected.iter().enumerate() {
        let (at, got) = fail_when_allowed(&p, &mut r, now);
        assert_eq!(got, *want, "after failure {}", i + 1);
        now = at;
    }
    let (at, got) = fail_when_allowed(&p, &mut r, now);
    assert_eq!(
        got,
        Decision::Locked {
            until: at + 30 * 60
        }
    );
    assert_eq!(
        p.decide(&r, at + 30 * 60 - 1),
        Decision::Locked { until: at + 1800 }
    );
    assert_eq!(p.decide(&r, at + 30 * 60), Decision::Allow);
}

#[test]
fn locking_failure_is_flagged_for_audit_exactly_once() {
    let p = LockoutPolicy::default();
    let mut r = FailureRecord::default();
    let mut now = 0;
    let mut locks = 0;
    for _ in 0..10 {
        let at = match p.decide(&r, now) {
            Decision::Wait { seconds } => now + seconds,
            _ => now,
        };
        if p.record_failure(&mut r, at).locked_now {
            locks += 1;
        }
        now = at;
    }
    assert_eq!(locks, 1);
}

#[test]
fn a_failure_after_the_lock_expires_locks_again_at_once() {
    let p = LockoutPolicy::default();
    let mut r = FailureRecord {
        consecutive: 10,
        last_failure: Some(0),
    };
    assert_eq!(p.decide(&r, 1800), Decision::Allow);
    let out = p.record_failure(&mut r, 1800);
    assert_eq!(out.decision, Decision::Locked { until: 3600 });
    assert!(out.locked_now);
}

#[test]
fn success_resets_the_counter() {
    let p = LockoutPolicy::default();
    let mut r = FailureRecord::default();
    for t in 0..5 {
        p.record_failure(&mut r, t * 100);
    }
    assert_eq!(r.consecutive, 5);
    p.record_success(&mut r);
    assert_eq!(r, FailureRecord::default());
    assert_eq!(p.decide(&r, 500), Decision::Allow);
    // The next failures are free again.
    assert_eq!(p.record_failure(&mut r, 600).decision, Decision::Allow);
}

#[test]
fn stricter_policy_locks_sooner() {
    let p = LockoutPolicy {
        lock_after: 5,
        ..LockoutPolicy::default()
    }
    .validate()
    .expect("stricter is allowed");
    let mut r = FailureRecord::default();
    let mut last = Decision::Allow;
    let mut now = 0;
    for _ in 0..5 {
        let (at, d) = fail_when_allowed(&p, &mut r, now);
        now = at;
        last = d;
    }
    assert!(matches!(last, Decision::Locked { .. }));
}
