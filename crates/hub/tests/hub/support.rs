//! Helpers that make each hub test a few lines.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_audit::{Action, Actor};
use rampart_auth::SecretString;
use rampart_auth::clock::ManualClock;
use rampart_auth::password::PasswordHasher;
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
use rampart_hub::audit::Audit;
use rampart_hub::login::{Login, LoginPolicy};
use rampart_hub::org::OrgId;
use rampart_hub::store::{NewMessage, Store, StoredAuthor};
use rampart_protocol::rest::{LoginStep, Role, SessionGranted};
use rampart_protocol::{AgentId, ConversationId, MessageId, VisitorId};

pub const START: u64 = 1_700_000_000;
pub const PASSWORD: &str = "correct horse battery staple 42";

pub struct Hub {
    #[allow(dead_code, reason = "kept for tests that inspect the store directly")]
    pub store: Store,
    pub audit: Audit,
    pub login: Login,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

pub fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hub.db")).unwrap();
    let audit = Audit::open(&dir.path().join("audit.db")).unwrap();
    let clock = Arc::new(ManualClock::at(START));
    let policy = LoginPolicy {
        // Argon2 cost is not what these tests are about.
        hasher: PasswordHasher::insecure_for_tests(),
        organisation: "Acme Support".into(),
        ..LoginPolicy::default()
    };
    let login = Login::new(store.clone(), audit.clone(), clock.clone(), policy);
    Hub {
        store,
        audit,
        login,
        clock,
        dir,
    }
}

pub fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

/// Creates an account and sets its password with the enrollment code.
pub async fn agent(hub: &Hub, username: &str) -> AgentId {
    let (id, code) = hub
        .login
        .create_agent(Actor::System, username, "Ana López", Role::Agent, None)
        .await
        .unwrap();
    hub.login
        .enroll_password(username, &code, &secret(PASSWORD), None)
        .await
        .unwrap();
    id
}

/// The TOTP generator for an enrollment URI (what the agent's authenticator app does).
pub fn authenticator(uri: &str) -> Totp {
    let query = uri.split_once('?').unwrap().1;
    let base32 = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap();
    let secret = TotpSecret::from_base32(&secret(base32)).unwrap();
    Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").unwrap()
}

/// First login: password, enrollment, first code. Returns the session and the
/// authenticator for later codes.
pub async fn first_login(hub: &Hub, username: &str) -> (SessionGranted, Totp) {
    let step = hub
        .login
        .start(username, secret(PASSWORD), None)
        .await
        .unwrap();
    let LoginStep::EnrollmentRequired {
        challenge,
        otpauth_uri,
        qr_svg,
        ..
    } = step
    else {
        panic!("first login must enroll TOTP, got {step:?}");
    };
    assert!(qr_svg.starts_with("<?xml") || qr_svg.contains("<svg"));
    let totp = authenticator(&otpauth_uri);
    let code = totp.code_at(hub.clock_now());
    let session = hub.login.complete(&challenge, &code, None).await.unwrap();
    (session, totp)
}

impl Hub {
    pub fn clock_now(&self) -> u64 {
        use rampart_auth::clock::Clock;
        self.clock.unix_now().unwrap()
    }

    pub fn actions(&self) -> Vec<String> {
        self.audit
            .log()
            .records_from(0)
            .map(|r| r.unwrap().event.action.name().to_owned())
            .collect()
    }

    pub fn count(&self, action: Action) -> usize {
        self.actions()
            .iter()
            .filter(|a| *a == action.name())
            .count()
    }
}

pub struct TempStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
}

pub fn open() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hub.db")).unwrap();
    TempStore { store, dir }
}

pub async fn conversation(store: &Store) -> ConversationId {
    let id = ConversationId::new();
    store
        .create_conversation(id, VisitorId::new(), "en", 1_000)
        .await
        .unwrap();
    id
}

pub fn message(conversation: ConversationId, text: &str) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        conversation_id: conversation,
        author: StoredAuthor::Visitor,
        text: text.to_owned(),
        spans: Vec::new(),
        now_ms: 2_000,
        email_keys: Vec::new(),
    }
}

// ---- A hub on a real socket -------------------------------------------------------------

use futures_util::{SinkExt, StreamExt};
use rampart_hub::config::HubConfig;
use rampart_hub::server::{Hub as Server, Tuning};
use rampart_protocol::{ClientFrame, PROTOCOL_VERSION, ResumePoint, ServerFrame};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub struct LiveHub {
    pub server: Server,
    pub clock: Arc<ManualClock>,
    pub addr: std::net::SocketAddr,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    dir: Option<tempfile::TempDir>,
}

pub async fn live_hub_with(edit: impl FnOnce(&mut HubConfig)) -> LiveHub {
    let dir = tempfile::tempdir().unwrap();
    let mut config = HubConfig {
        data_dir: dir.path().join("data"),
        ..HubConfig::default()
    };
    // Training is not what most tests are about; the training tests turn the gate on.
    config.training.enforce = false;
    edit(&mut config);
    start_hub(config, Arc::new(ManualClock::at(START)), dir).await
}

pub async fn live_hub() -> LiveHub {
    live_hub_with(|_| {}).await
}

pub async fn start_hub(
    config: HubConfig,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
) -> LiveHub {
    start_hub_rechecking(config, clock, dir, Duration::from_millis(100)).await
}

/// A hub whose open consoles re-check their sessions every `recheck` (100 ms elsewhere in
/// these tests): a long one shows what reaches a console without waiting for that check.
pub async fn live_hub_rechecking(recheck: Duration) -> LiveHub {
    let dir = tempfile::tempdir().unwrap();
    let mut config = HubConfig {
        data_dir: dir.path().join("data"),
        ..HubConfig::default()
    };
    config.training.enforce = false;
    start_hub_rechecking(config, Arc::new(ManualClock::at(START)), dir, recheck).await
}

pub async fn start_hub_rechecking(
    config: HubConfig,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
    recheck: Duration,
) -> LiveHub {
    let tuning = Tuning {
        hasher: PasswordHasher::insecure_for_tests(),
        session_recheck: recheck,
        training_recheck: Duration::from_millis(100),
    };
    // Workspace feature unification gives reqwest rustls without a chosen provider (the client
    // crate brings its own configuration); the tests' plain HTTP client needs one installed.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let bind = std::net::SocketAddr::new(config.listen.ip(), 0);
    let server = Server::open(config, clock.clone(), tuning).unwrap();
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = server.clone();
    let task = tokio::spawn(async move {
        serving
            .serve(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    LiveHub {
        server,
        clock,
        addr,
        http: reqwest::Client::new(),
        shutdown: Some(tx),
        task: Some(task),
        dir: Some(dir),
    }
}

/// Opens a hub WebSocket at `addr` (the hub's subprotocol, the token as a bearer subprotocol).
pub async fn ws_connect(
    addr: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    let mut protocols = String::from("rampart.v1");
    if let Some(token) = token {
        protocols.push_str(&format!(", bearer.{token}"));
    }
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocols.parse().unwrap());
    let (stream, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(Ws { stream })
}

pub struct Ws {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Ws {
    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_raw(Message::Text(rampart_protocol::encode(frame).into()))
            .await;
    }

    /// Sends a frame; `false` if the connection is gone.
    pub async fn try_send(&mut self, frame: &ClientFrame) -> bool {
        self.stream
            .send(Message::Text(rampart_protocol::encode(frame).into()))
            .await
            .is_ok()
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.unwrap();
    }

    /// The next frame, or `None` when the hub closed the connection.
    pub async fn next(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Some(rampart_protocol::decode_server(text.as_bytes()).unwrap());
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(_)) | Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn recv(&mut self) -> ServerFrame {
        self.next().await.expect("the connection is open")
    }

    /// Skips frames until one matches.
    pub async fn until(&mut self, matches: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv().await;
            if matches(&frame) {
                return frame;
            }
        }
    }

    pub async fn hello(&mut self, resume: Vec<ResumePoint>) -> ServerFrame {
        self.hello_after(resume, None).await
    }

    /// `hello` from a console that carried out deletions up to `forgotten`.
    pub async fn hello_after(
        &mut self,
        resume: Vec<ResumePoint>,
        forgotten: Option<rampart_protocol::ForgetPosition>,
    ) -> ServerFrame {
        self.send(&ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            resume,
            forgotten,
        })
        .await;
        self.recv().await
    }
}

impl LiveHub {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn clock_now(&self) -> u64 {
        use rampart_auth::clock::Clock;
        self.clock.unix_now().unwrap()
    }

    /// `GET` with a bearer token: (status, JSON body or `null`).
    pub async fn get_json(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `POST`/`PUT` a JSON body with a bearer token: (status, JSON body or `null`).
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn post_json(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, token, path, body)
            .await
    }

    /// Every audit record as a JSON line.
    pub fn audit_lines(&self) -> Vec<String> {
        self.server
            .audit
            .log()
            .records_from(0)
            .map(|r| rampart_audit::to_json_line(&r.unwrap()).unwrap())
            .collect()
    }

    /// Creates an account, enrolls its password, and logs in over HTTP (password, TOTP
    /// enrollment, code). Returns the session token and the authenticator.
    pub async fn agent_session(&self, username: &str) -> (String, Totp, AgentId) {
        self.staff_session(username, &format!("Agent {username}"), Role::Agent)
            .await
    }

    /// Like [`LiveHub::agent_session`] for any role and display name.
    pub async fn staff_session(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
    ) -> (String, Totp, AgentId) {
        self.staff_session_in(&OrgId::default_org(), username, display_name, role)
            .await
    }

    /// Like [`LiveHub::staff_session`] for an account of `org`.
    pub async fn staff_session_in(
        &self,
        org: &OrgId,
        username: &str,
        display_name: &str,
        role: Role,
    ) -> (String, Totp, AgentId) {
        let (id, totp, status, session) = self.sign_in(org, username, display_name, role).await;
        assert_eq!(status, 200, "{session}");
        let token = session["token"].as_str().unwrap().to_owned();
        (token, totp.expect("signed in"), id)
    }

    /// Creates an account of `org`, enrolls its password and signs in over HTTP (password,
    /// TOTP enrollment, code): the id, the authenticator, and the status and body of the
    /// answer to the code (a session, or why not). A refusal at the password step (e.g. the
    /// organisation's network list) is returned as it is, without an authenticator.
    pub async fn sign_in(
        &self,
        org: &OrgId,
        username: &str,
        display_name: &str,
        role: Role,
    ) -> (AgentId, Option<Totp>, u16, serde_json::Value) {
        let (id, code) = self
            .server
            .login
            .create_agent_in(Actor::System, org, username, display_name, role, None)
            .await
            .unwrap();
        let enroll = self
            .http
            .post(self.url("/api/v1/enroll"))
            .json(&serde_json::json!({ "username": username, "enrollmentCode": code.expose(), "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(enroll.status(), 204, "{}", enroll.text().await.unwrap());
        let first = self
            .http
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let first_status = first.status().as_u16();
        let step: serde_json::Value = first.json().await.unwrap();
        if first_status != 200 {
            return (id, None, first_status, step);
        }
        assert_eq!(step["step"], "enrollmentRequired", "{step}");
        let totp = authenticator(step["otpauthUri"].as_str().unwrap());
        let code = totp.code_at(self.clock_now());
        let response = self
            .http
            .post(self.url("/api/v1/login/totp"))
            .json(&serde_json::json!({ "challenge": step["challenge"], "code": code.expose() }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (id, Some(totp), status, response.json().await.unwrap())
    }

    /// A new visitor: (conversation id, token).
    pub async fn visitor(&self) -> (ConversationId, String) {
        let (status, body) = self.visitor_at("/api/v1/visitor").await;
        assert_eq!(status, 200, "{body}");
        (
            body["conversationId"].as_str().unwrap().parse().unwrap(),
            body["token"].as_str().unwrap().to_owned(),
        )
    }

    /// A new visitor through `path` (`/api/v1/visitor?org=…`): the status and body.
    pub async fn visitor_at(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(self.url(path))
            .json(&serde_json::json!({ "locale": "es-MX", "privacyNotice": "2026-11" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn try_connect(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        ws_connect(self.addr, path, token).await
    }

    pub async fn connect(&self, path: &str, token: &str) -> Ws {
        self.try_connect(path, Some(token)).await.unwrap()
    }

    pub async fn stop(mut self) -> (HubConfig, Arc<ManualClock>, tempfile::TempDir) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        let dir = self.dir.take().expect("stop is called once");
        ((*self.server.config).clone(), self.clock.clone(), dir)
    }
}

impl Drop for LiveHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Every file in `dir` (not its subdirectories) with its contents, read as one consistent listing: a stopped hub's last
/// database connections may still be closing (SQLite removes `-wal` and `-shm` when the last
/// one goes), so a file that vanishes between listing and reading restarts the scan. A scan for
/// data that must never reach disk then reads every file that exists once the hub is down.
pub fn read_data_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    'scan: for _ in 0..50 {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the data directory is readable") {
            let path = entry.expect("directory entries are readable").path();
            if path.is_dir() {
                continue;
            }
            match std::fs::read(&path) {
                Ok(bytes) => files.push((path, bytes)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(100));
                    continue 'scan;
                }
                Err(error) => panic!("cannot read {}: {error}", path.display()),
            }
        }
        return files;
    }
    panic!("files kept disappearing from {}", dir.display());
}
