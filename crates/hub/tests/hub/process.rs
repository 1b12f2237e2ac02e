//! The hub as an operator runs it: the `rampart-hub` binary in a process of its own.
//!
//! - Killed with SIGKILL in the middle of a stream (twice), the hub keeps every message it
//!   acknowledged, under the seq it acknowledged; resends after the restart are stored once.
//! - Logging at `trace`, the hub writes no raw card number, CVV or ID from chat or from a secure
//!   form (built-in or custom) to its log, its files or its audit export.
//! - `config check` names the line of a mistake in a custom form.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;
use rampart_auth::clock::{Clock, SystemClock};
use rampart_protocol::{
    Availability, ClientFrame, ConversationId, FormKind, FormValue, MessageId, ResumePoint, Seq,
    ServerFrame,
};

const BINARY: &str = env!("CARGO_BIN_EXE_rampart-hub");

/// A `rampart-hub serve` child process with its configuration, data and log in a temporary
/// directory.
struct HubProcess {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl HubProcess {
    /// Writes the configuration (loopback, a free port, `extra` appended) if needed and starts
    /// the hub on `dir`'s data, logging at `trace` to `dir/hub-<n>.log`.
    fn start(dir: &Path, extra: &str) -> Self {
        let config = write_config(dir, extra);
        let runs = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".log")
            })
            .count();
        let log = std::fs::File::create(dir.join(format!("hub-{runs}.log"))).unwrap();
        let mut child = Command::new(BINARY)
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("RAMPART_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        // "Rampart Hub listening on http://127.0.0.1:PORT (data in …)"
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .parse()
            .unwrap();
        Self {
            child,
            addr,
            dir: dir.to_path_buf(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGINT, the operator's Ctrl+C: the hub shuts down cleanly.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..100 {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the hub did not stop within 10 s of SIGINT");
    }

    /// Runs an administrative command against the same configuration; returns its stdout.
    fn admin(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = cli(&self.dir, args);
        assert!(ok, "{args:?}: {stderr}");
        stdout
    }

    /// Runs an admin command with `input` on its standard input; the caller checks the result.
    fn admin_with_input(&self, args: &[&str], input: &str) -> std::process::Output {
        cli_with_input(&self.dir, args, input)
    }
}

/// Runs `rampart-hub --config dir/hub.toml ARGS` with `input` on its standard input.
fn cli_with_input(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(BINARY)
        .args(["--config", dir.join("hub.toml").to_str().unwrap()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Writes `dir/hub.toml` (loopback, a free port, data in `dir/data`, `extra` appended) unless
/// it exists; returns its path.
fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let config = dir.join("hub.toml");
    if !config.exists() {
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\norganisation = \"Acme\"\n{extra}",
            dir.join("data").display()
        );
        std::fs::write(&config, text).unwrap();
    }
    config
}

/// Runs `rampart-hub --config dir/hub.toml ARGS`: (success, stdout, stderr).
fn cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = cli_with_input(dir, args, "");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(url: String, body: serde_json::Value, token: Option<&str>) -> serde_json::Value {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new().post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

async fn new_visitor(hub: &HubProcess) -> (ConversationId, String) {
    let body = post(
        hub.url("/api/v1/visitor"),
        serde_json::json!({ "locale": "es-ES", "privacyNotice": "2026-11" }),
        None,
    )
    .await;
    (
        body["conversationId"].as_str().unwrap().parse().unwrap(),
        body["token"].as_str().unwrap().to_owned(),
    )
}

/// Every message of a conversation as the hub replays it from the start: (id, seq).
async fn replay(
    addr: SocketAddr,
    token: &str,
    conversation: ConversationId,
) -> Vec<(MessageId, Seq)> {
    let mut ws = ws_connect(addr, "/ws/visitor", Some(token)).await.unwrap();
    ws.hello(vec![ResumePoint {
        conversation_id: conversation,
        after_seq: Seq::ZERO,
    }])
    .await;
    let mut seen = Vec::new();
    // The replay is followed by nothing else; a quiet second ends it.
    loop {
        let next = tokio::time::timeout(Duration::from_secs(1), ws.recv()).await;
        match next {
            Ok(ServerFrame::Message { id, seq, .. }) => seen.push((id, seq)),
            Ok(_) => {}
            Err(_) => return seen,
        }
    }
}

/// One visitor sending its planned messages one after another (paced under the hub's per-socket
/// frame limit), reconnecting to wherever the hub is now after a cut and resending what was not
/// acknowledged, with the same ids. Returns every ack it saw.
async fn visitor_stream(
    token: String,
    conversation: ConversationId,
    plan: Vec<MessageId>,
    mut hub_at: tokio::sync::watch::Receiver<SocketAddr>,
    acks: tokio::sync::mpsc::UnboundedSender<(MessageId, Seq)>,
) {
    let mut next = 0;
    while next < plan.len() {
        let addr = *hub_at.borrow_and_update();
        let Ok(mut ws) = ws_connect(addr, "/ws/visitor", Some(&token)).await else {
            // The hub is down: wait for the next one.
            let _ = tokio::time::timeout(Duration::from_secs(2), hub_at.changed()).await;
            continue;
        };
        let hello = ClientFrame::Hello {
            protocol_version: rampart_protocol::PROTOCOL_VERSION,
            resume: vec![],
            forgotten: None,
        };
        if !ws.try_send(&hello).await
            || !matches!(ws.next().await, Some(ServerFrame::Welcome { .. }))
        {
            continue;
        }
        'connected: while next < plan.len() {
            let id = plan[next];
            let frame = ClientFrame::Send {
                id,
                conversation_id: conversation,
                text: format!("mensaje número {next}"),
            };
            if !ws.try_send(&frame).await {
                break 'connected;
            }
            loop {
                match ws.next().await {
                    Some(ServerFrame::Ack { id: acked, seq, .. }) if acked == id => {
                        let _ = acks.send((id, seq));
                        next += 1;
                        break;
                    }
                    Some(_) => continue,
                    None => break 'connected,
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_killed_mid_stream_keeps_every_acknowledged_message_under_its_seq() {
    const VISITORS: usize = 4;
    const PER_VISITOR: usize = 75;
    const TOTAL: usize = VISITORS * PER_VISITOR;
    let dir = tempfile::tempdir().unwrap();
    let mut hub = HubProcess::start(dir.path(), "");
    let mut visitors = Vec::new();
    for _ in 0..VISITORS {
        visitors.push(new_visitor(&hub).await);
    }
    // Every message's id is fixed up front: a resend reuses it.
    let plans: Vec<Vec<MessageId>> = (0..VISITORS)
        .map(|_| (0..PER_VISITOR).map(|_| MessageId::new()).collect())
        .collect();
    let (hub_at, watching) = tokio::sync::watch::channel(hub.addr);
    let (acks, mut acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut streams = Vec::new();
    for ((conversation, token), plan) in visitors.iter().zip(&plans) {
        streams.push(tokio::spawn(visitor_stream(
            token.clone(),
            *conversation,
            plan.clone(),
            watching.clone(),
            acks.clone(),
        )));
    }
    drop(acks);

    // SIGKILL at a third and at two thirds of the acknowledgements, restarting on the same data.
    let mut acked: HashMap<MessageId, Seq> = HashMap::new();
    let mut kills = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while let Ok(Some((id, seq))) = tokio::time::timeout_at(deadline, acked_rx.recv()).await {
        if let Some(before) = acked.insert(id, seq) {
            assert_eq!(before, seq, "a resend was acknowledged under a new seq");
        }
        if kills < 2 && acked.len() >= TOTAL * (kills + 1) / 3 {
            hub.kill();
            kills += 1;
            hub = HubProcess::start(dir.path(), "");
            hub_at.send(hub.addr).unwrap();
        }
    }
    for stream in streams {
        stream.await.unwrap();
    }
    assert_eq!(kills, 2, "the hub was killed twice mid-stream");
    assert_eq!(
        acked.len(),
        TOTAL,
        "every message was acknowledged in the end"
    );

    // Every message stored exactly once, in order, with no gaps, under the seq acknowledged
    // before the crashes.
    for (v, (conversation, token)) in visitors.iter().enumerate() {
        let stored = replay(hub.addr, token, *conversation).await;
        let ids: Vec<MessageId> = stored.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, plans[v], "visitor {v}: every message once, in order");
        let seqs: Vec<u64> = stored.iter().map(|(_, seq)| seq.0).collect();
        assert_eq!(seqs, (1..=PER_VISITOR as u64).collect::<Vec<_>>());
        for (id, seq) in &stored {
            assert_eq!(
                acked.get(id),
                Some(seq),
                "stored under another seq than acknowledged"
            );
        }
    }
    hub.stop();
}
/// A custom form's value (its digits alone would be found too).
const CUSTOM_CANARY: &str = "ZK-771943";

const CANARIES: &[&str] = &[
    CUSTOM_CANARY,
    "771943",
    "4111 1111 1111 1111",
    "4111111111111111",
    "5500 0000 0000 0004",
    "5500000000000004",
    "12345678Z",
    "ES9121000418450200051332",
    "ES91 2100 0418 4502 0005 1332",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_logging_at_trace_writes_no_card_or_id_from_chat_or_forms_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    // The agent has no training, which is not what this test is about.
    let extra = format!(
        "[training]\nenforce = false\n{}",
        crate::custom_forms::POLICY_FORM_TOML
    );
    let hub = HubProcess::start(dir.path(), &extra);

    // An agent, provisioned the way an admin does it: the CLI prints a one-time code.
    let created = hub.admin(&[
        "agent",
        "create",
        "--username",
        "ana",
        "--display-name",
        "Ana",
    ]);
    let code = created
        .lines()
        .find_map(|l| {
            l.split(": ")
                .nth(1)
                .filter(|_| l.contains("enrollment code"))
        })
        .unwrap()
        .trim()
        .to_owned();
    post(
        hub.url("/api/v1/enroll"),
        serde_json::json!({ "username": "ana", "enrollmentCode": code, "password": PASSWORD }),
        None,
    )
    .await;
    let step = post(
        hub.url("/api/v1/login"),
        serde_json::json!({ "username": "ana", "password": PASSWORD }),
        None,
    )
    .await;
    let totp = authenticator(step["otpauthUri"].as_str().unwrap());
    let now = SystemClock.unix_now().unwrap();
    let session = post(
        hub.url("/api/v1/login/totp"),
        serde_json::json!({ "challenge": step["challenge"], "code": totp.code_at(now).expose() }),
        None,
    )
    .await;
    let token = session["token"].as_str().unwrap().to_owned();
    let mut agent = ws_connect(hub.addr, "/ws/agent", Some(&token))
        .await
        .unwrap();
    agent.hello(vec![]).await;
    agent
        .send(&ClientFrame::SetAvailability {
            availability: Availability::Available,
        })
        .await;

    let (conversation, visitor_token) = new_visitor(&hub).await;
    agent
        .until(|f| matches!(f, ServerFrame::Assigned { .. }))
        .await;
    let mut visitor = ws_connect(hub.addr, "/ws/visitor", Some(&visitor_token))
        .await
        .unwrap();
    visitor.hello(vec![]).await;
    for text in [
        "mi tarjeta 4111 1111 1111 1111 cvv 123",
        "o la 5500000000000004, DNI 12345678Z",
        "IBAN ES91 2100 0418 4502 0005 1332",
    ] {
        visitor
            .send(&ClientFrame::Send {
                id: MessageId::new(),
                conversation_id: conversation,
                text: text.into(),
            })
            .await;
        visitor
            .until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await;
    }
    // The secure forms, built in and custom: requested, filled in, viewed by the agent.
    let forms = [
        (
            FormKind::Card,
            vec![
                ("cardNumber", "5500 0000 0000 0004"),
                ("expiry", "11/30"),
                ("cvv", "737"),
            ],
            "5500000000000004",
        ),
        (
            crate::custom_forms::policy_kind(),
            vec![("policyNumber", CUSTOM_CANARY)],
            CUSTOM_CANARY,
        ),
    ];
    for (kind, values, viewed_value) in forms {
        agent
            .send(&ClientFrame::RequestForm {
                conversation_id: conversation,
                form: kind,
            })
            .await;
        let ServerFrame::FormRequested { form_id, .. } = visitor
            .until(|f| matches!(f, ServerFrame::FormRequested { .. }))
            .await
        else {
            unreachable!()
        };
        let field = values[0].0;
        visitor
            .send(&ClientFrame::SubmitForm {
                conversation_id: conversation,
                form_id,
                values: values.iter().map(|(n, v)| FormValue::new(*n, *v)).collect(),
            })
            .await;
        agent
            .until(|f| matches!(f, ServerFrame::FormSubmitted { .. }))
            .await;
        let viewed = post(
            hub.url("/api/v1/forms/reveal"),
            serde_json::json!({
                "conversationId": conversation, "formId": form_id, "field": field,
                "reason": "paymentIssue",
            }),
            Some(&token),
        )
        .await;
        assert_eq!(viewed["value"], viewed_value, "the view itself works");
    }
    agent
        .send(&ClientFrame::Close {
            conversation_id: conversation,
        })
        .await;
    agent
        .until(|f| matches!(f, ServerFrame::Closed { .. }))
        .await;
    drop((agent, visitor));

    let export = hub.admin(&["audit", "export"]);
    assert!(
        export.contains("secure_form") || export.contains("form"),
        "the export has the form's life"
    );
    hub.stop();

    // The log, the data directory (database, WAL) and the audit export.
    let mut places: Vec<(String, String)> = vec![("audit export".into(), export)];
    let mut log = String::new();
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        if entry.extension().is_some_and(|e| e == "log") {
            log.push_str(&String::from_utf8_lossy(&bytes));
        }
        places.push((
            entry.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    eprintln!("{log}");
    assert!(
        log.contains("DEBUG") && log.contains("hub listening"),
        "the hub logged at debug level and above"
    );
    let mut leaks = HashSet::new();
    for (place, text) in &places {
        for canary in CANARIES {
            if text.contains(canary) {
                leaks.insert(format!("{canary} in {place}"));
            }
        }
        // The CVV from the form, as a JSON value or a field.
        if text.contains("\"737\"") || text.contains("cvv=737") {
            leaks.insert(format!("CVV in {place}"));
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}

#[test]
fn config_check_names_the_line_of_a_custom_form_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, crate::custom_forms::POLICY_FORM_TOML).unwrap();
    let check = |file: &Path| {
        Command::new(BINARY)
            .args(["config", "check", file.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let output = check(&good);
    assert!(output.status.success(), "{output:?}");
    // The same form twice: the second id is the mistake; a broken pattern is one too.
    let twice = dir.path().join("twice.toml");
    let second =
        crate::custom_forms::POLICY_FORM_TOML.replace("[forms]\nexpire_minutes = 15\n", "");
    std::fs::write(
        &twice,
        format!("{}{second}", crate::custom_forms::POLICY_FORM_TOML),
    )
    .unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        crate::custom_forms::POLICY_FORM_TOML.replace("[0-9]{6}", "[0-9{6}"),
    )
    .unwrap();
    let line_of = |text: &str, needle: &str, nth: usize| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .unwrap()
            .0
            + 1
    };
    let twice_line = line_of(&std::fs::read_to_string(&twice).unwrap(), "id = ", 1);
    let broken_line = line_of(crate::custom_forms::POLICY_FORM_TOML, "pattern = ", 0);
    for (file, line, says) in [
        (&twice, twice_line, "defined twice"),
        (&broken, broken_line, "not a valid regular expression"),
    ] {
        let output = check(file);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(
            stderr.contains(&format!("{}:{line}:", file.display())) && stderr.contains(says),
            "{stderr}"
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_erase_by_email_removes_every_visitor_who_wrote_it_and_nobody_else() {
    let dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(dir.path(), "");
    let mut conversations = Vec::new();
    for text in [
        "hola, mi correo es Ana.Lopez@example.com",
        "my email is bea@example.org, thanks",
        "escríbanme a ana.lopez@EXAMPLE.com por favor",
        "no email here",
    ] {
        let (conversation, token) = new_visitor(&hub).await;
        let mut ws = ws_connect(hub.addr, "/ws/visitor", Some(&token))
            .await
            .unwrap();
        ws.hello(vec![]).await;
        ws.send(&ClientFrame::Send {
            id: MessageId::new(),
            conversation_id: conversation,
            text: text.into(),
        })
        .await;
        ws.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
        conversations.push(conversation);
    }

    // While the hub runs, from another process, as an admin does it: the address comes on
    // standard input, so it is in neither the shell's history nor the process list.
    let output = hub.admin_with_input(
        &["visitor", "erase", "--email", "-"],
        " ANA.LOPEZ@example.com\n",
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("erased 2 conversation(s) of 2 visitor(s)"),
        "{said}"
    );
    assert!(
        !said.to_lowercase().contains("ana.lopez"),
        "the address is not echoed: {said}"
    );
    // The issue's form, `visitor erase <id|email>`, with the address on the command line.
    let none = hub.admin(&["visitor", "erase", "nobody@example.com"]);
    assert!(
        none.contains("erased 0 conversation(s) of 0 visitor(s)"),
        "{none}"
    );
    // A conversation id in that position erases that conversation's visitor.
    let by_id = hub.admin(&["visitor", "erase", &conversations[3].to_string()]);
    assert!(
        by_id.contains("erased 1 conversation(s) of visitor"),
        "{by_id}"
    );
    // An id that names nothing (a typo) is an error, not "erased 0".
    let typo = hub.admin_with_input(
        &["visitor", "erase", "0190f1a2-0000-7000-8000-00000000dead"],
        "",
    );
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("nothing erased"));
    // Neither an id nor an address, or nothing on standard input: refused, and not repeated.
    for (args, input) in [
        (&["visitor", "erase", "ana lopez"][..], ""),
        (&["visitor", "erase", "-"][..], "\n"),
        (&["visitor", "erase", "--email", "-"][..], "ana lopez\n"),
    ] {
        let output = hub.admin_with_input(args, input);
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} was accepted");
        assert!(
            error.contains("email address") || error.contains("standard input"),
            "{args:?}: {error}"
        );
        assert!(!error.contains("ana lopez"), "{error}");
    }
    hub.stop();

    let store = rampart_hub::store::Store::open(&dir.path().join("data/hub.db")).unwrap();
    let mut left = Vec::new();
    for conversation in &conversations {
        left.push(store.visitor_of(*conversation).await.unwrap().is_some());
    }
    assert_eq!(
        left,
        [false, true, false, false],
        "exactly the two who wrote it, and the one named by conversation id"
    );
    // The index went with the conversations; the erasure is audited without the address.
    let index = rampart_hub::email_index::EmailIndex::open(&dir.path().join("data")).unwrap();
    assert!(
        store
            .visitors_with_email(index.key_of("ana.lopez@example.com"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .visitors_with_email(index.key_of("bea@example.org"))
            .await
            .unwrap()
            .len(),
        1
    );
    let export = Command::new(BINARY)
        .args([
            "--config",
            dir.path().join("hub.toml").to_str().unwrap(),
            "audit",
            "export",
        ])
        .output()
        .unwrap();
    let export = String::from_utf8(export.stdout).unwrap();
    assert_eq!(
        export.matches("visitor.erased").count(),
        4,
        "two by address, one by conversation id, and the typo's attempt: {export}"
    );
    assert_eq!(
        export.matches(r#""conversations":"0""#).count(),
        1,
        "{export}"
    );
    assert!(!export.to_lowercase().contains("ana.lopez"));
}

#[test]
fn organisations_are_created_listed_and_staffed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "[retention]\ntranscript_days = 90\n");
    let run = |args: &[&str]| cli(dir.path(), args);
    let ok = |args: &[&str]| {
        let (ok, stdout, stderr) = run(args);
        assert!(ok, "{args:?}: {stderr}");
        stdout
    };
    let refused = |args: &[&str]| {
        let (ok, _, stderr) = run(args);
        assert!(!ok, "{args:?} should fail");
        stderr
    };

    // A fresh hub has its default organisation, named from the configuration.
    assert_eq!(ok(&["org", "list"]), "default\tAcme\t90 days\n");
    let said = ok(&[
        "org",
        "create",
        "globex",
        "--name",
        "Globex Corp",
        "--retention-days",
        "30",
    ]);
    assert!(
        said.contains("created organisation globex (Globex Corp)"),
        "{said}"
    );
    assert_eq!(
        ok(&["org", "list"]),
        "default\tAcme\t90 days\nglobex\tGlobex Corp\t30 days\n"
    );

    // Ids are slugs, taken once; retention is bounded.
    assert!(refused(&["org", "create", "globex", "--name", "Again"]).contains("exists"));
    assert!(refused(&["org", "create", "Globex EU", "--name", "X"]).contains("lower-case"));
    assert!(
        refused(&[
            "org",
            "create",
            "initech",
            "--name",
            "X",
            "--retention-days",
            "0"
        ])
        .contains("1 to 3650")
    );

    // Accounts and allow-list entries go to the organisation named, and only an existing one.
    let created = ok(&[
        "agent",
        "create",
        "--org",
        "globex",
        "--username",
        "gus",
        "--display-name",
        "Gus",
    ]);
    assert!(
        created.contains("created gus") && created.contains("in globex"),
        "{created}"
    );
    assert!(created.contains("enrollment code"), "{created}");
    let unknown = refused(&[
        "agent",
        "create",
        "--org",
        "nope",
        "--username",
        "nobody",
        "--display-name",
        "Nobody",
    ]);
    assert!(unknown.contains("no organisation \"nope\""), "{unknown}");
    let added = ok(&["allowlist", "add", "198.51.100.0/24", "--org", "globex"]);
    // Adding it again (host bits or not) changes nothing, says so, and names the same entry.
    let (again, stdout, stderr) = run(&["allowlist", "add", "198.51.100.7/24", "--org", "globex"]);
    assert!(again, "{stderr}");
    assert_eq!(stdout, added);
    assert!(stderr.contains("already listed"), "{stderr}");
    let globex_list = ok(&["allowlist", "list", "--org", "globex"]);
    assert!(globex_list.contains("198.51.100.0/24"), "{globex_list}");
    assert_eq!(globex_list.lines().count(), 1, "{globex_list}");
    assert_eq!(ok(&["allowlist", "list"]), "");
    assert!(refused(&["allowlist", "list", "--org", "nope"]).contains("no organisation"));
    let id = globex_list.split('\t').next().unwrap();
    assert!(refused(&["allowlist", "remove", id]).contains("no allow-list entry"));
    ok(&["allowlist", "remove", id, "--org", "globex"]);

    // The creation is in the audit log, by the operator, naming the organisation.
    let export = ok(&["audit", "export"]);
    let record = export
        .lines()
        .find(|l| l.contains("admin.org.created"))
        .unwrap_or_else(|| panic!("no org.created record in {export}"));
    assert!(
        record.contains("globex") && record.contains("rampart-hub"),
        "{record}"
    );
    assert_eq!(export.matches("admin.org.created").count(), 1);
    // The allow-list: one addition, one addition that changed nothing (not audited as an
    // add), one removal.
    let changes: Vec<&str> = export
        .lines()
        .filter(|l| l.contains("admin.allowlist.changed"))
        .collect();
    assert_eq!(changes.len(), 3, "{changes:?}");
    for (record, change) in changes.iter().zip(["add", "unchanged", "remove"]) {
        assert!(
            record.contains(&format!(r#""change":"{change}""#)),
            "{change}: {record}"
        );
    }
}
