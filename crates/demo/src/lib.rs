//! `rampart-demo`: the console's demo mode, without Tauri.
//!
//! [`DemoHub::start`] runs a real Rampart Hub in-process on `127.0.0.1` (an ephemeral port by
//! default), with its data in `<data_dir>/hub` and the organisation "Rampart Demo", and:
//!
//! - provisions a demo agent ([`DemoAccount`], `demo.agent`) through the hub's public login
//!   flow on first start and reuses it afterwards (see `provision` for how, and `account` for
//!   why a password and TOTP secret on disk are acceptable for a local demo only);
//! - provisions the same way a demo trainer ([`DemoHub::trainer`], `demo.trainer`, role
//!   trainer) and a new, untrained agent ([`DemoHub::newcomer`], `demo.newcomer`), whom the hub
//!   routes no chats to until they pass the required lessons;
//! - seeds passing completions of the required built-in lessons for the demo agent, so it is
//!   assigned chats immediately (demo seeding through the hub's store; see `seed_training`);
//! - optionally simulates visitors in English and Spanish who wait in the queue, converse with
//!   the agent and paste personal data the hub masks.
//!
//! The console then talks to [`DemoHub::url`] exactly as to a production hub: nothing in the
//! hub is relaxed for the demo (Argon2id, TOTP with replay protection, lockout, masking, audit).
//! A demo hub starts with an empty queue: conversations left open by a previous run (whose
//! simulated visitors are gone) are closed at start.
//!
//! Plain HTTP on loopback only, so no TLS is involved: `rampart-client` configures the ring
//! provider explicitly for its own HTTP client, and nothing here needs a process-wide rustls
//! provider.
//!
//! Logs carry ids, counts and scenario names; never passwords, codes, tokens or message text.

mod account;
mod error;
mod provision;
mod scripts;
mod visitors;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rampart_auth::clock::{Clock, SystemClock};
use rampart_client::{HubApi, HubUrl};
use rampart_hub::config::{ChatSection, FormsSection, HubConfig, RevealSection};
use rampart_hub::server::{Hub, HubError, Tuning};
use rampart_protocol::rest::Role;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use account::{ACCOUNT_FILE, DemoAccount, NEWCOMER_FILE, TRAINER_FILE};
pub use error::DemoError;
pub use rampart_secret::SecretString;

/// Sub-directory of the data directory that holds the hub's databases.
pub const HUB_DIR: &str = "hub";

/// The demo's custom secure form, in the hub's configuration syntax.
const FORMS_TOML: &str = include_str!("forms.toml");

/// The demo's `[forms]`: the defaults plus its custom form, read by the hub's own parser.
fn demo_forms() -> Result<FormsSection, DemoError> {
    HubConfig::parse(FORMS_TOML, Path::new("crates/demo/src/forms.toml"))
        .map(|config| config.forms)
        .map_err(DemoError::Forms)
}

/// How long [`DemoHub::shutdown`] waits for each task.
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// How to run the demo.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DemoConfig {
    /// Where the hub's databases (`hub/`) and the demo account (`demo-account.json`) live.
    pub data_dir: PathBuf,
    /// Loopback port; `None` picks a free one.
    pub port: Option<u16>,
    /// Whether simulated visitors arrive.
    pub simulated_visitors: bool,
    /// A new visitor arrives this often while fewer than `max_waiting` wait (default 25 s).
    pub visitor_every: Duration,
    /// Visitors waiting for an agent at once, at most (default 2).
    pub max_waiting: usize,
    /// Typical pause before a visitor answers the agent, varied ±50% (default 4 s).
    pub reply_delay: Duration,
    /// Conversations the demo agent handles at once (default 3, the hub's default; clamped to
    /// the hub's 1–20). Load measurements raise it.
    pub agent_capacity: usize,
}

impl DemoConfig {
    /// Defaults: a free port, simulated visitors every 25 s, at most 2 waiting, answers after
    /// about 4 s, the hub's agent capacity.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            port: None,
            simulated_visitors: true,
            visitor_every: Duration::from_secs(25),
            max_waiting: 2,
            reply_delay: Duration::from_secs(4),
            agent_capacity: ChatSection::default().agent_capacity,
        }
    }
}

/// A running demo: the hub task and, if enabled, the visitor simulator.
///
/// Stop it with [`DemoHub::shutdown`], which waits for both. Dropping it only signals them to
/// stop; they finish on the runtime in the background.
pub struct DemoHub {
    url: HubUrl,
    account: DemoAccount,
    trainer: DemoAccount,
    newcomer: DemoAccount,
    visitors: Option<visitors::Simulator>,
    serving: Serving,
}

impl std::fmt::Debug for DemoHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoHub")
            .field("url", &self.url.to_string())
            .field("account", &self.account)
            .field("simulated_visitors", &self.visitors.is_some())
            .finish_non_exhaustive()
    }
}

/// The hub task and the signal that stops it. Dropping it signals the stop, so a failed start
/// does not leave a hub running.
struct Serving {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), HubError>>>,
}

impl Serving {
    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn stop(&mut self) -> Result<(), DemoError> {
        self.signal_stop();
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        let abort = task.abort_handle();
        match tokio::time::timeout(STOP_LIMIT, task).await {
            Ok(Ok(served)) => served.map_err(DemoError::from),
            Ok(Err(_)) => Err(DemoError::Task {
                task: "hub",
                reason: "panicked",
            }),
            Err(_) => {
                abort.abort();
                Err(DemoError::Task {
                    task: "hub",
                    reason: "did not stop in time",
                })
            }
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

impl DemoHub {
    /// Opens (or creates) the demo hub in `config.data_dir`, serves it on loopback, makes sure
    /// the demo account exists and works, and starts the visitor simulator if asked to.
    pub async fn start(config: DemoConfig) -> Result<DemoHub, DemoError> {
        create_private_dir(&config.data_dir)?;
        let port = config.port.unwrap_or(0);
        let hub_config = HubConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            data_dir: config.data_dir.join(HUB_DIR),
            organisation: account::ORGANISATION.to_owned(),
            chat: ChatSection {
                agent_capacity: config.agent_capacity.clamp(1, 20),
                ..ChatSection::default()
            },
            // The demo agent may reveal masked values (with a reason, audited) and copy them, so
            // the features can be tried; a real hub lets supervisors reveal and nobody copy by
            // default.
            reveal: RevealSection {
                roles: vec![Role::Agent, Role::Supervisor],
                copy_roles: vec![Role::Agent, Role::Supervisor],
                ..RevealSection::default()
            },
            forms: demo_forms()?,
            ..HubConfig::default()
        };
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // Opening builds the masking engine and migrates SQLite: blocking work.
        let hub =
            tokio::task::spawn_blocking(move || Hub::open(hub_config, clock, Tuning::default()))
                .await
                .map_err(|_| DemoError::Task {
                    task: "hub",
                    reason: "opening panicked",
                })??;
        close_leftovers(&hub).await?;

        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| DemoError::Listen { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| DemoError::Listen { port, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = Serving {
            stop: Some(stop),
            task: Some(tokio::spawn(hub.clone().serve(listener, async {
                let _ = stopped.await;
            }))),
        };
        tracing::info!(%addr, "demo hub serving");

        let url =
            HubUrl::parse(&format!("http://{addr}")).map_err(|source| DemoError::Provision {
                step: "hub address",
                source: Box::new(source),
            })?;
        let api = HubApi::new(url.clone()).map_err(|source| DemoError::Provision {
            step: "client",
            source: Box::new(source),
        })?;
        // On failure `serving` is dropped here, which stops the hub.
        let account =
            provision::ensure_account(&hub, &api, &config.data_dir, account::AGENT).await?;
        seed_training(&hub, account::AGENT).await?;
        let trainer =
            provision::ensure_account(&hub, &api, &config.data_dir, account::TRAINER).await?;
        let newcomer =
            provision::ensure_account(&hub, &api, &config.data_dir, account::NEWCOMER).await?;

        let visitors = config.simulated_visitors.then(|| {
            visitors::Simulator::spawn(
                hub.chat.clone(),
                api,
                visitors::Settings {
                    every: config.visitor_every,
                    max_waiting: config.max_waiting,
                    reply_delay: config.reply_delay,
                },
            )
        });
        Ok(DemoHub {
            url,
            account,
            trainer,
            newcomer,
            visitors,
            serving,
        })
    }

    /// The hub's base address: `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &HubUrl {
        &self.url
    }

    /// The demo agent.
    pub fn account(&self) -> &DemoAccount {
        &self.account
    }

    /// The demo trainer (role trainer: imports packs, runs live sessions, sees the dashboard).
    pub fn trainer(&self) -> &DemoAccount {
        &self.trainer
    }

    /// A new agent with no training: the hub assigns them no chats until they pass.
    pub fn newcomer(&self) -> &DemoAccount {
        &self.newcomer
    }

    /// Stops the visitors (they disconnect), then the hub (open sockets close, the audit log
    /// records the stop), and waits for both.
    pub async fn shutdown(mut self) -> Result<(), DemoError> {
        let visitors = match self.visitors.take() {
            Some(simulator) => simulator.stop(STOP_LIMIT).await,
            None => Ok(()),
        };
        let hub = self.serving.stop().await;
        visitors.and(hub)
    }
}

impl Drop for DemoHub {
    fn drop(&mut self) {
        if let Some(simulator) = &self.visitors {
            simulator.signal_stop();
        }
        self.serving.signal_stop();
    }
}

impl DemoAccount {
    /// Reads the demo account saved in `data_dir` by an earlier [`DemoHub::start`], without
    /// starting a hub (the `rampart-demo code` command).
    pub fn load(data_dir: &Path) -> Result<DemoAccount, DemoError> {
        Self::load_profile(data_dir, account::AGENT)
    }

    /// Reads the demo trainer's account (see [`DemoAccount::load`]).
    pub fn load_trainer(data_dir: &Path) -> Result<DemoAccount, DemoError> {
        Self::load_profile(data_dir, account::TRAINER)
    }

    /// Reads the new agent's account (see [`DemoAccount::load`]).
    pub fn load_newcomer(data_dir: &Path) -> Result<DemoAccount, DemoError> {
        Self::load_profile(data_dir, account::NEWCOMER)
    }

    fn load_profile(data_dir: &Path, profile: account::Profile) -> Result<DemoAccount, DemoError> {
        let path = account::profile_path(data_dir, profile);
        match account::load_profile(data_dir, profile) {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(DemoError::DataDir {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no demo account yet: start the demo hub first",
                ),
            }),
            Err(problem) => Err(DemoError::DataDir {
                path,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, problem.describe()),
            }),
        }
    }
}

/// Demo seeding, not a training path: the demo agent must take simulated chats as soon as the
/// demo starts, so when its required lessons are not all passed (first start, or a year later)
/// the hub's store records them as passed now, with 100 %. Only the demo does this; a real
/// hub's agents pass lessons through the training endpoints.
async fn seed_training(hub: &Hub, profile: account::Profile) -> Result<(), DemoError> {
    let Some(row) = hub
        .store
        .account_by_username(profile.username)
        .await
        .map_err(HubError::from)?
    else {
        return Err(DemoError::Unexpected("the demo agent is missing"));
    };
    if hub.training.passes(row.id, profile.role).await? {
        return Ok(());
    }
    let now_ms = i64::try_from(SystemClock.unix_now()?)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    hub.training
        .seed_required(row.id, profile.role, now_ms)
        .await?;
    tracing::info!(username = profile.username, "demo training seeded");
    Ok(())
}

/// Creates the data directory, owner-only where the OS allows.
fn create_private_dir(dir: &Path) -> Result<(), DemoError> {
    let failed = |source| DemoError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(failed)?;
    }
    Ok(())
}

/// Closes conversations a previous run left waiting or open with the demo agent: their
/// simulated visitors are gone, and a demo should start with an empty queue.
async fn close_leftovers(hub: &Hub) -> Result<(), DemoError> {
    let mut leftovers: Vec<_> = hub
        .store
        .waiting()
        .await
        .map_err(HubError::from)?
        .into_iter()
        .map(|(conversation, _, _)| conversation)
        .collect();
    if let Some(agent) = hub
        .store
        .account_by_username(account::USERNAME)
        .await
        .map_err(HubError::from)?
    {
        leftovers.extend(
            hub.store
                .active_for(agent.id)
                .await
                .map_err(HubError::from)?,
        );
    }
    if leftovers.is_empty() {
        return Ok(());
    }
    let now_ms = i64::try_from(SystemClock.unix_now()?)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    for conversation in &leftovers {
        hub.store
            .close(*conversation, now_ms)
            .await
            .map_err(HubError::from)?;
    }
    tracing::info!(
        closed = leftovers.len(),
        "closed conversations left over from a previous demo run"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_live_in_shared_async_state() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<DemoHub>();
        shareable::<DemoAccount>();
        shareable::<DemoError>();
    }

    #[test]
    fn defaults_match_the_documentation() {
        let config = DemoConfig::new("d");
        assert_eq!(config.port, None);
        assert!(config.simulated_visitors);
        assert_eq!(config.visitor_every, Duration::from_secs(25));
        assert_eq!(config.max_waiting, 2);
        assert_eq!(config.reply_delay, Duration::from_secs(4));
        assert_eq!(config.agent_capacity, 3);
    }
}
