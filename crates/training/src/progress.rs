//! Attempts, completions, expiry, the gate on live work, and refresh reminders.
//!
//! Pure functions: the caller passes the time. The hub makes the binding decision with
//! [`gate`] on its own records and clock; the console uses the same function to explain it.

use time::{Duration, UtcDateTime};

use crate::{Language, LessonOutcome};

/// How far in the future a completion may be dated and still count (clock skew between the
/// machine that recorded it and the one deciding). Later completions are ignored.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// What a role must have passed: one lesson, whatever the language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The lesson's id.
    pub lesson: String,
    /// Completions of lower versions do not count.
    pub min_version: u32,
    /// Days a completion stays valid; `None` means it never expires.
    pub expiry_days: Option<u32>,
}

/// One try at a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The lesson's id.
    pub lesson: String,
    /// The lesson version attempted.
    pub version: u32,
    /// The language it was taken in.
    pub language: Language,
    /// When it was finished.
    pub at: UtcDateTime,
    /// The outcome.
    pub outcome: LessonOutcome,
}

impl Attempt {
    /// The completion this attempt earns, if it passed.
    pub fn completion(&self) -> Option<Completion> {
        self.outcome.passed.then(|| Completion {
            lesson: self.lesson.clone(),
            version: self.version,
            passed_at: self.at,
            percent: self.outcome.percent,
        })
    }
}

/// A passed lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The lesson's id.
    pub lesson: String,
    /// The version passed.
    pub version: u32,
    /// When.
    pub passed_at: UtcDateTime,
    /// The score.
    pub percent: u8,
}

/// When a completion stops counting, if it ever does.
pub fn expires_at(completion: &Completion, expiry_days: Option<u32>) -> Option<UtcDateTime> {
    expiry_days.map(|days| {
        completion
            .passed_at
            .checked_add(Duration::days(i64::from(days)))
            .unwrap_or(UtcDateTime::MAX)
    })
}

/// Where an agent stands on one requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Standing {
    /// Passed and valid; `expires` is when it stops being valid, if ever.
    Current {
        /// When the completion expires.
        expires: Option<UtcDateTime>,
    },
    /// Passed once, but every completion has expired; `at` is when the latest one did.
    Expired {
        /// When the latest completion expired.
        at: UtcDateTime,
    },
    /// Never passed (or only an older version than required).
    Missing,
}

/// Where `completions` leave `requirement` at `now`. The completion that lasts longest wins.
pub fn standing(
    requirement: &Requirement,
    completions: &[Completion],
    now: UtcDateTime,
) -> Standing {
    let latest = completions
        .iter()
        .filter(|c| c.lesson == requirement.lesson && c.version >= requirement.min_version)
        .filter(|c| c.passed_at <= now.checked_add(CLOCK_SKEW).unwrap_or(UtcDateTime::MAX))
        .max_by_key(|c| c.passed_at);
    let Some(latest) = latest else {
        return Standing::Missing;
    };
    match expires_at(latest, requirement.expiry_days) {
        Some(at) if at <= now => Standing::Expired { at },
        expires => Standing::Current { expires },
    }
}

/// The decision on live work.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Gate {
    /// Every required lesson is passed and current.
    Allowed,
    /// Something is missing or expired.
    Blocked {
        /// Lessons never passed, in requirement order.
        missing: Vec<String>,
        /// Lessons whose completion has expired, with when it did.
        expired: Vec<Expired>,
    },
}

/// A required lesson whose completion has expired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expired {
    /// The lesson's id.
    pub lesson: String,
    /// When the latest completion expired.
    pub at: UtcDateTime,
}

/// Whether someone with `completions`, required to pass `required`, may take live chats at
/// `now`.
pub fn gate(required: &[Requirement], completions: &[Completion], now: UtcDateTime) -> Gate {
    let mut missing = Vec::new();
    let mut expired = Vec::new();
    for requirement in required {
        match standing(requirement, completions, now) {
            Standing::Current { .. } => {}
            Standing::Expired { at } => expired.push(Expired {
                lesson: requirement.lesson.clone(),
                at,
            }),
            Standing::Missing => missing.push(requirement.lesson.clone()),
        }
    }
    if missing.is_empty() && expired.is_empty() {
        Gate::Allowed
    } else {
        Gate::Blocked { missing, expired }
    }
}

/// A required lesson to retake soon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    /// The lesson's id.
    pub lesson: String,
    /// When the current completion expires.
    pub due: UtcDateTime,
    /// Whole days left (0 on the last day).
    pub days_left: u32,
}

/// Required lessons whose completion expires within `within_days` of `now` (still current,
/// so not yet blocking), soonest first.
pub fn reminders(
    required: &[Requirement],
    completions: &[Completion],
    now: UtcDateTime,
    within_days: u32,
) -> Vec<Reminder> {
    let horizon = now
        .checked_add(Duration::days(i64::from(within_days)))
        .unwrap_or(UtcDateTime::MAX);
    let mut out: Vec<Reminder> = required
        .iter()
        .filter_map(|r| match standing(r, completions, now) {
            Standing::Current { expires: Some(due) } if due <= horizon => Some(Reminder {
                lesson: r.lesson.clone(),
                due,
                days_left: u32::try_from((due - now).whole_days()).unwrap_or(0),
            }),
            _ => None,
        })
        .collect();
    out.sort_by_key(|r| r.due);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_adds_whole_days() {
        let passed_at = UtcDateTime::UNIX_EPOCH;
        let c = Completion {
            lesson: "a".into(),
            version: 1,
            passed_at,
            percent: 100,
        };
        assert_eq!(expires_at(&c, None), None);
        assert_eq!(expires_at(&c, Some(2)), Some(passed_at + Duration::days(2)));
    }
}
