//! Conversations, messages and erasure: appends, sequences, state changes, the deletion log.

use std::collections::BTreeSet;

use rampart_protocol::{AgentId, ConversationId, EpochId, ForgetPosition, MessageId, Seq};

use super::{T0, message, new_org, seqs, visitor_conversation};
use crate::org::OrgId;
use crate::store::{ConversationState, HubStore, StoreError};

/// A resend (same id, same conversation) answers the original seq and time and stores
/// nothing; the same id in another conversation is refused and stores nothing there.
pub async fn append_is_idempotent_per_message_id(store: &dyn HubStore) {
    let org = OrgId::default_org();
    let (one, _) = visitor_conversation(store, &org, T0).await;
    let (two, _) = visitor_conversation(store, &org, T0).await;
    let first = message(one, "first");
    let stored = store.append(first.clone()).await.expect("append");
    assert_eq!((stored.seq, stored.duplicate), (Seq(1), false));
    store.append(message(one, "second")).await.expect("append");
    let mut resend = first.clone();
    resend.now_ms = T0 + 5_000;
    resend.text = "changed".into();
    let again = store.append(resend).await.expect("resend");
    assert_eq!(
        (again.seq, again.sent_at, again.duplicate),
        (Seq(1), T0, true)
    );
    let all = store
        .messages_after(one, Seq::ZERO, 10)
        .await
        .expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].id, all[0].text.as_str()), (first.id, "first"));
    let mut stolen = first.clone();
    stolen.conversation_id = two;
    assert!(matches!(
        store.append(stolen).await,
        Err(StoreError::IdConflict)
    ));
    assert!(seqs(store, two).await.is_empty());
    assert_eq!(
        store.message_position(first.id).await.expect("position"),
        Some((one, Seq(1)))
    );
    assert_eq!(
        store
            .message_position(MessageId::new())
            .await
            .expect("position"),
        None
    );
}

/// Each conversation counts 1, 2, 3… on its own, without gaps, also under concurrent appends;
/// a refused append uses no number; reading resumes after any seq.
pub async fn seqs_are_gap_free_per_conversation(store: &dyn HubStore) {
    let org = OrgId::default_org();
    let (one, _) = visitor_conversation(store, &org, T0).await;
    let (two, _) = visitor_conversation(store, &org, T0).await;
    for _ in 0..3 {
        store.append(message(one, "a")).await.expect("append");
        store.append(message(two, "b")).await.expect("append");
    }
    let taken = message(two, "taken");
    store.append(taken.clone()).await.expect("append");
    let mut conflict = taken;
    conflict.conversation_id = one;
    assert!(store.append(conflict).await.is_err());
    let unknown = store.append(message(ConversationId::new(), "x")).await;
    assert!(matches!(unknown, Err(StoreError::ConversationNotFound)));
    let racing: Vec<_> = (0..20)
        .map(|_| store.append(message(one, "race")))
        .collect();
    let mut won: Vec<u64> = Vec::new();
    for appended in futures_util::future::join_all(racing).await {
        won.push(appended.expect("concurrent append").seq.0);
    }
    won.sort_unstable();
    assert_eq!(won, (4..=23).collect::<Vec<_>>());
    assert_eq!(seqs(store, one).await, (1..=23).collect::<Vec<_>>());
    assert_eq!(seqs(store, two).await, [1, 2, 3, 4]);
    let page = store.messages_after(one, Seq(10), 3).await.expect("page");
    assert_eq!(
        page.iter().map(|m| m.seq.0).collect::<Vec<_>>(),
        [11, 12, 13]
    );
    assert!(page.iter().all(|m| m.conversation_id == one));
}

/// A closed conversation refuses new messages and assignment; closing again is fine; a resend
/// of a message stored before the close still gets its answer (its acknowledgement may have
/// been lost).
pub async fn closed_conversations_take_no_more_messages(store: &dyn HubStore) {
    let org = OrgId::default_org();
    let (id, _) = visitor_conversation(store, &org, T0).await;
    let before = message(id, "before");
    store.append(before.clone()).await.expect("append");
    store.close(id, T0 + 1).await.expect("close");
    store
        .close(id, T0 + 2)
        .await
        .expect("closing twice is not an error");
    let refused = store.append(message(id, "after")).await;
    assert!(matches!(refused, Err(StoreError::ConversationClosed)));
    let resend = store.append(before).await.expect("resend after close");
    assert_eq!((resend.seq, resend.duplicate), (Seq(1), true));
    assert_eq!(seqs(store, id).await, [1]);
    let assign = store.assign(id, AgentId::new()).await;
    assert!(matches!(assign, Err(StoreError::ConversationClosed)));
    let (state, _) = store.conversation_state(id).await.expect("state");
    assert_eq!(state, ConversationState::Closed);
    let missing = ConversationId::new();
    assert!(matches!(
        store.close(missing, T0).await,
        Err(StoreError::ConversationNotFound)
    ));
    let assign = store.assign(missing, AgentId::new()).await;
    assert!(matches!(assign, Err(StoreError::ConversationNotFound)));
    let state = store.conversation_state(missing).await;
    assert!(matches!(state, Err(StoreError::ConversationNotFound)));
}

/// Of two agents accepting one conversation exactly one wins; a transfer needs the current
/// holder; the waiting queue is oldest first and carries organisations.
pub async fn state_changes_are_compare_and_set(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let (id, _) = visitor_conversation(store, &acme, T0 + 1).await;
    let (older, _) = visitor_conversation(store, &OrgId::default_org(), T0).await;
    let queue = store.waiting_queue().await.expect("queue");
    let order: Vec<_> = queue.iter().map(|w| (w.id, w.org.clone())).collect();
    assert_eq!(order, [(older, OrgId::default_org()), (id, acme.clone())]);
    assert_eq!(store.waiting_count().await.expect("count"), 2);
    let (a, b, c) = (AgentId::new(), AgentId::new(), AgentId::new());
    let (first, second) = tokio::join!(store.accept(id, a), store.accept(id, b));
    let won = [first.expect("accept"), second.expect("accept")];
    assert_eq!(won.iter().filter(|w| **w).count(), 1);
    let winner = if won[0] { a } else { b };
    let loser = if won[0] { b } else { a };
    assert_eq!(
        store.conversation_in(id).await.expect("state"),
        (acme, ConversationState::Active, Some(winner))
    );
    assert!(!store.transfer(id, loser, c).await.expect("transfer"));
    assert!(store.transfer(id, winner, c).await.expect("transfer"));
    assert_eq!(store.active_for(c).await.expect("active"), [id]);
    assert!(store.active_for(winner).await.expect("active").is_empty());
    assert_eq!(store.waiting_count().await.expect("count"), 1);
}

/// Deleting records `(position, id, organisation, epoch)` in the same transaction; positions
/// grow and are never reused, even after every record is pruned; a position counts only with
/// the epoch that recorded it.
pub async fn deletion_log_positions_only_grow(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let default = OrgId::default_org();
    let mut closed = Vec::new();
    for org in [&acme, &default, &acme] {
        let (id, _) = visitor_conversation(store, org, T0).await;
        store.close(id, T0 + 10).await.expect("close");
        closed.push(id);
    }
    let (open, _) = visitor_conversation(store, &acme, T0).await;
    assert_eq!(store.forgotten_head().await.expect("head"), 0);
    assert_eq!(
        store
            .purge_closed_before(&acme, T0 + 11, Some(T0 + 20))
            .await
            .expect("purge"),
        2
    );
    let log = store.forgotten_after(0, 0, 100).await.expect("log");
    let ids: BTreeSet<_> = log.iter().map(|f| f.conversation).collect();
    assert_eq!(ids, BTreeSet::from([closed[0], closed[2]]));
    assert!(log.iter().all(|f| f.org == acme));
    assert!(log[0].position > 0 && log[1].position > log[0].position);
    let epoch = log[0].epoch.expect("recorded under an epoch");
    assert_eq!(log[1].epoch, Some(epoch), "one epoch per opening");
    assert!(
        store.conversation_state(open).await.is_ok(),
        "open ones stay"
    );
    assert!(
        store.conversation_state(closed[1]).await.is_ok(),
        "other organisations stay"
    );
    let head = store.forgotten_head().await.expect("head");
    assert_eq!(head, log[1].position);
    // Recorded here: each position with its own epoch, and nothing else.
    let at = |through| ForgetPosition { epoch, through };
    assert!(store.forgotten_recorded(at(head)).await.expect("recorded"));
    assert!(
        store
            .forgotten_recorded(at(log[0].position))
            .await
            .expect("recorded")
    );
    for other in [
        at(0),
        at(head + 1),
        ForgetPosition {
            epoch: EpochId::new(),
            through: head,
        },
    ] {
        assert!(
            !store.forgotten_recorded(other).await.expect("recorded"),
            "{other:?}"
        );
    }
    assert_eq!(
        store
            .purge_closed_before(&default, T0 + 11, None)
            .await
            .expect("purge"),
        1
    );
    assert_eq!(
        store.forgotten_head().await.expect("head"),
        head,
        "not remembered"
    );
    assert_eq!(
        store
            .forgotten_after(log[0].position, 0, 100)
            .await
            .expect("log")
            .len(),
        1
    );
    assert!(
        store
            .forgotten_after(0, T0 + 21, 100)
            .await
            .expect("log")
            .is_empty()
    );
    assert_eq!(store.prune_forgotten(T0 + 21).await.expect("prune"), 2);
    assert!(
        store
            .forgotten_after(0, 0, 100)
            .await
            .expect("log")
            .is_empty()
    );
    assert!(
        !store.forgotten_recorded(at(head)).await.expect("recorded"),
        "pruned: no console keeps it any more"
    );
    store.close(open, T0 + 30).await.expect("close");
    store
        .purge_closed_before(&acme, T0 + 31, Some(T0 + 40))
        .await
        .expect("purge");
    let next = store.forgotten_after(0, 0, 100).await.expect("log");
    assert_eq!(next.len(), 1);
    assert!(next[0].position > head, "a position is never given twice");
}

/// Erasure by email finds the visitor; erasing deletes every conversation of theirs, whatever
/// its state, with its messages, and records them.
pub async fn erasure_finds_and_removes_a_visitor(store: &dyn HubStore) {
    let org = OrgId::default_org();
    let (id, visitor) = visitor_conversation(store, &org, T0).await;
    let (other, _) = visitor_conversation(store, &org, T0).await;
    let mut with_email = message(id, "mail me");
    with_email.email_keys = vec![[9; 32]];
    store.append(with_email).await.expect("append");
    store.append(message(other, "x")).await.expect("append");
    let found = |key| store.visitors_with_email(key);
    assert_eq!(found([9; 32]).await.expect("find"), [visitor]);
    assert!(found([8; 32]).await.expect("find").is_empty());
    assert_eq!(store.visitor_of(id).await.expect("visitor"), Some(visitor));
    assert_eq!(
        store.erase_visitor(visitor, T0 + 5).await.expect("erase"),
        [id]
    );
    assert!(matches!(
        store.conversation_state(id).await,
        Err(StoreError::ConversationNotFound)
    ));
    assert!(seqs(store, id).await.is_empty());
    assert!(found([9; 32]).await.expect("find").is_empty());
    let log = store.forgotten_after(0, 0, 10).await.expect("log");
    assert_eq!(log.iter().map(|f| f.conversation).collect::<Vec<_>>(), [id]);
    assert_eq!(seqs(store, other).await, [1], "other visitors stay");
}
