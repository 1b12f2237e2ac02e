//! `rampart-demo`: run the demo hub on its own (for people and browser tests), or print the
//! demo agent's current TOTP code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rampart_auth::clock::{Clock, SystemClock};
use rampart_demo::{DemoAccount, DemoConfig, DemoHub};

#[derive(Parser)]
#[command(
    name = "rampart-demo",
    version,
    about = "Rampart demo hub: a local hub with a demo agent and simulated visitors",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct ServeArgs {
    /// Where the demo keeps its hub and its account (created if missing).
    #[arg(long, required = true)]
    data_dir: Option<PathBuf>,
    /// Loopback port (default: any free port).
    #[arg(long)]
    port: Option<u16>,
    /// No simulated visitors.
    #[arg(long)]
    no_visitors: bool,
    /// Seconds between simulated visitors.
    #[arg(long, default_value_t = 25)]
    visitor_every: u64,
    /// Simulated visitors waiting at once, at most.
    #[arg(long, default_value_t = 2)]
    max_waiting: usize,
    /// Seconds a simulated visitor typically takes to answer.
    #[arg(long, default_value_t = 4.0)]
    reply_delay: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Print the demo agent's current TOTP code and the seconds it stays current.
    Code {
        /// The demo's data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The next step's code instead (the hub accepts it too): for a second login within
        /// the same 30 seconds, since each code works once.
        #[arg(long)]
        next: bool,
        /// Whose code: `agent` (default), `trainer` or `newcomer` (the untrained agent).
        #[arg(long, default_value = "agent")]
        account: String,
    },
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let data_dir = args
        .data_dir
        .ok_or_else(|| "--data-dir is required".to_owned())?;
    let reply_delay = Duration::try_from_secs_f64(args.reply_delay)
        .map_err(|_| "--reply-delay must be a non-negative number of seconds".to_owned())?;
    let mut config = DemoConfig::new(&data_dir);
    config.port = args.port;
    config.simulated_visitors = !args.no_visitors;
    config.visitor_every = Duration::from_secs(args.visitor_every.max(1));
    config.max_waiting = args.max_waiting;
    config.reply_delay = reply_delay;
    let demo = DemoHub::start(config).await.map_err(|e| e.to_string())?;
    let account = demo.account();
    // A local demo: printing the credentials is the point (see the crate's README).
    println!("Rampart demo hub: {}", demo.url());
    println!("  username: {}", account.username());
    println!("  password: {}", account.password().expose());
    println!(
        "  TOTP:     rampart-demo code --data-dir {}",
        data_dir.display()
    );
    for (what, other, flag) in [
        ("trainer", demo.trainer(), "trainer"),
        (
            "new agent (untrained: no chats until the required lessons are passed)",
            demo.newcomer(),
            "newcomer",
        ),
    ] {
        println!("  {what}:");
        println!("    username: {}", other.username());
        println!("    password: {}", other.password().expose());
        println!(
            "    TOTP:     rampart-demo code --account {flag} --data-dir {}",
            data_dir.display()
        );
    }
    println!(
        "  visitors: {}",
        if args.no_visitors { "off" } else { "simulated" }
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    demo.shutdown().await.map_err(|e| e.to_string())
}

fn code(data_dir: &std::path::Path, next: bool, which: &str) -> Result<(), String> {
    let account = match which {
        "agent" => DemoAccount::load(data_dir),
        "trainer" => DemoAccount::load_trainer(data_dir),
        "newcomer" => DemoAccount::load_newcomer(data_dir),
        _ => return Err("--account is agent, trainer or newcomer".to_owned()),
    }
    .map_err(|e| e.to_string())?;
    let now = SystemClock.unix_now().map_err(|e| e.to_string())?;
    let (code, left) = if next {
        let (code, _) = account.code_at(now + 30);
        (code, account.code_at(now).1 + 30)
    } else {
        account.code_at(now)
    };
    println!("{code} {left}");
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Code {
            data_dir,
            next,
            account,
        }) => code(&data_dir, next, &account),
        None => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(serve(cli.serve)),
            Err(error) => Err(format!("cannot start the runtime: {error}")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rampart-demo: {message}");
            ExitCode::FAILURE
        }
    }
}
