//! What happened ([`Action`]) and what it happened to ([`TargetKind`]).
//!
//! Both are closed enums with a stable dotted name per variant. The hash chain and every export
//! use the *name*, never a discriminant, so:
//!
//! - adding a variant later is backward compatible (old records keep their names and hashes);
//! - a reader built before a variant existed still verifies newer logs: an unknown name parses
//!   as `Other(name)` and hashes identically;
//! - renaming a variant's string would break every existing chain, so names are frozen (a test
//!   pins them).

use crate::Error;
use crate::field::Name;

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $ty:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $name:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $ty {
            $( $(#[$vmeta])* $variant, )*
            /// A name this version of the crate does not know, read from a newer log (or used
            /// by the hub before a variant is added). Hashes exactly like a named variant.
            Other(Name),
        }

        impl $ty {
            /// Every named variant (not `Other`).
            pub const ALL: &'static [$ty] = &[ $( $ty::$variant, )* ];

            /// The stable name that is hashed and exported.
            pub fn name(&self) -> &str {
                match self {
                    $( $ty::$variant => $name, )*
                    $ty::Other(name) => name.as_str(),
                }
            }

            /// Parses a stable name; unknown but well-formed names become `Other`.
            pub fn from_name(name: &str) -> Result<Self, Error> {
                match name {
                    $( $name => Ok($ty::$variant), )*
                    other => Ok($ty::Other(Name::new(other, $field)?)),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// The audited event (PCI DSS 10.2.1.x). The outcome ([`crate::Outcome`]) says whether the
    /// attempt succeeded; actions named after a failure (`LoginFailed`, `TotpFailed`, …) are
    /// recorded with a failed outcome and a reason code.
    Action, "action" {
        /// Password and TOTP accepted; a session follows.
        LoginSucceeded => "auth.login.succeeded",
        /// A login attempt was refused (unknown user, wrong password, disabled account, …).
        LoginFailed => "auth.login.failed",
        /// A wrong TOTP code.
        TotpFailed => "auth.totp.failed",
        /// A TOTP code that was already used in its time step.
        TotpReplayed => "auth.totp.replayed",
        /// An account was locked after repeated failures.
        AccountLocked => "auth.account.locked",
        /// An account was unlocked (by an admin or when the lockout expired).
        AccountUnlocked => "auth.account.unlocked",
        /// A request from an address outside the allow-list was refused.
        IpDenied => "net.ip.denied",
        /// A session was created.
        SessionCreated => "session.created",
        /// A session was revoked (logout or admin).
        SessionRevoked => "session.revoked",
        /// A session hit its idle or absolute timeout.
        SessionExpired => "session.expired",
        /// A locked console was unlocked with a TOTP code the hub checked.
        ConsoleUnlocked => "session.console.unlocked",
        /// A password or other credential was changed.
        CredentialChanged => "credential.changed",
        /// TOTP enrollment completed.
        TotpEnrolled => "credential.totp.enrolled",
        /// An admin reset an account's TOTP (the next login re-enrolls).
        TotpReset => "credential.totp.reset",
        /// Masked data was revealed; the record carries the stated reason in the `reason`
        /// detail ([`crate::AuditEvent::reveal`]).
        MaskedDataRevealed => "data.masked.revealed",
        /// A revealed value was copied to the clipboard (by policy); the record names its kind.
        MaskedDataCopied => "data.masked.copied",
        /// An agent asked a visitor to fill in a secure form.
        SecureFormRequested => "secure_form.requested",
        /// A visitor submitted a secure form.
        SecureFormSubmitted => "secure_form.submitted",
        /// An agent viewed a submitted secure form.
        SecureFormViewed => "secure_form.viewed",
        /// A transcript was opened.
        TranscriptViewed => "transcript.viewed",
        /// A transcript was exported.
        TranscriptExported => "transcript.exported",
        /// An account was created.
        AccountCreated => "admin.account.created",
        /// An account was disabled or deleted.
        AccountDisabled => "admin.account.disabled",
        /// An account's role or privileges changed.
        RoleChanged => "admin.role.changed",
        /// An organisation or security policy setting changed.
        PolicyChanged => "admin.policy.changed",
        /// An IP allow-list entry was added or removed.
        AllowListChanged => "admin.allowlist.changed",
        /// A visitor's personal data was erased (right to erasure).
        VisitorErased => "privacy.visitor.erased",
        /// A remote wipe of a console's local data was ordered.
        RemoteWipeIssued => "device.wipe.issued",
        /// The audit log was exported.
        AuditExported => "audit.exported",
        /// The audit log was verified.
        AuditVerified => "audit.verified",
        /// The hub started: audit logging starts (PCI DSS 10.2.1.6).
        HubStarted => "hub.started",
        /// The hub stopped: audit logging stops (PCI DSS 10.2.1.6).
        HubStopped => "hub.stopped",
    }
}

named_enum! {
    /// The kind of object an action was done on.
    TargetKind, "target kind" {
        /// A staff account (agent, supervisor, trainer, admin).
        Account => "account",
        /// A login session.
        Session => "session",
        /// A conversation.
        Conversation => "conversation",
        /// A visitor (by pseudonymous id only).
        Visitor => "visitor",
        /// A transcript.
        Transcript => "transcript",
        /// A secure form.
        SecureForm => "secure_form",
        /// A single message (by id only, never its text).
        Message => "message",
        /// An organisation.
        Organisation => "organisation",
        /// A role.
        Role => "role",
        /// A policy or setting.
        Policy => "policy",
        /// An IP allow-list.
        AllowList => "allowlist",
        /// A console installation.
        Device => "device",
        /// An IP address or network.
        Network => "network",
        /// The audit log itself.
        AuditLog => "audit_log",
        /// The hub.
        Hub => "hub",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()).ok().as_ref(), Some(a));
            assert!(Name::new(a.name(), "action").is_ok(), "{a}");
            assert!(seen.insert(a.name()), "duplicate name {a}");
        }
        for k in TargetKind::ALL {
            assert_eq!(TargetKind::from_name(k.name()).ok().as_ref(), Some(k));
        }
    }

    #[test]
    fn unknown_names_are_kept_as_other() {
        let a = Action::from_name("future.thing").ok();
        assert_eq!(a.as_ref().map(Action::name), Some("future.thing"));
        assert!(matches!(a, Some(Action::Other(_))));
        assert!(Action::from_name("Bad Name").is_err());
    }

    /// These strings are hashed into every record: changing one breaks existing chains.
    #[test]
    fn names_are_frozen() {
        let joined: Vec<&str> = Action::ALL.iter().map(Action::name).collect();
        assert_eq!(
            joined.join(","),
            "auth.login.succeeded,auth.login.failed,auth.totp.failed,auth.totp.replayed,\
             auth.account.locked,auth.account.unlocked,net.ip.denied,session.created,\
             session.revoked,session.expired,session.console.unlocked,credential.changed,\
             credential.totp.enrolled,\
             credential.totp.reset,data.masked.revealed,data.masked.copied,secure_form.requested,\
             secure_form.submitted,secure_form.viewed,transcript.viewed,transcript.exported,\
             admin.account.created,admin.account.disabled,admin.role.changed,\
             admin.policy.changed,admin.allowlist.changed,privacy.visitor.erased,\
             device.wipe.issued,audit.exported,audit.verified,hub.started,hub.stopped"
        );
    }
}
