//! The console end to end: the real built app under WebDriver, the embedded demo hub, a visitor
//! driven by this test through the hub's real API.
//!
//! One scenario walks what an agent does: start the demo, sign in with password and TOTP (the
//! test computes the code from the demo account), become available, accept a visitor, see a
//! pasted card number masked, send a reply that holds an IBAN (warned, sent masked), watch the
//! idle lock engage and unlock it. Revealing the card takes a reason, shows it for ten seconds and
//! the demo hub's audit log records the reveal without the value. A visitor's XSS payload is shown as text and runs nothing.
//! Afterwards no raw sensitive value is anywhere in the app's data, config or log directories.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_client::{Endpoint, Event, HubApi, HubUrl, Live, LiveConfig};
use rampart_e2e::{Console, Error, free_port, scenario_with_env};
use rampart_protocol::{Author, ServerFrame};

const CARD: &str = "4111 1111 1111 1111";
const CARD_DIGITS: &str = "4111111111111111";
const IBAN: &str = "ES91 2100 0418 4502 0005 1332";
const IBAN_COMPACT: &str = "ES9121000418450200051332";
const XSS: &str =
    "<img src=x onerror=\"window.__rampartCanary=1\"><script>window.__rampartCanary=2</script>";
const IDLE_SECS: u64 = 20;

fn demo_dir(home: &Path) -> PathBuf {
    home.join(".local/share/com.rampart.console.dev/demo")
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every file below `dir`, as bytes, with its path.
fn files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn next_agent_text(events: &mut tokio::sync::mpsc::Receiver<Event>) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .expect("the visitor got no agent message in time")
            .expect("the visitor's connection ended");
        if let Event::Frame(ServerFrame::Message {
            author: Author::Agent { .. },
            text,
            ..
        }) = event
        {
            return text;
        }
    }
}

/// What a revealed value's element draws (its `::after` content, unquoted), once `pick` accepts
/// it. Revealed values are drawn from an attribute, never written as page text.
async fn wait_drawn(
    console: &Console,
    selector: &str,
    pick: impl Fn(&str) -> bool,
) -> Result<String, Error> {
    let script = format!(
        "const el = document.querySelector('{selector}');\
         return el ? getComputedStyle(el, '::after').content : '';"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let drawn = console.client().execute(&script, vec![]).await?;
        let drawn = drawn
            .as_str()
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned();
        if pick(&drawn) {
            return Ok(drawn);
        }
        assert!(
            Instant::now() < deadline,
            "{selector} never drew the value: {drawn:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Selects the transcript, presses Ctrl+C as the agent would, and returns what the X clipboard
/// holds then (read with `xclip`, as another application would).
async fn copy_transcript(console: &Console) -> Result<String, Error> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    use fantoccini::key::Key;
    console
        .client()
        .execute(
            "getSelection().selectAllChildren(document.querySelector('[data-testid=transcript]'));\
             return true;",
            vec![],
        )
        .await?;
    let control = char::from(Key::Control);
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: control })
        .then(KeyAction::Down { value: 'c' })
        .then(KeyAction::Up { value: 'c' })
        .then(KeyAction::Up { value: control });
    console.client().perform_actions(keys).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let copied = read_clipboard(None)?;
    console
        .client()
        .execute("getSelection().removeAllRanges(); return true;", vec![])
        .await?;
    Ok(copied)
}

/// What the X clipboard holds (as text, or the given target such as `TARGETS`), read with
/// `xclip` as another application would. Empty when it holds nothing.
fn read_clipboard(target: Option<&str>) -> Result<String, Error> {
    read_selection("clipboard", target)
}

/// What an X selection (`clipboard` or `primary`) holds.
fn read_selection(selection: &str, target: Option<&str>) -> Result<String, Error> {
    let mut command = std::process::Command::new("xclip");
    command.args(["-o", "-selection", selection]);
    if let Some(target) = target {
        command.args(["-t", target]);
    }
    let output = command.output()?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

async fn sign_in(console: &Console) -> Result<String, Error> {
    console.click("[data-testid=start-demo]").await?;
    let username = console.text("[data-testid=demo-username]").await?;
    let password = console.text("[data-testid=demo-password]").await?;
    assert_eq!(username, "demo.agent");
    console
        .wait_text("[data-testid=demo-code]", |t| t.len() == 6)
        .await?;
    console.screenshot("signin-demo-en").await?;
    console
        .type_into("[data-testid=username]", &username)
        .await?;
    console
        .type_into("[data-testid=password]", &password)
        .await?;
    console.click("[data-testid=signin-submit]").await?;
    console
        .wait_for("[data-testid=totp]", Duration::from_secs(20))
        .await?;

    // The test is the authenticator app: it computes the code from the demo's secret.
    let account = rampart_demo::DemoAccount::load(&demo_dir(console.home()))?;
    let (code, _) = account.code_at(unix_now());
    console.type_into("[data-testid=totp]", &code).await?;
    console.click("[data-testid=totp-submit]").await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !console.exists("[data-testid=availability]").await? {
        if console.exists("[data-testid=code-error]").await? {
            // The provisioning step may have used this step's code: take the next one.
            let (next, _) = account.code_at(unix_now() + 30);
            console.type_into("[data-testid=totp]", &next).await?;
            console.click("[data-testid=totp-submit]").await?;
        }
        assert!(
            Instant::now() < deadline,
            "sign-in did not reach the workspace"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(password)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_signs_in_handles_a_chat_with_masked_data_and_the_console_locks_when_idle()
-> Result<(), Error> {
    let port = free_port()?;
    let port_text = port.to_string();
    let idle = IDLE_SECS.to_string();
    let env = [
        ("RAMPART_DEMO_PORT", port_text.as_str()),
        ("RAMPART_DEMO_VISITORS", "0"),
        ("RAMPART_IDLE_LOCK_SECS", idle.as_str()),
    ];
    scenario_with_env("console", &env, async |console| {
        console
            .wait_for("[data-testid=start-demo]", Duration::from_secs(20))
            .await?;
        console.screenshot("setup-en").await?;
        let password = sign_in(console).await?;
        console.click("[data-testid=availability]").await?;
        console
            .wait_text("[data-testid=connection]", |t| t == "Connected")
            .await?;

        // A visitor arrives through the hub's public API and pastes a card number.
        let hub = HubUrl::parse(&format!("http://127.0.0.1:{port}"))?;
        let api = HubApi::new(hub.clone())?;
        let notice = api.privacy_notice().await?;
        let visitor = api.new_visitor("es-ES", &notice.version).await?;
        let conversation = visitor.conversation_id;
        let (live, mut events) =
            Live::spawn(LiveConfig::new(hub, Endpoint::Visitor, visitor.token));
        live.send(
            conversation,
            format!("Hola, mi tarjeta es {CARD}, ¿pueden revisar el cobro?"),
        )
        .await?;
        live.send(conversation, XSS).await?;
        live.send(conversation, "Entra en https://evil.example/banco-login.").await?;

        // The agent accepts it (the button, or the hub's routing, whichever comes first).
        let deadline = Instant::now() + Duration::from_secs(15);
        while !console.exists("[data-testid=masked]").await? {
            if console.exists("[data-testid=accept]").await? {
                let _ = console.click("[data-testid=accept]").await;
            }
            assert!(
                Instant::now() < deadline,
                "the visitor's message never appeared"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        // The transcript settles (the history load and the live messages meet) before the test
        // holds on to any of its elements.
        console
            .wait_text("[data-testid=transcript]", |t| t.contains("banco-login"))
            .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let masked = console.text("[data-testid=masked]").await?;
        assert!(
            console.exists("button[data-testid=masked]").await?,
            "the demo agent may reveal: the masked card is a button"
        );
        assert!(
            masked.ends_with("1111"),
            "masked card shows its last four: {masked:?}"
        );
        assert!(!masked.contains(CARD) && !masked.contains(CARD_DIGITS));
        let kind = console
            .client()
            .execute(
                "return document.querySelector('[data-testid=masked]').dataset.kind;",
                vec![],
            )
            .await?;
        assert_eq!(kind, serde_json::Value::String("credit_card".into()));

        // Revealing it takes a reason; the value shows, cannot be copied, and masks again.
        console.click("button[data-testid=masked]").await?;
        console
            .wait_for("[data-testid=reveal-dialog]", Duration::from_secs(10))
            .await?;
        console.click("[data-testid=reveal-reason-paymentIssue]").await?;
        console.screenshot("reveal-dialog-en").await?;
        console.click("[data-testid=reveal-confirm]").await?;
        let shown = wait_drawn(console, "[data-testid=revealed]", |t| t.contains(CARD)).await?;
        assert!(shown.contains(CARD));
        // Drawn, not written: the page's text holds no digit of it.
        let text = console.text("[data-testid=transcript]").await?;
        assert!(!text.contains(CARD) && !text.contains("4111"), "{text}");
        let copy_blocked = console
            .client()
            .execute(
                "return getComputedStyle(document.querySelector('[data-testid=revealed]')).webkitUserSelect;",
                vec![],
            )
            .await?;
        assert_eq!(copy_blocked, serde_json::Value::String("none".into()));
        // Selecting the whole transcript and pressing Ctrl+C while the value shows puts the
        // masked form on the system clipboard, never the revealed digits.
        let copied = copy_transcript(console).await?;
        assert!(copied.contains("1111"), "the masked card was copied: {copied:?}");
        assert!(copied.contains('•'), "the masked card was copied: {copied:?}");
        assert!(
            !copied.contains(CARD) && !copied.contains(CARD_DIGITS),
            "the revealed card reached the clipboard: {copied:?}"
        );
        // X11's other clipboard, the primary selection (middle-click paste), is filled by the
        // selection itself without a copy event: the revealed value cannot be selected.
        let primary = read_selection("primary", None)?;
        assert!(
            !primary.contains(CARD) && !primary.contains(CARD_DIGITS),
            "the revealed card reached the primary selection: {primary:?}"
        );
        console.screenshot("revealed-en").await?;
        let revealed_at = Instant::now();
        while console.exists("[data-testid=revealed]").await? {
            assert!(
                revealed_at.elapsed() < Duration::from_secs(14),
                "the value stayed visible"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(revealed_at.elapsed() >= Duration::from_secs(8), "re-masked too early");
        let again = console.text("[data-testid=masked]").await?;
        assert!(!again.contains(CARD));
        // The hub recorded who revealed what, and why, but not the value.
        let audit = demo_dir(console.home()).join("hub/audit.db");
        let conn = rusqlite::Connection::open_with_flags(
            &audit,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let (actor, outcome, details): (String, String, String) = conn.query_row(
            "SELECT actor_name, outcome, details FROM audit_log
             WHERE action = 'data.masked.revealed' ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        assert_eq!(actor, "demo.agent");
        assert_eq!(outcome, "success");
        assert!(details.contains("payment_issue") && details.contains("credit_card"), "{details}");
        assert!(!details.contains(CARD) && !details.contains(CARD_DIGITS));

        // A secure form: the agent asks for a card, the visitor submits it, the console shows
        // it masked, and a reveal with a reason shows the number for a while.
        let select = console
            .client()
            .find(fantoccini::Locator::Css("[data-testid=request-form]"))
            .await?;
        select.select_by_value("card").await?;
        let form_id = loop {
            let event = tokio::time::timeout(Duration::from_secs(15), events.recv())
                .await?
                .ok_or("the visitor's connection ended")?;
            if let Event::Frame(ServerFrame::FormRequested { form_id, .. }) = event {
                break form_id;
            }
        };
        let values = [("cardNumber", CARD), ("expiry", "11/30"), ("cvv", "737")]
            .iter()
            .map(|(name, value)| rampart_protocol::FormValue {
                name: (*name).into(),
                value: (*value).into(),
            })
            .collect();
        live.submit_form(conversation, form_id, values).await?;
        console
            .wait_text("[data-testid=secure-form]", |t| t.contains("•••• 1111"))
            .await?;
        console.screenshot("secure-form-en").await?;
        console.click("[data-testid=reveal-field-cardNumber]").await?;
        console.click("[data-testid=reveal-reason-paymentIssue]").await?;
        console.click("[data-testid=reveal-confirm]").await?;
        wait_drawn(console, "[data-testid=form-revealed]", |t| t == CARD_DIGITS).await?;
        let shown_at = Instant::now();
        // The demo hub's policy lets agents copy it (for a payment terminal): the clipboard
        // gets the number, marked for clipboard managers not to keep, for ten seconds.
        console.click("[data-testid=copy-revealed]").await?;
        console
            .wait_text("[data-testid=copy-revealed]", |t| t == "Copied")
            .await?;
        assert_eq!(read_clipboard(None)?, CARD_DIGITS);
        let targets = read_clipboard(Some("TARGETS"))?;
        assert!(
            targets.contains("x-kde-passwordManagerHint"),
            "no do-not-record hint: {targets}"
        );
        while console.exists("[data-testid=form-revealed]").await? {
            assert!(shown_at.elapsed() < Duration::from_secs(14), "the value stayed visible");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        while read_clipboard(None)? == CARD_DIGITS {
            assert!(
                shown_at.elapsed() < Duration::from_secs(14),
                "the copied number stayed on the clipboard"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(console.exists("[data-testid=reveal-field-cardNumber]").await?);

        // A visitor's link opens nothing by itself: a dialog shows where it really goes.
        console.click("[data-testid=message-link]").await?;
        let host = console.text("[data-testid=link-host]").await?;
        assert_eq!(host, "evil.example");
        console.screenshot("link-dialog-en").await?;
        console.client().execute(
            "document.querySelector('[data-testid=link-dialog] .ghost').click(); return true;",
            vec![],
        ).await?;
        assert_eq!(console.client().title().await?, "Rampart Console");

        // The payload is text on the page and ran nothing.
        console
            .wait_text("[data-testid=transcript]", |t| t.contains("onerror"))
            .await?;
        let canary = console
            .client()
            .execute("return window.__rampartCanary === undefined;", vec![])
            .await?;
        assert_eq!(
            canary,
            serde_json::Value::Bool(true),
            "visitor markup executed"
        );
        let source = console.client().source().await?;
        assert!(
            !source.contains(CARD) && !source.contains(CARD_DIGITS),
            "raw card in the page"
        );
        // What a copy of the transcript yields: its text holds only the masked form.
        let transcript = console.text("[data-testid=transcript]").await?;
        assert!(!transcript.contains(CARD) && !transcript.contains(CARD_DIGITS));

        // The agent's reply with an IBAN is held for a warning, then sent masked.
        console
            .type_into(
                "[data-testid=composer]",
                &format!("Su IBAN {IBAN} queda anotado"),
            )
            .await?;
        console.click("[data-testid=send]").await?;
        console
            .wait_for("[data-testid=pii-warning]", Duration::from_secs(10))
            .await?;
        console.screenshot("pii-warning-en").await?;
        console.click("[data-testid=pii-send-masked]").await?;
        let received = next_agent_text(&mut events).await;
        assert!(
            received.contains("queda anotado"),
            "reply arrived: {received:?}"
        );
        assert!(!received.contains(IBAN) && !received.contains(IBAN_COMPACT));
        console
            .wait_text("[data-testid=transcript]", |t| t.contains("queda anotado"))
            .await?;
        console.screenshot("workspace-en").await?;

        let select = console
            .client()
            .find(fantoccini::Locator::Css("[data-testid=language]"))
            .await?;
        select.select_by_value("es").await?;
        console
            .wait_text("[data-testid=connection]", |t| t == "Conectado")
            .await?;
        console.screenshot("workspace-es").await?;
        console.click("[data-testid=theme-toggle]").await?;
        console.screenshot("workspace-es-dark").await?;
        console.click("[data-testid=theme-toggle]").await?;

        // Left alone, the console locks itself; the lock screen holds no conversation content.
        let started = Instant::now();
        console
            .wait_for(
                "[data-testid=lock-screen]",
                Duration::from_secs(IDLE_SECS + 10),
            )
            .await?;
        assert!(started.elapsed() <= Duration::from_secs(IDLE_SECS + 10));
        assert!(!console.exists("[data-testid=transcript]").await?);
        let source = console.client().source().await?;
        assert!(
            !source.contains("queda anotado"),
            "conversation text behind the lock"
        );
        console.screenshot("locked-es").await?;
        console
            .type_into("[data-testid=unlock-password]", "wrong password")
            .await?;
        console.click("[data-testid=unlock-submit]").await?;
        console
            .wait_text("[role=alert]", |t| t.contains("Contraseña incorrecta"))
            .await?;
        console
            .type_into("[data-testid=unlock-password]", &password)
            .await?;
        console.click("[data-testid=unlock-submit]").await?;
        console
            .wait_text("[data-testid=transcript]", |t| t.contains("queda anotado"))
            .await?;

        // The operating system locking the screen locks the console too (the session bus's
        // screen-saver signal, as GNOME and KDE send it).
        let sent = std::process::Command::new("dbus-send")
            .args([
                "--session",
                "--type=signal",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver.ActiveChanged",
                "boolean:true",
            ])
            .status()?;
        assert!(sent.success(), "dbus-send failed");
        console
            .wait_for("[data-testid=lock-screen]", Duration::from_secs(10))
            .await?;
        let notice = console.text("[data-testid=notice]").await?;
        assert!(notice.contains("pantalla"), "{notice}");
        // This time with an authenticator code, which the hub checks. The sign-in may have
        // used the next step's code already; then the hub calls it a replay and the test waits
        // for the step after.
        console.click("[data-testid=unlock-switch]").await?;
        let account = rampart_demo::DemoAccount::load(&demo_dir(console.home()))?;
        let mut replays = 0;
        'unlock: loop {
            let (code, _) = account.code_at(unix_now() + 30);
            console.type_into("[data-testid=unlock-code]", &code).await?;
            console.click("[data-testid=unlock-submit]").await?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if console.exists("[data-testid=transcript]").await? {
                    break 'unlock;
                }
                if console.exists("[data-testid=unlock-error]").await? {
                    replays += 1;
                    assert_eq!(replays, 1, "a fresh code did not unlock");
                    tokio::time::sleep(Duration::from_secs(31 - unix_now() % 30)).await;
                    continue 'unlock;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            panic!("the code unlock neither unlocked nor failed");
        }
        console
            .wait_text("[data-testid=transcript]", |t| t.contains("queda anotado"))
            .await?;

        console.click("[data-testid=sign-out]").await?;
        console
            .wait_for("[data-testid=signin-submit]", Duration::from_secs(15))
            .await?;
        live.shutdown().await?;

        // Nothing on disk holds a raw value sent during the session: the app's data (vault
        // cache, demo hub databases), config and logs, WebKit's storage included.
        let mut all = Vec::new();
        files(console.home(), &mut all);
        assert!(all.len() > 3, "expected the app's files under its home");
        for (path, bytes) in &all {
            for raw in [CARD, CARD_DIGITS, IBAN, IBAN_COMPACT] {
                assert!(!contains(bytes, raw), "{raw} found in {}", path.display());
            }
        }
        Ok(())
    })
    .await
}
