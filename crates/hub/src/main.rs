//! `rampart-hub`: serve the hub and administer it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use rampart_audit::Actor;
use rampart_auth::clock::{Clock, SystemClock};
use rampart_hub::config::HubConfig;
use rampart_hub::org::OrgId;
use rampart_hub::server::{Hub, Tuning};
use rampart_hub::store::AllowChange;
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
    /// visitor who wrote it in a chat. `-` reads it from standard input, which keeps an address
    /// out of the shell's history and the process list.
    #[command(group(
        clap::ArgGroup::new("who").required(true).args(["target", "visitor", "conversation", "email"])
    ))]
    Erase {
        /// A visitor id, one of the visitor's conversation ids, or an email address they wrote;
        /// `-` to read it from standard input.
        target: Option<String>,
        /// Visitor id.
        #[arg(long)]
        visitor: Option<rampart_protocol::VisitorId>,
        /// A conversation of the visitor.
        #[arg(long)]
        conversation: Option<rampart_protocol::ConversationId>,
        /// An email address the visitor wrote (matched by keyed hash, case-insensitively); `-`
        /// to read it from standard input.
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

/// Whose data `visitor erase` removes.
enum EraseTarget {
    Visitor(rampart_protocol::VisitorId),
    Conversation(rampart_protocol::ConversationId),
    /// An id given without saying which kind: a conversation's if one has it, else a visitor's.
    Either(uuid::Uuid),
    Email(String),
}

/// Resolves `visitor erase`'s arguments; `-` reads the value from standard input. Errors never
/// repeat what was given: it may be an email address.
fn erase_target(
    target: Option<String>,
    visitor: Option<rampart_protocol::VisitorId>,
    conversation: Option<rampart_protocol::ConversationId>,
    email: Option<String>,
) -> Result<EraseTarget, String> {
    if let Some(visitor) = visitor {
        return Ok(EraseTarget::Visitor(visitor));
    }
    if let Some(conversation) = conversation {
        return Ok(EraseTarget::Conversation(conversation));
    }
    if let Some(email) = email {
        let address = stdin_if_dash(email)?;
        if !address.contains('@') {
            return Err("--email needs an email address".to_owned());
        }
        return Ok(EraseTarget::Email(address));
    }
    let given =
        stdin_if_dash(target.ok_or("give a visitor id, conversation id or email address")?)?;
    if given.contains('@') {
        return Ok(EraseTarget::Email(given));
    }
    uuid::Uuid::parse_str(given.trim())
        .map(EraseTarget::Either)
        .map_err(|_| "not a visitor id, conversation id or email address".to_owned())
}

/// `value`, or the first line of standard input when `value` is `-`.
fn stdin_if_dash(value: String) -> Result<String, String> {
    use std::io::{BufRead, IsTerminal, Write};
    if value != "-" {
        return Ok(value);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("visitor id, conversation id or email address: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err("nothing on standard input".to_owned());
    }
    Ok(line)
}

fn role_name(role: Option<Role>) -> &'static str {
    role.map_or("(everyone)", rampart_hub::store::role_label)
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
                .unlock(admin, &username, None)
                .await
                .map_err(|e| e.to_string())?;
            println!("unlocked {username}");
        }
        Command::Agent(AgentCommand::Wipe { username }) => {
            let ended = hub
                .login
                .order_wipe(admin, &username, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "wipe ordered for {username}: {ended} session(s) ended; connected consoles wipe \
                 within the session check interval"
            );
        }
        Command::Agent(AgentCommand::ResetTotp { username }) => {
            hub.login
                .reset_totp(admin, &username, None)
                .await
                .map_err(|e| e.to_string())?;
            println!("{username} will enroll a new authenticator at the next login");
        }
        Command::Visitor(VisitorCommand::Erase {
            target,
            visitor,
            conversation,
            email,
        }) => {
            let visitor = match erase_target(target, visitor, conversation, email)? {
                EraseTarget::Email(address) => {
                    let (visitors, conversations) = hub
                        .erase_visitors_by_email(admin, &address)
                        .await
                        .map_err(|e| e.to_string())?;
                    // The address is not echoed: the terminal's scrollback is a log too.
                    println!(
                        "erased {conversations} conversation(s) of {visitors} visitor(s) who \
                         wrote that address"
                    );
                    return Ok(());
                }
                EraseTarget::Visitor(visitor) => visitor,
                EraseTarget::Conversation(conversation) => hub
                    .store
                    .visitor_of(conversation)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no conversation {conversation}"))?,
                EraseTarget::Either(id) => {
                    // A conversation id names its visitor; any other id is taken as a visitor's.
                    let conversation = rampart_protocol::ConversationId(id);
                    match hub
                        .store
                        .visitor_of(conversation)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        Some(visitor) => visitor,
                        None => rampart_protocol::VisitorId(id),
                    }
                }
            };
            let erased = hub
                .erase_visitor(admin, visitor)
                .await
                .map_err(|e| e.to_string())?;
            if erased == 0 {
                // A mistyped id must not look like a completed erasure.
                return Err(format!(
                    "no conversation of visitor {visitor}: nothing erased (check the id; a \
                     visitor erased before has nothing left)"
                ));
            }
            println!("erased {erased} conversation(s) of visitor {visitor}");
        }
        Command::Visitor(VisitorCommand::Purge) => {
            let purged = hub.purge_expired().await.map_err(|e| e.to_string())?;
            println!("deleted {purged} closed conversation(s) past retention");
        }
        Command::Session(SessionCommand::Revoke { username }) => {
            let ended = hub
                .login
                .revoke_sessions(admin, &username, None)
                .await
                .map_err(|e| e.to_string())?;
            println!("ended {ended} session(s) of {username}");
        }
        Command::Allowlist(AllowCommand::Add { network, role, org }) => {
            require_org(&hub, &org).await?;
            let role = role.map(Role::from);
            let change = hub
                .admin
                .add_allow(admin, &org, role, network, None, None)
                .await
                .map_err(|e| e.to_string())?;
            let id = match change {
                AllowChange::Added(id) => id,
                AllowChange::Unchanged(id) => {
                    eprintln!("already listed; nothing changed");
                    id
                }
                _ => return Err("the allow-list change had an unexpected outcome".into()),
            };
            println!("{id}\t{}\t{}", role_name(role), network.trunc());
        }
        Command::Allowlist(AllowCommand::Remove { id, org }) => {
            require_org(&hub, &org).await?;
            hub.admin
                .remove_allow(admin, &org, id, None, None)
                .await
                .map_err(|e| match e {
                    rampart_hub::admin::AdminError::NoSuchEntry => {
                        format!("no allow-list entry with id {id} in {org}")
                    }
                    other => other.to_string(),
                })?;
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
