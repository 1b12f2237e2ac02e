//! The console against a real, in-process demo hub on loopback, started the way the app starts
//! it (`Console::start_demo`): typed sign-in errors, the token's life in the keychain, a visitor
//! whose card number arrives masked, sending with the personal-data confirmation, the manual
//! and idle locks, the wipe after too many failed unlocks, and hub settings.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

use std::time::Duration;

use rampart_client::{ClientErrorCode, Event, HubApi};
use rampart_console_core::IpcErrorCode;
use rampart_console_core::console::UnlockWith;
use rampart_console_core::console::view::{
    Connection, ConsoleEvent, Delivery, NoticeCode, Phase, SendOutcome, SignInStep,
};
use rampart_protocol::{Author, Availability, ConversationId, MessageId, ServerFrame};
use rampart_secret::SecretString;
use rampart_vault::{Error as VaultError, Purpose, SecretStore};

mod support {
    use std::future::Future;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use rampart_auth::password::PasswordHasher;
    use rampart_client::{Endpoint, Event, HubApi, HubUrl, Live, LiveConfig};
    use rampart_console_core::IpcError;
    use rampart_console_core::console::view::{ConsoleEvent, Phase, SignInStep};
    use rampart_console_core::console::{Console, ConsoleConfig, EventSink};
    use rampart_demo::DemoAccount;
    use rampart_protocol::{Availability, ConversationId};
    use rampart_secret::SecretString;
    use rampart_vault::{EntryName, MemoryStore, Namespace, Purpose};
    use tokio::sync::{Notify, mpsc};

    /// How long any single expected thing may take.
    pub const PATIENCE: Duration = Duration::from_secs(10);

    /// Awaits `future`, failing the test after [`PATIENCE`].
    pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
        tokio::time::timeout(PATIENCE, future)
            .await
            .unwrap_or_else(|_| panic!("{what}: nothing within {PATIENCE:?}"))
    }

    pub fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// Records every event the console emits.
    #[derive(Default)]
    pub struct Recorder {
        events: Mutex<Vec<ConsoleEvent>>,
        notifications: Mutex<Vec<(String, String)>>,
        arrived: Notify,
    }

    impl EventSink for Recorder {
        fn emit(&self, event: ConsoleEvent) {
            self.events.lock().unwrap().push(event);
            self.arrived.notify_waiters();
        }

        fn notify(&self, title: &str, body: &str) {
            self.notifications
                .lock()
                .unwrap()
                .push((title.to_owned(), body.to_owned()));
        }
    }

    impl Recorder {
        /// Desktop notifications asked for so far: (title, body).
        pub fn notifications(&self) -> Vec<(String, String)> {
            self.notifications.lock().unwrap().clone()
        }

        pub fn all(&self) -> Vec<ConsoleEvent> {
            self.events.lock().unwrap().clone()
        }

        /// The first event (ever recorded) that `pick` accepts, waiting for it if needed.
        pub async fn wait_for<T>(
            &self,
            what: &str,
            pick: impl Fn(&ConsoleEvent) -> Option<T>,
        ) -> T {
            within(what, async {
                loop {
                    let arrived = self.arrived.notified();
                    tokio::pin!(arrived);
                    // Registered before looking, so an event emitted in between wakes us.
                    arrived.as_mut().enable();
                    if let Some(found) = self.events.lock().unwrap().iter().find_map(&pick) {
                        return found;
                    }
                    arrived.await;
                }
            })
            .await
        }
    }

    /// A console on a fresh demo hub (no simulated visitors), subscribed to a recorder.
    pub struct Harness {
        pub console: Console,
        pub events: Arc<Recorder>,
        pub store: Arc<MemoryStore>,
        pub account: DemoAccount,
        pub hub: HubUrl,
        pub data_dir: PathBuf,
        pub clipboard: Arc<rampart_console_core::console::clipboard::MemoryClipboard>,
        _dir: tempfile::TempDir,
    }

    /// A hub of the test's own (not the demo): the system clock, a cheap password hasher,
    /// if given, a short session re-check, and the training gate off (these tests' agents have
    /// no training; the hub's own tests cover the gate).
    pub fn open_hub(
        mut config: rampart_hub::config::HubConfig,
        session_recheck: Option<Duration>,
    ) -> rampart_hub::server::Hub {
        config.training.enforce = false;
        let mut tuning = rampart_hub::server::Tuning {
            hasher: PasswordHasher::insecure_for_tests(),
            ..rampart_hub::server::Tuning::default()
        };
        if let Some(recheck) = session_recheck {
            tuning.session_recheck = recheck;
        }
        rampart_hub::server::Hub::open(config, Arc::new(rampart_auth::clock::SystemClock), tuning)
            .unwrap()
    }

    /// A hub like [`open_hub`] that enforces the training gate.
    pub fn open_training_hub(dir: &std::path::Path) -> rampart_hub::server::Hub {
        let mut config = rampart_hub::config::HubConfig {
            data_dir: dir.join("hub"),
            ..rampart_hub::config::HubConfig::default()
        };
        config.training.enforce = true;
        let tuning = rampart_hub::server::Tuning {
            hasher: PasswordHasher::insecure_for_tests(),
            ..rampart_hub::server::Tuning::default()
        };
        rampart_hub::server::Hub::open(config, Arc::new(rampart_auth::clock::SystemClock), tuning)
            .unwrap()
    }

    /// A training hub ([`open_training_hub`]) serving on loopback with staff accounts.
    pub struct TrainingHub {
        pub addr: std::net::SocketAddr,
        /// Each account's one-time enrollment code, in the order asked for.
        pub codes: Vec<SecretString>,
        stop: tokio::sync::oneshot::Sender<()>,
        server: tokio::task::JoinHandle<Result<(), rampart_hub::server::HubError>>,
    }

    impl TrainingHub {
        pub async fn start(
            dir: &std::path::Path,
            staff: &[(&str, rampart_protocol::rest::Role)],
        ) -> Self {
            let hub = open_training_hub(dir);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut codes = Vec::new();
            for (username, role) in staff {
                codes.push(new_staff(&hub, username, *role).await);
            }
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(hub.serve(listener, async {
                let _ = stopped.await;
            }));
            Self {
                addr,
                codes,
                stop,
                server,
            }
        }

        pub async fn stop(self) {
            let _ = self.stop.send(());
            let _ = self.server.await;
        }
    }

    /// A new staff account with `role` on `hub`; returns its one-time enrollment code.
    pub async fn new_staff(
        hub: &rampart_hub::server::Hub,
        username: &str,
        role: rampart_protocol::rest::Role,
    ) -> SecretString {
        hub.login
            .create_agent(rampart_audit::Actor::System, username, username, role, None)
            .await
            .unwrap()
            .1
    }

    /// A new agent account on `hub`; returns its one-time enrollment code.
    pub async fn new_agent(
        hub: &rampart_hub::server::Hub,
        username: &str,
        display_name: &str,
    ) -> SecretString {
        hub.login
            .create_agent(
                rampart_audit::Actor::System,
                username,
                display_name,
                rampart_protocol::rest::Role::Agent,
                None,
            )
            .await
            .unwrap()
            .1
    }

    /// The authenticator app of an account enrolled with `secret` (base32).
    pub fn authenticator(secret: String, username: &str) -> rampart_auth::totp::Totp {
        rampart_auth::totp::Totp::new(
            &rampart_auth::totp::TotpSecret::from_base32(&SecretString::new(secret)).unwrap(),
            rampart_auth::totp::TotpConfig::default(),
            "Rampart",
            username,
        )
        .unwrap()
    }

    /// How many files named `name` are below `dir`.
    pub fn files_named(dir: &std::path::Path, name: &str) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        files_named(&path, name)
                    } else {
                        usize::from(path.file_name().is_some_and(|n| n == name))
                    }
                })
                .sum()
        })
    }

    /// A console of its own (data below `dir`/data, keychain in memory) pointed at the hub at
    /// `addr`, recording its events, and signed in as the new agent `username` enrolled with
    /// `code` (password, authenticator, first code), online.
    pub async fn signed_in_console(
        dir: &std::path::Path,
        addr: std::net::SocketAddr,
        username: &str,
        code: SecretString,
    ) -> (Console, Arc<Recorder>, Arc<MemoryStore>, PathBuf) {
        let store = Arc::new(MemoryStore::new());
        let data_dir = dir.join("data");
        let console = Console::new(ConsoleConfig {
            hub_override: Some(format!("http://{addr}")),
            ..config(
                data_dir.clone(),
                dir.join("config"),
                Arc::clone(&store),
                Duration::from_secs(900),
                None,
            )
        });
        let events = Arc::new(Recorder::default());
        console.subscribe(Arc::clone(&events) as Arc<dyn EventSink>);
        console.state().await.unwrap();
        let password = SecretString::new("violet-harbor-lantern-93".into());
        console
            .enroll(username, code, password.clone())
            .await
            .unwrap();
        let SignInStep::Enroll { secret, .. } = console.sign_in(username, password).await.unwrap()
        else {
            panic!("a new account enrolls its authenticator");
        };
        let totp = authenticator(secret, username);
        console.verify_code(totp.code_at(now())).await.unwrap();
        events
            .wait_for("the connection", |e| {
                matches!(
                    e,
                    ConsoleEvent::Connection {
                        connection: rampart_console_core::console::view::Connection::Online
                    }
                )
                .then_some(())
            })
            .await;
        (console, events, store, data_dir)
    }

    /// Waits for the remote-wipe notice, then checks the console signed out and left no cache.
    pub async fn wiped(console: &Console, events: &Recorder, data_dir: &std::path::Path) {
        events
            .wait_for("the wipe notice", |e| {
                matches!(
                    e,
                    ConsoleEvent::Notice {
                        code: rampart_console_core::console::view::NoticeCode::RemoteWiped
                    }
                )
                .then_some(())
            })
            .await;
        assert_eq!(console.state().await.unwrap().phase, Phase::SignedOut);
        assert_eq!(files_named(data_dir, "cache.db"), 0, "the cache is gone");
    }

    /// A free loopback port for the demo hub, so the test can reach it as a visitor.
    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    pub fn config(
        data_dir: PathBuf,
        config_dir: PathBuf,
        store: Arc<MemoryStore>,
        idle_lock: Duration,
        demo_port: Option<u16>,
    ) -> ConsoleConfig {
        ConsoleConfig {
            downloads_dir: data_dir.join("downloads"),
            data_dir,
            config_dir,
            secrets: store,
            idle_lock,
            hasher: PasswordHasher::insecure_for_tests(),
            demo_visitors: false,
            hub_override: None,
            demo_autostart: false,
            demo_port,
            clipboard: Arc::new(
                rampart_console_core::console::clipboard::MemoryClipboard::default(),
            ),
        }
    }

    impl Harness {
        /// Starts the demo through the console, as the setup screen's "Try the demo" does.
        pub async fn start(idle_lock: Duration) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let data_dir = dir.path().join("data");
            let config_dir = dir.path().join("config");
            let store = Arc::new(MemoryStore::new());
            let port = free_port();
            let clipboard =
                Arc::new(rampart_console_core::console::clipboard::MemoryClipboard::default());
            let console = Console::new(ConsoleConfig {
                clipboard: Arc::clone(&clipboard) as _,
                ..config(
                    data_dir.clone(),
                    config_dir.clone(),
                    Arc::clone(&store),
                    idle_lock,
                    Some(port),
                )
            });
            let events = Arc::new(Recorder::default());
            console.subscribe(Arc::clone(&events) as Arc<dyn EventSink>);
            assert_eq!(console.state().await.unwrap().phase, Phase::Setup);
            let state = within("demo start", console.start_demo()).await.unwrap();
            assert_eq!(state.phase, Phase::SignedOut);
            assert_eq!(state.hub.as_deref(), Some("demo"));
            let account = DemoAccount::load(&data_dir.join("demo")).unwrap();
            Self {
                console,
                events,
                store,
                account,
                hub: HubUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
                data_dir,
                clipboard,
                _dir: dir,
            }
        }

        pub fn password(&self) -> SecretString {
            self.account.password().clone()
        }

        /// The authenticator's code `offset_secs` from now.
        pub fn code(&self, offset_secs: u64) -> SecretString {
            SecretString::new(self.account.code_at(now() + offset_secs).0)
        }

        /// Password, then the current code: the console is active afterwards.
        pub async fn sign_in(&self) {
            let step = self
                .console
                .sign_in(self.account.username(), self.password())
                .await
                .unwrap();
            assert_eq!(step, SignInStep::Totp, "the demo account is enrolled");
            let signed_in = self.console.verify_code(self.code(0)).await.unwrap();
            assert_eq!(signed_in.profile.username, "demo.agent");
        }

        /// The keychain namespace the console uses for the demo account.
        pub fn namespace(&self) -> Namespace {
            Namespace::for_current_build(&format!("{}@demo", self.account.username())).unwrap()
        }

        pub fn entry(&self, purpose: Purpose) -> EntryName {
            self.namespace().entry(purpose)
        }

        /// The cache database of the demo account.
        pub fn cache_db(&self) -> PathBuf {
            self.data_dir
                .join("cache")
                .join(self.namespace().dir_name())
                .join(rampart_vault::DB_FILE)
        }

        /// Signs in, goes available and has a visitor arrive; returns once the hub assigned
        /// the visitor to this console.
        pub async fn with_visitor(&self) -> Visitor {
            self.sign_in().await;
            self.console
                .set_availability(Availability::Available)
                .await
                .unwrap();
            self.visitor().await
        }

        /// A visitor arrives at the signed-in, available console; returns once assigned.
        pub async fn visitor(&self) -> Visitor {
            let api = HubApi::new(self.hub.clone()).unwrap();
            let notice = api.privacy_notice().await.unwrap();
            let session = api.new_visitor("en", &notice.version).await.unwrap();
            let conversation = session.conversation_id;
            let (live, events) = Live::spawn(LiveConfig::new(
                self.hub.clone(),
                Endpoint::Visitor,
                session.token,
            ));
            self.events
                .wait_for("assignment", |e| match e {
                    ConsoleEvent::Conversation { conversation: view }
                        if view.id == conversation =>
                    {
                        Some(())
                    }
                    _ => None,
                })
                .await;
            Visitor {
                conversation,
                live,
                events,
            }
        }
    }

    /// A visitor's widget, driven by the test.
    pub struct Visitor {
        pub conversation: ConversationId,
        pub live: Live,
        pub events: mpsc::Receiver<Event>,
    }

    /// Unwraps the error of a console command.
    #[track_caller]
    pub fn refused<T: std::fmt::Debug>(result: Result<T, IpcError>) -> IpcError {
        result.expect_err("the console refuses this")
    }
}

use support::{Harness, Recorder, refused, within};

const CARD: &str = "4111 1111 1111 1111";
const DNI: &str = "12345678Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_errors_are_typed_and_the_token_lives_in_the_keychain_only_while_signed_in() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let console = &h.console;

    let wrong = console
        .sign_in("demo.agent", SecretString::new("not-the-password".into()))
        .await;
    assert_eq!(refused(wrong).code, IpcErrorCode::InvalidCredentials);
    let early = console.verify_code(h.code(0)).await;
    assert_eq!(refused(early).code, IpcErrorCode::WrongState);

    let step = console
        .sign_in(h.account.username(), h.password())
        .await
        .unwrap();
    assert_eq!(step, SignInStep::Totp);
    assert_eq!(console.state().await.unwrap().phase, Phase::Totp);
    // A code from no nearby step: the hub accepts one step either side of now.
    let valid: Vec<String> = [0, 30, 60]
        .iter()
        .map(|back| h.account.code_at(support::now() + 30 - back).0)
        .collect();
    let bad = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .unwrap();
    let bad = console.verify_code(SecretString::new(bad)).await;
    assert_eq!(refused(bad).code, IpcErrorCode::TotpInvalid);
    assert_eq!(console.state().await.unwrap().phase, Phase::Totp);

    let signed_in = console.verify_code(h.code(0)).await.unwrap();
    assert_eq!(signed_in.profile.username, "demo.agent");
    assert_eq!(signed_in.profile.display_name, h.account.display_name());
    assert!(
        signed_in.recovery_codes.is_empty(),
        "recovery codes come with enrollment only"
    );
    let state = console.state().await.unwrap();
    assert_eq!(state.phase, Phase::Active);
    assert_eq!(state.profile.as_ref(), Some(&signed_in.profile));
    assert_eq!(state.last_username.as_deref(), Some("demo.agent"));
    h.events
        .wait_for("active state event", |e| match e {
            ConsoleEvent::State { state } if state.phase == Phase::Active => Some(()),
            _ => None,
        })
        .await;

    // The token is in the keychain and works at the hub.
    let token = h.store.load(&h.entry(Purpose::SessionToken)).unwrap();
    let api = HubApi::new(h.hub.clone()).unwrap();
    assert_eq!(api.me(&token).await.unwrap().id, signed_in.profile.id);
    assert!(h.cache_db().exists(), "the session opened its cache");

    let state = console.sign_out().await.unwrap();
    assert_eq!(state.phase, Phase::SignedOut);
    assert_eq!(state.profile, None);
    assert!(matches!(
        h.store.load(&h.entry(Purpose::SessionToken)),
        Err(VaultError::SecretNotFound)
    ));
    let ended = api.me(&token).await.unwrap_err();
    assert_eq!(ended.code(), ClientErrorCode::Unauthenticated);
    // Signing out keeps the cache (and its key) for the next session.
    assert!(h.cache_db().exists());
    assert!(h.store.load(&h.entry(Purpose::CacheKey)).is_ok());
    assert_eq!(
        refused(console.snapshot().await).code,
        IpcErrorCode::WrongState
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitors_card_number_reaches_the_console_masked_and_unread_until_focused() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let visitor = h.with_visitor().await;
    let id = visitor.conversation;
    let snapshot = h.console.snapshot().await.unwrap();
    assert_eq!(snapshot.availability, Availability::Available);

    visitor
        .live
        .send(id, format!("my card is {CARD}"))
        .await
        .unwrap();
    h.events
        .wait_for("the conversation's new count", |e| match e {
            ConsoleEvent::Conversation { conversation }
                if conversation.id == id && conversation.message_count == 1 =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    // The UI does not hold an unfocused conversation's transcript: its messages are not
    // streamed, only its count; opening it loads them.
    assert!(
        !h.events
            .all()
            .iter()
            .any(|e| matches!(e, ConsoleEvent::Message { .. })),
        "an unfocused conversation's messages are not sent to the UI"
    );
    let message = h.console.messages(id, 100).await.unwrap().remove(0);
    assert_eq!(message.author, Author::Visitor);
    assert!(!message.own);
    assert_eq!(message.delivery, Delivery::Delivered);
    assert!(message.seq.is_some());
    assert!(message.text.starts_with("my card is "), "{}", message.text);
    assert!(!message.text.contains(CARD), "{}", message.text);
    assert!(!message.text.contains("4111111111111111"));
    assert!(message.text.contains("1111"), "{}", message.text);
    // The visitor's privacy-notice acknowledgement comes with the conversation.
    let listed = h.console.snapshot().await.unwrap();
    let view = listed.conversations.iter().find(|c| c.id == id).unwrap();
    assert!(view.privacy_notice.is_some() && view.privacy_acknowledged_at.is_some());
    // The local cache finds it by its words, masked as cached; FTS syntax is plain words.
    let found = h.console.search("CARD").await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].open_here);
    assert!(!found[0].text.contains(CARD) && found[0].text.contains("1111"));
    assert!(
        h.console
            .search("4111")
            .await
            .unwrap()
            .iter()
            .all(|r| !r.text.contains(CARD))
    );
    assert!(
        h.console
            .search("\"unbalanced OR (")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(h.console.search("").await.unwrap().is_empty());
    // The desktop notification carries the masked text only.
    let notifications = h.events.notifications();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    let (title, body) = &notifications[0];
    assert_eq!(title, "New message from a visitor");
    assert!(
        body.starts_with("my card is ") && !body.contains(CARD),
        "{body}"
    );
    assert!(!body.contains("4111111111111111"));
    let [span] = message.spans.as_slice() else {
        panic!("one masked span, got {:?}", message.spans);
    };
    assert_eq!(span.kind, "credit_card");
    assert_eq!(span.start as usize, "my card is ".len());
    assert_eq!(span.end as usize, message.text.len());

    assert_eq!(
        h.console.messages(id, 100).await.unwrap(),
        vec![message.clone()]
    );
    assert!(h.console.messages(id, 0).await.unwrap().is_empty());
    // Nothing comes before the first message.
    assert!(
        h.console
            .messages_before(id, message.id, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        h.console
            .messages(ConversationId::new(), 100)
            .await
            .unwrap()
            .is_empty()
    );

    let snapshot = h.console.snapshot().await.unwrap();
    let [view] = snapshot.conversations.as_slice() else {
        panic!("one conversation, got {:?}", snapshot.conversations);
    };
    assert_eq!(view.id, id);
    assert!(view.open);
    assert_eq!(view.locale, "en");
    assert_eq!(view.unread, 1);
    assert_eq!(view.message_count, 1);
    assert_eq!(view.preview, message.text);
    assert_eq!(snapshot.queue_total, 0, "assigned, not waiting");

    h.console.focus(Some(id)).await.unwrap();
    let snapshot = h.console.snapshot().await.unwrap();
    assert_eq!(snapshot.conversations[0].unread, 0);
    h.events
        .wait_for("the focused conversation's event", |e| match e {
            ConsoleEvent::Conversation { conversation } if conversation.unread == 0 => {
                Some(conversation.message_count)
            }
            _ => None,
        })
        .await;
    // Once focused, its messages stream to the UI as they arrive.
    visitor
        .live
        .send(id, "still there?".to_owned())
        .await
        .unwrap();
    let streamed = h
        .events
        .wait_for("the focused conversation's message", |e| match e {
            ConsoleEvent::Message { message } if message.conversation_id == id => {
                Some(message.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(streamed.text, "still there?");
    visitor.live.shutdown().await.unwrap();
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_in_a_reply_needs_confirmation_and_only_the_masked_text_leaves() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let mut visitor = h.with_visitor().await;
    let id = visitor.conversation;
    let text = format!("your DNI {DNI} is noted");

    let outcome = h.console.send(id, &text, false).await.unwrap();
    assert_eq!(
        outcome,
        SendOutcome::Confirm {
            kinds: vec!["es_dni".to_owned()]
        }
    );
    assert!(
        h.console.messages(id, 100).await.unwrap().is_empty(),
        "nothing was queued"
    );

    let SendOutcome::Queued { message } = h.console.send(id, &text, true).await.unwrap() else {
        panic!("a confirmed send is queued");
    };
    assert!(!message.text.contains(DNI), "{}", message.text);
    assert!(message.text.starts_with("your DNI "), "{}", message.text);
    assert!(message.text.ends_with(" is noted"), "{}", message.text);
    assert!(message.own);
    assert_eq!(message.conversation_id, id);
    assert!(matches!(
        &message.author,
        Author::Agent { display_name, .. } if display_name == h.account.display_name()
    ));

    // The first message the visitor sees is the masked one: the unconfirmed send never left.
    let received = within("the visitor receives the reply", async {
        loop {
            if let Some(Event::Frame(ServerFrame::Message {
                author: Author::Agent { .. },
                text,
                ..
            })) = visitor.events.recv().await
            {
                return text;
            }
        }
    })
    .await;
    assert!(!received.contains(DNI), "{received}");
    assert_eq!(received, message.text);

    let delivered = h
        .events
        .wait_for("delivery", |e| match e {
            ConsoleEvent::Message { message: m }
                if m.id == message.id && m.delivery == Delivery::Delivered =>
            {
                Some(m.clone())
            }
            _ => None,
        })
        .await;
    assert!(delivered.seq.is_some());
    assert_eq!(delivered.text, message.text);
    let held = h.console.messages(id, 100).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].delivery, Delivery::Delivered);

    // Each kind is named once, in the order found, however often it occurs.
    let mixed = format!("card {CARD}, DNI {DNI}, other card 5555 5555 5555 4444");
    assert_eq!(
        h.console.send(id, &mixed, false).await.unwrap(),
        SendOutcome::Confirm {
            kinds: vec!["credit_card".to_owned(), "es_dni".to_owned()]
        }
    );

    let empty = h.console.send(id, "   ", true).await;
    assert_eq!(refused(empty).code, IpcErrorCode::InvalidInput);
    // A conversation the agent does not hold is refused before any confirmation is asked.
    for confirmed in [false, true] {
        let unknown = h
            .console
            .send(ConversationId::new(), &text, confirmed)
            .await;
        assert_eq!(refused(unknown).code, IpcErrorCode::InvalidInput);
    }
    visitor.live.shutdown().await.unwrap();
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_console_unlocks_with_a_code_the_hub_checks_once() {
    let h = Harness::start(Duration::from_secs(60)).await;
    h.sign_in().await;
    let console = &h.console;
    console.lock().await.unwrap();
    // A wrong code is a wrong try (the hub counts it too); a malformed one as well.
    let wrong = console
        .unlock(UnlockWith::Code(SecretString::new("000000".into())))
        .await;
    assert_eq!(refused(wrong).code, IpcErrorCode::TotpInvalid);
    assert_eq!(console.state().await.unwrap().phase, Phase::Locked);
    // The sign-in used the current step; the next one unlocks.
    let state = console.unlock(UnlockWith::Code(h.code(30))).await.unwrap();
    assert_eq!(state.phase, Phase::Active);
    assert!(console.snapshot().await.is_ok());
    // That code is spent: locking again, it is a replay and counts as a wrong try.
    console.lock().await.unwrap();
    let replayed = console.unlock(UnlockWith::Code(h.code(30))).await;
    assert_eq!(refused(replayed).code, IpcErrorCode::TotpReplayed);
    // Wrong tries add up across codes and passwords (the unlock above started the count
    // again): four more and the cache is wiped.
    for _ in 0..3 {
        let failed = console
            .unlock(UnlockWith::Password(SecretString::new("nope".into())))
            .await;
        assert_eq!(refused(failed).code, IpcErrorCode::UnlockFailed);
    }
    assert_eq!(console.state().await.unwrap().phase, Phase::Locked);
    let last = console
        .unlock(UnlockWith::Password(SecretString::new("still nope".into())))
        .await;
    assert!(last.is_err());
    assert_eq!(console.state().await.unwrap().phase, Phase::SignedOut);
    assert!(
        !h.cache_db().exists(),
        "the cache is wiped after five wrong tries"
    );
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_console_shows_nothing_until_unlocked_with_the_password() {
    let h = Harness::start(Duration::from_secs(60)).await;
    h.sign_in().await;
    let console = &h.console;
    assert_eq!(
        refused(console.unlock(UnlockWith::Password(h.password())).await).code,
        IpcErrorCode::WrongState,
        "an active console is not locked"
    );

    let state = console.lock().await.unwrap();
    assert_eq!(state.phase, Phase::Locked);
    assert_eq!(
        state.profile.map(|p| p.username).as_deref(),
        Some("demo.agent")
    );
    let id = ConversationId::new();
    for code in [
        refused(console.snapshot().await).code,
        refused(console.messages(id, 10).await).code,
        refused(console.messages_before(id, MessageId::new(), 10).await).code,
        refused(console.focus(Some(id)).await).code,
        refused(console.send(id, "hello", false).await).code,
        // Not even the kinds of personal data in a draft are answered while locked.
        refused(console.send(id, &format!("DNI {DNI}"), false).await).code,
        refused(console.set_availability(Availability::Available).await).code,
    ] {
        assert_eq!(code, IpcErrorCode::WrongState);
    }

    let wrong = console
        .unlock(UnlockWith::Password(SecretString::new(
            "not-the-password".into(),
        )))
        .await;
    assert_eq!(refused(wrong).code, IpcErrorCode::UnlockFailed);
    assert_eq!(console.state().await.unwrap().phase, Phase::Locked);
    let state = console
        .unlock(UnlockWith::Password(h.password()))
        .await
        .unwrap();
    assert_eq!(state.phase, Phase::Active);
    assert!(console.snapshot().await.is_ok());
    h.console.shutdown().await;
}

fn idle_locks(events: &Recorder) -> usize {
    events
        .all()
        .iter()
        .filter(|e| {
            matches!(
                e,
                ConsoleEvent::Notice {
                    code: NoticeCode::IdleLocked
                }
            )
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_locks_itself_after_the_idle_time_unless_the_agent_is_active() {
    let h = Harness::start(Duration::from_secs(1)).await;
    assert_eq!(h.console.state().await.unwrap().idle_lock_secs, 1);
    h.sign_in().await;

    // Activity keeps it open well past the idle time.
    for _ in 0..8 {
        h.console.note_activity();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(h.console.state().await.unwrap().phase, Phase::Active);
    assert_eq!(idle_locks(&h.events), 0);

    h.console.note_activity();
    let idle_since = tokio::time::Instant::now();
    h.events
        .wait_for("idle lock", |e| match e {
            ConsoleEvent::Notice {
                code: NoticeCode::IdleLocked,
            } => Some(()),
            _ => None,
        })
        .await;
    let waited = idle_since.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited <= Duration::from_millis(2500),
        "locked after {waited:?} of a 1 s idle time"
    );
    assert_eq!(h.console.state().await.unwrap().phase, Phase::Locked);
    assert_eq!(
        refused(h.console.snapshot().await).code,
        IpcErrorCode::WrongState
    );
    // Still locked, it does not lock again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(idle_locks(&h.events), 1);
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failed_unlocks_sign_out_and_wipe_the_cache_and_its_key() {
    let h = Harness::start(Duration::from_secs(60)).await;
    h.sign_in().await;
    let token = h.store.load(&h.entry(Purpose::SessionToken)).unwrap();
    assert!(h.cache_db().exists());
    assert!(h.store.load(&h.entry(Purpose::CacheKey)).is_ok());

    h.console.lock().await.unwrap();
    let wrong = || SecretString::new("not-the-password".into());
    for attempt in 1..=4 {
        let failed = h.console.unlock(UnlockWith::Password(wrong())).await;
        assert_eq!(refused(failed).code, IpcErrorCode::UnlockFailed);
        assert_eq!(
            h.console.state().await.unwrap().phase,
            Phase::Locked,
            "attempt {attempt}"
        );
    }
    let fifth = h.console.unlock(UnlockWith::Password(wrong())).await;
    assert_eq!(refused(fifth).code, IpcErrorCode::UnlockFailed);

    assert_eq!(h.console.state().await.unwrap().phase, Phase::SignedOut);
    h.events
        .wait_for("wipe notice", |e| match e {
            ConsoleEvent::Notice {
                code: NoticeCode::WipedAfterFailures,
            } => Some(()),
            _ => None,
        })
        .await;
    assert!(!h.cache_db().exists(), "the cache database was deleted");
    assert!(matches!(
        h.store.load(&h.entry(Purpose::CacheKey)),
        Err(VaultError::SecretNotFound)
    ));
    assert!(matches!(
        h.store.load(&h.entry(Purpose::SessionToken)),
        Err(VaultError::SecretNotFound)
    ));
    let api = HubApi::new(h.hub.clone()).unwrap();
    assert_eq!(
        api.me(&token).await.unwrap_err().code(),
        ClientErrorCode::Unauthenticated,
        "the hub session ended too"
    );
    // The right password no longer helps: the session is gone.
    assert_eq!(
        refused(h.console.unlock(UnlockWith::Password(h.password())).await).code,
        IpcErrorCode::WrongState
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_addresses_are_checked_and_the_choice_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config_dir = dir.path().join("config");
    let store = std::sync::Arc::new(rampart_vault::MemoryStore::new());
    let make = || {
        rampart_console_core::console::Console::new(support::config(
            data_dir.clone(),
            config_dir.clone(),
            std::sync::Arc::clone(&store),
            Duration::from_secs(60),
            None,
        ))
    };
    let console = make();
    assert_eq!(console.state().await.unwrap().phase, Phase::Setup);
    for url in [
        "ftp://x",
        "not a url",
        "https://user:pw@hub.example",
        "https://hub.example/api",
        // Plain HTTP would carry the password and the session token in clear text; only the
        // local machine is exempt.
        "http://example.com",
        "http://10.0.0.8:7878",
    ] {
        assert_eq!(
            refused(console.set_hub(url).await).code,
            IpcErrorCode::InvalidHubUrl,
            "{url}"
        );
    }
    assert_eq!(console.state().await.unwrap().phase, Phase::Setup);
    for (url, saved) in [
        ("http://127.0.0.1:7878", "http://127.0.0.1:7878/"),
        ("http://localhost:7878", "http://localhost:7878/"),
        ("http://[::1]:7878", "http://[::1]:7878/"),
    ] {
        let state = console.set_hub(url).await.unwrap();
        assert_eq!(state.hub.as_deref(), Some(saved));
    }
    let state = console.set_hub(" https://hub.example ").await.unwrap();
    assert_eq!(state.phase, Phase::SignedOut);
    assert_eq!(state.hub.as_deref(), Some("https://hub.example/"));
    assert_eq!(state.demo, None);

    let restarted = make();
    let state = restarted.state().await.unwrap();
    assert_eq!(state.phase, Phase::SignedOut);
    assert_eq!(state.hub.as_deref(), Some("https://hub.example/"));

    restarted.start_demo().await.unwrap();
    restarted.shutdown().await;
    let state = within("demo restart", make().state()).await.unwrap();
    assert_eq!(state.phase, Phase::SignedOut);
    assert_eq!(state.hub.as_deref(), Some("demo"));
    assert_eq!(
        state.demo.map(|d| d.username).as_deref(),
        Some("demo.agent")
    );
    assert_eq!(state.last_username.as_deref(), Some("demo.agent"));
}

/// Closing a conversation marks it closed in the console, which then refuses replies to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_conversation_takes_no_more_replies() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let visitor = h.with_visitor().await;
    let id = visitor.conversation;
    h.console.close(id).await.unwrap();
    h.events
        .wait_for("closed", |e| match e {
            ConsoleEvent::Conversation { conversation } if conversation.id == id => {
                (!conversation.open).then_some(())
            }
            _ => None,
        })
        .await;
    let late = h.console.send(id, "one more thing", false).await;
    assert_eq!(refused(late).code, IpcErrorCode::InvalidInput);
    visitor.live.shutdown().await.unwrap();
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_at_the_hub_signs_the_console_out() {
    let h = Harness::start(Duration::from_secs(60)).await;
    h.sign_in().await;
    h.events
        .wait_for("online", |e| match e {
            ConsoleEvent::Connection {
                connection: Connection::Online,
            } => Some(()),
            _ => None,
        })
        .await;
    // Signed out elsewhere (or revoked by an administrator).
    let token = h.store.load(&h.entry(Purpose::SessionToken)).unwrap();
    HubApi::new(h.hub.clone())
        .unwrap()
        .logout(&token)
        .await
        .unwrap();

    h.events
        .wait_for("session ended notice", |e| match e {
            ConsoleEvent::Notice {
                code: NoticeCode::SessionEnded,
            } => Some(()),
            _ => None,
        })
        .await;
    let state = h.console.state().await.unwrap();
    assert_eq!(state.phase, Phase::SignedOut);
    assert_eq!(state.profile, None);
    assert!(matches!(
        h.store.load(&h.entry(Purpose::SessionToken)),
        Err(VaultError::SecretNotFound)
    ));
    assert_eq!(
        refused(h.console.snapshot().await).code,
        IpcErrorCode::WrongState
    );
    // A fresh sign-in works (the next step's code: this step's was used).
    h.console
        .sign_in(h.account.username(), h.password())
        .await
        .unwrap();
    h.console.verify_code(h.code(30)).await.unwrap();
    assert_eq!(h.console.state().await.unwrap().phase, Phase::Active);
    h.console.shutdown().await;
}

/// A new agent's first sign-in: live password hints, the password set with the enrollment
/// code (wrong codes and weak passwords refused with reasons), then TOTP enrollment from the
/// QR code's secret and recovery codes shown once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_agent_sets_a_password_with_the_enrollment_code_then_enrolls_totp() {
    use rampart_console_core::console::{Console, ConsoleConfig};
    use rampart_hub::config::HubConfig;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let hub = support::open_hub(
        HubConfig {
            data_dir: dir.path().join("hub"),
            organisation: "Acme Support".into(),
            ..HubConfig::default()
        },
        None,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let code = support::new_agent(&hub, "nuria", "Nuria").await;
    let server = tokio::spawn(hub.serve(listener, std::future::pending()));
    let store = Arc::new(rampart_vault::MemoryStore::new());
    let console = Console::new(ConsoleConfig {
        hub_override: Some(format!("http://{addr}")),
        ..support::config(
            dir.path().join("data"),
            dir.path().join("config"),
            store,
            Duration::from_secs(900),
            None,
        )
    });
    assert_eq!(console.state().await.unwrap().phase, Phase::SignedOut);

    // Live hints: codes with parameters, for the UI to translate.
    let hints = console.check_password("nuria", &SecretString::new("short1".into()));
    assert_eq!(hints[0]["code"], "tooShort");
    assert_eq!(hints[0]["min"], 12);
    let hints = console.check_password("nuria", &SecretString::new("nuria-2026-nuria".into()));
    assert!(
        hints.iter().any(|h| h["code"] == "containsContext"),
        "{hints:?}"
    );
    let good = SecretString::new("violet-harbor-lantern-93".into());
    assert!(console.check_password("nuria", &good).is_empty());

    // The hub has the last word: wrong code, weak password (the code survives that), success.
    let wrong = console
        .enroll("nuria", SecretString::new("0".repeat(32)), good.clone())
        .await
        .unwrap_err();
    assert_eq!(wrong.code, IpcErrorCode::EnrollmentInvalid);
    let weak = console
        .enroll(
            "nuria",
            code.clone(),
            SecretString::new("password123".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(weak.code, IpcErrorCode::PasswordRejected);
    assert!(!weak.rejections.is_empty(), "the hub says why");
    console
        .enroll("nuria", code.clone(), good.clone())
        .await
        .unwrap();
    let reused = console
        .enroll("nuria", code, good.clone())
        .await
        .unwrap_err();
    assert_eq!(
        reused.code,
        IpcErrorCode::EnrollmentInvalid,
        "the code works once"
    );

    // First sign-in: enrollment with the QR code's secret, recovery codes once.
    let SignInStep::Enroll { qr, secret } = console.sign_in("nuria", good.clone()).await.unwrap()
    else {
        panic!("a new account enrolls its authenticator");
    };
    assert_eq!(qr.dark.len(), (qr.size * qr.size) as usize);
    let totp = support::authenticator(secret, "nuria");
    let signed_in = console
        .verify_code(totp.code_at(support::now()))
        .await
        .unwrap();
    assert_eq!(signed_in.profile.username, "nuria");
    assert_eq!(signed_in.recovery_codes.len(), 10);
    console.sign_out().await.unwrap();
    server.abort();
}

/// A remote wipe ordered at the hub reaches a signed-in console: it signs out, says why, and
/// deletes its cache and the cache key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_wipe_signs_the_console_out_and_deletes_its_cache() {
    use rampart_hub::config::HubConfig;

    let dir = tempfile::tempdir().unwrap();
    let hub = support::open_hub(
        HubConfig {
            data_dir: dir.path().join("hub"),
            ..HubConfig::default()
        },
        Some(Duration::from_millis(200)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let code = support::new_agent(&hub, "olga", "Olga").await;
    let login = hub.login.clone();
    let server = tokio::spawn(hub.serve(listener, std::future::pending()));
    let (console, events, store, data_dir) =
        support::signed_in_console(dir.path(), addr, "olga", code).await;
    assert_eq!(
        support::files_named(&data_dir, "cache.db"),
        1,
        "the cache exists"
    );
    // The order reaches consoles that are connected.

    login
        .order_wipe(rampart_audit::Actor::System, "olga", None)
        .await
        .unwrap();
    support::wiped(&console, &events, &data_dir).await;
    let namespace =
        rampart_vault::Namespace::for_current_build(&format!("olga@http://{addr}/")).unwrap();
    for purpose in [Purpose::CacheKey, Purpose::SessionToken] {
        assert!(
            matches!(
                store.load(&namespace.entry(purpose)),
                Err(VaultError::SecretNotFound)
            ),
            "{purpose:?} left in the keychain"
        );
    }
    server.abort();
}

/// A reply written while the hub is down stays in the encrypted outbox, survives a restart of
/// both the console and the hub, and reaches the visitor exactly once with its original id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_queued_offline_survives_console_and_hub_restarts_and_arrives_once() {
    use rampart_client::{Endpoint, Live, LiveConfig};
    use rampart_console_core::console::view::{ConsoleEvent, SendOutcome};
    use rampart_console_core::console::{Console, ConsoleConfig, EventSink};
    use rampart_hub::config::HubConfig;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let hub_config = HubConfig {
        data_dir: dir.path().join("hub"),
        ..HubConfig::default()
    };
    let open_hub = |config: HubConfig| support::open_hub(config, None);
    let hub = open_hub(hub_config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let code = support::new_agent(&hub, "pablo", "Pablo").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(hub.serve(listener, async {
        let _ = stopped.await;
    }));

    let store = Arc::new(rampart_vault::MemoryStore::new());
    let console_config = |store: Arc<rampart_vault::MemoryStore>| ConsoleConfig {
        hub_override: Some(format!("http://{addr}")),
        ..support::config(
            dir.path().join("data"),
            dir.path().join("config"),
            store,
            Duration::from_secs(900),
            None,
        )
    };
    let console = Console::new(console_config(Arc::clone(&store)));
    let events = Arc::new(support::Recorder::default());
    console.subscribe(Arc::clone(&events) as Arc<dyn EventSink>);
    console.state().await.unwrap();
    let password = SecretString::new("saffron-kettle-meadow-28".into());
    console
        .enroll("pablo", code, password.clone())
        .await
        .unwrap();
    let SignInStep::Enroll { secret, .. } =
        console.sign_in("pablo", password.clone()).await.unwrap()
    else {
        panic!("a new account enrolls its authenticator");
    };
    let totp = support::authenticator(secret, "pablo");
    console
        .verify_code(totp.code_at(support::now()))
        .await
        .unwrap();
    console
        .set_availability(Availability::Available)
        .await
        .unwrap();

    // A visitor is assigned to Pablo.
    let hub_url = rampart_client::HubUrl::parse(&format!("http://{addr}")).unwrap();
    let api = HubApi::new(hub_url.clone()).unwrap();
    let notice = api.privacy_notice().await.unwrap();
    let visitor = api.new_visitor("es", &notice.version).await.unwrap();
    let conversation = visitor.conversation_id;
    let (visitor_live, mut visitor_events) =
        Live::spawn(LiveConfig::new(hub_url, Endpoint::Visitor, visitor.token));
    events
        .wait_for("assignment", |e| match e {
            ConsoleEvent::Conversation { conversation: view } if view.id == conversation => {
                Some(())
            }
            _ => None,
        })
        .await;

    // The hub goes away; Pablo replies anyway.
    let _ = stop.send(());
    let _ = server.await;
    let SendOutcome::Queued { message } = console
        .send(conversation, "Enseguida lo reviso", false)
        .await
        .unwrap()
    else {
        panic!("plain text is queued");
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The console restarts while the hub is still down.
    console.shutdown().await;
    drop(console);

    // The hub comes back on the same address and data; so does the console.
    let hub = open_hub(hub_config);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let server = tokio::spawn(hub.serve(listener, std::future::pending()));
    let console = Console::new(console_config(Arc::clone(&store)));
    let events = Arc::new(support::Recorder::default());
    console.subscribe(Arc::clone(&events) as Arc<dyn EventSink>);
    console.state().await.unwrap();
    assert_eq!(
        console.sign_in("pablo", password).await.unwrap(),
        SignInStep::Totp
    );
    console
        .verify_code(totp.code_at(support::now() + 30))
        .await
        .unwrap();

    // The visitor (reconnected by itself) gets the reply once, with the id it was queued with.
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, visitor_events.recv()).await {
            Ok(Some(Event::Frame(ServerFrame::Message {
                id,
                author: Author::Agent { .. },
                text,
                ..
            }))) => {
                received.push((id, text));
                // Give a duplicate time to show up.
                tokio::time::sleep(Duration::from_millis(500)).await;
                while let Ok(event) = visitor_events.try_recv() {
                    if let Event::Frame(ServerFrame::Message {
                        id,
                        author: Author::Agent { .. },
                        text,
                        ..
                    }) = event
                    {
                        received.push((id, text));
                    }
                }
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    assert_eq!(
        received,
        vec![(message.id, "Enseguida lo reviso".to_owned())],
        "delivered exactly once with its id"
    );
    let _ = visitor_live.shutdown().await;
    console.shutdown().await;
    server.abort();
}

/// While locked, nothing of the conversations reaches the UI or the desktop: no message or
/// conversation events and no notifications; after unlocking, the message is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_console_pushes_no_content_and_shows_no_notifications() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let visitor = h.with_visitor().await;
    let id = visitor.conversation;
    h.console.lock().await.unwrap();
    let before = h.events.all().len();
    visitor
        .live
        .send(id, "mi DNI es 12345678Z".to_owned())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let during: Vec<_> = h.events.all().into_iter().skip(before).collect();
    assert!(
        during.iter().all(|e| !matches!(
            e,
            rampart_console_core::console::view::ConsoleEvent::Message { .. }
                | rampart_console_core::console::view::ConsoleEvent::Conversation { .. }
        )),
        "content pushed while locked: {during:?}"
    );
    assert!(
        h.events.notifications().is_empty(),
        "no notification while locked"
    );
    h.console
        .unlock(UnlockWith::Password(h.password()))
        .await
        .unwrap();
    let messages = h.console.messages(id, 10).await.unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.text.starts_with("mi DNI es ") && !m.text.contains("12345678Z"))
    );
}

/// With nobody else online there is nobody to transfer to; a closed or unknown conversation
/// cannot be transferred.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_lists_online_colleagues_only_and_needs_an_open_conversation() {
    let h = Harness::start(Duration::from_secs(60)).await;
    h.sign_in().await;
    assert!(h.console.transfer_targets().await.unwrap().is_empty());
    let error = h
        .console
        .transfer(ConversationId::new(), rampart_protocol::AgentId::new())
        .await
        .unwrap_err();
    assert_eq!(error.code, IpcErrorCode::InvalidInput);
    h.console.lock().await.unwrap();
    assert_eq!(
        h.console.transfer_targets().await.unwrap_err().code,
        IpcErrorCode::WrongState
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_erased_at_the_hub_leaves_the_console_and_its_cache() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let visitor = h.with_visitor().await;
    let id = visitor.conversation;
    visitor
        .live
        .send(id, "my email is erase.me@example.org".to_owned())
        .await
        .unwrap();
    h.events
        .wait_for("the message", |e| match e {
            ConsoleEvent::Conversation { conversation }
                if conversation.id == id && conversation.message_count == 1 =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    assert_eq!(h.console.search("email").await.unwrap().len(), 1);
    visitor.live.shutdown().await.unwrap();

    // An administrator erases the visitor from another process (the hub's command line),
    // straight in the hub's database; the serving hub notices and tells the console.
    let hub_db = h.data_dir.join("demo").join("hub").join("hub.db");
    let store = rampart_hub::store::Store::open(&hub_db).unwrap();
    let visitor_id = store.visitor_of(id).await.unwrap().unwrap();
    let now_ms = i64::try_from(support::now()).unwrap() * 1000;
    assert_eq!(
        store.erase_visitor(visitor_id, now_ms).await.unwrap(),
        vec![id]
    );
    assert!(rampart_hub::forget::SWEEP * 2 < support::PATIENCE);
    let forgotten = h
        .events
        .wait_for("the erasure", |e| match e {
            ConsoleEvent::Forgotten { conversations } => Some(conversations.clone()),
            _ => None,
        })
        .await;
    assert_eq!(forgotten, vec![id]);
    let snapshot = h.console.snapshot().await.unwrap();
    assert!(snapshot.conversations.iter().all(|c| c.id != id));
    assert!(h.console.messages(id, 100).await.unwrap().is_empty());
    assert!(h.console.search("email").await.unwrap().is_empty());
    // The cache remembers how far it carried out the hub's deletions, so the next session's
    // hello asks only for later ones.
    h.console.sign_out().await.unwrap();
    let (vault, _) = rampart_vault::Vault::open(
        &rampart_vault::VaultConfig::new(h.data_dir.join("cache"), h.namespace()),
        h.store.as_ref(),
        rampart_vault::UnixMillis(now_ms),
    )
    .unwrap();
    let stored = |vault: &rampart_vault::Vault| -> Option<rampart_protocol::ForgetPosition> {
        let setting = vault.setting("hub.forgotten_through").unwrap()?;
        serde_json::from_str(&setting).ok()
    };
    // With the epoch of the process that erased it (here the command line's, not the serving
    // hub's): the hub recognises the position as its database's.
    let position = stored(&vault).expect("the position is kept, with its epoch");
    assert_eq!(position.through, store.forgotten_head().await.unwrap());
    assert!(store.forgotten_recorded(position).await.unwrap());

    // A cache from a release before epochs holds a bare number. It is no position: the next
    // session is sent every recent deletion again and keeps a position with its epoch.
    vault
        .set_setting("hub.forgotten_through", &position.through.to_string())
        .unwrap();
    vault.close().unwrap();
    h.console
        .sign_in(h.account.username(), h.password())
        .await
        .unwrap();
    h.console.verify_code(h.code(30)).await.unwrap();
    let cache = rampart_vault::VaultConfig::new(h.data_dir.join("cache"), h.namespace());
    within("the deletions sent again", async {
        loop {
            let (vault, _) = rampart_vault::Vault::open(
                &cache,
                h.store.as_ref(),
                rampart_vault::UnixMillis(now_ms),
            )
            .unwrap();
            let again = stored(&vault);
            vault.close().unwrap();
            if again == Some(position) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revealed_value_is_copied_only_by_policy_marked_secret_and_taken_off_again() {
    use rampart_protocol::rest::RevealReason;
    let h = Harness::start(Duration::from_secs(60)).await;
    let visitor = h.with_visitor().await;
    let id = visitor.conversation;
    visitor.live.send(id, format!("card {CARD}")).await.unwrap();
    h.events
        .wait_for("the message", |e| match e {
            ConsoleEvent::Conversation { conversation }
                if conversation.id == id && conversation.message_count == 1 =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    let message = h.console.messages(id, 10).await.unwrap().remove(0);
    // Nothing was revealed yet: there is nothing to copy.
    let early = h
        .console
        .copy_revealed(SecretString::new(CARD.to_owned()))
        .await;
    assert_eq!(refused(early).code, IpcErrorCode::Forbidden);
    let revealed = h
        .console
        .reveal(id, message.id, 0, RevealReason::PaymentIssue, None)
        .await
        .unwrap();
    assert!(revealed.copy_allowed, "the demo hub lets agents copy");
    // Only the value just revealed may be copied, not some other text passed in.
    let other = h
        .console
        .copy_revealed(SecretString::new("5555 5555 5555 4444".into()))
        .await;
    assert_eq!(refused(other).code, IpcErrorCode::Forbidden);
    h.console
        .copy_revealed(SecretString::new(revealed.value.clone()))
        .await
        .unwrap();
    assert_eq!(
        h.clipboard.held(),
        Some((revealed.value.clone(), true)),
        "copied and marked secret"
    );
    // Locking takes it off the clipboard.
    h.console.lock().await.unwrap();
    assert_eq!(h.clipboard.held(), None);
    h.console
        .unlock(UnlockWith::Password(h.password()))
        .await
        .unwrap();
    // Locking also forgot what was revealed: it has to be revealed again to be copied.
    let after_lock = h
        .console
        .copy_revealed(SecretString::new(revealed.value.clone()))
        .await;
    assert_eq!(refused(after_lock).code, IpcErrorCode::Forbidden);
    let again = h
        .console
        .reveal(id, message.id, 0, RevealReason::PaymentIssue, None)
        .await
        .unwrap();
    h.console
        .copy_revealed(SecretString::new(again.value.clone()))
        .await
        .unwrap();
    // Left alone, it goes after ten seconds; something the agent copied since stays.
    tokio::time::sleep(
        rampart_console_core::console::clipboard::CLEAR_AFTER + Duration::from_secs(1),
    )
    .await;
    assert_eq!(h.clipboard.held(), None, "cleared after ten seconds");
    let third = h
        .console
        .reveal(id, message.id, 0, RevealReason::PaymentIssue, None)
        .await
        .unwrap();
    h.console
        .copy_revealed(SecretString::new(third.value.clone()))
        .await
        .unwrap();
    h.clipboard.copy_elsewhere("order 1234");
    h.console.lock().await.unwrap();
    assert_eq!(
        h.clipboard.held(),
        Some(("order 1234".to_owned(), false)),
        "the agent's own copy is left alone"
    );
    visitor.live.shutdown().await.unwrap();
    h.console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_offline_during_a_remote_wipe_wipes_when_it_reconnects() {
    use rampart_hub::config::HubConfig;

    let dir = tempfile::tempdir().unwrap();
    let hub = support::open_hub(
        HubConfig {
            data_dir: dir.path().join("hub"),
            ..HubConfig::default()
        },
        None,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let code = support::new_agent(&hub, "omar", "Omar").await;
    let login = hub.login.clone();
    let again = hub.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let first = tokio::spawn(hub.serve(listener, async {
        let _ = stopped.await;
    }));
    let (console, events, _store, data_dir) =
        support::signed_in_console(dir.path(), addr, "omar", code).await;
    assert_eq!(support::files_named(&data_dir, "cache.db"), 1);

    // The console loses the hub (the laptop's network, say); meanwhile the admin orders the wipe.
    let _ = stop.send(());
    let _ = first.await;
    login
        .order_wipe(rampart_audit::Actor::System, "omar", None)
        .await
        .unwrap();
    assert_eq!(
        support::files_named(&data_dir, "cache.db"),
        1,
        "nothing could reach the console yet"
    );
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let second = tokio::spawn(again.serve(listener, std::future::pending()));

    // Back online, it is told at once and wipes.
    support::wiped(&console, &events, &data_dir).await;
    second.abort();
}

/// Training talks to the hub for the signed-in agent: like every such command it is refused
/// while signed out and while locked, before anything reaches the hub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_commands_are_refused_while_signed_out_or_locked() {
    use rampart_protocol::ids::{DrillRunId, LiveSessionId};
    use rampart_protocol::training::{DrillAction, LiveControl, TrainingLanguage};

    let h = Harness::start(Duration::from_secs(60)).await;
    let console = &h.console;
    let session = LiveSessionId::new();
    let check = async |console: &rampart_console_core::console::Console| {
        [
            refused(console.training_overview(None).await).code,
            refused(
                console
                    .training_lesson("core", "cards", TrainingLanguage::En, false)
                    .await,
            )
            .code,
            refused(
                console
                    .training_drill_act(DrillRunId::new(), DrillAction::RequestSecureForm)
                    .await,
            )
            .code,
            refused(console.training_certificates().await).code,
            refused(console.training_live_join("K7PQ2M").await).code,
            refused(console.training_live_session(session).await).code,
            refused(console.trainer_packs().await).code,
            refused(console.trainer_dashboard(None).await).code,
            refused(console.trainer_export_csv(None).await).code,
            refused(
                console
                    .trainer_live_control(session, LiveControl::End)
                    .await,
            )
            .code,
        ]
    };
    for code in check(console).await {
        assert_eq!(code, IpcErrorCode::WrongState, "signed out");
    }
    h.sign_in().await;
    console.lock().await.unwrap();
    for code in check(console).await {
        assert_eq!(code, IpcErrorCode::WrongState, "locked");
    }
    // Input is checked before the state: a bad join code says so.
    assert_eq!(
        refused(console.training_live_join("no").await).code,
        IpcErrorCode::InvalidInput
    );
    h.console.shutdown().await;
}

/// The training gate end to end through the console: a new agent's console hears it is blocked,
/// passes every required lesson through the console's commands (quiz answers from a trainer's
/// preview, drills handled the safe way), and then hears the gate open; the standing is kept
/// for a reloaded page and, in the vault, for when the hub cannot be reached; the trainer's CSV
/// export lands in the downloads folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainee_passes_the_required_lessons_and_the_gate_event_opens() {
    use rampart_protocol::rest::Role;
    use rampart_protocol::training::{
        BlockView, DrillAction, DrillStart, QuizSubmission, TrainingLanguage,
    };

    let dir = tempfile::tempdir().unwrap();
    let mut hub = support::TrainingHub::start(
        dir.path(),
        &[("nina", Role::Agent), ("tess", Role::Trainer)],
    )
    .await;
    let addr = hub.addr;
    let trainer_code = hub.codes.pop().unwrap();
    let trainee_code = hub.codes.pop().unwrap();
    let (trainee, events, _, _) =
        support::signed_in_console(&dir.path().join("trainee"), addr, "nina", trainee_code).await;
    let (trainer, _, _, trainer_data) =
        support::signed_in_console(&dir.path().join("trainer"), addr, "tess", trainer_code).await;

    let first = events
        .wait_for("the first training gate", |e| match e {
            ConsoleEvent::TrainingGate { gate } => Some(gate.clone()),
            _ => None,
        })
        .await;
    assert!(!first.allowed, "a new agent is not routed live chats");
    assert!(!first.missing.is_empty());

    let overview = trainee.training_overview(None).await.unwrap();
    assert_eq!(overview.gate, first);
    let safe = [
        DrillAction::Report,
        DrillAction::Refuse,
        DrillAction::Refuse,
        DrillAction::RequestSecureForm,
    ];
    for lesson in overview.lessons.iter().filter(|l| l.required) {
        let (pack, id) = (lesson.pack_id.as_str(), lesson.lesson_id.as_str());
        let view = trainee
            .training_lesson(pack, id, TrainingLanguage::En, false)
            .await
            .unwrap();
        let blocks: Vec<&BlockView> = view.sections.iter().flat_map(|s| &s.blocks).collect();
        assert!(
            blocks
                .iter()
                .all(|b| !matches!(b, BlockView::Quiz { question } if question.answer.is_some())),
            "a trainee never gets the answers"
        );
        let preview = trainer
            .training_lesson(pack, id, TrainingLanguage::En, true)
            .await
            .unwrap();
        let answers: Vec<_> = preview
            .sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                BlockView::Quiz { question } => Some(question.answer.clone()),
                _ => None,
            })
            .collect();
        if !answers.is_empty() {
            let result = trainee
                .training_submit_quiz(
                    pack,
                    id,
                    QuizSubmission {
                        language: TrainingLanguage::En,
                        version: view.version,
                        answers,
                    },
                )
                .await
                .unwrap();
            assert!(result.passed, "{id}: {}%", result.percent);
        }
        for block in &blocks {
            let BlockView::Drill { drill } = block else {
                continue;
            };
            let mut turn = trainee
                .training_start_drill(DrillStart {
                    pack_id: pack.to_owned(),
                    lesson_id: id.to_owned(),
                    drill_id: drill.id.clone(),
                    language: TrainingLanguage::En,
                })
                .await
                .unwrap();
            // The pasted card of the card drill shows masked, as the real chat would show it.
            assert!(
                turn.customer_says
                    .iter()
                    .all(|line| !line.contains("4111 1111 1111 1111")),
                "{:?}",
                turn.customer_says
            );
            for action in &safe {
                if turn.finished {
                    break;
                }
                turn = trainee
                    .training_drill_act(turn.run_id, action.clone())
                    .await
                    .unwrap();
            }
            assert!(
                turn.result.as_ref().is_some_and(|r| r.passed),
                "{}",
                drill.id
            );
        }
    }

    let opened = events
        .wait_for("the gate to open", |e| match e {
            ConsoleEvent::TrainingGate { gate } if gate.allowed => Some(gate.clone()),
            _ => None,
        })
        .await;
    assert!(opened.missing.is_empty() && opened.expired.is_empty());
    let snapshot = trainee.snapshot().await.unwrap();
    assert_eq!(snapshot.training_gate.map(|g| g.allowed), Some(true));
    assert!(!trainee.training_certificates().await.unwrap().is_empty());

    // The trainer's dashboard export is a new private file in the downloads folder.
    let path = trainer.trainer_export_csv(None).await.unwrap();
    let path = std::path::Path::new(&path);
    assert!(
        path.starts_with(trainer_data.join("downloads")),
        "{}",
        path.display()
    );
    assert!(std::fs::read_to_string(path).unwrap().contains("nina"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = trainer.trainer_export_csv(None).await.unwrap();
    assert_ne!(again, path.display().to_string(), "never overwritten");

    // Offline, the overview comes from the vault, with the standing the hub last reported.
    let online = trainee.training_overview(None).await.unwrap();
    hub.stop().await;
    let offline = trainee.training_overview(None).await.unwrap();
    assert_eq!(offline, online);
    assert!(offline.gate.allowed);
    assert!(
        trainee.training_certificates().await.is_err(),
        "certificates need the hub"
    );
    trainee.shutdown().await;
    trainer.shutdown().await;
}

/// The trainer's scenario of issue 9: import a pack, run a live session for two trainee
/// consoles, and see their answers as a tally, each console hearing the hub's pushes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_imports_a_pack_and_runs_a_live_session_for_two_trainees() {
    use rampart_protocol::rest::Role;
    use rampart_protocol::training::{
        LiveAnswer, LiveControl, LiveStart, PackFile, QuizAnswer, TrainingLanguage,
    };

    let dir = tempfile::tempdir().unwrap();
    let mut hub = support::TrainingHub::start(
        dir.path(),
        &[
            ("tess", Role::Trainer),
            ("nina", Role::Agent),
            ("omar", Role::Agent),
        ],
    )
    .await;
    let addr = hub.addr;
    let omar_code = hub.codes.pop().unwrap();
    let nina_code = hub.codes.pop().unwrap();
    let trainer_code = hub.codes.pop().unwrap();
    let (trainer, trainer_events, _, _) =
        support::signed_in_console(&dir.path().join("trainer"), addr, "tess", trainer_code).await;
    let (nina, nina_events, _, _) =
        support::signed_in_console(&dir.path().join("nina"), addr, "nina", nina_code).await;
    let (omar, _, _, _) =
        support::signed_in_console(&dir.path().join("omar"), addr, "omar", omar_code).await;

    // An invalid pack is refused with its problems; a valid one is imported.
    let lesson = "+++\nid = \"codes\"\ntitle = \"Codes\"\nlanguage = \"en\"\nroles = []\nversion = 1\n\
        estimated_minutes = 5\npass_mark = 50\n+++\nIntro.\n\n## Never share a code\n\nNot even with IT.\n\n\
        ```quiz\nkind = \"single\"\nprompt = \"Who may ask for your code?\"\n\
        options = [\"IT\", \"Nobody\"]\nanswer = 2\nexplain = \"Nobody, ever.\"\n```\n";
    let manifest = "id = \"acme\"\nversion = 1\nlanguages = [\"en\"]\nlessons = [\"en/01-codes.md\"]\n\n\
        [title]\nen = \"ACME onboarding\"\n";
    let files = |lesson_text: &str| {
        vec![
            PackFile {
                path: "pack.toml".into(),
                text: manifest.into(),
            },
            PackFile {
                path: "en/01-codes.md".into(),
                text: lesson_text.into(),
            },
        ]
    };
    let refused = trainer
        .trainer_import_pack(files(&lesson.replace("answer = 2", "answer = 7")))
        .await
        .unwrap_err();
    assert!(
        refused
            .issues
            .iter()
            .any(|i| i.starts_with("en/01-codes.md:")),
        "{:?}",
        refused.issues
    );
    let pack = trainer.trainer_import_pack(files(lesson)).await.unwrap();
    assert_eq!((pack.id.as_str(), pack.version), ("acme", 1));

    // A live session: two trainees join with the code.
    let session = trainer
        .trainer_live_start(LiveStart {
            pack_id: "acme".into(),
            lesson_id: "codes".into(),
            language: TrainingLanguage::En,
        })
        .await
        .unwrap();
    assert!(nina.training_live_join("WRONG1").await.is_err());
    nina.training_live_join(&session.code).await.unwrap();
    omar.training_live_join(&session.code).await.unwrap();
    let question = session
        .lesson
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            rampart_protocol::training::BlockView::Quiz { question } => Some(question.clone()),
            _ => None,
        })
        .expect("the lesson has a question");
    trainer
        .trainer_live_control(
            session.id,
            LiveControl::OpenQuestion {
                question_id: question.id.clone(),
            },
        )
        .await
        .unwrap();
    // Nina is right, Omar is not; the trainer's console hears the tally as it comes.
    for (console, choice) in [(&nina, 1), (&omar, 0)] {
        console
            .training_live_answer(
                session.id,
                LiveAnswer {
                    question_id: question.id.clone(),
                    answer: QuizAnswer::Single { choice },
                },
            )
            .await
            .unwrap();
    }
    let tally = trainer_events
        .wait_for("both answers on the trainer's console", |e| match e {
            ConsoleEvent::LiveTraining { session } => session
                .question
                .as_ref()
                .filter(|q| q.answered == 2)
                .map(|q| (q.tally.clone(), q.correct, q.open)),
            _ => None,
        })
        .await;
    assert_eq!(tally, (vec![1, 1], 1, true));
    // Closing shows every trainee the tally and the right answer.
    trainer
        .trainer_live_control(session.id, LiveControl::CloseQuestion)
        .await
        .unwrap();
    let seen = nina_events
        .wait_for("the closed question on a trainee's console", |e| match e {
            ConsoleEvent::LiveTraining { session } => session
                .question
                .as_ref()
                .filter(|q| !q.open)
                .map(|q| (q.tally.clone(), q.question.answer.clone())),
            _ => None,
        })
        .await;
    assert_eq!(seen, (vec![1, 1], Some(QuizAnswer::Single { choice: 1 })));
    let results = trainer.training_live_session(session.id).await.unwrap();
    let mut scores: Vec<(String, u32)> = results
        .participants
        .iter()
        .map(|p| (p.display_name.clone(), p.correct))
        .collect();
    scores.sort();
    assert_eq!(scores, [("nina".to_owned(), 1), ("omar".to_owned(), 0)]);
    trainer
        .trainer_live_control(session.id, LiveControl::End)
        .await
        .unwrap();

    hub.stop().await;
    for console in [trainer, nina, omar] {
        console.shutdown().await;
    }
}

/// Where the organisation blocks card numbers and IDs in replies, the console refuses to send
/// one even when the agent confirms, and says which kinds; contact details still only warn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_policy_blocks_them_the_console_will_not_send_card_numbers_or_ids() {
    use rampart_client::{Endpoint, HubApi, Live, LiveConfig};
    use rampart_console_core::console::view::{ConsoleEvent, SendOutcome};
    use rampart_hub::config::HubConfig;
    use rampart_protocol::Availability;
    use rampart_protocol::rest::SensitiveReplies;

    let dir = tempfile::tempdir().unwrap();
    let mut config = HubConfig {
        data_dir: dir.path().join("hub"),
        ..HubConfig::default()
    };
    config.chat.sensitive_replies = SensitiveReplies::Block;
    let hub = support::open_hub(config, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let code = support::new_agent(&hub, "pia", "Pia").await;
    let server = tokio::spawn(hub.serve(listener, std::future::pending()));
    let (console, events, _, _) = support::signed_in_console(dir.path(), addr, "pia", code).await;
    console
        .set_availability(Availability::Available)
        .await
        .unwrap();
    let url = rampart_client::HubUrl::parse(&format!("http://{addr}")).unwrap();
    let api = HubApi::new(url.clone()).unwrap();
    let notice = api.privacy_notice().await.unwrap();
    let session = api.new_visitor("en", &notice.version).await.unwrap();
    let conversation = session.conversation_id;
    let (visitor, _visitor_events) =
        Live::spawn(LiveConfig::new(url, Endpoint::Visitor, session.token));
    events
        .wait_for("assignment", |e| match e {
            ConsoleEvent::Conversation { conversation: view } if view.id == conversation => {
                Some(())
            }
            _ => None,
        })
        .await;

    for confirmed in [false, true] {
        assert_eq!(
            console
                .send(
                    conversation,
                    &format!("your card {CARD} is on file"),
                    confirmed
                )
                .await
                .unwrap(),
            SendOutcome::Blocked {
                kinds: vec!["credit_card".to_owned()]
            },
            "confirmed: {confirmed}"
        );
    }
    assert!(
        console
            .messages(conversation, 100)
            .await
            .unwrap()
            .is_empty(),
        "nothing was queued"
    );
    assert!(matches!(
        console
            .send(conversation, "write to help@example.com", false)
            .await
            .unwrap(),
        SendOutcome::Confirm { .. }
    ));
    visitor.shutdown().await.unwrap();
    console.shutdown().await;
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_from_several_visitors_are_cached_completely_and_in_order() {
    let h = Harness::start(Duration::from_secs(60)).await;
    let first = h.with_visitor().await;
    let visitors = vec![first, h.visitor().await, h.visitor().await];
    const EACH: usize = 100;
    // All at once: the console receives runs of messages and caches each run in one go.
    let sends = visitors.iter().enumerate().map(|(v, visitor)| {
        let live = visitor.live.clone();
        let conversation = visitor.conversation;
        async move {
            for n in 0..EACH {
                live.send(conversation, format!("burst v{v}m{n} hello"))
                    .await
                    .unwrap();
            }
        }
    });
    futures_util::future::join_all(sends).await;
    for visitor in &visitors {
        let id = visitor.conversation;
        h.events
            .wait_for("every message", |e| match e {
                ConsoleEvent::Conversation { conversation }
                    if conversation.id == id && conversation.message_count == EACH as u32 =>
                {
                    Some(())
                }
                _ => None,
            })
            .await;
    }
    for (v, visitor) in visitors.iter().enumerate() {
        let shown = h
            .console
            .messages(visitor.conversation, 1000)
            .await
            .unwrap();
        let texts: Vec<String> = shown.iter().map(|m| m.text.clone()).collect();
        let expected: Vec<String> = (0..EACH).map(|n| format!("burst v{v}m{n} hello")).collect();
        assert_eq!(texts, expected, "visitor {v}: all, once, in order");
        // Each one is in the cache's search.
        for n in [0, EACH / 2, EACH - 1] {
            let found = h.console.search(&format!("v{v}m{n}")).await.unwrap();
            assert_eq!(found.len(), 1, "v{v}m{n}");
        }
    }
    h.console.shutdown().await;
}

/// The demo hub's custom form (`policy-check`): the profile offers it, a request carries its
/// definition into the console's forms, the visitor's values arrive masked, a field defined to
/// show once is spent by its view, and a form the hub does not define comes back as a notice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_secure_form_from_the_hubs_configuration_round_trips_masked() {
    use rampart_protocol::rest::RevealReason;
    use rampart_protocol::{FormKind, FormValue};
    let h = Harness::start(Duration::from_secs(60)).await;
    let mut visitor = h.with_visitor().await;
    let id = visitor.conversation;
    let profile = h.console.state().await.unwrap().profile.unwrap();
    let offered: Vec<&str> = profile.custom_forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        offered,
        ["policy-check"],
        "the demo hub's form is in the profile"
    );

    let kind = FormKind::Custom("policy-check".into());
    h.console.request_form(id, kind.clone()).await.unwrap();
    let form_id = within("the visitor's form", async {
        loop {
            if let Some(Event::Frame(ServerFrame::FormRequested { form_id, .. })) =
                visitor.events.recv().await
            {
                return form_id;
            }
        }
    })
    .await;
    h.events
        .wait_for("the request in the console", |e| match e {
            ConsoleEvent::Form { form } if form.form_id == form_id => Some(()),
            _ => None,
        })
        .await;
    let values = vec![
        FormValue::new("policyNumber", "PL-204816"),
        FormValue::new("postcode", "28013"),
    ];
    visitor.live.submit_form(id, form_id, values).await.unwrap();
    h.events
        .wait_for("the submission", |e| match e {
            ConsoleEvent::Form { form } if form.form_id == form_id && !form.fields.is_empty() => {
                Some(())
            }
            _ => None,
        })
        .await;
    let forms = h.console.forms(id).await.unwrap();
    let [form] = forms.as_slice() else {
        panic!("one form: {forms:?}")
    };
    assert_eq!(form.kind, kind);
    let definition = form.definition.as_ref().expect("kept from the request");
    assert_eq!(definition.title.es, "Comprobación de póliza");
    let masked: Vec<(&str, &str)> = form
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.masked.as_str()))
        .collect();
    assert_eq!(
        masked,
        [("policyNumber", "•••• 4816"), ("postcode", "••••••")]
    );

    // The demo defines no field to show once; the policy number stays revealable.
    let shown = h
        .console
        .reveal_form_field(
            id,
            form_id,
            "policyNumber".into(),
            RevealReason::CustomerVerification,
            None,
        )
        .await
        .unwrap();
    assert_eq!(shown.value, "PL-204816");
    let after = h.console.forms(id).await.unwrap();
    assert!(after[0].fields.iter().all(|f| f.revealable), "{after:?}");

    // A form the hub does not define: the hub refuses it and the console says so.
    h.console
        .request_form(id, FormKind::Custom("loyalty".into()))
        .await
        .unwrap();
    h.events
        .wait_for("the notice", |e| match e {
            ConsoleEvent::Notice {
                code: NoticeCode::FormUnavailable,
            } => Some(()),
            _ => None,
        })
        .await;
    visitor.live.shutdown().await.unwrap();
    h.console.shutdown().await;
}
