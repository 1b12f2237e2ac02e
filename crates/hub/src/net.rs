//! Client addresses and IP allow-lists.
//!
//! The hub decides who may connect from where; clients cannot. The client address is the TCP
//! peer, unless that peer is a configured trusted proxy: only then is `X-Forwarded-For`
//! consulted, walking from the right past trusted proxies to the first address that is not one.
//! A spoofed header from anyone else has no effect.
//!
//! Allow-lists have two layers, both of which must admit an address: organisation-wide entries
//! and entries for the account's role. A layer with no entries admits everything (so a fresh
//! hub works); once an admin adds an entry, only listed networks get in.

use std::net::IpAddr;

use ipnet::IpNet;
use rampart_protocol::rest::Role;

/// Canonical form: IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) become IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// The address a request comes from. `forwarded_for` is the raw `X-Forwarded-For` value.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // Garbage in the chain: do not guess past it; use the last address we trust.
            return client;
        };
        let ip = canonical(ip);
        client = ip;
        if !is_trusted(ip, trusted) {
            return ip;
        }
    }
    client
}

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// Row id (for removal).
    pub id: i64,
    /// The role it applies to; `None` for the whole organisation.
    pub role: Option<Role>,
    /// The network.
    pub net: IpNet,
}

/// Whether `ip` may be used by an account with `role` (or, with `None`, by anyone before the
/// account is known: only organisation-wide entries are checked then).
pub fn allows(entries: &[AllowEntry], role: Option<Role>, ip: IpAddr) -> bool {
    let ip = canonical(ip);
    let layer_admits = |applies: &dyn Fn(&AllowEntry) -> bool| {
        let mut listed = entries.iter().filter(|e| applies(e)).peekable();
        listed.peek().is_none() || listed.any(|e| e.net.contains(&ip))
    };
    let org = layer_admits(&|e: &AllowEntry| e.role.is_none());
    let role_ok = match role {
        Some(role) => layer_admits(&|e: &AllowEntry| e.role == Some(role)),
        None => true,
    };
    org && role_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn entry(role: Option<Role>, cidr: &str) -> AllowEntry {
        AllowEntry {
            id: 0,
            role,
            net: net(cidr),
        }
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let trusted = [net("10.0.0.5/32")];
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("192.0.2.1"), &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_for_is_honoured_from_a_trusted_proxy() {
        let trusted = [net("10.0.0.0/24")];
        // client, then a second trusted proxy hop, then the peer.
        let header = "198.51.100.7, 10.0.0.9";
        assert_eq!(
            client_ip(ip("10.0.0.5"), Some(header), &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_spoofed_leftmost_entry_does_not_win() {
        let trusted = [net("10.0.0.5/32")];
        // The attacker sent "X-Forwarded-For: 10.1.1.1"; the proxy appended the real address.
        let header = "10.1.1.1, 203.0.113.9";
        assert_eq!(
            client_ip(ip("10.0.0.5"), Some(header), &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn garbage_in_the_chain_stops_the_walk() {
        let trusted = [net("10.0.0.5/32")];
        assert_eq!(
            client_ip(ip("10.0.0.5"), Some("not-an-ip"), &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(client_ip(ip("10.0.0.5"), None, &trusted), ip("10.0.0.5"));
    }

    #[test]
    fn mapped_ipv6_is_treated_as_ipv4() {
        assert_eq!(canonical(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        let entries = [entry(None, "192.0.2.0/24")];
        assert!(allows(&entries, None, ip("::ffff:192.0.2.1")));
    }

    #[test]
    fn empty_layers_admit_everyone() {
        assert!(allows(&[], Some(Role::Agent), ip("203.0.113.1")));
    }

    #[test]
    fn org_and_role_layers_must_both_admit() {
        let entries = [
            entry(None, "198.51.100.0/24"),
            entry(None, "2001:db8::/32"),
            entry(Some(Role::Admin), "198.51.100.10/32"),
        ];
        assert!(allows(&entries, Some(Role::Agent), ip("198.51.100.77")));
        assert!(allows(&entries, Some(Role::Agent), ip("2001:db8::1")));
        assert!(!allows(&entries, Some(Role::Agent), ip("203.0.113.1")));
        assert!(allows(&entries, Some(Role::Admin), ip("198.51.100.10")));
        assert!(!allows(&entries, Some(Role::Admin), ip("198.51.100.77")));
        assert!(!allows(&entries, None, ip("203.0.113.1")));
    }
}
