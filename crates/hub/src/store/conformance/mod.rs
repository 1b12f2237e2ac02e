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

mod conversations;
mod staff;
mod tenancy;

use rampart_auth::SecretString;
use rampart_auth::session::{SessionRecord, SessionToken, SessionTokenHash};
use rampart_protocol::rest::Role;
use rampart_protocol::{AgentId, ConversationId, MessageId, Seq, VisitorId};

pub use conversations::{
    append_is_idempotent_per_message_id, closed_conversations_take_no_more_messages,
    deletion_log_positions_only_grow, erasure_finds_and_removes_a_visitor,
    seqs_are_gap_free_per_conversation, state_changes_are_compare_and_set,
};
pub use staff::{
    accounts_are_unique_and_enroll_once, reserve_attempt_is_atomic, sessions_end_when_told_to,
};
pub use tenancy::{
    allow_lists_are_per_organisation, guarded_allow_list_changes_never_lock_out,
    new_store_holds_the_default_organisation, organisations_are_isolated,
    training_pack_versions_only_grow,
};

use super::{HubStore, LoginCompletion, NewAccount, NewMessage, StoredAuthor};
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
            guarded_allow_list_changes_never_lock_out,
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

async fn log_in(store: &dyn HubStore, agent: AgentId, token: &str, step: Option<u64>) -> bool {
    let completed = store.complete_login(login(agent, token, step)).await;
    completed.expect("complete login")
}

async fn session(store: &dyn HubStore, token: &str) -> Option<SessionRecord> {
    store
        .session(token_hash(token))
        .await
        .expect("read session")
}
