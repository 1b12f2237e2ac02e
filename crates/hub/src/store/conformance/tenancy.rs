//! Organisations and what belongs to them: staff, cohorts, conversations, allow-lists, and
//! the hub-wide training catalog.

use std::collections::BTreeSet;

use rampart_protocol::rest::Role;
use rampart_protocol::{AgentId, CohortId, ConversationId, VisitorId};

use super::{T0, account, new_org, org_id};
use crate::org::{Org, OrgId};
use crate::store::{
    AllowChange, AttemptKind, HubStore, Keep, StoreError, StoredAttempt, StoredPack,
};

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

/// What belongs to an organisation stays there: staff lists, cohorts, conversations.
pub async fn organisations_are_isolated(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let globex = new_org(store, "globex").await;
    let ann = account(store, &acme, "ann").await;
    account(store, &globex, "gus").await;
    let staff = store.staff(&acme).await.expect("staff");
    assert_eq!(staff.iter().map(|s| s.id).collect::<Vec<_>>(), [ann]);
    let (cohort, team) = (CohortId::new(), [ann]);
    let save =
        |org, name, members, create| store.save_cohort(org, cohort, name, members, create, T0);
    assert!(save(&acme, "new", &team, true).await.expect("create"));
    assert!(
        !save(&globex, "stolen", &[], false).await.expect("update"),
        "not its cohort"
    );
    assert!(save(&acme, "renamed", &team, false).await.expect("update"));
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
    let add = async |org: &OrgId, role, network: &str, at| {
        let network = network.parse::<ipnet::IpNet>().expect("a network");
        store.add_allow(org, role, network, at, None).await
    };
    let AllowChange::Added(whole) = add(&acme, None, "10.0.0.7/24", 1).await.expect("add") else {
        panic!("added");
    };
    assert_eq!(
        add(&acme, None, "10.0.0.0/24", 2).await.expect("add"),
        AllowChange::Unchanged(whole)
    );
    let admins = add(&acme, Some(Role::Admin), "10.0.0.0/24", 3).await;
    let elsewhere = add(&default, None, "10.0.0.0/24", 4).await;
    let (Ok(AllowChange::Added(admins)), Ok(AllowChange::Added(elsewhere))) = (admins, elsewhere)
    else {
        panic!("one entry per organisation and role");
    };
    assert_eq!(BTreeSet::from([whole, admins, elsewhere]).len(), 3);
    let unknown = add(&org_id("nowhere"), None, "10.0.0.0/8", 5).await;
    assert!(matches!(unknown, Err(StoreError::OrgNotFound)));
    assert_eq!(
        store
            .remove_allow(&default, whole, None)
            .await
            .expect("remove"),
        AllowChange::NotFound,
        "not its entry"
    );
    let entries = store.allow_entries().await.expect("entries");
    assert_eq!(entries.len(), 3);
    let first = entries.iter().find(|e| e.id == whole).expect("still there");
    assert_eq!(
        (&first.org, first.role, first.net),
        (&acme, None, "10.0.0.0/24".parse().expect("a network"))
    );
    assert_eq!(
        store
            .remove_allow(&acme, whole, None)
            .await
            .expect("remove"),
        AllowChange::Removed
    );
    let left = entry_ids(store).await;
    assert_eq!(
        left,
        [admins.min(elsewhere), admins.max(elsewhere)],
        "in id order"
    );
}

/// A guarded allow-list change is decided in the same transaction as the change: one that
/// would refuse the guarded address changes nothing, and of two removals that each leave the
/// address admitted alone, only one is made, however they interleave.
pub async fn guarded_allow_list_changes_never_lock_out(store: &dyn HubStore) {
    let acme = new_org(store, "acme").await;
    let keep = Some(Keep {
        role: Role::Admin,
        ip: "10.0.0.9".parse().expect("an address"),
    });
    let add = async |network: &str| {
        let network = network.parse::<ipnet::IpNet>().expect("a network");
        store
            .add_allow(&acme, None, network, 1, keep)
            .await
            .expect("add")
    };
    let remove = async |id, keep| store.remove_allow(&acme, id, keep).await.expect("remove");
    // A first entry elsewhere would shut the address out.
    assert_eq!(add("192.0.2.0/24").await, AllowChange::WouldLockOut);
    assert!(store.allow_entries().await.expect("entries").is_empty());
    let networks = ["10.0.0.0/8", "10.0.0.0/24"];
    let mut covering = Vec::new();
    for network in networks {
        let AllowChange::Added(id) = add(network).await else {
            panic!("{network} covers the address");
        };
        covering.push(id);
    }
    // Once they admit it, an entry elsewhere may join them.
    assert!(matches!(add("192.0.2.0/24").await, AllowChange::Added(_)));
    // Removed together, the two would shut it out: only one goes, whichever comes first.
    for _ in 0..2 {
        let (first, second) = tokio::join!(remove(covering[0], keep), remove(covering[1], keep));
        let mut outcomes = [first, second];
        outcomes.sort_by_key(|o| *o == AllowChange::WouldLockOut);
        assert_eq!(
            outcomes,
            [AllowChange::Removed, AllowChange::WouldLockOut],
            "{outcomes:?}"
        );
        let left = entry_ids(store).await;
        assert_eq!(left.len(), 2);
        // Put the removed one back for the next round.
        let back = usize::from(left.contains(&covering[0]));
        let AllowChange::Added(id) = add(networks[back]).await else {
            panic!("added back");
        };
        covering[back] = id;
    }
    // The last entry that admits the address stays; without a guard it goes (the command line
    // on the hub's host can change anything).
    assert_eq!(remove(covering[0], keep).await, AllowChange::Removed);
    assert_eq!(remove(covering[1], keep).await, AllowChange::WouldLockOut);
    assert_eq!(remove(covering[1], None).await, AllowChange::Removed);
}

/// The ids of every allow-list entry, in id order.
async fn entry_ids(store: &dyn HubStore) -> Vec<i64> {
    let entries = store.allow_entries().await.expect("entries");
    entries.iter().map(|e| e.id).collect()
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
        kind: AttemptKind::Quiz,
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
