//! Helpers: a real hub on loopback that can be restarted on the same data directory, a TCP
//! proxy that can cut connections (at once, or after a random number of bytes), and an event
//! recorder that checks exactly-once, in-order delivery as events arrive.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampart_audit::Actor;
use rampart_auth::clock::{Clock, ManualClock};
use rampart_auth::password::PasswordHasher;
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
use rampart_client::{
    BackoffPolicy, ClientErrorCode, Endpoint, Event, HubApi, HubUrl, Live, LiveConfig, SeededJitter,
};
use rampart_hub::config::HubConfig;
use rampart_hub::server::{Hub, Tuning};
use rampart_protocol::rest::{LoginStep, Role, SessionGranted};
use rampart_protocol::{AgentId, ConversationId, MessageId, Seq, ServerFrame};
use rampart_secret::SecretString;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub const START: u64 = 1_700_000_000;
pub const PASSWORD: &str = "correct horse battery staple 42";

pub fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

// ---- A real hub ------------------------------------------------------------------------

pub struct TestHub {
    pub server: Hub,
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    config: HubConfig,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), rampart_hub::server::HubError>>>,
    _dir: tempfile::TempDir,
}

impl TestHub {
    pub async fn start(agent_capacity: usize) -> Self {
        Self::start_with(|config, _| config.chat.agent_capacity = agent_capacity).await
    }

    /// A hub whose configuration `edit` adjusts (it gets the test's temporary directory).
    pub async fn start_with(edit: impl FnOnce(&mut HubConfig, &std::path::Path)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = HubConfig {
            data_dir: dir.path().join("data"),
            ..HubConfig::default()
        };
        // Training is not what the client's tests are about (the hub's own tests cover the
        // gate): their agents have none, so the gate is off.
        config.training.enforce = false;
        edit(&mut config, dir.path());
        let clock = Arc::new(ManualClock::at(START));
        let (server, addr, shutdown, task) = serve(config.clone(), clock.clone(), 0).await;
        Self {
            server,
            addr,
            clock,
            config,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: dir,
        }
    }

    /// The hub itself, without the proxy.
    pub fn url_direct(&self) -> HubUrl {
        HubUrl::parse(&format!("http://{}", self.addr)).unwrap()
    }

    /// Stops the hub (its sockets close, as in a deploy) and opens the same data directory
    /// again on a new port.
    pub async fn restart(&mut self) {
        self.restart_on(0).await;
    }

    /// Like [`TestHub::restart`], on `port` (0: any free port).
    pub async fn restart_on(&mut self, port: u16) {
        self.stop().await;
        let (server, addr, shutdown, task) =
            serve(self.config.clone(), self.clock.clone(), port).await;
        self.server = server;
        self.addr = addr;
        self.shutdown = Some(shutdown);
        self.task = Some(task);
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            match tokio::time::timeout(Duration::from_secs(10), task).await {
                Ok(served) => served.unwrap().unwrap(),
                Err(_) => {
                    abort.abort();
                    panic!("the hub did not stop within 10 s");
                }
            }
        }
    }

    /// Creates an account and logs it in over HTTP with the client: enrollment code,
    /// password, TOTP enrollment, first code.
    pub async fn agent(&self, api: &HubApi, username: &str) -> (SessionGranted, AgentId) {
        let (id, code) = self
            .server
            .login
            .create_agent(
                Actor::System,
                username,
                &format!("Agent {username}"),
                Role::Agent,
                None,
            )
            .await
            .unwrap();
        api.enroll(username, &code, &secret(PASSWORD))
            .await
            .unwrap();
        let step = api.login(username, &secret(PASSWORD)).await.unwrap();
        let LoginStep::EnrollmentRequired {
            challenge,
            otpauth_uri,
            ..
        } = step
        else {
            panic!("first login must enroll TOTP, got {step:?}");
        };
        let code = authenticator(&otpauth_uri).code_at(self.clock.unix_now().unwrap());
        (api.verify_totp(&challenge, &code).await.unwrap(), id)
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[allow(
    clippy::needless_update,
    reason = "the hub's Tuning grows knobs; the ones not set here keep their defaults"
)]
async fn serve(
    config: HubConfig,
    clock: Arc<ManualClock>,
    port: u16,
) -> (
    Hub,
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), rampart_hub::server::HubError>>,
) {
    let tuning = Tuning {
        hasher: PasswordHasher::insecure_for_tests(),
        session_recheck: Duration::from_millis(500),
        ..Tuning::default()
    };
    let server = Hub::open(config, clock, tuning).unwrap();
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = server.clone();
    let task = tokio::spawn(async move {
        serving
            .serve(listener, async {
                let _ = rx.await;
            })
            .await
    });
    (server, addr, tx, task)
}

/// A new visitor who acknowledged the hub's current privacy notice.
pub async fn visitor(api: &HubApi) -> rampart_client::VisitorSession {
    let notice = api.privacy_notice().await.unwrap();
    api.new_visitor("es-MX", &notice.version).await.unwrap()
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

/// A live config for tests: fast backoff, reproducible jitter.
pub fn live_config(hub: HubUrl, endpoint: Endpoint, token: &SecretString, seed: u64) -> LiveConfig {
    let mut config = LiveConfig::new(hub, endpoint, token.clone());
    config.backoff = BackoffPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(400),
    };
    config.jitter = Box::new(SeededJitter::new(seed));
    config.connect_timeout = Duration::from_secs(3);
    config
}

// ---- A proxy that cuts connections ------------------------------------------------------

#[derive(Default)]
struct ProxyState {
    upstream: Option<SocketAddr>,
    conns: Vec<AbortHandle>,
    /// When set, each new connection may be cut after a random number of bytes.
    chaos: Option<rand::rngs::StdRng>,
    cuts: usize,
}

/// A loopback TCP proxy between clients and the hub. The hub can move to another port behind
/// it; connections can be cut at any moment.
#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ProxyState {
            upstream: Some(upstream),
            ..ProxyState::default()
        }));
        let accepting = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, budget) = {
                    let mut state = accepting.lock().unwrap();
                    let budget = state.chaos.as_mut().and_then(|rng| {
                        // Half the connections die after a random number of bytes, in one
                        // direction: during the upgrade, `hello`, the resume replay, or a send.
                        rng.random_bool(0.5)
                            .then(|| (rng.random_bool(0.5), rng.random_range(0..24_000usize)))
                    });
                    (state.upstream, budget)
                };
                let Some(upstream) = upstream else {
                    continue; // the hub is down: drop the client's connection
                };
                let state = Arc::clone(&accepting);
                let task = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let (down, up) = match budget {
                        Some((true, bytes)) => (Some(bytes), None),
                        Some((false, bytes)) => (None, Some(bytes)),
                        None => (None, None),
                    };
                    let cut = tokio::select! {
                        cut = pipe(server_read, client_write, down) => cut,
                        cut = pipe(client_read, server_write, up) => cut,
                    };
                    if cut {
                        state.lock().unwrap().cuts += 1;
                    }
                });
                let mut state = accepting.lock().unwrap();
                state.conns.retain(|c| !c.is_finished());
                state.conns.push(task.abort_handle());
            }
        });
        Self { addr, state }
    }

    pub fn url(&self) -> HubUrl {
        HubUrl::parse(&format!("http://{}", self.addr)).unwrap()
    }

    pub fn set_upstream(&self, upstream: Option<SocketAddr>) {
        self.state.lock().unwrap().upstream = upstream;
    }

    pub fn set_chaos(&self, seed: Option<u64>) {
        self.state.lock().unwrap().chaos = seed.map(rand::rngs::StdRng::seed_from_u64);
    }

    /// Cuts every open connection.
    pub fn cut_all(&self) -> usize {
        let mut state = self.state.lock().unwrap();
        let conns = std::mem::take(&mut state.conns);
        let open = conns.iter().filter(|c| !c.is_finished()).count();
        for conn in conns {
            conn.abort();
        }
        state.cuts += open;
        open
    }

    /// Cuts one open connection, chosen by `pick`.
    pub fn cut_one(&self, pick: usize) -> bool {
        let mut state = self.state.lock().unwrap();
        state.conns.retain(|c| !c.is_finished());
        if state.conns.is_empty() {
            return false;
        }
        let index = pick % state.conns.len();
        state.conns.swap_remove(index).abort();
        state.cuts += 1;
        true
    }

    pub fn cuts(&self) -> usize {
        self.state.lock().unwrap().cuts
    }
}

/// Copies until EOF or until `budget` bytes went through. `true`: cut by the budget.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut budget: Option<usize>,
) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        let allowed = budget.map_or(n, |b| n.min(b));
        if to.write_all(&buf[..allowed]).await.is_err() {
            return false;
        }
        if let Some(b) = budget.as_mut() {
            *b -= allowed;
            if *b == 0 {
                return true;
            }
        }
    }
}

// ---- Recording what a client saw --------------------------------------------------------

#[derive(Default, Debug)]
pub struct Seen {
    /// Delivered messages per conversation, in delivery order.
    pub messages: HashMap<ConversationId, Vec<(Seq, MessageId)>>,
    /// Acknowledged message ids (the client reports each once).
    pub acks: HashMap<MessageId, Seq>,
    pub duplicate_acks: usize,
    pub assigned: Vec<ConversationId>,
    pub connects: usize,
    pub disconnects: usize,
    /// Why connections ended, by code.
    pub disconnect_codes: HashMap<ClientErrorCode, usize>,
    pub resent: usize,
    /// Connection attempts that failed before `welcome` (upgrade, hello, hub down).
    pub handshake_failures: usize,
    connected_now: bool,
    pub faults: Vec<ClientErrorCode>,
    pub send_failures: Vec<ClientErrorCode>,
    /// Anything that breaks exactly-once, in-order delivery.
    pub violations: Vec<String>,
    pub stopped: bool,
    pub revoked: bool,
}

/// Spawns a task that records a client's events.
pub fn record(mut events: tokio::sync::mpsc::Receiver<Event>) -> Arc<Mutex<Seen>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let writer = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let mut seen = writer.lock().unwrap();
            match event {
                Event::Connected { resending, .. } => {
                    seen.connects += 1;
                    seen.resent += resending;
                    seen.connected_now = true;
                }
                Event::Disconnected { error, .. } => {
                    seen.disconnects += 1;
                    *seen.disconnect_codes.entry(error.code()).or_default() += 1;
                    if !std::mem::take(&mut seen.connected_now) {
                        seen.handshake_failures += 1;
                    }
                }
                Event::Frame(ServerFrame::Message {
                    conversation_id,
                    seq,
                    id,
                    ..
                }) => {
                    let list = seen.messages.entry(conversation_id).or_default();
                    let expected = Seq(list.len() as u64 + 1);
                    let violation = (seq != expected).then(|| {
                        format!(
                            "{conversation_id}: got seq {} expected {}",
                            seq.0, expected.0
                        )
                    });
                    list.push((seq, id));
                    if let Some(v) = violation {
                        seen.violations.push(v);
                    }
                }
                Event::Frame(ServerFrame::Ack { id, seq, .. }) => {
                    let duplicate = seen.acks.insert(id, seq).is_some();
                    seen.duplicate_acks += usize::from(duplicate);
                }
                Event::Frame(ServerFrame::Assigned {
                    conversation_id, ..
                }) => seen.assigned.push(conversation_id),
                Event::Fault(error) => seen.faults.push(error.code()),
                Event::SendFailed { error, .. } => seen.send_failures.push(error.code()),
                Event::SessionRevoked => seen.revoked = true,
                Event::Stopped { .. } => seen.stopped = true,
                _ => {}
            }
        }
    });
    seen
}

/// Polls `done` every 20 ms until it holds or `limit` passes.
pub async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A client connection plus what it saw.
pub struct Client {
    pub live: Live,
    pub seen: Arc<Mutex<Seen>>,
}

pub fn client(config: LiveConfig) -> Client {
    let (live, events) = Live::spawn(config);
    Client {
        live,
        seen: record(events),
    }
}
