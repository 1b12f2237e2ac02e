//! Hostile strings in every field are neutralised before hashing, storage and export.

use std::net::IpAddr;

use rampart_audit::{
    Action, Actor, AuditEvent, AuditLog, MemoryStore, Outcome, Target, TargetKind, Text,
    field::needs_escape,
};

use crate::support::at;

const HOSTILE: &str = "eve\n2026-11-29T00:00:00Z admin login ok\r\x1b[2K\x1b[31mred\u{202E}gpj.exe\u{2066}\u{200B}\u{85}";

fn hostile_event() -> AuditEvent {
    AuditEvent::new(Actor::named_user(HOSTILE, HOSTILE), Action::LoginFailed)
        .from_ip(IpAddr::from([203, 0, 113, 9]))
        .on(Target::new(TargetKind::Account, HOSTILE))
        .with_outcome(Outcome::failure(HOSTILE))
        .with_detail("user_agent", HOSTILE)
        .expect("valid key")
}

fn all_strings(r: &rampart_audit::AuditRecord) -> Vec<String> {
    let mut out = Vec::new();
    if let Actor::User { id, name } = &r.event.actor {
        out.push(id.to_string());
        out.extend(name.as_ref().map(Text::to_string));
    }
    out.extend(r.event.target.as_ref().map(|t| t.id.to_string()));
    out.extend(r.event.outcome.code.as_ref().map(Text::to_string));
    out.extend(r.event.details.iter().map(|(_, v)| v.to_string()));
    out
}

#[test]
fn newline_cr_ansi_and_bidi_are_escaped_in_every_field() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let r = log.append(hostile_event(), at(0)).expect("append");
    let strings = all_strings(&r);
    assert_eq!(strings.len(), 5);
    let expected = "eve\\n2026-11-29T00:00:00Z admin login ok\\r\\u{1b}[2K\\u{1b}[31mred\
                    \\u{202e}gpj.exe\\u{2066}\\u{200b}\\u{85}";
    for s in strings {
        assert_eq!(s, expected);
        assert!(!s.chars().any(needs_escape), "{s:?}");
    }
}

#[test]
fn the_export_has_one_line_per_record_and_no_raw_controls() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    for i in 0..3 {
        log.append(hostile_event(), at(i)).expect("append");
    }
    let mut out = Vec::new();
    assert_eq!(log.export_jsonl(&mut out).expect("exports"), 3);
    let text = String::from_utf8(out).expect("UTF-8");
    assert_eq!(text.lines().count(), 3);
    assert!(
        !text
            .trim_end()
            .chars()
            .any(|c| needs_escape(c) && c != '\n')
    );
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
}

#[test]
fn hashing_sees_the_neutralised_value() {
    // Two events that differ only in a raw control character versus its literal escape text
    // must not collide: the backslash is escaped too.
    let a = AuditEvent::new(Actor::user("a\nb"), Action::LoginFailed);
    let b = AuditEvent::new(Actor::user("a\\nb"), Action::LoginFailed);
    assert_ne!(a, b);
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let ra = log.append(a, at(0)).expect("append");
    let rb = rampart_audit::AuditRecord::chained(
        rampart_audit::Checkpoint::GENESIS,
        at(0),
        AuditEvent::new(Actor::user("a\\nb"), Action::LoginFailed),
    )
    .expect("seq 1");
    assert_ne!(ra.hash, rb.hash);
}
