//! Assembles the hub from its configuration and serves it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::clock::Clock;
use rampart_auth::password::PasswordHasher;
use rampart_protocol::VisitorId;
use tokio::net::TcpListener;

use crate::audit::{Audit, AuditError};
use crate::chat::{Chat, ChatPolicy};
use crate::config::HubConfig;
use crate::email_index::EmailIndex;
use crate::forms::SecureForms;
use crate::http::{self, Api};
use crate::limits::Limits;
use crate::live::Live;
use crate::login::{Login, LoginPolicy};
use crate::masking::Masker;
use crate::metrics::Metrics;
use crate::org::{Org, OrgError, OrgId};
use crate::reveal::{MAX_ORIGINALS, Originals, Reveals};
use crate::store::{Store, StoreError};
use crate::tls::{PeerAddr, TlsListener};
use crate::training::{Training, TrainingPolicy};

/// File name of the main database inside the data directory.
pub const DB_FILE: &str = "hub.db";
/// File name of the audit database inside the data directory.
pub const AUDIT_FILE: &str = "audit.db";

/// Errors starting or running the hub.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The main database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit log failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The PII engine failed to build.
    #[error("masking engine: {0}")]
    Masking(#[from] rampart_pii::Error),
    /// Network failure.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be loaded.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The clock is unusable.
    #[error("clock: {0}")]
    Clock(#[from] rampart_auth::Error),
    /// The email index key could not be opened.
    #[error(transparent)]
    EmailIndex(#[from] crate::email_index::EmailIndexError),
    /// The training engine failed to build.
    #[error("training: {0}")]
    Training(Box<rampart_training::Error>),
    /// An organisation's id, name or retention is not acceptable.
    #[error(transparent)]
    Org(#[from] OrgError),
}

/// A running hub's services.
#[derive(Clone)]
pub struct Hub {
    /// Configuration it was opened with.
    pub config: Arc<HubConfig>,
    /// Main database.
    pub store: Store,
    /// Audit log.
    pub audit: Audit,
    /// Login service.
    pub login: Login,
    /// Chat service.
    pub chat: Chat,
    /// Audited reveals of masked values.
    pub reveals: Reveals,
    /// Security training and the gate on live work.
    pub training: Training,
    /// Allow-list and audit-log administration.
    pub admin: crate::admin::Admin,
    clock: Arc<dyn Clock>,
    session_recheck: Duration,
    training_recheck: Duration,
    limits: Limits,
    /// Wakes the deletion sweep (an erasure in this process need not wait for the next tick).
    forget_now: Arc<tokio::sync::Notify>,
    /// Keyed hashes of visitors' email addresses.
    emails: EmailIndex,
}

/// Knobs tests turn; production uses the defaults.
#[derive(Clone)]
pub struct Tuning {
    /// Password hasher (tests use a cheap one).
    pub hasher: PasswordHasher,
    /// How often open agent sockets re-check their session.
    pub session_recheck: Duration,
    /// How often the hub looks for training completions that expired (and drill runs and live
    /// sessions that ended).
    pub training_recheck: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            hasher: PasswordHasher::default(),
            session_recheck: Duration::from_secs(15),
            training_recheck: Duration::from_secs(60),
        }
    }
}

impl Hub {
    /// Opens the hub's databases and services.
    pub fn open(
        config: HubConfig,
        clock: Arc<dyn Clock>,
        tuning: Tuning,
    ) -> Result<Self, HubError> {
        let config_limits = config.limits;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| HubError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        restrict_dir(&config.data_dir);
        let store = Store::open_named(&config.data_dir.join(DB_FILE), Some(&config.organisation))?;
        let emails = EmailIndex::open(&config.data_dir)?;
        let audit = Audit::open(&config.data_dir.join(AUDIT_FILE))?;
        let policy = LoginPolicy {
            hasher: tuning.hasher,
            sessions: config.session_policy(),
            organisation: config.organisation.clone(),
            sensitive_replies: config.chat.sensitive_replies,
            custom_forms: config
                .forms
                .custom
                .iter()
                .map(|f| f.definition().clone())
                .collect(),
            issuer: format!("Rampart ({})", config.organisation.replace(':', " ")),
            ..LoginPolicy::default()
        };
        let metrics = Metrics::default();
        let masker = Arc::new(Masker::with_config(&config.masking)?);
        let reveals = Reveals::new(
            store.clone(),
            audit.clone(),
            Arc::clone(&masker),
            Arc::clone(&clock),
            config.reveal.roles.clone(),
        )
        .with_copy_roles(config.reveal.copy_roles.clone())
        .with_per_hour(config.reveal.per_hour);
        let login = Login::new(store.clone(), audit.clone(), Arc::clone(&clock), policy)
            .with_metrics(metrics.clone());
        let chat = Chat::new(
            store.clone(),
            Arc::new(Live::default()),
            masker,
            Arc::clone(&clock),
            ChatPolicy {
                agent_capacity: config.chat.agent_capacity,
                sensitive_replies: config.chat.sensitive_replies,
            },
            metrics,
        );
        let forms = SecureForms::new(Duration::from_secs(
            u64::from(config.forms.expire_minutes) * 60,
        ))
        .with_custom(&config.forms.custom);
        let chat = chat
            .with_forms(forms, audit.clone())
            .with_email_index(emails.clone());
        let chat = if config.reveal.keep_hours > 0 {
            let keep = Duration::from_secs(u64::from(config.reveal.keep_hours) * 60 * 60);
            chat.with_originals(Originals::new(keep, MAX_ORIGINALS))
        } else {
            chat
        };
        let training = Training::new(
            store.clone(),
            audit.clone(),
            Arc::clone(&clock),
            chat.clone(),
            TrainingPolicy {
                enforce: config.training.enforce,
                reminder_days: config.training.reminder_days,
                organisation: config.organisation.clone(),
            },
        )
        .map_err(|e| HubError::Training(Box::new(e)))?;
        Ok(Self {
            config: Arc::new(config),
            admin: crate::admin::Admin::new(store.clone(), audit.clone(), Arc::clone(&clock)),
            store,
            audit,
            login,
            chat,
            reveals,
            training,
            training_recheck: tuning.training_recheck,
            clock,
            session_recheck: tuning.session_recheck,
            forget_now: Arc::new(tokio::sync::Notify::new()),
            emails,
            limits: Limits::new(
                config_limits.sockets_per_ip,
                config_limits.visitors_per_minute,
                config_limits.logins_per_minute,
            ),
        })
    }

    /// The HTTP and WebSocket routes.
    pub fn router(&self) -> axum::Router {
        http::routes(Api {
            login: self.login.clone(),
            chat: self.chat.clone(),
            reveals: self.reveals.clone(),
            trusted_proxies: Arc::new(self.config.trusted_proxies.clone()),
            session_recheck: self.session_recheck,
            limits: self.limits.clone(),
            privacy: Arc::new(self.config.privacy.clone()),
            max_waiting: self.config.limits.max_waiting,
            embedding: crate::widget::Embedding::new(&self.config.widget.embed_origins),
            training: self.training.clone(),
            admin: self.admin.clone(),
        })
    }

    /// Deletes closed conversations older than their organisation's retention period (its
    /// own `retention_days`, or `[retention] transcript_days`). Returns how many.
    pub async fn purge_expired(&self) -> Result<usize, HubError> {
        let now = i64::try_from(self.clock.unix_now()?).unwrap_or(i64::MAX);
        let now_ms = now.saturating_mul(1000);
        let mut purged = 0;
        for org in self.store.orgs().await? {
            let days = org
                .retention_days
                .unwrap_or(self.config.retention.transcript_days);
            let keep = i64::from(days) * 24 * 60 * 60;
            let cutoff_ms = now.saturating_sub(keep).saturating_mul(1000);
            // A retention shorter than a console's cache must reach the consoles too.
            let remember = crate::forget::retention_reaches_consoles(days).then_some(now_ms);
            purged += self
                .store
                .purge_closed_before(&org.id, cutoff_ms, remember)
                .await?;
        }
        crate::forget::prune(&self.store, now_ms).await?;
        // A wipe order a console has not collected in 30 days concerns no cache any more (a
        // console's own retention is 7 days).
        self.store
            .prune_wiped_sessions(
                u64::try_from(now)
                    .unwrap_or(0)
                    .saturating_sub(30 * 24 * 60 * 60),
            )
            .await?;
        // Originals expire on their own clock, well before transcripts.
        if let Some(originals) = self.chat.originals() {
            originals.purge(now.saturating_mul(1000));
        }
        Ok(purged)
    }

    /// Creates an organisation (admin), audited as `admin.org.created` with its id.
    /// [`StoreError::OrgExists`] when the id is taken.
    pub async fn create_org(
        &self,
        by: Actor,
        id: OrgId,
        name: &str,
        retention_days: Option<u32>,
    ) -> Result<Org, HubError> {
        let org = Org {
            id,
            name: crate::org::check_name(name)?,
            retention_days: retention_days
                .map(crate::org::check_retention)
                .transpose()?,
            created_at: self.clock.unix_now()?,
        };
        self.store.create_org(org.clone()).await?;
        let mut event = AuditEvent::new(
            by,
            Action::from_name("admin.org.created").map_err(AuditError::from)?,
        )
        .on(Target::new(TargetKind::Organisation, org.id.as_str()));
        if let Some(days) = org.retention_days {
            event = event
                .with_detail("retention_days", &days.to_string())
                .map_err(AuditError::from)?;
        }
        self.audit.record(event, org.created_at).await?;
        Ok(org)
    }

    /// Right to erasure: deletes every conversation of a visitor and records that it happened
    /// (the audit record names the pseudonymous visitor id and a count, never erased content).
    pub async fn erase_visitor(&self, by: Actor, visitor: VisitorId) -> Result<usize, HubError> {
        let now_ms = i64::try_from(self.clock.unix_now()?)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        let erased = self.store.erase_visitor(visitor, now_ms).await?;
        for conversation in &erased {
            if let Some(originals) = self.chat.originals() {
                originals.forget_conversation(*conversation);
            }
            if let Some(forms) = self.chat.forms() {
                forms.forget_conversation(*conversation);
            }
        }
        let event = AuditEvent::new(by, Action::VisitorErased)
            .on(Target::new(TargetKind::Visitor, &visitor.to_string()))
            .with_detail("conversations", &erased.len().to_string())
            .map_err(AuditError::from)?;
        self.audit.record(event, self.clock.unix_now()?).await?;
        self.forget_now.notify_one();
        Ok(erased.len())
    }

    /// Erases every visitor who wrote `address` in a chat (right to erasure by email). The
    /// address is neither stored nor audited: each visitor's erasure is recorded by visitor id.
    /// Returns (visitors, conversations) erased.
    pub async fn erase_visitors_by_email(
        &self,
        by: Actor,
        address: &str,
    ) -> Result<(usize, usize), HubError> {
        let visitors = self
            .store
            .visitors_with_email(self.emails.key_of(address))
            .await?;
        let mut conversations = 0;
        for visitor in &visitors {
            conversations += self.erase_visitor(by.clone(), *visitor).await?;
        }
        Ok((visitors.len(), conversations))
    }

    /// Serves on `listener` until `shutdown` completes. Records the start and stop in the audit
    /// log and writes the audit head to the application log, so a later `audit verify --head`
    /// can detect a truncated or rewritten audit database.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), HubError> {
        let addr = listener.local_addr()?;
        self.audit
            .record(
                AuditEvent::new(Actor::System, Action::HubStarted),
                self.clock.unix_now()?,
            )
            .await?;
        let head = self.audit.log().head();
        tracing::info!(%addr, audit_head = %head, "hub listening");
        // Secure forms expire within minutes: drop their values as soon as they do.
        let expiring = self.clone();
        let form_sweeper = tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                if let (Some(forms), Ok(now)) = (expiring.chat.forms(), expiring.clock.unix_now()) {
                    let now_ms = i64::try_from(now).unwrap_or(i64::MAX).saturating_mul(1000);
                    forms.purge(now_ms);
                }
            }
        });
        // Consoles drop conversations the hub deleted, whichever process deleted them.
        let forgetting = self.clone();
        let forgetter = tokio::spawn(async move {
            // Where the deletion log stood when this hub started (older deletions reach
            // consoles at their next hello); read again after a failure.
            let mut seen: Option<i64> = None;
            let mut every = tokio::time::interval(crate::forget::SWEEP);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    () = forgetting.forget_now.notified() => {}
                }
                let Some(position) = seen.as_mut() else {
                    match forgetting.store.forgotten_head().await {
                        Ok(head) => seen = Some(head),
                        Err(error) => tracing::error!(%error, "cannot read the deletion log"),
                    }
                    continue;
                };
                match crate::forget::sweep(&forgetting.chat, position).await {
                    Ok(0) => {}
                    Ok(told) => tracing::info!(told, "consoles told to drop deleted conversations"),
                    Err(error) => tracing::error!(%error, "deletion sweep failed"),
                }
            }
        });
        // Training completions expire with time: agents whose next expiry passed are judged
        // again (and told); ended drill runs and live sessions are dropped.
        let training = self.training.clone();
        let every = self.training_recheck;
        let training_sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                training.sweep().await;
            }
        });
        // Retention runs at start and then hourly for as long as the hub serves.
        let retention = self.clone();
        let purger = tokio::spawn(async move {
            let mut hourly = tokio::time::interval(Duration::from_secs(60 * 60));
            loop {
                hourly.tick().await;
                match retention.purge_expired().await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "retention: closed conversations deleted"),
                    Err(error) => tracing::error!(%error, "retention purge failed"),
                }
            }
        });
        let app = self
            .router()
            .into_make_service_with_connect_info::<PeerAddr>();
        let live = Arc::clone(self.chat.live());
        let shutdown = async move {
            shutdown.await;
            // Open WebSockets would otherwise hold the graceful shutdown open forever.
            live.close_all();
        };
        let served = match &self.config.tls {
            Some(tls) => {
                let acceptor = crate::tls::acceptor(&tls.cert, &tls.key)?;
                let listener = TlsListener::new(listener, acceptor)?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            None => {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        purger.abort();
        form_sweeper.abort();
        training_sweeper.abort();
        forgetter.abort();
        self.audit
            .record(
                AuditEvent::new(Actor::System, Action::HubStopped),
                self.clock.unix_now()?,
            )
            .await?;
        tracing::info!(audit_head = %self.audit.log().head(), "hub stopped");
        served?;
        Ok(())
    }
}

/// The data directory holds credentials and transcripts: owner-only where the OS allows.
fn restrict_dir(dir: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(error) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            tracing::warn!(%error, "could not restrict the data directory to its owner");
        }
    }
}
