//! Organisations and what belongs to them: staff, cohorts, conversations, allow-lists, and
//! the hub-wide training catalog.

use std::collections::BTreeSet;

use rampart_protocol::rest::Role;
use rampart_protocol::{AgentId, CohortId, ConversationId, VisitorId};

use super::{T0, account, new_org, org_id};
use crate::org::{Org, OrgId};
use crate::store::{AttemptKind, HubStore, StoreError, StoredAttempt, StoredPack};

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
