//! Staff accounts, the lockout counter and sessions.

use rampart_auth::SecretBytes;
use rampart_auth::lockout::{Decision, LockoutPolicy};
use rampart_auth::password::PasswordHash;
use rampart_protocol::AgentId;
use rampart_protocol::rest::Role;

use super::{account, log_in, login, org_id, session, token_hash};
use crate::org::OrgId;
use crate::store::{Account, HubStore, NewAccount, Reservation, StoreError, Ticket};

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
    let failures = |account: Option<Account>| account.expect("account").failures;
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
    assert!(log_in(store, id, "one", Some(50)).await);
    assert!(
        !log_in(store, id, "two", Some(50)).await,
        "a step serves once"
    );
    assert!(session(store, "two").await.is_none(), "nothing written");
    let stored = session(store, "one").await.expect("stored");
    let times = (stored.created_at, stored.last_seen);
    assert_eq!((stored.user_id, times), (id.to_string(), (100, 100)));
    for seen in [300, 200] {
        let touched = store.touch_session(token_hash("one"), seen).await;
        touched.expect("touch");
    }
    assert_eq!(session(store, "one").await.expect("stored").last_seen, 300);
    let delete = || store.delete_session(token_hash("one"));
    assert!(delete().await.expect("delete"));
    assert!(!delete().await.expect("delete"));
    assert!(session(store, "one").await.is_none());

    assert!(log_in(store, id, "three", Some(51)).await);
    assert!(log_in(store, id, "four", None).await);
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
    assert!(session(store, "three").await.is_none());
    let wiped = |token| store.is_wiped_session(token_hash(token));
    let deliver = || store.wipe_delivered(token_hash("three"));
    assert!(wiped("three").await.expect("read"));
    assert!(deliver().await.expect("deliver"));
    assert!(!deliver().await.expect("deliver"), "told once");
    assert!(!wiped("three").await.expect("read"));
    assert_eq!(store.prune_wiped_sessions(401).await.expect("prune"), 1);
    assert!(!wiped("four").await.expect("read"));
    store.clear_wipe(id).await.expect("clear");
    assert!(!store.wipe_ordered(id).await.expect("read"));

    assert!(log_in(store, id, "five", None).await);
    assert!(store.reset_totp(id).await.expect("reset"));
    assert!(session(store, "five").await.is_none());
    for token in ["six", "seven"] {
        assert!(log_in(store, id, token, None).await);
    }
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
