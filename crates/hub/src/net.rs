//! Client addresses and IP allow-lists.
//!
//! The hub decides who may connect from where; clients cannot. The client address is the TCP
//! peer, unless that peer is a configured trusted proxy: only then is `X-Forwarded-For`
//! consulted, walking from the right past trusted proxies to the first address that is not one.
//! A spoofed header from anyone else has no effect.
//!
//! Allow-lists belong to an organisation and have two layers, both of which must admit an
//! address: the organisation's org-wide entries and its entries for the account's role. A layer
//! with no entries admits everything (so a fresh hub works); once an admin adds an entry, only
//! listed networks get in. One organisation's entries never admit or refuse another's staff.

use std::net::IpAddr;

use ipnet::IpNet;
use rampart_protocol::rest::Role;

use crate::org::OrgId;

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
    /// The organisation whose list it is on.
    pub org: OrgId,
    /// The role it applies to; `None` for the whole organisation.
    pub role: Option<Role>,
    /// The network.
    pub net: IpNet,
}

/// Whether the entries `applies` selects admit `ip` (canonical): none listed, or one contains it.
fn layer_admits(entries: &[AllowEntry], ip: IpAddr, applies: impl Fn(&AllowEntry) -> bool) -> bool {
    let mut listed = entries.iter().filter(|e| applies(e)).peekable();
    listed.peek().is_none() || listed.any(|e| e.net.contains(&ip))
}

/// Whether `ip` may be used by an account of `org` with `role` (or, with `None`, by anyone of
/// `org`: only its organisation-wide entries are checked then).
pub fn allows(entries: &[AllowEntry], org: &OrgId, role: Option<Role>, ip: IpAddr) -> bool {
    let ip = canonical(ip);
    let org_wide = layer_admits(entries, ip, |e| &e.org == org && e.role.is_none());
    let role_ok = match role {
        Some(role) => layer_admits(entries, ip, |e| &e.org == org && e.role == Some(role)),
        None => true,
    };
    org_wide && role_ok
}

/// Before the account (and so its organisation) is known: whether the org-wide layer of at
/// least one of `orgs` admits `ip`. The account's own lists are checked once it is known.
pub fn allows_some_org(entries: &[AllowEntry], orgs: &[OrgId], ip: IpAddr) -> bool {
    orgs.iter().any(|org| allows(entries, org, None, ip))
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
        in_org("default", role, cidr)
    }

    fn in_org(org: &str, role: Option<Role>, cidr: &str) -> AllowEntry {
        AllowEntry {
            id: 0,
            org: OrgId::parse(org).unwrap(),
            role,
            net: net(cidr),
        }
    }

    fn default_org() -> OrgId {
        OrgId::default_org()
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
        assert!(allows(
            &entries,
            &default_org(),
            None,
            ip("::ffff:192.0.2.1")
        ));
    }

    #[test]
    fn empty_layers_admit_everyone() {
        assert!(allows(
            &[],
            &default_org(),
            Some(Role::Agent),
            ip("203.0.113.1")
        ));
    }

    #[test]
    fn org_and_role_layers_must_both_admit() {
        let entries = [
            entry(None, "198.51.100.0/24"),
            entry(None, "2001:db8::/32"),
            entry(Some(Role::Admin), "198.51.100.10/32"),
        ];
        let org = default_org();
        assert!(allows(
            &entries,
            &org,
            Some(Role::Agent),
            ip("198.51.100.77")
        ));
        assert!(allows(&entries, &org, Some(Role::Agent), ip("2001:db8::1")));
        assert!(!allows(
            &entries,
            &org,
            Some(Role::Agent),
            ip("203.0.113.1")
        ));
        assert!(allows(
            &entries,
            &org,
            Some(Role::Admin),
            ip("198.51.100.10")
        ));
        assert!(!allows(
            &entries,
            &org,
            Some(Role::Admin),
            ip("198.51.100.77")
        ));
        assert!(!allows(&entries, &org, None, ip("203.0.113.1")));
    }

    #[test]
    fn one_organisations_entries_neither_admit_nor_refuse_another() {
        let (acme, globex) = (
            OrgId::parse("acme").unwrap(),
            OrgId::parse("globex").unwrap(),
        );
        let entries = [
            in_org("acme", None, "198.51.100.0/24"),
            in_org("globex", Some(Role::Agent), "203.0.113.0/24"),
        ];
        // Acme's network is not Globex's: Globex's agents need their own.
        assert!(allows(
            &entries,
            &acme,
            Some(Role::Agent),
            ip("198.51.100.7")
        ));
        assert!(!allows(
            &entries,
            &globex,
            Some(Role::Agent),
            ip("198.51.100.7")
        ));
        assert!(allows(
            &entries,
            &globex,
            Some(Role::Agent),
            ip("203.0.113.7")
        ));
        // Globex's role entry does not bind Acme's agents, nor Globex's supervisors.
        assert!(!allows(
            &entries,
            &acme,
            Some(Role::Agent),
            ip("203.0.113.7")
        ));
        assert!(allows(
            &entries,
            &globex,
            Some(Role::Supervisor),
            ip("192.0.2.1")
        ));
        // Nothing listed for the default organisation: its staff may come from anywhere.
        assert!(allows(
            &entries,
            &default_org(),
            Some(Role::Agent),
            ip("192.0.2.1")
        ));
        // Before the account is known, any organisation's org-wide layer may admit.
        assert!(allows_some_org(
            &entries,
            std::slice::from_ref(&acme),
            ip("198.51.100.7")
        ));
        assert!(!allows_some_org(
            &entries,
            std::slice::from_ref(&acme),
            ip("192.0.2.1")
        ));
        assert!(allows_some_org(&entries, &[acme, globex], ip("192.0.2.1")));
    }
}
