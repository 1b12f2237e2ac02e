//! Time as an injected dependency.
//!
//! Business logic in this crate takes the current time as Unix seconds (`now: u64`);
//! the [`Clock`] trait exists for callers that want to hand over a source instead.
//! Tests use [`ManualClock`]. A clock before the Unix epoch is an error, never a panic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    ///
    /// # Errors
    /// [`Error::ClockBeforeEpoch`] when the clock reads before 1970.
    fn unix_now(&self) -> Result<u64, Error>;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_now(&self) -> Result<u64, Error> {
        unix_seconds(SystemTime::now())
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock reading `unix` seconds.
    pub fn at(unix: u64) -> Self {
        Self(AtomicU64::new(unix))
    }

    /// Sets the time.
    pub fn set(&self, unix: u64) {
        self.0.store(unix, Ordering::SeqCst);
    }

    /// Moves the time forward, saturating at `u64::MAX`.
    pub fn advance(&self, seconds: u64) {
        let now = self.0.load(Ordering::SeqCst);
        self.0.store(now.saturating_add(seconds), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn unix_now(&self) -> Result<u64, Error> {
        Ok(self.0.load(Ordering::SeqCst))
    }
}

/// Converts a [`SystemTime`] to Unix seconds.
///
/// # Errors
/// [`Error::ClockBeforeEpoch`] for times before 1970.
pub fn unix_seconds(time: SystemTime) -> Result<u64, Error> {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Error::ClockBeforeEpoch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at(100);
        assert_eq!(clock.unix_now().ok(), Some(100));
        clock.advance(5);
        assert_eq!(clock.unix_now().ok(), Some(105));
        clock.set(u64::MAX - 1);
        clock.advance(10);
        assert_eq!(clock.unix_now().ok(), Some(u64::MAX));
    }

    #[test]
    fn time_before_epoch_is_an_error_not_a_panic() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(matches!(unix_seconds(before), Err(Error::ClockBeforeEpoch)));
    }
}
