//! The storage contract suite: what every [`HubStore`] backend must do, written once.
//!
//! Each check takes a fresh, empty store (migrated, holding only the `default` organisation)
//! and panics on a breach. [`crate::hub_store_conformance!`] turns them into one test each;
//! `SqliteStore` runs them in `cargo test -p rampart-hub`, and a PostgreSQL backend calls the
//! same macro with its own factory (the `conformance` feature exposes this module outside the
//! crate). The checks pin the contracts the hub's guarantees rest on: idempotent, gap-free
//! appends; closed conversations stay closed; compare-and-set state changes; a deletion log
//! whose positions only grow; atomic lockout reservations; sessions that end when told to;
//! organisation isolation.

use std::collections::BTreeSet;

use rampart_auth::lockout::{Decision, LockoutPolicy};
use rampart_auth::password::PasswordHash;
use rampart_auth::session::{SessionRecord, SessionToken, SessionTokenHash};
use rampart_auth::{SecretBytes, SecretString};
use rampart_protocol::rest::Role;
use rampart_protocol::{AgentId, CohortId, ConversationId, MessageId, Seq, VisitorId};

use super::{
    ConversationState, HubStore, LoginCompletion, NewAccount, NewMessage, Reservation, StoreError,
    StoredAttempt, StoredAuthor, StoredPack, Ticket,
};
use crate::org::{Org, OrgId};

/// One test per check, each on a store made by `$make` (an expression evaluated afresh per
/// test, giving `(guard, store)`: the guard, such as a temporary directory, lives as long as
/// the test; `store` derefs to a [`HubStore`]).
#[macro_export]
macro_rules! hub_store_conformance {
    (@tests $make:expr; $($check:ident,)*) => {
        $(
            #[tokio::test]
            async fn $check() {
                let (_guard, store) = $make;
                $crate::store::conformance::$check(&*store).await;
            }
        )*
    };
    ($make:expr) => {
        $crate::hub_store_conformance!(@tests $make;
            new_store_holds_the_default_organisation,
            append_is_idempotent_per_message_id,
            seqs_are_gap_free_per_conversation,
            closed_conversations_take_no_more_messages,
            state_changes_are_compare_and_set,
            deletion_log_positions_only_grow,
            erasure_finds_and_removes_a_visitor,
            reserve_attempt_is_atomic,
            sessions_end_when_told_to,
            accounts_are_unique_and_enroll_once,
            organisations_are_isolated,
            allow_lists_are_per_organisation,
            training_pack_versions_only_grow,
        );
    };
}

const T0: i64 = 1_700_000_000_000;

fn org_id(id: &str) -> OrgId {
    OrgId::parse(id).expect("a valid organisation id")
}

async fn new_org(store: &dyn HubStore, id: &str) -> OrgId {
    let org = org_id(id);
    store
        .create_org(Org {
            id: org.clone(),
            name: id.to_owned(),
            retention_days: None,
            created_at: 1,
        })
        .await
        .expect("create organisation");
    org
}

async fn visitor_conversation(
    store: &dyn HubStore,
    org: &OrgId,
    now_ms: i64,
) -> (ConversationId, VisitorId) {
    let (id, visitor) = (ConversationId::new(), VisitorId::new());
    let token = *MessageId::new().0.as_bytes();
    let mut hash = [0; 32];
    hash[..16].copy_from_slice(&token);
    store
        .open_visitor_conversation(id, visitor, org, "en", "v1", hash, now_ms)
        .await
        .expect("open conversation");
    (id, visitor)
}

fn message(conversation_id: ConversationId, text: &str) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        conversation_id,
        author: StoredAuthor::Visitor,
        text: text.to_owned(),
        spans: Vec::new(),
        now_ms: T0,
        email_keys: Vec::new(),
    }
}

async fn seqs(store: &dyn HubStore, id: ConversationId) -> Vec<u64> {
    let stored = store.messages_after(id, Seq::ZERO, 1000).await;
    stored
        .expect("read messages")
        .iter()
        .map(|m| m.seq.0)
        .collect()
}

async fn account(store: &dyn HubStore, org: &OrgId, username: &str) -> AgentId {
    let id = AgentId::new();
    store
        .create_account(NewAccount {
            id,
            username: username.to_owned(),
            display_name: username.to_owned(),
            role: Role::Agent,
            org: org.clone(),
            enrollment_hash: [7; 32],
            enrollment_expires_at: 10_000,
            now: 1,
        })
        .await
        .expect("create account");
    id
}

fn token_hash(token: &str) -> SessionTokenHash {
    SessionToken::from_presented(SecretString::new(token.to_owned())).hash()
}

fn login(agent: AgentId, token: &str, totp_step: Option<u64>) -> LoginCompletion {
    LoginCompletion {
        agent,
        totp_step,
        enrolled_secret: None,
        recovery_codes: None,
        session: SessionRecord {
            user_id: agent.to_string(),
            token_hash: token_hash(token),
            created_at: 100,
            last_seen: 100,
        },
    }
}

/// A new store holds `default` (listed first); organisation ids are unique.
pub async fn new_store_holds_the_default_organisation(store: &dyn HubStore) {
    let orgs = store.orgs().await.expect("list organisations");
    assert_eq!(orgs.len(), 1);
    assert!(orgs[0].id.is_default());
    new_org(store, "acme").await;
    let again = Org {
        id: org_id("acme"),
        name: "other".into(),
        retention_days: Some(3),
        created_at: 2,
    };
    assert!(matches!(
        store.create_org(again).await,
        Err(StoreError::OrgExists)
    ));
    let ids: Vec<String> = store
        .orgs()
        .await
        .expect("list")
        .iter()
        .map(|o| o.id.as_str().to_owned())
        .collect();
    assert_eq!(ids, ["default", "acme"]);
    let acme = store
        .org(&org_id("acme"))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!((acme.name.as_str(), acme.retention_days), ("acme", None));
    assert!(store.org(&org_id("nobody")).await.expect("read").is_none());
}

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

/// Deleting records `(position, id, organisation)` in the same transaction; positions grow
/// and are never reused, even after every record is pruned.
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
    assert_eq!(store.forgotten_issued().await.expect("issued"), 0);
    assert_eq!(
        store
            .purge_closed_before(&acme, T0 + 11, Some(T0 + 20))
            .await
            .expect("purge"),
        2
    );
    let log = store.forgotten_after(0, 0, 100).await.expect("log");
    let ids: BTreeSet<_> = log.iter().map(|(_, id, _)| *id).collect();
    assert_eq!(ids, BTreeSet::from([closed[0], closed[2]]));
    assert!(log.iter().all(|(_, _, org)| *org == acme));
    assert!(log[0].0 > 0 && log[1].0 > log[0].0);
    assert!(
        store.conversation_state(open).await.is_ok(),
        "open ones stay"
    );
    assert!(
        store.conversation_state(closed[1]).await.is_ok(),
        "other organisations stay"
    );
    let head = store.forgotten_head().await.expect("head");
    assert_eq!(head, log[1].0);
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
            .forgotten_after(log[0].0, 0, 100)
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
    assert_eq!(
        store.forgotten_issued().await.expect("issued"),
        head,
        "pruning keeps it"
    );
    store.close(open, T0 + 30).await.expect("close");
    store
        .purge_closed_before(&acme, T0 + 31, Some(T0 + 40))
        .await
        .expect("purge");
    let next = store.forgotten_after(0, 0, 100).await.expect("log");
    assert_eq!(next.len(), 1);
    assert!(next[0].0 > head, "a position is never given twice");
    assert_eq!(store.forgotten_issued().await.expect("issued"), next[0].0);
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
    assert_eq!(
        store.visitors_with_email([9; 32]).await.expect("find"),
        [visitor]
    );
    assert!(
        store
            .visitors_with_email([8; 32])
            .await
            .expect("find")
            .is_empty()
    );
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
    assert!(
        store
            .visitors_with_email([9; 32])
            .await
            .expect("find")
            .is_empty()
    );
    let log = store.forgotten_after(0, 0, 10).await.expect("log");
    assert_eq!(log.iter().map(|(_, c, _)| *c).collect::<Vec<_>>(), [id]);
    assert_eq!(seqs(store, other).await, [1], "other visitors stay");
}

/// Parallel reservations cannot all pass on one stale counter: of twenty concurrent attempts,
/// exactly those the policy lets through without a wait (its free failures and the one after)
/// are counted. Giving one back lowers the count; the attempt that reaches `lock_after` says so.
pub async fn reserve_attempt_is_atomic(store: &dyn HubStore) {
    let id = account(store, &OrgId::default_org(), "racer").await;
    let policy = LockoutPolicy::default();
    let racing: Vec<_> = (0..20)
        .map(|_| store.reserve_attempt(id, policy, 1_000))
        .collect();
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut refused = 0;
    for reservation in futures_util::future::join_all(racing).await {
        match reservation.expect("reserve") {
            Reservation::Counted(ticket) => tickets.push(ticket),
            Reservation::Refused(Decision::Wait { .. }) => refused += 1,
            Reservation::Refused(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    let free = usize::try_from(policy.free_failures).expect("a small number") + 1;
    assert_eq!((tickets.len(), refused), (free, 20 - free));
    let failures = |account: Option<super::Account>| account.expect("account").failures;
    let counted = u32::try_from(free).expect("a small number");
    assert_eq!(
        failures(store.account(id).await.expect("read")).consecutive,
        counted
    );
    let last = tickets.pop().expect("a ticket");
    store.release_attempt(id, last).await.expect("release");
    let released = failures(store.account(id).await.expect("read"));
    assert_eq!(
        (released.consecutive, released.last_failure),
        (counted - 1, Some(1_000))
    );
    assert!(store.reset_failures(id).await.expect("reset"));
    let quick = LockoutPolicy {
        free_failures: 3,
        lock_after: 3,
        ..policy
    };
    let mut locked = Vec::new();
    for _ in 0..3 {
        match store
            .reserve_attempt(id, quick, 5_000)
            .await
            .expect("reserve")
        {
            Reservation::Counted(ticket) => locked.push(ticket.locked_now),
            Reservation::Refused(decision) => panic!("refused early: {decision:?}"),
        }
    }
    assert_eq!(locked, [false, false, true]);
    let after = store
        .reserve_attempt(id, quick, 5_001)
        .await
        .expect("reserve");
    assert!(matches!(
        after,
        Reservation::Refused(Decision::Locked { .. })
    ));
    let unknown = store.reserve_attempt(AgentId::new(), policy, 1).await;
    assert!(unknown.is_err(), "an unknown account cannot be reserved");
}

/// A completed login stores its session (and a TOTP step serves once); `last_seen` never
/// moves back; deleting, wiping and resetting TOTP end sessions; a wipe is told once.
pub async fn sessions_end_when_told_to(store: &dyn HubStore) {
    let id = account(store, &OrgId::default_org(), "sessions").await;
    assert!(
        store
            .complete_login(login(id, "one", Some(50)))
            .await
            .expect("login")
    );
    assert!(
        !store
            .complete_login(login(id, "two", Some(50)))
            .await
            .expect("replay")
    );
    assert!(
        store
            .session(token_hash("two"))
            .await
            .expect("read")
            .is_none(),
        "nothing written"
    );
    let stored = store
        .session(token_hash("one"))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (stored.user_id, stored.created_at, stored.last_seen),
        (id.to_string(), 100, 100)
    );
    store
        .touch_session(token_hash("one"), 300)
        .await
        .expect("touch");
    store
        .touch_session(token_hash("one"), 200)
        .await
        .expect("touch");
    let seen = store
        .session(token_hash("one"))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(seen.last_seen, 300);
    assert!(
        store
            .delete_session(token_hash("one"))
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_session(token_hash("one"))
            .await
            .expect("delete")
    );
    assert!(
        store
            .session(token_hash("one"))
            .await
            .expect("read")
            .is_none()
    );

    assert!(
        store
            .complete_login(login(id, "three", Some(51)))
            .await
            .expect("login")
    );
    assert!(
        store
            .complete_login(login(id, "four", None))
            .await
            .expect("login")
    );
    assert!(
        !store.accept_code(id, 51).await.expect("code"),
        "steps only move forward"
    );
    assert!(store.accept_code(id, 52).await.expect("code"));
    assert_eq!(store.order_wipe(id, 400).await.expect("wipe"), Some(2));
    assert_eq!(
        store.order_wipe(AgentId::new(), 400).await.expect("wipe"),
        None
    );
    assert!(store.wipe_ordered(id).await.expect("read"));
    assert!(
        store
            .session(token_hash("three"))
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .is_wiped_session(token_hash("three"))
            .await
            .expect("read")
    );
    assert!(
        store
            .wipe_delivered(token_hash("three"))
            .await
            .expect("deliver")
    );
    assert!(
        !store
            .wipe_delivered(token_hash("three"))
            .await
            .expect("deliver")
    );
    assert!(
        !store
            .is_wiped_session(token_hash("three"))
            .await
            .expect("read")
    );
    assert_eq!(store.prune_wiped_sessions(401).await.expect("prune"), 1);
    assert!(
        !store
            .is_wiped_session(token_hash("four"))
            .await
            .expect("read")
    );
    store.clear_wipe(id).await.expect("clear");
    assert!(!store.wipe_ordered(id).await.expect("read"));

    assert!(
        store
            .complete_login(login(id, "five", None))
            .await
            .expect("login")
    );
    assert!(store.reset_totp(id).await.expect("reset"));
    assert!(
        store
            .session(token_hash("five"))
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .complete_login(login(id, "six", None))
            .await
            .expect("login")
    );
    assert!(
        store
            .complete_login(login(id, "seven", None))
            .await
            .expect("login")
    );
    assert_eq!(store.delete_sessions_of(id).await.expect("delete"), 2);
}

/// Usernames are unique whatever their case; an account needs an existing organisation; the
/// enrollment code sets the first password once; an enrollment never replaces a secret.
pub async fn accounts_are_unique_and_enroll_once(store: &dyn HubStore) {
    let id = account(store, &OrgId::default_org(), "Alice").await;
    let mut twin = NewAccount {
        id: AgentId::new(),
        username: "alice".into(),
        display_name: "Twin".into(),
        role: Role::Admin,
        org: OrgId::default_org(),
        enrollment_hash: [1; 32],
        enrollment_expires_at: 1,
        now: 1,
    };
    let taken = store.create_account(twin.clone()).await;
    assert!(matches!(taken, Err(StoreError::UsernameTaken)));
    twin.username = "bob".into();
    twin.org = org_id("nowhere");
    assert!(matches!(
        store.create_account(twin).await,
        Err(StoreError::OrgNotFound)
    ));
    let found = store
        .account_by_username("ALICE")
        .await
        .expect("read")
        .expect("found");
    assert_eq!((found.id, found.username.as_str()), (id, "Alice"));
    assert_eq!(store.accounts().await.expect("list").len(), 1);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let hash = || PasswordHash::from_phc(phc.to_owned()).expect("a valid PHC string");
    assert!(
        !store
            .set_initial_password(id, [8; 32], hash())
            .await
            .expect("wrong code")
    );
    assert!(
        store
            .set_initial_password(id, [7; 32], hash())
            .await
            .expect("enroll")
    );
    assert!(
        !store
            .set_initial_password(id, [7; 32], hash())
            .await
            .expect("code used")
    );
    let enrolled = store.account(id).await.expect("read").expect("found");
    assert!(enrolled.enrollment.is_none() && enrolled.password_hash.is_some());
    let mut first = login(id, "enrolled", None);
    first.enrolled_secret = Some(SecretBytes::new(vec![1; 20]));
    assert!(store.complete_login(first).await.expect("enroll totp"));
    let mut second = login(id, "late", None);
    second.enrolled_secret = Some(SecretBytes::new(vec![2; 20]));
    assert!(
        !store
            .complete_login(second)
            .await
            .expect("second enrollment")
    );
    let secret = store
        .account(id)
        .await
        .expect("read")
        .expect("found")
        .totp_secret;
    assert_eq!(secret.expect("secret").expose(), &vec![1; 20]);
}

/// What belongs to an organisation stays there: staff lists, cohorts, conversations.
pub async fn organisations_are_isolated(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let globex = new_org(store, "globex").await;
    let ann = account(store, &acme, "ann").await;
    account(store, &globex, "gus").await;
    let staff = store.staff(&acme).await.expect("staff");
    assert_eq!(staff.iter().map(|s| s.id).collect::<Vec<_>>(), [ann]);
    let cohort = CohortId::new();
    assert!(
        store
            .save_cohort(&acme, cohort, "new", &[ann], true, T0)
            .await
            .expect("save")
    );
    assert!(
        !store
            .save_cohort(&globex, cohort, "stolen", &[], false, T0)
            .await
            .expect("save")
    );
    assert!(
        store
            .save_cohort(&acme, cohort, "renamed", &[ann], false, T0)
            .await
            .expect("save")
    );
    assert!(
        !store
            .assign_lesson(&globex, cohort, "p", "l", T0)
            .await
            .expect("assign")
    );
    assert!(
        store
            .assign_lesson(&acme, cohort, "p", "l", T0)
            .await
            .expect("assign")
    );
    assert!(
        store
            .assign_lesson(&acme, cohort, "p", "l", T0 + 1)
            .await
            .expect("again")
    );
    assert!(
        store
            .cohorts(Some(&globex))
            .await
            .expect("cohorts")
            .is_empty()
    );
    let mine = store.cohorts(Some(&acme)).await.expect("cohorts");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].name.as_str(), mine[0].members.as_slice()),
        ("renamed", &[ann][..])
    );
    assert_eq!(
        mine[0].assignments,
        [("p".to_owned(), "l".to_owned(), T0 + 1)]
    );
    assert_eq!(store.cohorts(None).await.expect("cohorts").len(), 1);
    let (id, visitor) = (ConversationId::new(), VisitorId::new());
    let refused = store
        .open_visitor_conversation(id, visitor, &org_id("nowhere"), "en", "v1", [3; 32], T0)
        .await;
    assert!(matches!(refused, Err(StoreError::OrgNotFound)));
    assert!(
        store.visitor_token([3; 32]).await.expect("token").is_none(),
        "nothing written"
    );
    store
        .open_visitor_conversation(id, visitor, &globex, "es", "v2", [4; 32], T0)
        .await
        .expect("open");
    assert_eq!(
        store.visitor_token([4; 32]).await.expect("token"),
        Some((id, visitor))
    );
    assert_eq!(store.conversation_in(id).await.expect("read").0, globex);
    assert_eq!(store.locale_of(id).await.expect("locale"), "es");
    assert_eq!(
        store.privacy_ack(id).await.expect("ack"),
        Some(("v2".to_owned(), T0))
    );
}

/// Allow-list entries are per organisation: adding is idempotent per `(org, role, network)`,
/// networks lose their host bits, and only the owning organisation removes an entry.
pub async fn allow_lists_are_per_organisation(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let default = OrgId::default_org();
    let net = |s: &str| s.parse::<ipnet::IpNet>().expect("a network");
    let whole = store
        .add_allow(&acme, None, net("10.0.0.7/24"), 1)
        .await
        .expect("add");
    assert_eq!(
        store
            .add_allow(&acme, None, net("10.0.0.0/24"), 2)
            .await
            .expect("add"),
        whole
    );
    let admins = store
        .add_allow(&acme, Some(Role::Admin), net("10.0.0.0/24"), 3)
        .await;
    let elsewhere = store.add_allow(&default, None, net("10.0.0.0/24"), 4).await;
    let (admins, elsewhere) = (admins.expect("add"), elsewhere.expect("add"));
    assert_eq!(BTreeSet::from([whole, admins, elsewhere]).len(), 3);
    let unknown = store
        .add_allow(&org_id("nowhere"), None, net("10.0.0.0/8"), 5)
        .await;
    assert!(matches!(unknown, Err(StoreError::OrgNotFound)));
    assert!(
        !store.remove_allow(&default, whole).await.expect("remove"),
        "not its entry"
    );
    let entries = store.allow_entries().await.expect("entries");
    assert_eq!(entries.len(), 3);
    let first = entries.iter().find(|e| e.id == whole).expect("still there");
    assert_eq!(
        (&first.org, first.role, first.net),
        (&acme, None, net("10.0.0.0/24"))
    );
    assert!(store.remove_allow(&acme, whole).await.expect("remove"));
    let left: Vec<_> = store
        .allow_entries()
        .await
        .expect("entries")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        left,
        [admins.min(elsewhere), admins.max(elsewhere)],
        "in id order"
    );
}

/// A pack version is stored only if newer than every stored one; attempts come back in order.
pub async fn training_pack_versions_only_grow(store: &dyn HubStore) {
    let importer = AgentId::new();
    let pack = |version: u32, at: i64| StoredPack {
        id: "basics".into(),
        version,
        files: vec![("pack.toml".into(), format!("version = {version}"))],
        imported_at: at,
        importer,
    };
    assert!(store.import_pack(pack(2, 10)).await.expect("import"));
    assert!(!store.import_pack(pack(2, 11)).await.expect("same version"));
    assert!(!store.import_pack(pack(1, 12)).await.expect("older"));
    assert!(store.import_pack(pack(3, 13)).await.expect("newer"));
    assert_eq!(store.packs().await.expect("packs"), [pack(3, 13)]);
    let agent = account(store, &OrgId::default_org(), "trainee").await;
    let attempt = |percent: u8, at: i64| StoredAttempt {
        agent,
        pack: "basics".into(),
        lesson: "cards".into(),
        version: 3,
        language: "en".into(),
        kind: super::AttemptKind::Quiz,
        drill: None,
        percent,
        passed: percent >= 80,
        at,
    };
    for (percent, at) in [(50, 3), (90, 1)] {
        store
            .record_attempt(attempt(percent, at))
            .await
            .expect("record");
    }
    let stored = store
        .attempts(agent, "basics", "cards", 3)
        .await
        .expect("attempts");
    assert_eq!(
        stored,
        [attempt(50, 3), attempt(90, 1)],
        "in the order recorded"
    );
    assert!(
        store
            .attempts(agent, "basics", "cards", 2)
            .await
            .expect("attempts")
            .is_empty()
    );
    let counts = store.attempt_counts(agent).await.expect("counts");
    assert_eq!(counts, [("basics".to_owned(), "cards".to_owned(), 2)]);
}
