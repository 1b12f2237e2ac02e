//! Per-source limits: how many sockets one address may hold open, and how fast it may start
//! visitor chats or login attempts. A flood from one source gets clear `429` errors while the
//! hub keeps serving everyone else; memory stays bounded by the caps.
//!
//! Limits are per client address (after trusted-proxy resolution), generous enough for an
//! office or a mobile carrier NAT.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Open WebSockets one address may hold.
pub const SOCKETS_PER_IP: usize = 512;
/// Visitor chats one address may start per minute.
pub const VISITORS_PER_MINUTE: u32 = 60;
/// Login, TOTP and enrollment requests one address may make per minute (across accounts:
/// this is what stops password spraying; per-account lockout stops guessing one account).
pub const LOGINS_PER_MINUTE: u32 = 60;

/// The limits, shared by the HTTP and WebSocket layers. Cheap to clone.
#[derive(Clone)]
pub struct Limits {
    sockets: Arc<Mutex<HashMap<IpAddr, usize>>>,
    visitors: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    logins: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    sockets_per_ip: usize,
    checks: Arc<AtomicU64>,
}

/// Rate-limiter state is pruned of idle addresses every this many checks, so a spray of
/// source addresses cannot grow it without bound.
const PRUNE_EVERY: u64 = 4096;

/// The key an address is limited under: IPv4 addresses alone, IPv6 addresses by their /64 (one
/// host usually holds a whole /64, so per-/128 keys would give it unlimited quota).
pub fn source_key(ip: IpAddr) -> IpAddr {
    match crate::net::canonical(ip) {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(SOCKETS_PER_IP, VISITORS_PER_MINUTE, LOGINS_PER_MINUTE)
    }
}

impl Limits {
    /// Limits with these caps.
    pub fn new(sockets_per_ip: usize, visitors_per_minute: u32, logins_per_minute: u32) -> Self {
        Self {
            sockets: Arc::default(),
            visitors: Arc::new(RateLimiter::keyed(per_minute(visitors_per_minute))),
            logins: Arc::new(RateLimiter::keyed(per_minute(logins_per_minute))),
            sockets_per_ip,
            checks: Arc::default(),
        }
    }

    fn prune_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.visitors.retain_recent();
            self.visitors.shrink_to_fit();
            self.logins.retain_recent();
            self.logins.shrink_to_fit();
        }
    }

    /// Whether `ip` may start another visitor chat now.
    pub fn visitor_allowed(&self, ip: IpAddr) -> bool {
        self.prune_now_and_then();
        self.visitors.check_key(&source_key(ip)).is_ok()
    }

    /// Whether `ip` may make another login-type request now.
    pub fn login_allowed(&self, ip: IpAddr) -> bool {
        self.prune_now_and_then();
        self.logins.check_key(&source_key(ip)).is_ok()
    }

    /// Rate-limiter entries currently held (for tests and metrics).
    pub fn tracked_sources(&self) -> usize {
        self.visitors.len() + self.logins.len()
    }

    /// Reserves a socket slot for `ip`; the slot is released when the guard drops. `None` when
    /// the address already holds the maximum.
    pub fn open_socket(&self, ip: IpAddr) -> Option<SocketSlot> {
        let ip = source_key(ip);
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let count = sockets.entry(ip).or_insert(0);
        if *count >= self.sockets_per_ip {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            limits: self.clone(),
            ip,
        })
    }
}

/// One open socket's place in its address's quota.
pub struct SocketSlot {
    limits: Limits,
    ip: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut sockets = self
            .limits
            .sockets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = sockets.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                sockets.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_slots_are_capped_per_address_and_released() {
        let limits = Limits::new(2, 10, 10);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let one = limits.open_socket(a).unwrap();
        let _two = limits.open_socket(a).unwrap();
        assert!(limits.open_socket(a).is_none());
        assert!(
            limits.open_socket(b).is_some(),
            "other addresses are unaffected"
        );
        drop(one);
        assert!(limits.open_socket(a).is_some());
    }

    #[test]
    fn ipv6_sources_share_their_64() {
        let limits = Limits::new(2, 1, 1);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limits.visitor_allowed(a));
        assert!(!limits.visitor_allowed(b), "same /64, same quota");
        assert!(limits.visitor_allowed(other));
        let _one = limits.open_socket(a).unwrap();
        let _two = limits.open_socket(b).unwrap();
        assert!(limits.open_socket(a).is_none());
    }

    #[test]
    fn rates_are_per_address() {
        let limits = Limits::new(10, 2, 1);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.visitor_allowed(a) && limits.visitor_allowed(a));
        assert!(!limits.visitor_allowed(a));
        assert!(limits.visitor_allowed(b));
        assert!(limits.login_allowed(a));
        assert!(!limits.login_allowed(a));
    }
}
