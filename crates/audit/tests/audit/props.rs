//! Property tests: any single field edit, and any single byte change of an export, is caught;
//! neutralisation is total, checkable and injective.

use std::io::BufReader;

use proptest::prelude::*;
use rampart_audit::{
    Action, Actor, AuditEvent, AuditLog, AuditRecord, Hash, JsonlReader, MemoryStore, Outcome,
    Status, Target, TargetKind, Text, field::needs_escape, verify, write_jsonl,
};

use crate::support::{at, check};

fn arb_event() -> impl Strategy<Value = AuditEvent> {
    (
        0..Action::ALL.len(),
        any::<String>(),
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<[u8; 4]>()),
        proptest::option::of((0..TargetKind::ALL.len(), any::<String>())),
        proptest::option::of(any::<String>()),
        proptest::collection::btree_map("[a-z_]{1,8}", any::<String>(), 0..4),
    )
        .prop_map(|(a, id, name, ip, target, code, details)| {
            let actor = match name {
                Some(name) => Actor::named_user(&id, &name),
                None => Actor::visitor(&id),
            };
            let action = Action::ALL[a].clone();
            let mut e = if action == Action::MaskedDataRevealed {
                AuditEvent::reveal(actor, Target::new(TargetKind::Message, "m"), "reason")
            } else {
                AuditEvent::new(actor, action)
            };
            e.origin = ip.map(Into::into);
            if let Some((k, id)) = target {
                e.target = Some(Target::new(TargetKind::ALL[k].clone(), &id));
            }
            if let Some(code) = code {
                e.outcome = Outcome::failure(&code);
            }
            for (k, v) in details {
                e.details.insert(&k, &v).expect("valid key");
            }
            e
        })
}

fn arb_log() -> impl Strategy<Value = Vec<AuditRecord>> {
    proptest::collection::vec((arb_event(), 0i64..100_000), 1..8).prop_map(|events| {
        let log = AuditLog::open(MemoryStore::new()).expect("opens");
        for (e, t) in events {
            log.append(e, at(t)).expect("append");
        }
        log.store().snapshot()
    })
}

/// One edit of one field; every variant changes the record.
fn edit(r: &mut AuditRecord, which: u8) {
    let e = &mut r.event;
    match which % 12 {
        0 => r.seq = r.seq.wrapping_add(1),
        1 => r.time += time::Duration::nanoseconds(1),
        2 => {
            e.actor = match &e.actor {
                Actor::System => Actor::user("x"),
                _ => Actor::System,
            }
        }
        3 => {
            e.origin = match e.origin {
                None => Some([127, 0, 0, 1].into()),
                Some(_) => None,
            }
        }
        4 => {
            e.action = if e.action == Action::HubStopped {
                Action::HubStarted
            } else {
                Action::HubStopped
            }
        }
        5 => {
            e.target = match e.target {
                None => Some(Target::new(TargetKind::Hub, "")),
                Some(_) => None,
            }
        }
        6 => {
            e.outcome.status = match e.outcome.status {
                Status::Succeeded => Status::Failed,
                Status::Failed => Status::Succeeded,
            }
        }
        7 => {
            e.outcome.code = match e.outcome.code {
                None => Some(Text::new("")),
                Some(_) => None,
            }
        }
        8 => {
            let current = e.details.get("zz").map(|t| t.to_string());
            let next = if current.as_deref() == Some("1") {
                "2"
            } else {
                "1"
            };
            e.details.insert("zz", next).expect("valid key");
        }
        9 => r.prev_hash.0[0] ^= 1,
        10 => r.hash.0[31] ^= 0x80,
        _ => r.hash = Hash([0; 32]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_single_field_edit_of_any_record_is_detected(
        recs in arb_log(),
        index in any::<prop::sample::Index>(),
        which in any::<u8>(),
    ) {
        prop_assert!(check(&recs).is_ok());
        let mut tampered = recs.clone();
        let i = index.index(tampered.len());
        edit(&mut tampered[i], which);
        prop_assume!(tampered[i] != recs[i]);
        prop_assert!(check(&tampered).is_err(), "edit {} of record {} undetected", which % 12, i);
    }

    #[test]
    fn any_deletion_swap_or_duplication_is_detected_given_the_head(
        recs in arb_log(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        op in 0u8..3,
    ) {
        let head = rampart_audit::Checkpoint::of(&recs[recs.len() - 1]);
        let mut tampered = recs.clone();
        let (i, j) = (a.index(recs.len()), b.index(recs.len()));
        match op {
            0 => { tampered.remove(i); }
            1 => { prop_assume!(i != j); tampered.swap(i, j); }
            _ => { let copy = tampered[i].clone(); tampered.insert(j, copy); }
        }
        let result = rampart_audit::verify_with(
            rampart_audit::Verifier::new().with_trusted_head(head),
            tampered.into_iter().map(Ok),
        );
        prop_assert!(
            matches!(result, Err(rampart_audit::Error::Tampered { .. })),
            "op {} at {}/{} undetected: {:?}", op, i, j, result
        );
    }

    #[test]
    fn any_single_byte_change_of_an_export_is_detected(
        recs in arb_log(),
        index in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = Vec::new();
        write_jsonl(recs.iter().cloned().map(Ok), &mut bytes).expect("exports");
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let result = verify(JsonlReader::new(BufReader::new(&bytes[..])));
        if result.is_ok() {
            // Only acceptable if the change did not change any record (for example a JSON
            // escape spelled differently).
            let back: Vec<AuditRecord> = JsonlReader::new(BufReader::new(&bytes[..]))
                .collect::<Result<_, _>>()
                .expect("parsed once already");
            prop_assert_eq!(back, recs);
        }
    }

    #[test]
    fn neutralised_text_is_clean_capped_and_reads_back(s in any::<String>()) {
        let t = Text::new(&s);
        prop_assert!(!t.as_str().chars().any(needs_escape));
        prop_assert!(t.as_str().len() <= Text::MAX_BYTES);
        let back = Text::from_stored(t.as_str().to_owned(), "f");
        prop_assert_eq!(back.ok(), Some(t));
    }

    #[test]
    fn neutralisation_is_injective_below_the_cap(a in ".{0,40}", b in ".{0,40}") {
        prop_assume!(a != b);
        prop_assert_ne!(Text::new(&a), Text::new(&b));
    }
}
