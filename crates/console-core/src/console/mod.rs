//! The console's behaviour behind the IPC commands: hub setup (or the embedded demo), the
//! two-step sign-in with TOTP enrollment, the live connection, sending with a personal-data
//! check, the idle lock and sign-out.
//!
//! Invariants:
//! - The session token lives in memory and in the OS keychain (through `rampart-vault`), never
//!   in a file or in web storage. If the keychain cannot store it, the sign-in fails.
//! - What the agent sends is masked here before it is queued: the outbox (in the encrypted
//!   vault) and the hub only ever see masked text. Text with personal data needs a confirmation.
//! - While locked, no command returns conversation content; too many failed unlocks sign out
//!   and wipe the local cache.
//! - Every state change reaches the UI as a [`ConsoleEvent`] through the subscribed sink.

mod batch;
pub mod clipboard;
mod local;
mod model;
mod os_lock;
mod pump;
mod qr;
mod training;
pub mod view;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rampart_auth::password::{PasswordHash, PasswordHasher};
use rampart_client::{ClientError, ClientErrorCode, Endpoint, HubApi, HubUrl, Live, LiveConfig};
use rampart_protocol::rest::{AgentProfile, LoginStep, SensitiveReplies, UnlockRequest};
use rampart_protocol::{Author, Availability, ConversationId};
use rampart_secret::SecretString;
use rampart_vault::{EntryName, Namespace, Purpose, SecretStore, UnixMillis, Vault, VaultConfig};
use tokio::task::JoinHandle;

use crate::ipc::{IpcError, IpcErrorCode};
pub use local::Settings;
use local::{SharedVault, VaultOutbox};
use model::Model;
use view::{
    ConsoleEvent, ConsoleState, Delivery, DemoCode, DemoInfo, MessageView, NoticeCode, Phase,
    SendOutcome, SignInStep, SignedIn, Snapshot,
};

/// A revealed value the hub lets this agent copy, for as long as it shows.
struct Copyable {
    value: SecretString,
    until: std::time::Instant,
    conversation: ConversationId,
    /// Its PII kind or form field, for the hub's record of the copy.
    kind: String,
}

/// What unlocks a locked console.
pub enum UnlockWith {
    /// The account password, checked here against the hash kept in memory while signed in.
    Password(SecretString),
    /// A TOTP code, checked by the hub (the console never holds the TOTP secret).
    Code(SecretString),
}

/// Longest idle lock the console accepts (PCI DSS 8.2.8: 15 minutes).
pub const MAX_IDLE_LOCK: Duration = Duration::from_secs(15 * 60);
/// Failed unlocks before the console signs out and wipes its cache.
pub const MAX_UNLOCK_FAILURES: u32 = 5;
/// Search results returned at most.
pub const SEARCH_RESULTS: usize = 50;
/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Characters of a message shown in a desktop notification.
pub const NOTIFICATION_CHARS: usize = 80;
/// Messages of one conversation returned at most by [`Console::messages`].
pub const MAX_PAGE: usize = 10_000;

/// Where the UI receives events. The shell implements it over a Tauri channel.
pub trait EventSink: Send + Sync + 'static {
    /// Delivers one event; must not block.
    fn emit(&self, event: ConsoleEvent);

    /// Delivers several events at once, in order; must not block. The console batches events
    /// arriving close together (at most one delivery per 30 ms); a sink that can send them in
    /// one go should.
    fn emit_batch(&self, events: Vec<ConsoleEvent>) {
        for event in events {
            self.emit(event);
        }
    }

    /// Shows a desktop notification when the console is not in front. `body` is already
    /// masked; implementations must not add message content of their own.
    fn notify(&self, _title: &str, _body: &str) {}
}

/// How the console is set up by the shell.
pub struct ConsoleConfig {
    /// App data directory: the vault caches and the demo hub's data live below it.
    pub data_dir: PathBuf,
    /// App config directory: the settings file.
    pub config_dir: PathBuf,
    /// The keychain (the OS keychain in the product; a memory store in unit tests).
    pub secrets: Arc<dyn SecretStore>,
    /// Idle time before the screen locks (capped at [`MAX_IDLE_LOCK`]).
    pub idle_lock: Duration,
    /// Hashes the unlock password kept in memory while signed in.
    pub hasher: PasswordHasher,
    /// Let the demo hub simulate visitors.
    pub demo_visitors: bool,
    /// Use this hub instead of the saved setting (for deployments and tests).
    pub hub_override: Option<String>,
    /// Start the demo by itself when no hub is configured, and print how to sign in.
    pub demo_autostart: bool,
    /// Fixed loopback port for the demo hub (`None`: any free port).
    pub demo_port: Option<u16>,
    /// Where revealed values the hub lets the agent copy go.
    pub clipboard: Arc<dyn clipboard::Clipboard>,
    /// Where exports (the training dashboard's CSV) are saved: the user's downloads folder, or
    /// their home folder when there is none.
    pub downloads_dir: PathBuf,
}

impl ConsoleConfig {
    /// The product's configuration: the OS keychain, a 15-minute idle lock and the production
    /// password hasher. The environment may shorten the idle lock (`RAMPART_IDLE_LOCK_SECS`,
    /// never lengthen it), name the hub (`RAMPART_HUB_URL`) or silence the demo's simulated
    /// visitors (`RAMPART_DEMO_VISITORS=0`).
    pub fn from_env(data_dir: PathBuf, config_dir: PathBuf) -> Self {
        let idle_lock = std::env::var("RAMPART_IDLE_LOCK_SECS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(MAX_IDLE_LOCK, |secs| {
                Duration::from_secs(secs.max(1)).min(MAX_IDLE_LOCK)
            });
        Self {
            downloads_dir: training::default_downloads_dir(&data_dir),
            data_dir,
            config_dir,
            secrets: Arc::new(rampart_vault::OsStore::new()),
            idle_lock,
            hasher: PasswordHasher::default(),
            demo_visitors: std::env::var("RAMPART_DEMO_VISITORS").map_or(true, |v| v != "0"),
            hub_override: std::env::var("RAMPART_HUB_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            demo_autostart: std::env::var("RAMPART_DEMO").is_ok_and(|v| v == "1"),
            demo_port: std::env::var("RAMPART_DEMO_PORT")
                .ok()
                .and_then(|v| v.parse().ok()),
            clipboard: Arc::new(clipboard::OsClipboard::default()),
        }
    }
}

/// The console. Cheap to clone.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

struct Inner {
    config: ConsoleConfig,
    idle_lock: Duration,
    state: tokio::sync::Mutex<State>,
    sink: Mutex<Option<Arc<dyn EventSink>>>,
    model: Mutex<Option<Model>>,
    /// Last sign of life from the agent (Unix ms).
    activity: AtomicI64,
    /// Increases with every session, so tasks of an ended session stand down.
    generation: AtomicU64,
    demo: Mutex<Option<rampart_demo::DemoAccount>>,
    scanner: rampart_pii::Scanner,
    password_policy: rampart_auth::password::PasswordPolicy,
    /// The UI language, for notifications.
    locale: Mutex<String>,
    /// The screen is locked: no content goes to the UI or to notifications.
    locked: std::sync::atomic::AtomicBool,
    /// Revealed values the hub let this agent copy, until they are masked again.
    copyable: Mutex<Vec<Copyable>>,
    /// The value this console put on the clipboard, to take off again.
    on_clipboard: Mutex<Option<SecretString>>,
}

struct State {
    settings: Settings,
    demo: Option<rampart_demo::DemoHub>,
    phase: PhaseState,
}

enum PhaseState {
    Setup,
    SignedOut,
    Challenge(Box<Challenge>),
    Active(Box<Session>),
    Locked(Box<Session>, u32),
}

struct Challenge {
    api: HubApi,
    username: String,
    challenge: String,
    enrolling: bool,
    unlock: PasswordHash,
}

struct Session {
    api: HubApi,
    token: SecretString,
    profile: AgentProfile,
    live: Live,
    vault: Option<SharedVault>,
    vault_config: Option<VaultConfig>,
    token_entry: Option<EntryName>,
    unlock: PasswordHash,
    tasks: Vec<JoinHandle<()>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn wrong_state(what: &str) -> IpcError {
    IpcError::new(IpcErrorCode::WrongState, what)
}

/// Maps a client failure to the UI's error, keeping the hub's lockout details.
pub fn client_error(error: &ClientError) -> IpcError {
    use ClientErrorCode as C;
    let code = match error.code() {
        C::InvalidUrl => IpcErrorCode::InvalidHubUrl,
        C::HubUnreachable | C::WebSocket => IpcErrorCode::HubUnreachable,
        C::Tls => IpcErrorCode::Tls,
        C::Timeout => IpcErrorCode::Timeout,
        C::InvalidCredentials => IpcErrorCode::InvalidCredentials,
        C::TotpInvalid => IpcErrorCode::TotpInvalid,
        C::TotpReplayed => IpcErrorCode::TotpReplayed,
        C::ChallengeExpired => IpcErrorCode::ChallengeExpired,
        C::TooManyAttempts => IpcErrorCode::TooManyAttempts,
        C::LockedOut => IpcErrorCode::LockedOut,
        C::IpNotAllowed => IpcErrorCode::IpNotAllowed,
        C::Unauthenticated | C::SessionRevoked => IpcErrorCode::SessionExpired,
        C::Forbidden => IpcErrorCode::Forbidden,
        C::FrameRefused | C::RequestRejected => IpcErrorCode::InvalidInput,
        C::NotFound => IpcErrorCode::NotFound,
        C::EnrollmentInvalid => IpcErrorCode::EnrollmentInvalid,
        C::PasswordRejected => IpcErrorCode::PasswordRejected,
        C::PackInvalid => IpcErrorCode::PackInvalid,
        C::TrainingOutdated => IpcErrorCode::TrainingOutdated,
        C::LiveSessionNotFound => IpcErrorCode::LiveSessionNotFound,
        _ => IpcErrorCode::HubFailed,
    };
    let mut ipc = IpcError::new(code, error.to_string());
    if let ClientError::Api { error: api, .. } = error {
        ipc.retry_after_secs = api.retry_after_secs;
        ipc.locked_until = api.locked_until;
        ipc.rejections.clone_from(&api.rejections);
        ipc.issues.clone_from(&api.issues);
    }
    ipc
}

/// Parses a hub address: `https://`, or plain `http://` to this machine only. The password and
/// the session token must not cross a network in clear text (the hub, too, refuses plain HTTP
/// off loopback unless dangerously configured).
fn parse_hub(text: &str) -> Result<HubUrl, IpcError> {
    let url = HubUrl::parse(text).map_err(|e| client_error(&e))?;
    if url.is_tls() || is_loopback(&url) {
        Ok(url)
    } else {
        Err(IpcError::new(
            IpcErrorCode::InvalidHubUrl,
            "plain http:// is allowed for this computer only; use https://",
        ))
    }
}

/// Whether a hub address names this machine. `HubUrl` prints in normalised form
/// (`scheme://host[:port]/`, lowercase, IPv6 in brackets), so the host is read off that.
fn is_loopback(url: &HubUrl) -> bool {
    let text = url.to_string();
    let rest = text.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn vault_error(error: &rampart_vault::Error) -> IpcError {
    use rampart_vault::ErrorCode as V;
    let code = match error.code() {
        V::Unavailable | V::Denied | V::KeychainFailed => IpcErrorCode::KeychainUnavailable,
        V::Locked => IpcErrorCode::KeychainLocked,
        V::KeyMissing | V::KeyRejected => IpcErrorCode::CacheUnreadable,
        _ => IpcErrorCode::Internal,
    };
    IpcError::new(code, format!("local vault: {}", error.code().as_str()))
}

impl Console {
    /// A console with the saved settings (or `hub_override`).
    pub fn new(config: ConsoleConfig) -> Self {
        let mut settings = Settings::load(&config.config_dir);
        if let Some(hub) = &config.hub_override {
            settings.hub_url = Some(hub.clone());
            settings.demo = false;
        }
        let phase = if settings.hub_url.is_some() {
            PhaseState::SignedOut
        } else {
            PhaseState::Setup
        };
        let idle_lock = config.idle_lock.min(MAX_IDLE_LOCK);
        let locale = settings.locale.clone().unwrap_or_else(|| "en".to_owned());
        let scanner = rampart_pii::Scanner::new().unwrap_or_else(|error| {
            // The built-in patterns are compiled by the PII crate's own tests; failing here
            // means a broken build, and the console must not run without masking.
            panic!("PII scanner failed to build: {error}")
        });
        Self {
            inner: Arc::new(Inner {
                idle_lock,
                state: tokio::sync::Mutex::new(State {
                    settings,
                    demo: None,
                    phase,
                }),
                sink: Mutex::new(None),
                model: Mutex::new(None),
                activity: AtomicI64::new(now_ms()),
                generation: AtomicU64::new(0),
                demo: Mutex::new(None),
                scanner,
                password_policy: rampart_auth::password::PasswordPolicy::default(),
                locale: Mutex::new(locale),
                locked: std::sync::atomic::AtomicBool::new(false),
                copyable: Mutex::new(Vec::new()),
                on_clipboard: Mutex::new(None),
                config,
            }),
        }
    }

    /// Routes events to `sink` from now on (a reloaded UI subscribes again), in batches when
    /// called inside a tokio runtime.
    pub fn subscribe(&self, sink: Arc<dyn EventSink>) {
        *lock(&self.inner.sink) = Some(batch::Batched::wrap(sink));
    }

    fn emit(&self, event: ConsoleEvent) {
        self.inner.emit(event);
    }

    /// What the UI needs to pick a screen. When the saved setting says demo, the embedded hub
    /// starts here.
    pub async fn state(&self) -> Result<ConsoleState, IpcError> {
        let mut state = self.inner.state.lock().await;
        let wants_demo = state.settings.demo
            || (self.inner.config.demo_autostart && state.settings.hub_url.is_none());
        if wants_demo && state.demo.is_none() {
            self.start_demo_locked(&mut state).await?;
            state.settings.demo = true;
            if state.settings.last_username.is_none() {
                state.settings.last_username = state
                    .demo
                    .as_ref()
                    .map(|d| d.account().username().to_owned());
            }
        }
        Ok(self.inner.describe(&state))
    }

    /// Starts the embedded demo hub and makes it the console's hub.
    pub async fn start_demo(&self) -> Result<ConsoleState, IpcError> {
        let mut state = self.inner.state.lock().await;
        if !matches!(state.phase, PhaseState::Setup | PhaseState::SignedOut) {
            return Err(wrong_state("sign out before switching hubs"));
        }
        self.start_demo_locked(&mut state).await?;
        state.settings.demo = true;
        state.settings.hub_url = None;
        state.settings.last_username = state
            .demo
            .as_ref()
            .map(|d| d.account().username().to_owned());
        self.inner.save_settings(&state.settings);
        state.phase = PhaseState::SignedOut;
        Ok(self.inner.describe(&state))
    }

    async fn start_demo_locked(&self, state: &mut State) -> Result<(), IpcError> {
        if state.demo.is_some() {
            return Ok(());
        }
        let mut config = rampart_demo::DemoConfig::new(self.inner.config.data_dir.join("demo"));
        config.simulated_visitors = self.inner.config.demo_visitors;
        config.port = self.inner.config.demo_port;
        let demo = rampart_demo::DemoHub::start(config)
            .await
            .map_err(|error| {
                tracing::error!(%error, "demo hub failed to start");
                IpcError::new(IpcErrorCode::DemoFailed, "the demo hub could not start")
            })?;
        tracing::info!(url = %demo.url(), "demo hub started");
        if self.inner.config.demo_autostart {
            announce_demo(&demo, &self.inner.config.data_dir.join("demo"));
        }
        *lock(&self.inner.demo) = Some(demo.account().clone());
        state.demo = Some(demo);
        state.phase = PhaseState::SignedOut;
        Ok(())
    }

    /// The demo account's current authenticator code.
    pub fn demo_code(&self) -> Result<DemoCode, IpcError> {
        let demo = lock(&self.inner.demo);
        let account = demo
            .as_ref()
            .ok_or_else(|| wrong_state("the demo is not running"))?;
        let now = u64::try_from(now_ms() / 1000).unwrap_or(0);
        let (code, left) = account.code_at(now);
        Ok(DemoCode {
            code,
            seconds_left: u32::try_from(left).unwrap_or(30),
        })
    }

    /// Sets the hub's address (checked: `https://`, or `http://` on loopback only).
    pub async fn set_hub(&self, url: &str) -> Result<ConsoleState, IpcError> {
        let parsed = parse_hub(url.trim())?;
        let mut state = self.inner.state.lock().await;
        if !matches!(state.phase, PhaseState::Setup | PhaseState::SignedOut) {
            return Err(wrong_state("sign out before switching hubs"));
        }
        if let Some(demo) = state.demo.take() {
            *lock(&self.inner.demo) = None;
            if let Err(error) = demo.shutdown().await {
                tracing::warn!(%error, "demo hub did not stop cleanly");
            }
        }
        state.settings.hub_url = Some(parsed.to_string());
        state.settings.demo = false;
        self.inner.save_settings(&state.settings);
        state.phase = PhaseState::SignedOut;
        Ok(self.inner.describe(&state))
    }

    /// Why a new password would be refused, for live hints while the agent types it: the hub's
    /// default policy evaluated here (the hub checks again, with its organisation's context,
    /// when the password is set). Each reason is a code plus parameters.
    pub fn check_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Vec<serde_json::Value> {
        let context = rampart_auth::password::PasswordContext {
            username: username.trim().to_owned(),
            display_name: String::new(),
            email: String::new(),
            organisation: String::new(),
        };
        self.inner
            .password_policy
            .evaluate(password, &context)
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect()
    }

    /// First sign-in of a new account: sets its password with the one-time enrollment code
    /// from the administrator. The authenticator is enrolled at the next sign-in.
    pub async fn enroll(
        &self,
        username: &str,
        code: SecretString,
        password: SecretString,
    ) -> Result<(), IpcError> {
        let mut state = self.inner.state.lock().await;
        let (api, username) = self.inner.sign_in_api(&state, username)?;
        api.enroll(username, &code, &password)
            .await
            .map_err(|e| client_error(&e))?;
        tracing::info!("password set with an enrollment code");
        state.settings.last_username = Some(username.to_owned());
        self.inner.save_settings(&state.settings);
        Ok(())
    }

    /// Step one of signing in: username and password.
    pub async fn sign_in(
        &self,
        username: &str,
        password: SecretString,
    ) -> Result<SignInStep, IpcError> {
        let mut state = self.inner.state.lock().await;
        let (api, username) = self.inner.sign_in_api(&state, username)?;
        let step = api
            .login(username, &password)
            .await
            .map_err(|e| client_error(&e))?;
        // Kept (hashed) only for unlocking the screen later; the hub checked it just now.
        let hasher = self.inner.config.hasher.clone();
        let unlock = tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "hashing failed"))?
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "hashing failed"))?;
        let (challenge, enrolling, answer) = match step {
            LoginStep::TotpRequired { challenge, .. } => (challenge, false, SignInStep::Totp),
            LoginStep::EnrollmentRequired {
                challenge,
                otpauth_uri,
                ..
            } => {
                let qr = qr::matrix(&otpauth_uri)?;
                let secret = qr::secret_of(&otpauth_uri).unwrap_or_default();
                (challenge, true, SignInStep::Enroll { qr, secret })
            }
        };
        state.settings.last_username = Some(username.to_owned());
        self.inner.save_settings(&state.settings);
        state.phase = PhaseState::Challenge(Box::new(Challenge {
            api,
            username: username.to_owned(),
            challenge,
            enrolling,
            unlock,
        }));
        Ok(answer)
    }

    /// Step two: the authenticator code. Starts the session: token into the keychain, cache
    /// opened, live connection up.
    pub async fn verify_code(&self, code: SecretString) -> Result<SignedIn, IpcError> {
        let mut state = self.inner.state.lock().await;
        let PhaseState::Challenge(challenge) = &state.phase else {
            return Err(wrong_state("enter the password first"));
        };
        let granted = match challenge.api.verify_totp(&challenge.challenge, &code).await {
            Ok(granted) => granted,
            Err(error) => {
                let ipc = client_error(&error);
                if matches!(
                    ipc.code,
                    IpcErrorCode::ChallengeExpired | IpcErrorCode::LockedOut
                ) {
                    state.phase = PhaseState::SignedOut;
                }
                return Err(ipc);
            }
        };
        let PhaseState::Challenge(challenge) =
            std::mem::replace(&mut state.phase, PhaseState::SignedOut)
        else {
            return Err(wrong_state("sign-in was interrupted"));
        };
        let _ = challenge.enrolling;
        let recovery_codes = granted
            .recovery_codes
            .iter()
            .map(|c| c.expose().clone())
            .collect();
        let profile = granted.agent.clone();
        let namespace = self.inner.namespace(&state, &challenge.username)?;
        let session = self
            .start_session(challenge, granted.token, namespace)
            .await?;
        state.phase = PhaseState::Active(Box::new(session));
        self.emit(ConsoleEvent::State {
            state: self.inner.describe(&state),
        });
        Ok(SignedIn {
            profile,
            recovery_codes,
        })
    }

    async fn start_session(
        &self,
        challenge: Box<Challenge>,
        token: SecretString,
        namespace: Namespace,
    ) -> Result<Session, IpcError> {
        let secrets = Arc::clone(&self.inner.config.secrets);
        // Fail closed: without the keychain there is no session on this machine.
        let token_entry = namespace.entry(Purpose::SessionToken);
        let vault_config = VaultConfig::new(self.inner.config.data_dir.join("cache"), namespace);
        let opened = {
            let secrets = Arc::clone(&secrets);
            let token = token.clone();
            let entry = token_entry.clone();
            let config = vault_config.clone();
            tokio::task::spawn_blocking(move || {
                secrets.save(&entry, &token)?;
                Vault::open(&config, secrets.as_ref(), UnixMillis(now_ms()))
            })
            .await
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "vault task failed"))?
        };
        let (vault, report) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                // The hub session must not outlive a failed local start.
                let _ = challenge.api.logout(&token).await;
                let _ = secrets.delete(&token_entry);
                return Err(vault_error(&error));
            }
        };
        if report.replaced_corrupt_cache.is_some() {
            self.emit(ConsoleEvent::Notice {
                code: NoticeCode::CacheFailed,
            });
        }
        let vault = SharedVault::new(vault);
        let profile = match challenge.api.me(&token).await {
            Ok(profile) => profile,
            Err(error) => {
                // Nothing of a half-started session stays behind.
                let _ = secrets.delete(&token_entry);
                if let Some(vault) = vault.into_inner() {
                    let _ = vault.close();
                }
                let _ = challenge.api.logout(&token).await;
                return Err(client_error(&error));
            }
        };
        *lock(&self.inner.model) = Some(Model::new(profile.id));
        let mut live_config =
            LiveConfig::new(challenge.api.hub().clone(), Endpoint::Agent, token.clone());
        live_config.outbox = Box::new(VaultOutbox::new(vault.clone()));
        let forgotten = pump::forget_cursor(&vault);
        live_config.forgotten = forgotten.clone();
        let (live, events) = Live::spawn(live_config);
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.activity.store(now_ms(), Ordering::SeqCst);
        let pump = tokio::spawn(pump::run(
            self.clone(),
            generation,
            events,
            Some(vault.clone()),
            forgotten,
        ));
        let idle = tokio::spawn(idle_watch(self.clone(), generation));
        let os = tokio::spawn(os_lock::watch(self.clone(), generation));
        let retention = tokio::spawn(retention_watch(self.clone(), generation, vault.clone()));
        Ok(Session {
            api: challenge.api,
            token,
            profile,
            live,
            vault: Some(vault),
            vault_config: Some(vault_config),
            token_entry: Some(token_entry),
            unlock: challenge.unlock,
            tasks: vec![pump, idle, os, retention],
        })
    }

    /// Signs out: ends the hub session, forgets the token, closes the cache.
    pub async fn sign_out(&self) -> Result<ConsoleState, IpcError> {
        let mut state = self.inner.state.lock().await;
        let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
        if let PhaseState::Active(session) | PhaseState::Locked(session, _) = phase {
            self.end_session(*session, false).await;
        }
        let described = self.inner.describe(&state);
        self.emit(ConsoleEvent::State {
            state: described.clone(),
        });
        Ok(described)
    }

    /// Ends a session. Local clean-up comes first (tasks stopped, token out of the keychain,
    /// cache closed or wiped), so an interrupted sign-out or wipe cannot leave a usable token or
    /// cache behind; the hub logout is best effort, last.
    async fn end_session(&self, session: Session, wipe: bool) {
        self.clear_clipboard();
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.locked.store(false, Ordering::SeqCst);
        let _ = session.live.shutdown().await;
        for task in session.tasks {
            task.abort();
            let _ = task.await;
        }
        drop(session.live);
        let secrets = Arc::clone(&self.inner.config.secrets);
        if let Some(entry) = &session.token_entry
            && let Err(error) = secrets.delete(entry)
        {
            tracing::warn!(
                code = error.code().as_str(),
                "could not delete the session token"
            );
        }
        // The live task lets go of the cache (its outbox) once it has stopped.
        let mut vault = session.vault;
        let mut owned = None;
        for _ in 0..60 {
            match vault.take().map(SharedVault::try_into_inner) {
                Some(Ok(inner)) => {
                    owned = Some(inner);
                    break;
                }
                Some(Err(shared)) => vault = Some(shared),
                None => break,
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(vault);
        match owned {
            Some(inner) => {
                let result = if wipe {
                    inner.close_and_wipe(secrets.as_ref())
                } else {
                    inner.close()
                };
                if let Err(error) = result {
                    tracing::warn!(code = error.code().as_str(), "closing the cache failed");
                }
            }
            None if wipe => {
                if let Some(config) = &session.vault_config
                    && let Err(error) = Vault::wipe(config, secrets.as_ref())
                {
                    tracing::warn!(code = error.code().as_str(), "wiping the cache failed");
                }
            }
            None => {}
        }
        *lock(&self.inner.model) = None;
        if let Err(error) = session.api.logout(&session.token).await {
            tracing::info!(code = ?error.code(), "hub logout failed; the session expires on its own");
        }
    }

    /// Called by the pump when the hub ordered a remote wipe: sign out and wipe the cache and
    /// its key (as after too many failed unlocks).
    async fn session_wiped(&self, generation: u64) {
        let mut state = self.inner.state.lock().await;
        if !self.is_current(generation) {
            return;
        }
        let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
        if let PhaseState::Active(session) | PhaseState::Locked(session, _) = phase {
            self.end_session(*session, true).await;
        }
        tracing::warn!("remote wipe ordered by the hub: local cache deleted");
        self.emit(ConsoleEvent::Notice {
            code: NoticeCode::RemoteWiped,
        });
        self.emit(ConsoleEvent::State {
            state: self.inner.describe(&state),
        });
    }

    /// Called by the pump when the hub ended the session.
    async fn session_ended(&self, generation: u64) {
        let mut state = self.inner.state.lock().await;
        if self.inner.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
        if let PhaseState::Active(session) | PhaseState::Locked(session, _) = phase {
            self.end_session(*session, false).await;
        }
        self.emit(ConsoleEvent::Notice {
            code: NoticeCode::SessionEnded,
        });
        self.emit(ConsoleEvent::State {
            state: self.inner.describe(&state),
        });
    }

    /// Everything the main screen shows. Refused while locked.
    pub async fn snapshot(&self) -> Result<Snapshot, IpcError> {
        self.require_active().await?;
        self.inner
            .with_model(|m| m.snapshot())
            .ok_or_else(|| wrong_state("not signed in"))
    }

    /// The last messages of a conversation (at most [`MAX_PAGE`]). Refused while locked.
    pub async fn messages(
        &self,
        conversation: ConversationId,
        limit: usize,
    ) -> Result<Vec<MessageView>, IpcError> {
        self.require_active().await?;
        Ok(self
            .inner
            .with_model(|m| m.messages(conversation, limit.min(MAX_PAGE)))
            .unwrap_or_default())
    }

    /// The messages just before `before` (at most `limit`, capped at [`MAX_PAGE`]), for a
    /// transcript scrolled above the part the UI loaded. Refused while locked.
    pub async fn messages_before(
        &self,
        conversation: ConversationId,
        before: rampart_protocol::MessageId,
        limit: usize,
    ) -> Result<Vec<MessageView>, IpcError> {
        self.require_active().await?;
        Ok(self
            .inner
            .with_model(|m| m.messages_before(conversation, before, limit.min(MAX_PAGE)))
            .unwrap_or_default())
    }

    /// The conversation on screen (its messages stop counting as unread).
    pub async fn focus(&self, conversation: Option<ConversationId>) -> Result<(), IpcError> {
        self.require_active().await?;
        if let Some(Some(view)) = self.inner.with_model(|m| m.focus(conversation)) {
            self.emit(ConsoleEvent::Conversation { conversation: view });
        }
        Ok(())
    }

    /// The live connection, when signed in, unlocked and `conversation` is one of the agent's
    /// open conversations.
    async fn require_open(&self, conversation: ConversationId) -> Result<Live, IpcError> {
        let live = self.require_active().await?;
        if self.inner.with_model(|m| m.is_open(conversation)) != Some(true) {
            return Err(IpcError::new(
                IpcErrorCode::InvalidInput,
                "this conversation is not open",
            ));
        }
        Ok(live)
    }

    async fn require_active(&self) -> Result<Live, IpcError> {
        let state = self.inner.state.lock().await;
        match &state.phase {
            PhaseState::Active(session) => Ok(session.live.clone()),
            PhaseState::Locked(..) => Err(wrong_state("the console is locked")),
            _ => Err(wrong_state("not signed in")),
        }
    }

    /// Takes a waiting visitor.
    pub async fn accept(&self, conversation: ConversationId) -> Result<(), IpcError> {
        let live = self.require_active().await?;
        live.accept(conversation)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Colleagues the agent could hand a conversation to now.
    pub async fn transfer_targets(
        &self,
    ) -> Result<Vec<rampart_protocol::rest::TransferTarget>, IpcError> {
        let (api, token) = self.session_api().await?;
        api.online_agents(&token)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Hands an open conversation to a colleague (the hub checks they can take it).
    pub async fn transfer(
        &self,
        conversation: ConversationId,
        to: rampart_protocol::AgentId,
    ) -> Result<(), IpcError> {
        let live = self.require_open(conversation).await?;
        live.transfer(conversation, to)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Ends a conversation.
    pub async fn close(&self, conversation: ConversationId) -> Result<(), IpcError> {
        let live = self.require_active().await?;
        live.close(conversation).await.map_err(|e| client_error(&e))
    }

    /// Available for new visitors, or away.
    pub async fn set_availability(&self, availability: Availability) -> Result<(), IpcError> {
        let live = self.require_active().await?;
        live.set_availability(availability)
            .await
            .map_err(|e| client_error(&e))?;
        if let Some(snapshot) = self.inner.with_model(|m| {
            m.availability = availability;
            m.snapshot()
        }) {
            self.emit(ConsoleEvent::Connection {
                connection: snapshot.connection,
            });
        }
        Ok(())
    }

    /// Sends a message. Text with personal data is refused with [`SendOutcome::Confirm`]
    /// unless `confirmed`; either way only the masked text leaves the console.
    pub async fn send(
        &self,
        conversation: ConversationId,
        text: &str,
        confirmed: bool,
    ) -> Result<SendOutcome, IpcError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(IpcError::new(
                IpcErrorCode::InvalidInput,
                "message is empty",
            ));
        }
        // Checked before the text is looked at: a locked console answers nothing about it.
        let live = self.require_open(conversation).await?;
        let redaction = self.inner.scanner.redact(text);
        let mut kinds: Vec<String> = Vec::new();
        for span in &redaction.spans {
            let kind = self.inner.scanner.kind_name(span.kind);
            if !kinds.iter().any(|k| k == kind) {
                kinds.push(kind.to_owned());
            }
        }
        let policy = match &self.inner.state.lock().await.phase {
            PhaseState::Active(s) => s.profile.sensitive_replies,
            _ => SensitiveReplies::Confirm,
        };
        let forbidden: Vec<String> = kinds
            .iter()
            .filter(|k| policy == SensitiveReplies::Block && SensitiveReplies::covers(k))
            .cloned()
            .collect();
        if !forbidden.is_empty() {
            // Confirming does not help: the organisation forbids it outright.
            return Ok(SendOutcome::Blocked { kinds: forbidden });
        }
        if !kinds.is_empty() && !confirmed {
            return Ok(SendOutcome::Confirm { kinds });
        }
        let masked = redaction.masked;
        let id = live
            .send(conversation, masked.clone())
            .await
            .map_err(|e| client_error(&e))?;
        let author = {
            let state = self.inner.state.lock().await;
            match &state.phase {
                PhaseState::Active(s) | PhaseState::Locked(s, _) => Author::Agent {
                    agent_id: s.profile.id,
                    display_name: s.profile.display_name.clone(),
                },
                _ => Author::System,
            }
        };
        let message = MessageView {
            conversation_id: conversation,
            id,
            seq: None,
            author,
            text: masked,
            spans: Vec::new(),
            sent_at: now_ms(),
            own: true,
            delivery: Delivery::Pending,
        };
        if let Some(view) = self.inner.with_model(|m| m.upsert_message(message.clone())) {
            self.emit(ConsoleEvent::Conversation { conversation: view });
        }
        Ok(SendOutcome::Queued { message })
    }

    /// Reveals one masked span for a reason. The hub checks the role and records the reveal;
    /// the value goes to the UI only (never to the cache or the log).
    pub async fn reveal(
        &self,
        conversation: ConversationId,
        message: rampart_protocol::MessageId,
        span: u32,
        reason: rampart_protocol::rest::RevealReason,
        note: Option<String>,
    ) -> Result<view::RevealedValue, IpcError> {
        let (api, token) = self.session_api().await?;
        let note = checked_note(note)?;
        let request = rampart_protocol::rest::RevealRequest {
            conversation_id: conversation,
            message_id: message,
            span,
            reason,
            note,
        };
        let revealed = api
            .reveal(&token, &request)
            .await
            .map_err(|e| client_error(&e))?;
        tracing::info!(kind = %revealed.kind, "masked value revealed");
        self.note_copyable(&revealed, conversation, revealed.kind.clone());
        Ok(view::RevealedValue::from(revealed))
    }

    /// Remembers a revealed value the hub lets this agent copy, for as long as it shows.
    fn note_copyable(
        &self,
        revealed: &rampart_protocol::rest::Revealed,
        conversation: ConversationId,
        kind: String,
    ) {
        if !revealed.copy_allowed {
            return;
        }
        let until =
            std::time::Instant::now() + Duration::from_secs(u64::from(revealed.visible_secs));
        let mut copyable = lock(&self.inner.copyable);
        copyable.retain(|c| c.until > std::time::Instant::now());
        copyable.push(Copyable {
            value: revealed.value.clone(),
            until,
            conversation,
            kind,
        });
    }

    /// Copies a value revealed moments ago to the clipboard, if the hub's policy let this
    /// agent copy it: marked for clipboard managers not to keep, and taken off again after
    /// [`clipboard::CLEAR_AFTER`] or when the console locks or quits.
    pub async fn copy_revealed(&self, value: SecretString) -> Result<(), IpcError> {
        let (api, token) = self.session_api().await?;
        let found = lock(&self.inner.copyable)
            .iter()
            .find(|c| c.until > std::time::Instant::now() && c.value.expose() == value.expose())
            .map(|c| (c.conversation, c.kind.clone()));
        let Some((conversation_id, kind)) = found else {
            return Err(IpcError::new(
                IpcErrorCode::Forbidden,
                "this value may not be copied (policy), or it is masked again",
            ));
        };
        // The hub records the copy first (and may refuse it): no record, no copy.
        api.report_copy(
            &token,
            &rampart_protocol::rest::CopyReport {
                conversation_id,
                kind,
            },
        )
        .await
        .map_err(|e| client_error(&e))?;
        // Setting and recording happen under one lock that clearing takes too, and a lock that
        // came in between is noticed after setting: a value never outlives a lock on the
        // clipboard. The clipboard call may be a round trip to the display server.
        let inner = Arc::clone(&self.inner);
        let copied = value.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut held = lock(&inner.on_clipboard);
            inner.config.clipboard.set_secret(&copied)?;
            if inner.locked.load(Ordering::SeqCst) {
                inner.config.clipboard.clear_if_holds(&copied);
                return Ok(false);
            }
            *held = Some(copied);
            Ok(true)
        })
        .await
        .map_err(|_| IpcError::new(IpcErrorCode::Internal, "the clipboard task failed"))?;
        match outcome {
            Ok(true) => {}
            Ok(false) => return Err(wrong_state("the console is locked")),
            Err(clipboard::ClipboardError::Unavailable) => {
                return Err(IpcError::new(
                    IpcErrorCode::ClipboardUnavailable,
                    "the system clipboard is not available",
                ));
            }
        }
        tracing::info!("revealed value copied to the clipboard");
        let console = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(clipboard::CLEAR_AFTER).await;
            console.clear_clipboard_if(&value);
        });
        Ok(())
    }

    /// Takes `value` off the clipboard if the console put it there and it is still there.
    fn clear_clipboard_if(&self, value: &SecretString) {
        let mut held = lock(&self.inner.on_clipboard);
        if held.as_ref().is_some_and(|h| h.expose() == value.expose()) {
            *held = None;
            self.inner.config.clipboard.clear_if_holds(value);
        }
    }

    /// Takes whatever the console put on the clipboard off it (lock, sign-out, quit).
    fn clear_clipboard(&self) {
        lock(&self.inner.copyable).clear();
        if let Some(value) = lock(&self.inner.on_clipboard).take() {
            self.inner.config.clipboard.clear_if_holds(&value);
        }
    }

    /// Asks the visitor of an open conversation for a secure form.
    pub async fn request_form(
        &self,
        conversation: ConversationId,
        form: rampart_protocol::FormKind,
    ) -> Result<(), IpcError> {
        let live = self.require_open(conversation).await?;
        live.request_form(conversation, form)
            .await
            .map_err(|e| client_error(&e))
    }

    /// The secure forms of a conversation (values masked). Refused while locked.
    pub async fn forms(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<view::FormView>, IpcError> {
        self.require_active().await?;
        Ok(self
            .inner
            .with_model(|m| m.forms(conversation))
            .unwrap_or_default())
    }

    /// Reveals one field of a submitted form for a reason (audited at the hub; a CVV once).
    pub async fn reveal_form_field(
        &self,
        conversation: ConversationId,
        form: rampart_protocol::FormId,
        field: String,
        reason: rampart_protocol::rest::RevealReason,
        note: Option<String>,
    ) -> Result<view::RevealedValue, IpcError> {
        let (api, token) = self.session_api().await?;
        let note = checked_note(note)?;
        let request = rampart_protocol::rest::FormRevealRequest {
            conversation_id: conversation,
            form_id: form,
            field: field.clone(),
            reason,
            note,
        };
        let result = api.reveal_form_field(&token, &request).await;
        let spent = match &result {
            Ok(_) => self
                .inner
                .with_model(|m| m.shows_once(conversation, form, &field))
                .unwrap_or(false),
            Err(e) => e.code() == ClientErrorCode::NotFound,
        };
        if spent {
            // A CVV (or a field defined to show once) shows once; a missing value will not
            // come back either.
            if let Some(Some(view)) = self
                .inner
                .with_model(|m| m.spend_field(conversation, form, &field))
            {
                self.emit(ConsoleEvent::Form { form: view });
            }
        }
        let revealed = result.map_err(|e| client_error(&e))?;
        tracing::info!("secure form field revealed");
        self.note_copyable(&revealed, conversation, field);
        Ok(view::RevealedValue::from(revealed))
    }

    async fn session_api(&self) -> Result<(HubApi, SecretString), IpcError> {
        let state = self.inner.state.lock().await;
        match &state.phase {
            PhaseState::Active(session) => Ok((session.api.clone(), session.token.clone())),
            PhaseState::Locked(..) => Err(wrong_state("the console is locked")),
            _ => Err(wrong_state("not signed in")),
        }
    }

    /// Searches the local cache (masked text only; every word must occur), newest first.
    pub async fn search(&self, query: &str) -> Result<Vec<view::SearchResult>, IpcError> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let vault = {
            let state = self.inner.state.lock().await;
            match &state.phase {
                PhaseState::Active(session) => session.vault.clone(),
                PhaseState::Locked(..) => return Err(wrong_state("the console is locked")),
                _ => return Err(wrong_state("not signed in")),
            }
        };
        let Some(vault) = vault else {
            return Ok(Vec::new());
        };
        let found = {
            let vault = vault.lock();
            let hits = vault
                .search(&query, SEARCH_RESULTS)
                .map_err(|e| vault_error(&e))?;
            let mut found = Vec::with_capacity(hits.len());
            for hit in hits {
                if let Some(message) = vault
                    .message(&hit.message_id)
                    .map_err(|e| vault_error(&e))?
                {
                    found.push((hit, message.body.as_str().to_owned()));
                }
            }
            found
        };
        Ok(found
            .into_iter()
            .map(|(hit, text)| {
                let open_here = hit
                    .conversation_id
                    .parse::<ConversationId>()
                    .ok()
                    .and_then(|id| self.inner.with_model(|m| m.knows(id)))
                    .unwrap_or(false);
                view::SearchResult {
                    conversation_id: hit.conversation_id,
                    message_id: hit.message_id,
                    text,
                    sent_at: hit.sent_at.0,
                    open_here,
                }
            })
            .collect())
    }

    /// The UI language (`en` or `es`), for the text the core writes itself (notifications).
    pub async fn set_locale(&self, locale: &str) -> Result<(), IpcError> {
        let locale = match locale {
            "en" | "es" => locale.to_owned(),
            _ => return Err(IpcError::new(IpcErrorCode::InvalidInput, "locale")),
        };
        let mut state = self.inner.state.lock().await;
        if state.settings.locale.as_deref() != Some(locale.as_str()) {
            state.settings.locale = Some(locale.clone());
            self.inner.save_settings(&state.settings);
        }
        *lock(&self.inner.locale) = locale;
        Ok(())
    }

    /// A desktop notification for a visitor's message: who and the masked text, cut short,
    /// masked once more here in case a kind slipped past the hub.
    fn notify_message(&self, message: &MessageView) {
        if message.own || !matches!(message.author, Author::Visitor) {
            return;
        }
        if self.inner.locked.load(Ordering::SeqCst) {
            return;
        }
        let spanish = lock(&self.inner.locale).as_str() == "es";
        let title = if spanish {
            "Nuevo mensaje de un visitante"
        } else {
            "New message from a visitor"
        };
        let masked = self.inner.scanner.redact(&message.text).masked;
        let mut body: String = masked.chars().take(NOTIFICATION_CHARS).collect();
        if masked.chars().count() > NOTIFICATION_CHARS {
            body.push('…');
        }
        let sink = lock(&self.inner.sink).clone();
        if let Some(sink) = sink {
            sink.notify(title, &body);
        }
    }

    /// The agent did something (key, click): the idle timer starts again.
    pub fn note_activity(&self) {
        self.inner.activity.store(now_ms(), Ordering::SeqCst);
    }

    /// Locks the screen now.
    pub async fn lock(&self) -> Result<ConsoleState, IpcError> {
        let mut state = self.inner.state.lock().await;
        let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
        state.phase = match phase {
            PhaseState::Active(session) => {
                self.inner.locked.store(true, Ordering::SeqCst);
                PhaseState::Locked(session, 0)
            }
            other => other,
        };
        // After the flag: a copy in flight sees it and takes its value off again.
        self.clear_clipboard();
        let described = self.inner.describe(&state);
        self.emit(ConsoleEvent::State {
            state: described.clone(),
        });
        Ok(described)
    }

    fn is_current(&self, generation: u64) -> bool {
        self.inner.generation.load(Ordering::SeqCst) == generation
    }

    /// The OS locked the screen or is going to sleep: lock now.
    async fn os_lock(&self, generation: u64) {
        self.lock_by_itself(generation, NoticeCode::ScreenLocked)
            .await;
    }

    async fn idle_lock(&self, generation: u64) {
        self.lock_by_itself(generation, NoticeCode::IdleLocked)
            .await;
    }

    /// Locks an active session of `generation` without the agent asking, and says why.
    async fn lock_by_itself(&self, generation: u64, why: NoticeCode) {
        let mut state = self.inner.state.lock().await;
        if !self.is_current(generation) || !matches!(state.phase, PhaseState::Active(_)) {
            return;
        }
        let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
        if let PhaseState::Active(session) = phase {
            self.inner.locked.store(true, Ordering::SeqCst);
            state.phase = PhaseState::Locked(session, 0);
        }
        self.clear_clipboard();
        tracing::info!(reason = ?why, "console locked");
        self.emit(ConsoleEvent::Notice { code: why });
        self.emit(ConsoleEvent::State {
            state: self.inner.describe(&state),
        });
    }

    /// Unlocks with the password or a TOTP code. After [`MAX_UNLOCK_FAILURES`] wrong tries the
    /// console signs out and wipes its cache. A code the hub could not check (unreachable,
    /// account locked there, session over) is an error that does not count as a wrong try.
    pub async fn unlock(&self, with: UnlockWith) -> Result<ConsoleState, IpcError> {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let refusal = match with {
            UnlockWith::Password(password) => {
                let stored = {
                    let state = self.inner.state.lock().await;
                    match &state.phase {
                        PhaseState::Locked(session, _) => session.unlock.clone(),
                        _ => return Err(wrong_state("the console is not locked")),
                    }
                };
                let hasher = self.inner.config.hasher.clone();
                let verified =
                    tokio::task::spawn_blocking(move || hasher.verify(&password, &stored))
                        .await
                        .map_err(|_| IpcError::new(IpcErrorCode::Internal, "hashing failed"))?;
                verified
                    .is_err()
                    .then(|| IpcError::new(IpcErrorCode::UnlockFailed, "wrong password"))
            }
            UnlockWith::Code(code) => {
                // The hub answers without the state held: a sign-out, a remote wipe or a lock
                // from the OS does not wait for the network.
                let (api, token) = {
                    let state = self.inner.state.lock().await;
                    match &state.phase {
                        PhaseState::Locked(session, _) => {
                            (session.api.clone(), session.token.clone())
                        }
                        _ => return Err(wrong_state("the console is not locked")),
                    }
                };
                let request = UnlockRequest { code };
                match api.confirm_code(&token, &request).await {
                    Ok(()) => None,
                    Err(error)
                        if matches!(
                            error.code(),
                            ClientErrorCode::TotpInvalid | ClientErrorCode::TotpReplayed
                        ) =>
                    {
                        Some(client_error(&error))
                    }
                    Err(error) => return Err(client_error(&error)),
                }
            }
        };
        let mut state = self.inner.state.lock().await;
        // Still the same locked session? It may have been signed out or wiped meanwhile.
        let PhaseState::Locked(_, failures) = &mut state.phase else {
            return Err(wrong_state("the console is not locked"));
        };
        if !self.is_current(generation) {
            return Err(wrong_state("the console is not locked"));
        }
        let Some(refusal) = refusal else {
            let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
            if let PhaseState::Locked(session, _) = phase {
                state.phase = PhaseState::Active(session);
            }
            self.inner.locked.store(false, Ordering::SeqCst);
            self.note_activity();
            let described = self.inner.describe(&state);
            self.emit(ConsoleEvent::State {
                state: described.clone(),
            });
            return Ok(described);
        };
        *failures += 1;
        tracing::warn!(failures = *failures, "failed unlock");
        if *failures >= MAX_UNLOCK_FAILURES {
            let phase = std::mem::replace(&mut state.phase, PhaseState::SignedOut);
            if let PhaseState::Locked(session, _) = phase {
                self.end_session(*session, true).await;
            }
            self.emit(ConsoleEvent::Notice {
                code: NoticeCode::WipedAfterFailures,
            });
            self.emit(ConsoleEvent::State {
                state: self.inner.describe(&state),
            });
        }
        Err(refusal)
    }

    /// Stops everything (app exit): signs out and stops the demo hub.
    pub async fn shutdown(&self) {
        self.clear_clipboard();
        let _ = self.sign_out().await;
        let mut state = self.inner.state.lock().await;
        if let Some(demo) = state.demo.take()
            && let Err(error) = demo.shutdown().await
        {
            tracing::warn!(%error, "demo hub did not stop cleanly");
        }
    }
}

/// Tells the person at the terminal how to sign in to the demo. The demo account exists only
/// on this machine's loopback hub; printing its password is the point.
fn announce_demo(demo: &rampart_demo::DemoHub, dir: &std::path::Path) {
    let account = demo.account();
    println!(
        "\nRampart demo hub running at {url}\n  username:           {user}\n  password:           {password}\n  authenticator code: shown on the sign-in screen, or run\n                      cargo run -q -p rampart-demo -- code --data-dir {dir}\n",
        url = demo.url(),
        user = account.username(),
        password = account.password().expose(),
        dir = dir.display(),
    );
    for (what, other, flag) in [
        ("trainer (Trainer tab)", demo.trainer(), "trainer"),
        ("new agent, no training yet", demo.newcomer(), "newcomer"),
    ] {
        println!(
            "  {what}:\n    username:           {user}\n    password:           {password}\n    authenticator code: cargo run -q -p rampart-demo -- code --account {flag} --data-dir {dir}\n",
            user = other.username(),
            password = other.password().expose(),
            dir = dir.display(),
        );
    }
}

/// A reveal note: trimmed, empty as none, refused when too long.
fn checked_note(note: Option<String>) -> Result<Option<String>, IpcError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > rampart_protocol::rest::MAX_REVEAL_NOTE_CHARS)
    {
        return Err(IpcError::new(
            IpcErrorCode::InvalidInput,
            "note is too long",
        ));
    }
    Ok(note)
}

async fn idle_watch(console: Console, generation: u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        if console.inner.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let idle_ms = now_ms() - console.inner.activity.load(Ordering::SeqCst);
        let limit = i64::try_from(console.inner.idle_lock.as_millis()).unwrap_or(i64::MAX);
        if idle_ms >= limit {
            console.idle_lock(generation).await;
            // Wait for the next unlock before counting again.
            console.inner.activity.store(now_ms(), Ordering::SeqCst);
        }
    }
}

/// How often a running console deletes cached messages past the cache's retention (opening
/// the cache does it too).
const RETENTION_SWEEP: Duration = Duration::from_secs(60 * 60);

async fn retention_watch(console: Console, generation: u64, vault: SharedVault) {
    let mut hourly = tokio::time::interval(RETENTION_SWEEP);
    // The first tick is immediate, and opening the cache has just purged it.
    hourly.tick().await;
    loop {
        hourly.tick().await;
        if !console.is_current(generation) {
            return;
        }
        let vault = vault.clone();
        let purged =
            tokio::task::spawn_blocking(move || vault.lock().purge_expired(UnixMillis(now_ms())))
                .await;
        match purged {
            Ok(Ok(0)) | Err(_) => {}
            Ok(Ok(purged)) => tracing::info!(purged, "cached messages past retention deleted"),
            Ok(Err(error)) => {
                tracing::warn!(code = error.code().as_str(), "retention purge failed");
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    fn emit(&self, event: ConsoleEvent) {
        // While locked the UI gets state, connection and notices only: content waits for the
        // snapshot the UI loads after unlocking.
        if self.locked.load(Ordering::SeqCst)
            && matches!(
                event,
                ConsoleEvent::Message { .. }
                    | ConsoleEvent::Conversation { .. }
                    | ConsoleEvent::Form { .. }
                    | ConsoleEvent::Queue { .. }
            )
        {
            return;
        }
        let sink = lock(&self.sink).clone();
        if let Some(sink) = sink {
            sink.emit(event);
        }
    }

    fn with_model<R>(&self, f: impl FnOnce(&mut Model) -> R) -> Option<R> {
        lock(&self.model).as_mut().map(f)
    }

    fn save_settings(&self, settings: &Settings) {
        if let Err(error) = settings.save(&self.config.config_dir) {
            tracing::warn!(%error, "settings could not be saved");
        }
    }

    /// The hub API for a step of signing in: a plausible username, nobody signed in.
    fn sign_in_api<'a>(
        &self,
        state: &State,
        username: &'a str,
    ) -> Result<(HubApi, &'a str), IpcError> {
        let username = username.trim();
        if username.is_empty() || username.len() > 200 {
            return Err(IpcError::new(IpcErrorCode::InvalidInput, "username"));
        }
        if !matches!(
            state.phase,
            PhaseState::SignedOut | PhaseState::Challenge(_)
        ) {
            return Err(wrong_state("already signed in, or no hub configured"));
        }
        let api = HubApi::new(self.hub_url(state)?).map_err(|e| client_error(&e))?;
        Ok((api, username))
    }

    fn hub_url(&self, state: &State) -> Result<HubUrl, IpcError> {
        if let Some(demo) = &state.demo {
            return Ok(demo.url().clone());
        }
        let url = state
            .settings
            .hub_url
            .as_deref()
            .ok_or_else(|| wrong_state("no hub configured"))?;
        parse_hub(url)
    }

    fn namespace(&self, state: &State, username: &str) -> Result<Namespace, IpcError> {
        // The demo hub's port changes every run; its cache should not.
        let hub = if state.demo.is_some() {
            "demo".to_owned()
        } else {
            state.settings.hub_url.clone().unwrap_or_default()
        };
        Namespace::for_current_build(&format!("{username}@{hub}")).map_err(|e| vault_error(&e))
    }

    fn describe(&self, state: &State) -> ConsoleState {
        let (phase, profile) = match &state.phase {
            PhaseState::Setup => (Phase::Setup, None),
            PhaseState::SignedOut => (Phase::SignedOut, None),
            PhaseState::Challenge(c) if c.enrolling => (Phase::Enroll, None),
            PhaseState::Challenge(_) => (Phase::Totp, None),
            PhaseState::Active(s) => (Phase::Active, Some(s.profile.clone())),
            PhaseState::Locked(s, _) => (Phase::Locked, Some(s.profile.clone())),
        };
        let demo = state.demo.as_ref().map(|d| DemoInfo {
            username: d.account().username().to_owned(),
            password: d.account().password().expose().clone(),
        });
        ConsoleState {
            phase,
            hub: if state.demo.is_some() {
                Some("demo".to_owned())
            } else {
                state.settings.hub_url.clone()
            },
            demo,
            profile,
            last_username: state.settings.last_username.clone(),
            idle_lock_secs: u32::try_from(self.idle_lock.as_secs()).unwrap_or(u32::MAX),
            locale: state.settings.locale.clone(),
        }
    }
}
