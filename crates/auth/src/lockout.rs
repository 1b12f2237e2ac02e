//! Brute-force protection: growing delays, then a lock.
//!
//! Invariants:
//! - The same policy applies to password and TOTP failures: the caller records both in
//!   one [`FailureRecord`] per account.
//! - After `free_failures` consecutive failures each further failure doubles the wait
//!   (capped); after `lock_after` (≤ 10) the account is locked for `lock_secs`
//!   (≥ 30 minutes) from the last failure (PCI DSS 8.3.4). When a lock expires one attempt
//!   is allowed; another failure locks again at once.
//! - A success resets the record. Time is a parameter; arithmetic saturates.
//! - While the decision is not [`Decision::Allow`] the caller must not check the
//!   credential at all (and so records nothing).

use serde::{Deserialize, Serialize};

use crate::Error;

/// PCI DSS 8.3.4: lock after at most this many consecutive failures.
pub const BASELINE_LOCK_AFTER: u32 = 10;
/// PCI DSS 8.3.4: lock for at least this long.
pub const BASELINE_LOCK_SECS: u64 = 30 * 60;

/// Lockout settings. Defaults: 3 free failures, then 1 s, 2 s, 4 s … capped at 60 s, and a
/// 30-minute lock at the 10th consecutive failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Failures that cost no wait.
    pub free_failures: u32,
    /// Wait after the first failure beyond the free ones, in seconds.
    pub base_delay_secs: u64,
    /// Longest wait before the lock, in seconds.
    pub max_delay_secs: u64,
    /// Consecutive failures that lock the account (≤ 10).
    pub lock_after: u32,
    /// How long a lock lasts, in seconds (≥ 1800).
    pub lock_secs: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            free_failures: 3,
            base_delay_secs: 1,
            max_delay_secs: 60,
            lock_after: BASELINE_LOCK_AFTER,
            lock_secs: BASELINE_LOCK_SECS,
        }
    }
}

/// One account's consecutive failures; persisted by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureRecord {
    /// Consecutive failures since the last success.
    pub consecutive: u32,
    /// Unix seconds of the last failure.
    pub last_failure: Option<u64>,
}

/// What to do with the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Decision {
    /// Check the credential.
    Allow,
    /// Refuse without checking; try again after this many seconds.
    Wait {
        /// Seconds left.
        seconds: u64,
    },
    /// Refuse without checking; the account is locked until this Unix time.
    Locked {
        /// Unix seconds when the lock ends.
        until: u64,
    },
}

/// What a recorded failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    /// The decision for the next attempt.
    pub decision: Decision,
    /// True when this failure locked the account: the caller must audit it.
    pub locked_now: bool,
}

impl LockoutPolicy {
    /// Validates administrator settings.
    ///
    /// # Errors
    /// [`Error::PolicyBelowBaseline`] when it would lock later or for shorter than PCI DSS
    /// 8.3.4 allows.
    pub fn validate(self) -> Result<Self, Error> {
        if self.lock_after == 0 || self.lock_after > BASELINE_LOCK_AFTER {
            return Err(Error::PolicyBelowBaseline {
                setting: "lockAfter",
            });
        }
        if self.lock_secs < BASELINE_LOCK_SECS {
            return Err(Error::PolicyBelowBaseline {
                setting: "lockSecs",
            });
        }
        // The baseline asks for growing delays before the lock.
        if self.base_delay_secs == 0 || self.max_delay_secs < self.base_delay_secs {
            return Err(Error::PolicyBelowBaseline {
                setting: "baseDelaySecs",
            });
        }
        if self.free_failures >= self.lock_after {
            return Err(Error::PolicyBelowBaseline {
                setting: "freeFailures",
            });
        }
        Ok(self)
    }

    /// The wait imposed after `consecutive` failures (0 while free), excluding the lock.
    pub fn delay_after(&self, consecutive: u32) -> u64 {
        if consecutive <= self.free_failures {
            return 0;
        }
        let doublings = consecutive - self.free_failures - 1;
        let factor = 1u64.checked_shl(doublings).unwrap_or(u64::MAX);
        self.base_delay_secs
            .saturating_mul(factor)
            .min(self.max_delay_secs)
    }

    /// What to do with an attempt at `now` given `record`.
    pub fn decide(&self, record: &FailureRecord, now: u64) -> Decision {
        let Some(last) = record.last_failure else {
            return Decision::Allow;
        };
        // Elapsed time, not deadlines: no overflow at the end of time, and a clock that
        // went backwards counts as no time elapsed.
        let elapsed = now.saturating_sub(last);
        if record.consecutive >= self.lock_after {
            return if elapsed < self.lock_secs {
                Decision::Locked {
                    until: last.saturating_add(self.lock_secs),
                }
            } else {
                Decision::Allow
            };
        }
        let delay = self.delay_after(record.consecutive);
        if elapsed < delay {
            Decision::Wait {
                seconds: delay - elapsed,
            }
        } else {
            Decision::Allow
        }
    }

    /// Records a failed password or TOTP check at `now`.
    pub fn record_failure(&self, record: &mut FailureRecord, now: u64) -> FailureOutcome {
        record.consecutive = record.consecutive.saturating_add(1);
        record.last_failure = Some(now);
        let decision = self.decide(record, now);
        FailureOutcome {
            decision,
            locked_now: matches!(decision, Decision::Locked { .. }),
        }
    }

    /// Records a success: the counter starts again from zero.
    pub fn record_success(&self, record: &mut FailureRecord) {
        *record = FailureRecord::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_cannot_be_weakened() {
        let d = LockoutPolicy::default;
        assert!(
            LockoutPolicy {
                lock_after: 11,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(
            LockoutPolicy {
                lock_secs: 60,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(
            LockoutPolicy {
                base_delay_secs: 0,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(
            LockoutPolicy {
                free_failures: 10,
                ..d()
            }
            .validate()
            .is_err()
        );
        assert!(d().validate().is_ok());
        assert!(
            LockoutPolicy {
                lock_after: 5,
                ..d()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn delays_saturate_instead_of_overflowing() {
        let p = LockoutPolicy {
            max_delay_secs: u64::MAX,
            ..LockoutPolicy::default()
        };
        assert_eq!(p.delay_after(u32::MAX), u64::MAX);
        let mut r = FailureRecord {
            consecutive: u32::MAX,
            last_failure: Some(u64::MAX),
        };
        let out = LockoutPolicy::default().record_failure(&mut r, u64::MAX);
        assert_eq!(out.decision, Decision::Locked { until: u64::MAX });
    }

    #[test]
    fn a_clock_going_backwards_does_not_lift_a_lock() {
        let p = LockoutPolicy::default();
        let r = FailureRecord {
            consecutive: 10,
            last_failure: Some(10_000),
        };
        assert!(matches!(p.decide(&r, 5_000), Decision::Locked { .. }));
    }
}
