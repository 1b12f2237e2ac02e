//! `rampart-hub`: serve the hub and administer it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use rampart_audit::{Action, Actor, AuditEvent};
use rampart_auth::clock::{Clock, SystemClock};
use rampart_hub::config::HubConfig;
use rampart_hub::org::OrgId;
use rampart_hub::server::{Hub, Tuning};
use rampart_protocol::rest::Role;

#[derive(Parser)]
#[command(
    name = "rampart-hub",
    version,
    about = "Rampart Hub: the enforcing chat server"
)]
struct Cli {
    /// Configuration file (TOML). Without one, strict defaults apply: loopback only, data in
    /// ./rampart-hub-data.
    #[arg(long, global = true, env = "RAMPART_HUB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub.
    Serve,
    /// Manage the organisations this hub hosts.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Visitors' personal data.
    #[command(subcommand)]
    Visitor(VisitorCommand),
    /// Manage the IP allow-list.
    #[command(subcommand)]
    Allowlist(AllowCommand),
    /// Check or export the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Validate the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Agent,
    Supervisor,
    Trainer,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Agent => Role::Agent,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Trainer => Role::Trainer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation: its staff, visitors, allow-list and training cohorts are its
    /// own. Visitors reach it with `/chat?org=<ID>` or `data-org="<ID>"` on the embed tag.
    Create {
        /// Stable id: lower-case letters, digits and hyphens (e.g. acme, globex-eu).
        id: OrgId,
        /// Display name (authenticator apps, certificates).
        #[arg(long)]
        name: String,
        /// Days its closed conversations are kept (1–3650); default: `[retention]
        /// transcript_days`.
        #[arg(long)]
        retention_days: Option<u32>,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an account; prints its one-time enrollment code.
    Create {
        /// Organisation the account belongs to.
        #[arg(long, default_value = "default")]
        org: OrgId,
        /// Login name (unique across the hub).
        #[arg(long)]
        username: String,
        /// Name shown to visitors.
        #[arg(long)]
        display_name: String,
        /// Role.
        #[arg(long, value_enum, default_value = "agent")]
        role: RoleArg,
    },
    /// Clear an account's lockout.
    Unlock {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Forget an account's authenticator (lost phone); the next login enrolls a new one.
    ResetTotp {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Remote wipe (lost or stolen laptop): end every session of the account and tell its
    /// connected consoles to delete their local cache and keys.
    Wipe {
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum VisitorCommand {
    /// Erase every conversation of a visitor (right to erasure). Give the visitor id, a
    /// conversation id to erase that conversation's visitor, or an email address to erase every
    /// visitor who wrote it in a chat.
    #[command(group(
        clap::ArgGroup::new("who").required(true).args(["visitor", "conversation", "email"])
    ))]
    Erase {
        /// Visitor id.
        #[arg(long)]
        visitor: Option<rampart_protocol::VisitorId>,
        /// A conversation of the visitor.
        #[arg(long)]
        conversation: Option<rampart_protocol::ConversationId>,
        /// An email address the visitor wrote (matched by keyed hash, case-insensitively).
        #[arg(long)]
        email: Option<String>,
    },
    /// Delete closed conversations older than the retention period now.
    Purge,
}

#[derive(Subcommand)]
enum SessionCommand {
    /// End every session of an account (open consoles close within seconds).
    Revoke {
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AllowCommand {
    /// Allow a network (CIDR) for an organisation's staff, everyone or one role.
    Add {
        /// Network, e.g. 203.0.113.0/24 or 2001:db8::/32.
        network: IpNet,
        /// Only for this role.
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        /// The organisation whose list it is.
        #[arg(long, default_value = "default")]
        org: OrgId,
    },
    /// Remove an entry by id.
    Remove {
        /// Entry id (from `list`).
        id: i64,
        /// The organisation whose list it is on.
        #[arg(long, default_value = "default")]
        org: OrgId,
    },
    /// List an organisation's entries.
    List {
        /// The organisation.
        #[arg(long, default_value = "default")]
        org: OrgId,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; names the first bad record.
    Verify,
    /// Write the log as JSON Lines to standard output.
    Export,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check a configuration file; errors name the line.
    Check {
        /// The file.
        file: PathBuf,
    },
}

fn role_name(role: Option<Role>) -> &'static str {
    role.map_or("(everyone)", rampart_hub::store::role_label)
}

/// Audits a change to `org`'s allow-list: `change` (add, remove) and what it concerned.
async fn record_allowlist(
    hub: &Hub,
    admin: Actor,
    change: &str,
    (key, value): (&str, String),
    org: &OrgId,
    now: u64,
) -> Result<(), String> {
    let event = AuditEvent::new(admin, Action::AllowListChanged)
        .with_detail("change", change)
        .and_then(|e| e.with_detail(key, &value))
        .and_then(|e| e.with_detail("org", org.as_str()))
        .map_err(|e| e.to_string())?;
    hub.audit
        .record(event, now)
        .await
        .map_err(|e| e.to_string())
}

/// Refuses a command naming an organisation the hub does not have.
async fn require_org(hub: &Hub, org: &OrgId) -> Result<(), String> {
    match hub.store.org(org).await.map_err(|e| e.to_string())? {
        Some(_) => Ok(()),
        None => Err(format!(
            "no organisation \"{org}\" on this hub (`rampart-hub org list` shows them)"
        )),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Command::Config(ConfigCommand::Check { file }) = &cli.command {
        HubConfig::load(file).map_err(|e| e.to_string())?;
        println!("{}: ok", file.display());
        return Ok(());
    }
    let config = match &cli.config {
        Some(path) => HubConfig::load(path).map_err(|e| e.to_string())?,
        None => HubConfig::default(),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.unix_now().map_err(|e| e.to_string())?;
    let listen = config.listen;
    let hub =
        Hub::open(config, Arc::clone(&clock), Tuning::default()).map_err(|e| e.to_string())?;
    let admin = Actor::named_user("cli", "rampart-hub");
    match cli.command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let scheme = if hub.config.tls.is_some() {
                "https"
            } else {
                "http"
            };
            println!(
                "Rampart Hub listening on {scheme}://{} (data in {})",
                listener.local_addr().map_err(|e| e.to_string())?,
                hub.config.data_dir.display()
            );
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            hub.serve(listener, shutdown)
                .await
                .map_err(|e| e.to_string())?;
        }
        Command::Org(OrgCommand::Create {
            id,
            name,
            retention_days,
        }) => {
            let org = hub
                .create_org(admin, id, &name, retention_days)
                .await
                .map_err(|e| match e {
                    rampart_hub::server::HubError::Store(
                        rampart_hub::store::StoreError::OrgExists,
                    ) => "an organisation with that id exists".to_owned(),
                    other => other.to_string(),
                })?;
            println!("created organisation {} ({})", org.id, org.name);
        }
        Command::Org(OrgCommand::List) => {
            for org in hub.store.orgs().await.map_err(|e| e.to_string())? {
                let retention = org
                    .retention_days
                    .unwrap_or(hub.config.retention.transcript_days);
                println!("{}\t{}\t{retention} days", org.id, org.name);
            }
        }
        Command::Agent(AgentCommand::Create {
            org,
            username,
            display_name,
            role,
        }) => {
            require_org(&hub, &org).await?;
            let (id, code) = hub
                .login
                .create_agent_in(admin, &org, &username, &display_name, role.into(), None)
                .await
                .map_err(|e| e.to_string())?;
            println!("created {username} ({id}) in {org}");
            println!(
                "one-time enrollment code (valid 72 h, shown once): {}",
                code.expose()
            );
        }
        Command::Agent(AgentCommand::Unlock { username }) => {
            hub.login
                .unlock(admin, &username)
                .await
                .map_err(|e| e.to_string())?;
            println!("unlocked {username}");
        }
        Command::Agent(AgentCommand::Wipe { username }) => {
            let ended = hub
                .login
                .order_wipe(admin, &username)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "wipe ordered for {username}: {ended} session(s) ended; connected consoles wipe \
                 within the session check interval"
            );
        }
        Command::Agent(AgentCommand::ResetTotp { username }) => {
            hub.login
                .reset_totp(admin, &username)
                .await
                .map_err(|e| e.to_string())?;
            println!("{username} will enroll a new authenticator at the next login");
        }
        Command::Visitor(VisitorCommand::Erase {
            email: Some(address),
            ..
        }) => {
            let (visitors, conversations) = hub
                .erase_visitors_by_email(admin, &address)
                .await
                .map_err(|e| e.to_string())?;
            // The address is not echoed: the terminal's scrollback is a log too.
            println!(
                "erased {conversations} conversation(s) of {visitors} visitor(s) who wrote that address"
            );
        }
        Command::Visitor(VisitorCommand::Erase {
            visitor,
            conversation,
            email: None,
        }) => {
            let visitor = match (visitor, conversation) {
                (Some(visitor), _) => visitor,
                (None, Some(conversation)) => hub
                    .store
                    .visitor_of(conversation)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no conversation {conversation}"))?,
                (None, None) => return Err("give --visitor or --conversation".to_owned()),
            };
            let erased = hub
                .erase_visitor(admin, visitor)
                .await
                .map_err(|e| e.to_string())?;
            println!("erased {erased} conversation(s) of visitor {visitor}");
        }
        Command::Visitor(VisitorCommand::Purge) => {
            let purged = hub.purge_expired().await.map_err(|e| e.to_string())?;
            println!("deleted {purged} closed conversation(s) past retention");
        }
        Command::Session(SessionCommand::Revoke { username }) => {
            let ended = hub
                .login
                .revoke_sessions(admin, &username)
                .await
                .map_err(|e| e.to_string())?;
            println!("ended {ended} session(s) of {username}");
        }
        Command::Allowlist(AllowCommand::Add { network, role, org }) => {
            require_org(&hub, &org).await?;
            let role = role.map(Role::from);
            let id = hub
                .store
                .add_allow(&org, role, network, now)
                .await
                .map_err(|e| e.to_string())?;
            let change = ("network", network.to_string());
            record_allowlist(&hub, admin, "add", change, &org, now).await?;
            println!("{id}\t{}\t{network}", role_name(role));
        }
        Command::Allowlist(AllowCommand::Remove { id, org }) => {
            require_org(&hub, &org).await?;
            if !hub
                .store
                .remove_allow(&org, id)
                .await
                .map_err(|e| e.to_string())?
            {
                return Err(format!("no allow-list entry with id {id} in {org}"));
            }
            record_allowlist(&hub, admin, "remove", ("entry", id.to_string()), &org, now).await?;
            println!("removed {id}");
        }
        Command::Allowlist(AllowCommand::List { org }) => {
            require_org(&hub, &org).await?;
            for entry in hub.store.allow_entries().await.map_err(|e| e.to_string())? {
                if entry.org == org {
                    println!("{}\t{}\t{}", entry.id, role_name(entry.role), entry.net);
                }
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let summary = hub
                .audit
                .log()
                .verify(None)
                .map_err(|e| format!("audit log FAILED verification: {e}"))?;
            println!(
                "audit log ok: {} records, head {}",
                summary.records, summary.head
            );
        }
        Command::Audit(AuditCommand::Export) => {
            let stdout = std::io::stdout().lock();
            hub.audit
                .log()
                .export_jsonl(stdout)
                .map_err(|e| e.to_string())?;
        }
        Command::Config(_) => {}
    }
    Ok(())
}

/// See [`rampart_secret::PAYLOAD_LOGGERS`].
fn payload_free(meta: &tracing::Metadata<'_>) -> bool {
    let verbose = matches!(*meta.level(), tracing::Level::DEBUG | tracing::Level::TRACE);
    rampart_secret::loggable(meta.target(), verbose)
}

fn main() -> ExitCode {
    use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with(tracing_subscriber::filter::filter_fn(payload_free))
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rampart-hub: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rampart-hub: {message}");
            ExitCode::FAILURE
        }
    }
}
