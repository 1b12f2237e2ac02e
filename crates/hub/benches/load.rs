//! Load test: starts `rampart-hub serve` as a child process, connects M agents and N visitors
//! over loopback, has the visitors send at a fixed total rate, and reports delivered
//! messages/s, visitor→agent delivery latency (p50/p99/max) and the hub's memory (RSS, and RSS
//! per idle connection).
//!
//! ```sh
//! cargo bench -p rampart-hub --bench load -- --agents 250 --visitors 4750 --rate 2000 --secs 20
//! ```
//! Defaults are small (CI-sized); the command above is the target load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: failing loudly is right"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rampart_audit::Actor;
use rampart_auth::SecretString;
use rampart_auth::clock::SystemClock;
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
use rampart_hub::config::HubConfig;
use rampart_hub::server::{Hub, Tuning};
use rampart_protocol::rest::Role;
use rampart_protocol::{
    Availability, ClientFrame, ConversationId, MessageId, PROTOCOL_VERSION, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const PASSWORD: &str = "load test passphrase 4 bench";

struct Args {
    agents: usize,
    visitors: usize,
    rate: usize,
    secs: u64,
}

fn args() -> Args {
    let mut args = Args {
        agents: 10,
        visitors: 150,
        rate: 300,
        secs: 5,
    };
    let raw: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < raw.len() {
        let value = raw.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match (raw[i].as_str(), value) {
            ("--agents", Some(v)) => args.agents = v,
            ("--visitors", Some(v)) => args.visitors = v,
            ("--rate", Some(v)) => args.rate = v,
            ("--secs", Some(v)) => args.secs = v as u64,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    args
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: SocketAddr, path: &str, token: &str) -> Socket {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("rampart.v1, bearer.{token}").parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        resume: vec![],
        forgotten: None,
    };
    socket
        .send(Message::Text(rampart_protocol::encode(&hello).into()))
        .await
        .unwrap();
    socket
}

fn totp_from(uri: &str) -> Totp {
    let base32 = uri
        .split_once('?')
        .unwrap()
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap();
    let secret = TotpSecret::from_base32(&SecretString::new(base32.to_owned())).unwrap();
    Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").unwrap()
}

async fn login(http: &reqwest::Client, base: &str, username: &str) -> String {
    let step: serde_json::Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let totp = totp_from(step["otpauthUri"].as_str().expect("first login enrolls"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = totp.code_at(now);
    let session: serde_json::Value = http
        .post(format!("{base}/api/v1/login/totp"))
        .json(&serde_json::json!({ "challenge": step["challenge"], "code": code.expose() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}

fn prepare(dir: &Path, args: &Args) -> (std::path::PathBuf, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let capacity = args.visitors.div_ceil(args.agents.max(1)).clamp(1, 20);
    let config_path = dir.join("hub.toml");
    std::fs::write(
        &config_path,
        format!(
            "listen = \"{addr}\"\ndata_dir = \"{}\"\n[chat]\nagent_capacity = {capacity}\n\
             [limits]\nsockets_per_ip = 100000\nvisitors_per_minute = 1000000\nlogins_per_minute = 100000\n\
             [training]\nenforce = false\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    // Create and enroll the agents before the server starts.
    let config = HubConfig::load(&config_path).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let tuning = Tuning {
            hasher: rampart_auth::password::PasswordHasher::insecure_for_tests(),
            ..Tuning::default()
        };
        let hub = Hub::open(config, Arc::new(SystemClock), tuning).unwrap();
        for i in 0..args.agents {
            let username = format!("agent{i}");
            let (_, code) = hub
                .login
                .create_agent(Actor::System, &username, &username, Role::Agent, None)
                .await
                .unwrap();
            hub.login
                .enroll_password(
                    &username,
                    &code,
                    &SecretString::new(PASSWORD.to_owned()),
                    None,
                )
                .await
                .unwrap();
        }
    });
    (config_path, addr)
}

fn main() {
    // See the hub tests' support: reqwest may be built with rustls but no provider.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let args = args();
    if args.visitors > args.agents * 20 {
        eprintln!("at most 20 visitors per agent (agent_capacity ≤ 20)");
        std::process::exit(2);
    }
    let dir = tempfile::tempdir().unwrap();
    let (config_path, addr) = prepare(dir.path(), &args);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart-hub"))
        .args(["--config", config_path.to_str().unwrap(), "serve"])
        .env("RAMPART_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(&args, addr, pid));
    let _ = child.kill();
    let _ = child.wait();
}

async fn run(args: &Args, addr: SocketAddr, pid: u32) {
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_start = rss_kib(pid);
    println!("hub pid {pid}, RSS at start {rss_start} KiB");

    // Agents: log in (password + TOTP), connect, become available.
    let started = Instant::now();
    let mut agents = Vec::new();
    for i in 0..args.agents {
        let token = login(&http, &base, &format!("agent{i}")).await;
        let mut socket = connect(addr, "/ws/agent", &token).await;
        let available = ClientFrame::SetAvailability {
            availability: Availability::Available,
        };
        socket
            .send(Message::Text(rampart_protocol::encode(&available).into()))
            .await
            .unwrap();
        agents.push(socket);
    }
    println!(
        "{} agents logged in and connected in {:.1?}",
        args.agents,
        started.elapsed()
    );

    // Visitors.
    let mut visitors = Vec::new();
    for _ in 0..args.visitors {
        let body: serde_json::Value = http
            .post(format!("{base}/api/v1/visitor"))
            .json(&serde_json::json!({ "locale": "en", "privacyNotice": "2026-11" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let conversation: ConversationId =
            body["conversationId"].as_str().unwrap().parse().unwrap();
        let socket = connect(addr, "/ws/visitor", body["token"].as_str().unwrap()).await;
        visitors.push((conversation, socket));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let connections = args.agents + args.visitors;
    let rss_idle = rss_kib(pid);
    println!(
        "{connections} connections open; hub RSS {rss_idle} KiB, {:.1} KiB per idle connection",
        (rss_idle.saturating_sub(rss_start)) as f64 / connections as f64
    );

    // Receivers: agents record when each message arrives.
    let sent_at: Arc<Mutex<HashMap<MessageId, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    for socket in agents {
        let sent_at = Arc::clone(&sent_at);
        let latencies = Arc::clone(&latencies);
        tokio::spawn(async move {
            let (_sink, mut stream) = socket.split();
            while let Some(Ok(Message::Text(text))) = stream.next().await {
                if let Ok(ServerFrame::Message { id, .. }) =
                    rampart_protocol::decode_server(text.as_bytes())
                {
                    if let Some(at) = sent_at.lock().unwrap().remove(&id) {
                        latencies.lock().unwrap().push(at.elapsed());
                    }
                }
            }
        });
    }

    // Senders: the total rate spread over all visitors.
    let per_visitor = Duration::from_secs_f64(args.visitors as f64 / args.rate as f64);
    let deadline = Instant::now() + Duration::from_secs(args.secs);
    let mut senders = Vec::new();
    let visitor_count = args.visitors.max(1);
    for (index, (conversation, socket)) in visitors.into_iter().enumerate() {
        let sent_at = Arc::clone(&sent_at);
        senders.push(tokio::spawn(async move {
            let (mut sink, mut stream) = socket.split();
            tokio::spawn(async move { while stream.next().await.is_some() {} });
            // Spread the first sends evenly over one period.
            let offset = per_visitor.mul_f64(index as f64 / visitor_count as f64);
            tokio::time::sleep(offset).await;
            let mut ticker = tokio::time::interval(per_visitor);
            let mut sent = 0u64;
            while Instant::now() < deadline {
                ticker.tick().await;
                let id = MessageId::new();
                let frame = ClientFrame::Send {
                    id,
                    conversation_id: conversation,
                    text: "is my order on its way?".into(),
                };
                sent_at.lock().unwrap().insert(id, Instant::now());
                if sink
                    .send(Message::Text(rampart_protocol::encode(&frame).into()))
                    .await
                    .is_err()
                {
                    break;
                }
                sent += 1;
            }
            sent
        }));
    }
    let load_started = Instant::now();
    let mut sent = 0;
    for sender in senders {
        sent += sender.await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Messages are sent during the configured window; the 2 s above only drain deliveries.
    let elapsed = args.secs as f64;
    let _ = load_started;
    let rss_load = rss_kib(pid);
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let delivered = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((delivered as f64 * p) as usize).min(delivered.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "sent {sent}, delivered {delivered} ({:.0} msg/s over {elapsed:.1} s); latency p50 {:.1?} p99 {:.1?} max {:.1?}; hub RSS under load {rss_load} KiB",
        delivered as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}
