//! `console-perf`: measures Rampart Console against its performance targets and prints a table.
//!
//! It needs what the e2e tests need (the app built by `make app`, `tauri-driver`, a desktop
//! session); `make perf-console` provides all of it:
//!
//! ```text
//! scripts/with-desktop.sh cargo run -p rampart-e2e --bin console-perf -- [options]
//!   --cold-runs N       cold starts to time (5)
//!   --cold-only         time the cold starts only
//!   --conversations N   visitors in the load (20, at most 20: the hub's agent capacity limit)
//!   --messages N        messages each load visitor sends (1000)
//!   --samples N         marked messages per hub-to-paint run (50)
//!   --spacing-ms N      pause between marked messages (200)
//! ```
//!
//! How each figure is taken (`docs/performance.md` records the results and the caveats):
//!
//! - **Cold start**: from the app process's start (`starttime` in `/proc/<pid>/stat`, 10 ms
//!   resolution, turned into wall-clock time through `/proc/uptime`) to the task turn after the
//!   first animation frame once the setup screen's "Try the demo" button entered the DOM, read
//!   with `Date.now()` in the page (the same wall clock). Each run has a fresh profile; the page
//!   cache is warm. The harness's own view (spawning tauri-driver to that frame) is printed too.
//! - **Memory**: RSS, PSS and USS (`/proc/<pid>/smaps_rollup`) summed over the app process and
//!   every process below it (WebKitWebProcess, WebKitNetworkProcess). tauri-driver and
//!   WebKitWebDriver, which only exist under test, are not counted. PSS shares each page among
//!   the processes mapping it, so it does not count the WebKit libraries twice; the RSS sum does.
//!   Where the memory sits (largest mappings) and the CPU each process used during the load are
//!   printed under the table.
//! - **Hub to paint**: a visitor driven from here sends marked messages. "Arrived at the hub" is
//!   when the hub's `ack` reaches the visitor (the hub acks after storing the message); a
//!   MutationObserver in the page notes when the marker enters the transcript, and "painted" is
//!   the task turn after the next animation frame (that frame has then been rendered). The
//!   moment the visitor handed the message to its connection gives a second, end-to-end
//!   baseline. (The hub's own `sentAt` cannot serve: the hub's clock has 1 s resolution.)
//! - **Load**: `--conversations` visitors send `--messages` messages each, all routed to the
//!   signed-in agent; then every conversation is opened in the UI so its messages are loaded.
//!
//! The hub is a demo hub started in this process with its agent capacity raised for the load,
//! and the console is pointed at it with `RAMPART_HUB_URL`, as a deployment would be: the app's
//! process tree then holds the console alone, not a hub.

mod latency;
mod process;
mod report;

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rampart_client::{HubApi, HubUrl};
use rampart_demo::{DemoAccount, DemoConfig, DemoHub};
use rampart_e2e::{Console, Error, console_binary, prerequisites};
use serde_json::{Value, json};

use latency::{Visitor, hub_to_paint};
use process::{
    TreeMemory, cpu_seconds, find_app, foreign_webkit_processes, largest_mappings,
    process_start_wall_ms,
};
use report::{Report, load_average, machine};

const SETUP_SCREEN: &str = "[data-testid=start-demo]";
const SETTLE: Duration = Duration::from_secs(5);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("console-perf: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What to run, from the command line.
struct Options {
    cold_runs: usize,
    cold_only: bool,
    conversations: usize,
    messages: usize,
    samples: usize,
    spacing: Duration,
}

impl Options {
    fn parse() -> Result<Self, Error> {
        let mut options = Self {
            cold_runs: 5,
            cold_only: false,
            conversations: 20,
            messages: 1000,
            samples: 50,
            spacing: Duration::from_millis(200),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--cold-only" {
                options.cold_only = true;
                continue;
            }
            let value: usize = args
                .next()
                .ok_or_else(|| format!("{flag} needs a number"))?
                .parse()?;
            match flag.as_str() {
                "--cold-runs" => options.cold_runs = value.max(1),
                "--conversations" => options.conversations = value.clamp(1, 20),
                "--messages" => options.messages = value.max(1),
                "--samples" => options.samples = value.max(1),
                "--spacing-ms" => options.spacing = Duration::from_millis(value as u64),
                _ => return Err(format!("unknown option {flag}").into()),
            }
        }
        Ok(options)
    }
}

async fn run() -> Result<(), Error> {
    let options = Options::parse()?;
    // A measurement run with something missing is an error, never a skip.
    if !prerequisites()? {
        return Err("e2e prerequisites missing (see above)".into());
    }
    let mut report = Report::default();
    report.note(&format!("app: {}", console_binary().display()));
    report.note(&machine());
    let load_at_start = load_average();

    eprintln!("cold start: {} runs", options.cold_runs);
    let mut runs = Vec::new();
    for run in 0..options.cold_runs {
        let sample = cold_start(run).await?;
        eprintln!(
            "  run {}: {:.0} ms from process start ({:.0} ms from driver spawn){}",
            run + 1,
            sample.from_process,
            sample.from_spawn,
            if sample.upper_bound {
                ", upper bound"
            } else {
                ""
            }
        );
        runs.push(sample);
    }
    report.cold_start(&runs);

    if !options.cold_only {
        workspace(&options, &mut report).await?;
    }
    report.breakdown.push(format!(
        "load average (1/5/15 min): {load_at_start} at the start, {} at the end",
        load_average()
    ));
    println!("{}", report.finish());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Cold start

struct ColdStart {
    from_process: f64,
    from_spawn: f64,
    to_navigation: f64,
    to_dom_ready: Option<f64>,
    /// The screen was already there when the observer was installed: the time is an upper bound.
    upper_bound: bool,
    memory: TreeMemory,
}

/// Resolves on the task turn after the first animation frame following the appearance of
/// `arguments[0]` (at once if it is already there, flagged `already`).
const SCREEN_PAINTED_JS: &str = r"
const done = arguments[arguments.length - 1];
const selector = arguments[0];
const painted = (already) => requestAnimationFrame(() => setTimeout(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  done({
    already,
    href: location.href,
    paintedAt: Date.now(),
    timeOrigin: performance.timeOrigin,
    domReady: nav ? nav.domContentLoadedEventEnd : null,
  });
}, 0));
if (document.querySelector(selector)) {
  painted(true);
} else {
  new MutationObserver((_, observer) => {
    if (document.querySelector(selector)) {
      observer.disconnect();
      painted(false);
    }
  }).observe(document, { childList: true, subtree: true });
}
";

async fn cold_start(run: usize) -> Result<ColdStart, Error> {
    let spawned = wall_ms();
    // An empty hub address and RAMPART_DEMO=0: the first screen is the setup screen whatever
    // this shell has set.
    let env = [("RAMPART_HUB_URL", ""), ("RAMPART_DEMO", "0")];
    let console = Console::launch_with_env(&format!("perf-cold-{run}"), &env).await?;
    let outcome = async {
        let app = find_app().ok_or("the app process was not found below this one")?;
        let started = process_start_wall_ms(app)?;
        let page =
            execute_async_retrying(&console, SCREEN_PAINTED_JS, vec![json!(SETUP_SCREEN)]).await?;
        let painted = number(&page, "paintedAt")?;
        let time_origin = number(&page, "timeOrigin")?;
        let dom_ready = page["domReady"].as_f64().filter(|v| *v > 0.0);
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, Error>(ColdStart {
            from_process: painted - started,
            from_spawn: painted - spawned,
            to_navigation: time_origin - started,
            to_dom_ready: dom_ready.map(|v| time_origin + v - started),
            upper_bound: page["already"].as_bool().unwrap_or(true),
            memory: TreeMemory::sample(app),
        })
    }
    .await;
    if outcome.is_err() {
        let _ = console.screenshot("failure").await;
    }
    console.close().await;
    outcome
}

/// The session may start while the window still shows a blank page: retry until the script
/// runs in the app's page.
async fn execute_async_retrying(
    console: &Console,
    script: &str,
    args: Vec<Value>,
) -> Result<Value, Error> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match console.client().execute_async(script, args.clone()).await {
            Ok(value) if !value["href"].as_str().unwrap_or("").starts_with("about:") => {
                return Ok(value);
            }
            Ok(_) | Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(value) => return Err(format!("page never loaded: {value}").into()),
            Err(error) => return Err(error.into()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The signed-in workspace: memory, hub-to-paint, load

async fn workspace(options: &Options, report: &mut Report) -> Result<(), Error> {
    let data = tempfile::Builder::new()
        .prefix("rampart-perf-hub-")
        .tempdir()?;
    let mut config = DemoConfig::new(data.path().join("demo"));
    config.simulated_visitors = false;
    config.agent_capacity = options.conversations;
    let hub = DemoHub::start(config).await?;
    let hub_url = hub.url().clone();
    let account = hub.account().clone();
    let url_text = hub_url.to_string();
    let env = [
        ("RAMPART_HUB_URL", url_text.as_str()),
        ("RAMPART_DEMO", "0"),
    ];
    let console = Console::launch_with_env("perf-workspace", &env).await?;
    let outcome = measure_workspace(&console, &hub_url, &account, options, report).await;
    if outcome.is_err() {
        match console.screenshot("failure").await {
            Ok(path) => eprintln!("failure screenshot: {}", path.display()),
            Err(error) => eprintln!("could not take a failure screenshot: {error}"),
        }
    }
    console.close().await;
    hub.shutdown().await?;
    outcome
}

async fn measure_workspace(
    console: &Console,
    hub: &HubUrl,
    account: &DemoAccount,
    options: &Options,
    report: &mut Report,
) -> Result<(), Error> {
    let app = find_app().ok_or("the app process was not found below this one")?;
    sign_in(console, account).await?;
    console.click("[data-testid=availability]").await?;
    console
        .wait_text("[data-testid=connection]", |t| t == "Connected")
        .await?;
    tokio::time::sleep(SETTLE).await;
    let idle = TreeMemory::settled(app).await;
    eprintln!("idle, signed in: {}", idle.summary());
    report.breakdown.extend(
        largest_mappings(app, 5)
            .into_iter()
            .map(|line| format!("largest mappings (PSS), idle, {line}")),
    );

    // Hub to paint in a quiet workspace: one conversation, closed afterwards so the load can
    // take the agent's full capacity.
    let api = HubApi::new(hub.clone())?;
    let notice = api.privacy_notice().await?.version;
    let first = Visitor::arrive(&api, hub, &notice).await?;
    first.live.send(first.conversation, "hello").await?;
    console
        .wait_text("[data-testid=transcript]", |t| t.contains("hello"))
        .await?;
    let quiet = hub_to_paint(console, &first, 'a', options).await?;
    eprintln!("hub to paint, quiet: {}", quiet.summary());
    console.click("[data-testid=close-conversation]").await?;
    wait_until(
        Duration::from_secs(15),
        "the first conversation to close",
        async || Ok(!console.exists("[data-testid=close-conversation]").await?),
    )
    .await?;
    first.leave().await;

    // The load: every visitor sends its messages at the client's pace (40 a second each).
    eprintln!(
        "load: {} visitors × {} messages",
        options.conversations, options.messages
    );
    let mut visitors = Vec::new();
    for _ in 0..options.conversations {
        visitors.push(Visitor::arrive(&api, hub, &notice).await?);
    }
    let started = Instant::now();
    let cpu_before = cpu_seconds(app);
    let mut senders = Vec::new();
    for (index, visitor) in visitors.iter().enumerate() {
        let live = visitor.live.clone();
        let conversation = visitor.conversation;
        let count = options.messages;
        senders.push(tokio::spawn(async move {
            for n in 0..count {
                live.send(conversation, load_text(index, n)).await?;
            }
            Ok::<_, rampart_client::ClientError>(())
        }));
    }
    for sender in senders {
        sender.await??;
    }
    let expected = options.messages;
    wait_until(
        Duration::from_secs(600),
        "the hub to ack the load",
        async || Ok(visitors.iter().all(|v| v.acked() >= expected)),
    )
    .await?;
    let hub_took = started.elapsed();
    eprintln!(
        "  hub acked everything after {:.1} s",
        hub_took.as_secs_f64()
    );
    let mut counts = Vec::new();
    wait_until(
        Duration::from_secs(600),
        "the console to receive the load",
        async || {
            counts = unread_counts(console).await?;
            Ok(counts.len() == visitors.len() && counts.iter().all(|c| *c >= expected))
        },
    )
    .await?;
    let console_took = started.elapsed();
    let cpu = cpu_seconds(app)
        .into_iter()
        .map(|(name, total)| {
            let before = cpu_before
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0.0, |(_, s)| *s);
            format!("{name} {:.1} s", total - before)
        })
        .collect::<Vec<_>>()
        .join(", ");
    report.breakdown.push(format!(
        "CPU used while the load arrived ({:.0} s on {} cores): {cpu}",
        console_took.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    eprintln!(
        "  console showed every message after {:.1} s",
        console_took.as_secs_f64()
    );
    tokio::time::sleep(SETTLE).await;
    let received = TreeMemory::settled(app).await;
    eprintln!("received, not opened: {}", received.summary());

    let mut opening = Vec::new();
    for index in 0..visitors.len() {
        let opened = open_conversation(console, Value::from(index)).await?;
        opening.push(opened);
    }
    tokio::time::sleep(SETTLE).await;
    let loaded = TreeMemory::settled(app).await;
    eprintln!("every conversation opened: {}", loaded.summary());
    report.breakdown.extend(
        largest_mappings(app, 5)
            .into_iter()
            .map(|line| format!("largest mappings (PSS), loaded, {line}")),
    );
    report.breakdown.push(format!(
        "other processes mapping WebKit while loaded: {} (they share pages, lowering PSS)",
        foreign_webkit_processes(app)
    ));

    // Hub to paint with the load in memory, in a conversation of `messages` messages.
    open_conversation(console, Value::from(visitor_key(0))).await?;
    let busy = hub_to_paint(console, &visitors[0], 'b', options).await?;
    eprintln!("hub to paint, loaded: {}", busy.summary());

    let scroll = console
        .client()
        .execute_async(SCROLL_TO_FIRST_JS, vec![])
        .await?;
    eprintln!("scroll, frames over 50 ms: {}", scroll["long"]);
    let after = TreeMemory::settled(app).await;
    eprintln!("after the runs: {}", after.summary());
    // Whether the web process hands memory back once nothing happens for a while.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let rested = TreeMemory::settled(app).await;
    eprintln!("after 30 s more: {}", rested.summary());
    for visitor in visitors {
        visitor.leave().await;
    }

    report.memory(&idle, &received, &loaded, &[&after, &rested], options);
    report.load(hub_took, console_took, &opening, &scroll, options);
    report.latency(&quiet, &busy, options);
    Ok(())
}

async fn sign_in(console: &Console, account: &DemoAccount) -> Result<(), Error> {
    console
        .wait_for("[data-testid=username]", Duration::from_secs(30))
        .await?;
    console
        .type_into("[data-testid=username]", account.username())
        .await?;
    console
        .type_into("[data-testid=password]", account.password().expose())
        .await?;
    console.click("[data-testid=signin-submit]").await?;
    console
        .wait_for("[data-testid=totp]", Duration::from_secs(30))
        .await?;
    // Provisioning the demo account used this step's code: on refusal, the next step's.
    let mut tried = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !console.exists("[data-testid=availability]").await? {
        let now = unix_now();
        let code = [now, now + 30]
            .into_iter()
            .map(|at| account.code_at(at).0)
            .find(|code| !tried.contains(code));
        if let Some(code) = code
            && (tried.is_empty() || console.exists("[data-testid=code-error]").await?)
        {
            console.type_into("[data-testid=totp]", &code).await?;
            console.click("[data-testid=totp-submit]").await?;
            tried.push(code);
        }
        if Instant::now() > deadline {
            return Err("sign-in did not reach the workspace".into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(())
}

fn load_text(visitor: usize, n: usize) -> String {
    format!(
        "{} #{n:04} my parcel has not arrived yet, could you check where it is please?",
        visitor_key(visitor)
    )
}

fn visitor_key(visitor: usize) -> String {
    format!("v{visitor:02}")
}

/// Unread counts of the open conversations in the sidebar.
async fn unread_counts(console: &Console) -> Result<Vec<usize>, Error> {
    let value = console
        .client()
        .execute(
            "return [...document.querySelectorAll('[data-testid=conversation]:not(.closed)')]\
             .map((b) => Number(b.querySelector('.badge')?.textContent ?? 0));",
            vec![],
        )
        .await?;
    Ok(value
        .as_array()
        .map(|counts| {
            counts
                .iter()
                .map(|c| c.as_u64().unwrap_or(0) as usize)
                .collect()
        })
        .unwrap_or_default())
}

/// Clicks an open conversation (by index, or the one whose preview contains a string) and
/// resolves with the milliseconds until its last message is painted.
const OPEN_CONVERSATION_JS: &str = r"
const done = arguments[arguments.length - 1];
const which = arguments[0];
const buttons = [...document.querySelectorAll('[data-testid=conversation]:not(.closed)')];
const button = typeof which === 'number'
  ? buttons[which]
  : buttons.find((b) => (b.querySelector('.preview')?.textContent ?? '').includes(which));
if (!button) { done({ error: 'no such conversation: ' + which }); return; }
const preview = button.querySelector('.preview')?.textContent ?? '';
const key = (preview.match(/v\d\d #\d{4}/) ?? [null])[0];
if (!key) { done({ error: 'no load message in the preview' }); return; }
const start = performance.now();
button.click();
const check = () => {
  const texts = document.querySelectorAll('[data-testid=transcript] [data-testid=message-text]');
  const last = texts[texts.length - 1];
  if (button.getAttribute('aria-current') === 'true' && last && last.textContent.includes(key)) {
    setTimeout(() => done({ ms: performance.now() - start, key }), 0);
  } else if (performance.now() - start > 20000) {
    done({ error: 'conversation ' + key + ' did not open' });
  } else {
    requestAnimationFrame(check);
  }
};
requestAnimationFrame(check);
";

async fn open_conversation(console: &Console, which: Value) -> Result<f64, Error> {
    let outcome = console
        .client()
        .execute_async(OPEN_CONVERSATION_JS, vec![which])
        .await?;
    if let Some(error) = outcome["error"].as_str() {
        return Err(error.to_owned().into());
    }
    number(&outcome, "ms")
}

/// Scrolls the transcript up to its first message like a fast trackpad flick (600 px a frame)
/// through the windowed list, and reports how long that took and the longest frame. When the
/// list sits at the very top with earlier messages still unloaded, no further scroll event
/// comes; the script then nudges it (down, then up again, as a user would) and counts that.
const SCROLL_TO_FIRST_JS: &str = r"
const done = arguments[arguments.length - 1];
const scroller = document.querySelector('[data-testid=transcript]');
const start = performance.now();
let last = start;
let worst = 0;
let frames = 0;
let nudges = 0;
// Frames over 50 ms, with what the list held then: where the time went.
const long = [];
const step = (now) => {
  frames += 1;
  worst = Math.max(worst, now - last);
  if (now - last > 50) {
    long.push({
      frame: frames,
      ms: Math.round(now - last),
      scrollTop: Math.round(scroller.scrollTop),
      inDom: scroller.querySelectorAll('[data-id]').length,
      firstInDom: scroller.querySelector('[data-testid=message-text]')?.textContent?.slice(0, 24) ?? '',
    });
  }
  last = now;
  const earlier = scroller.querySelector('.earlier') !== null;
  const atFirst = !earlier && scroller.scrollTop <= 0;
  if (atFirst || now - start > 25000) {
    const first = scroller.querySelector('[data-testid=message-text]')?.textContent ?? '';
    const ms = performance.now() - start;
    done({ ms, frames, worstFrame: worst, nudges, reached: atFirst, first, long });
    return;
  }
  if (scroller.scrollTop <= 0 && earlier) {
    nudges += 1;
    scroller.scrollTop = 60;
  } else {
    scroller.scrollTop = Math.max(0, scroller.scrollTop - 600);
  }
  requestAnimationFrame(step);
};
requestAnimationFrame(step);
";

// ---------------------------------------------------------------------------------------------
// Small helpers

fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn number(value: &Value, key: &str) -> Result<f64, Error> {
    value[key]
        .as_f64()
        .ok_or_else(|| format!("no {key} in {value}").into())
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
async fn wait_until(
    limit: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Result<bool, Error>,
) -> Result<(), Error> {
    let deadline = Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
