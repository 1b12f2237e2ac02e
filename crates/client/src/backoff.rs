//! Reconnect delays: capped exponential backoff with jitter.
//!
//! Attempt `n` (from 0) waits between half and all of `min(cap, base · 2ⁿ)` ("equal jitter"):
//! never longer than the cap, never a stampede of clients retrying in step after a hub restart,
//! and never zero. The randomness is a [`Jitter`] so tests can pin it.

use std::time::Duration;

use rand::{Rng, SeedableRng};

/// A source of jitter: each call returns a fraction in `[0, 1)`.
pub trait Jitter: Send {
    /// The next fraction.
    fn fraction(&mut self) -> f64;
}

/// Jitter from the thread-local CSPRNG (production).
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn fraction(&mut self) -> f64 {
        rand::rng().random::<f64>()
    }
}

/// Reproducible jitter from a seed (tests, simulations).
#[derive(Debug, Clone)]
pub struct SeededJitter(rand::rngs::StdRng);

impl SeededJitter {
    /// Jitter that repeats for the same seed.
    pub fn new(seed: u64) -> Self {
        Self(rand::rngs::StdRng::seed_from_u64(seed))
    }
}

impl Jitter for SeededJitter {
    fn fraction(&mut self) -> f64 {
        self.0.random::<f64>()
    }
}

impl<F: FnMut() -> f64 + Send> Jitter for F {
    fn fraction(&mut self) -> f64 {
        self()
    }
}

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Ceiling of the first delay.
    pub base: Duration,
    /// Ceiling of every delay.
    pub cap: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(30),
        }
    }
}

/// Backoff state: how many attempts failed since the last success.
pub struct Backoff {
    policy: BackoffPolicy,
    attempt: u32,
    jitter: Box<dyn Jitter>,
}

impl std::fmt::Debug for Backoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backoff")
            .field("policy", &self.policy)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl Backoff {
    /// Fresh backoff state.
    pub fn new(policy: BackoffPolicy, jitter: Box<dyn Jitter>) -> Self {
        Self {
            policy,
            attempt: 0,
            jitter,
        }
    }

    /// Failed attempts since the last [`Backoff::reset`].
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The ceiling for the current attempt: `min(cap, base · 2ⁿ)`.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.policy
            .base
            .checked_mul(factor)
            .unwrap_or(self.policy.cap)
            .min(self.policy.cap)
    }

    /// The delay before the next attempt; counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        let fraction = self.jitter.fraction();
        // A jitter source outside [0, 1) must not stretch the delay past the cap.
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = ceiling / 2;
        self.attempt = self.attempt.saturating_add(1);
        half + half.mul_f64(fraction)
    }

    /// After a successful connection: the next failure starts from `base` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
        }
    }

    #[test]
    fn delays_double_until_the_cap() {
        // Jitter 0.5: each delay is three quarters of its ceiling.
        let mut backoff = Backoff::new(policy(), Box::new(|| 0.5));
        let delays: Vec<u128> = (0..10).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(
            delays,
            vec![75, 150, 300, 600, 1200, 2400, 3750, 3750, 3750, 3750]
        );
    }

    #[test]
    fn every_delay_is_within_half_and_all_of_its_ceiling() {
        let mut backoff = Backoff::new(policy(), Box::new(SeededJitter::new(7)));
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            let ceiling = backoff.ceiling();
            let delay = backoff.next_delay();
            assert!(delay >= ceiling / 2 && delay <= ceiling, "{delay:?}");
            assert!(delay <= policy().cap);
            distinct.insert(delay);
        }
        // Jittered: capped delays are not all the same.
        assert!(
            distinct.len() > 100,
            "only {} distinct delays",
            distinct.len()
        );
    }

    #[test]
    fn bad_jitter_cannot_exceed_the_cap_and_huge_attempt_counts_do_not_overflow() {
        let mut backoff = Backoff::new(policy(), Box::new(|| f64::INFINITY));
        for _ in 0..100 {
            assert!(backoff.next_delay() <= policy().cap);
        }
        let mut backoff = Backoff::new(policy(), Box::new(|| 7.5));
        for _ in 0..100 {
            assert!(backoff.next_delay() <= policy().cap);
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(policy(), Box::new(|| 0.0));
        for _ in 0..5 {
            backoff.next_delay();
        }
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(50));
    }
}
