//! The chain verifies, and each kind of tampering is detected and named.

use rampart_audit::{
    Action, Actor, AuditEvent, AuditLog, Checkpoint, Error, Hash, MemoryStore, Outcome, Tamper,
    Target, TargetKind, Verifier, verify_with,
};

use crate::support::{at, check, event_for, finding, log_of, rechain, records};

#[test]
fn every_action_is_constructible_and_verifies() {
    let log = log_of(Action::ALL.len());
    let stored = log.store().snapshot();
    let actions: Vec<&Action> = stored.iter().map(|r| &r.event.action).collect();
    assert_eq!(actions, Action::ALL.iter().collect::<Vec<_>>());
    let summary = log.verify(Some(log.head())).expect("intact chain verifies");
    assert_eq!(summary.records, Action::ALL.len() as u64);
    assert_eq!(summary.head, log.head());
}

#[test]
fn a_reveal_carries_its_reason_and_one_without_is_refused() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    let target = Target::new(TargetKind::Message, "m-1");
    let r = log
        .append(
            AuditEvent::reveal(Actor::user("u1"), target.clone(), "fraud check"),
            at(0),
        )
        .expect("append");
    assert_eq!(
        r.event.details.get("reason").map(|t| t.as_str()),
        Some("fraud check")
    );
    let bare = AuditEvent::new(Actor::user("u1"), Action::MaskedDataRevealed).on(target.clone());
    assert!(matches!(log.append(bare, at(1)), Err(Error::MissingReason)));
    let blank = AuditEvent::reveal(Actor::user("u1"), target, "");
    assert!(matches!(
        log.append(blank, at(1)),
        Err(Error::MissingReason)
    ));
    assert_eq!(log.head().seq, 1, "refused events are not stored");
}

#[test]
fn first_record_chains_to_genesis_and_seqs_are_consecutive() {
    let recs = records(5);
    assert_eq!(recs[0].seq, 1);
    assert_eq!(recs[0].prev_hash, Hash::GENESIS);
    for w in recs.windows(2) {
        assert_eq!(w[1].seq, w[0].seq + 1);
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
}

#[test]
fn empty_log_verifies_unless_a_head_is_expected() {
    assert_eq!(check(&[]).expect("empty is fine").records, 0);
    let head = Checkpoint::of(&records(1)[0]);
    let (_, seq, kind) = finding(verify_with(
        Verifier::new().with_trusted_head(head),
        std::iter::empty(),
    ));
    assert_eq!((seq, kind), (1, Tamper::TruncatedTail { head: 1 }));
}

#[test]
fn editing_any_field_is_named_as_an_edit_of_that_record() {
    let original = records(10);
    type Edit = Box<dyn Fn(&mut rampart_audit::AuditRecord)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "actor",
            Box::new(|r| r.event.actor = Actor::user("someone-else")),
        ),
        ("time", Box::new(|r| r.time = at(-3600))),
        ("origin", Box::new(|r| r.event.origin = None)),
        ("action", Box::new(|r| r.event.action = Action::HubStarted)),
        ("target", Box::new(|r| r.event.target = None)),
        (
            "outcome",
            Box::new(|r| r.event.outcome = Outcome::failure("x")),
        ),
        (
            "details",
            Box::new(|r| {
                r.event
                    .details
                    .insert("request_id", "forged")
                    .expect("valid");
            }),
        ),
    ];
    for (name, edit) in edits {
        let mut recs = original.clone();
        edit(&mut recs[4]);
        assert_eq!(
            finding(check(&recs)),
            (5, 5, Tamper::Edited),
            "edit of {name}"
        );
    }
}

#[test]
fn deleting_a_record_in_the_middle_is_named() {
    let mut recs = records(10);
    recs.remove(4);
    let (position, seq, kind) = finding(check(&recs));
    assert_eq!((position, seq), (5, 6));
    assert_eq!(kind, Tamper::Deleted { first: 5, last: 5 });
}

#[test]
fn deleting_the_first_records_is_a_truncated_head() {
    let mut recs = records(10);
    recs.drain(..3);
    assert_eq!(
        finding(check(&recs)),
        (1, 4, Tamper::TruncatedHead { first: 1, last: 3 })
    );
}

#[test]
fn deleting_the_last_record_needs_the_trusted_head() {
    let mut recs = records(10);
    let head = Checkpoint::of(&recs[9]);
    recs.pop();
    // Without an anchor a shorter log is indistinguishable from an older one.
    assert!(check(&recs).is_ok());
    let result = verify_with(
        Verifier::new().with_trusted_head(head),
        recs.iter().cloned().map(Ok),
    );
    assert_eq!(
        finding(result),
        (10, 10, Tamper::TruncatedTail { head: 10 })
    );
}

#[test]
fn swapping_two_records_is_named_as_a_reorder() {
    let mut recs = records(10);
    recs.swap(3, 4);
    assert_eq!(finding(check(&recs)), (4, 5, Tamper::Reordered));
    let mut recs = records(10);
    recs.swap(2, 7);
    assert_eq!(finding(check(&recs)), (3, 8, Tamper::Reordered));
}

#[test]
fn swapping_contents_under_fixed_seqs_is_named_as_a_reorder() {
    // What a reorder looks like in a table keyed by seq: rows keep their seq, contents move.
    let mut recs = records(10);
    let (a, b) = (recs[3].clone(), recs[4].clone());
    recs[3] = rampart_audit::AuditRecord { seq: 4, ..b };
    recs[4] = rampart_audit::AuditRecord { seq: 5, ..a };
    assert_eq!(finding(check(&recs)), (4, 4, Tamper::Reordered));
}

#[test]
fn duplicating_a_record_is_named() {
    let mut recs = records(10);
    recs.insert(5, recs[4].clone());
    assert_eq!(finding(check(&recs)), (6, 5, Tamper::Duplicated));
    let mut recs = records(10);
    recs.insert(8, recs[2].clone());
    assert_eq!(finding(check(&recs)), (9, 3, Tamper::Duplicated));
}

#[test]
fn a_fully_recomputed_chain_is_caught_only_by_the_anchored_head() {
    let mut recs = records(10);
    let head = Checkpoint::of(&recs[9]);
    recs[2].event.actor = Actor::user("scapegoat");
    rechain(&mut recs);
    assert!(check(&recs).is_ok(), "the limitation the README documents");
    let result = verify_with(
        Verifier::new().with_trusted_head(head),
        recs.iter().cloned().map(Ok),
    );
    assert_eq!(finding(result), (10, 10, Tamper::HeadMismatch));
}

#[test]
fn a_deletion_with_renumbering_breaks_the_link() {
    let mut recs = records(10);
    recs.remove(4);
    for r in recs.iter_mut().skip(4) {
        r.seq -= 1;
        r.hash = r.compute_hash();
    }
    // Record 5 now points to the deleted record's hash; later hashes were made consistent.
    let (position, seq, kind) = finding(check(&recs));
    assert_eq!((position, seq), (5, 5));
    assert_eq!(kind, Tamper::BrokenLink);
}

#[test]
fn verification_can_resume_after_a_trusted_checkpoint() {
    let recs = records(10);
    let cp = Checkpoint::of(&recs[5]);
    let summary =
        verify_with(Verifier::after(cp), recs[6..].iter().cloned().map(Ok)).expect("tail verifies");
    assert_eq!(
        (summary.records, summary.start, summary.head.seq),
        (4, cp, 10)
    );
    let wrong = Checkpoint {
        seq: 6,
        hash: Hash([1; 32]),
    };
    let (_, seq, kind) = finding(verify_with(
        Verifier::after(wrong),
        recs[6..].iter().cloned().map(Ok),
    ));
    assert_eq!((seq, kind), (7, Tamper::BrokenLink));
}

#[test]
fn clock_steps_back_are_counted_not_failed() {
    let log = AuditLog::open(MemoryStore::new()).expect("opens");
    for t in [10, 5, 20] {
        log.append(event_for(&Action::LoginSucceeded, 0), at(t))
            .expect("append");
    }
    assert_eq!(log.verify(None).expect("verifies").time_regressions, 1);
}

#[test]
fn the_error_message_names_the_record_and_the_fault() {
    let mut recs = records(10);
    recs.remove(4);
    let message = check(&recs).expect_err("tampered").to_string();
    assert!(message.contains("seq 6"), "{message}");
    assert!(message.contains("deleted"), "{message}");
}

#[test]
fn a_memory_store_tampered_in_place_fails_verification() {
    let log = log_of(6);
    log.store()
        .dangerous_edit(|recs| recs[2].event.target = None);
    assert_eq!(finding(log.verify(None)), (3, 3, Tamper::Edited));
}
