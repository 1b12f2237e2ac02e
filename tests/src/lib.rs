//! Support code for Rampart's end-to-end tests.
//!
//! [`Console::launch`] starts `tauri-driver` (which starts WebKitWebDriver, which starts the
//! built console) with a throwaway home directory, and connects a WebDriver client. Tests then
//! read a few lines each:
//!
//! ```no_run
//! # async fn demo() -> Result<(), rampart_e2e::Error> {
//! let console = rampart_e2e::Console::launch("smoke").await?;
//! let version = console.text("[data-testid=app-version]").await?;
//! console.close().await;
//! # Ok(()) }
//! ```
//!
//! Prerequisites (`make test` provides them): the app built by `make app`, `tauri-driver` on the
//! PATH or in `~/.cargo/bin`, `WebKitWebDriver`, and a display plus a D-Bus session with an
//! unlocked Secret Service (`scripts/with-desktop.sh`). When `RAMPART_E2E=1` is set a missing
//! prerequisite fails the test; otherwise the test is skipped with a note.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// Errors from the harness. Strings are fine here: this is test support, read by people.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Root of the repository.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the repository")
        .to_path_buf()
}

/// Where failure screenshots and app logs are saved.
pub fn artifacts_dir() -> PathBuf {
    repo_root().join(".e2e-artifacts")
}

/// The console binary under test: `RAMPART_CONSOLE_BIN`, or the debug build in the target dir.
pub fn console_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("RAMPART_CONSOLE_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    target.join("debug").join("rampart-console")
}

fn find_tauri_driver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("tauri-driver"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let candidate = cargo_home.join("bin").join("tauri-driver");
        candidate.is_file().then_some(candidate)
    })
}

/// Whether e2e prerequisites are present. With `RAMPART_E2E=1` a missing one is an error;
/// otherwise `Ok(false)` tells the caller to skip.
pub fn prerequisites() -> Result<bool, Error> {
    let mut missing = Vec::new();
    if !console_binary().is_file() {
        missing.push(format!(
            "console binary {} (run `make app`)",
            console_binary().display()
        ));
    }
    if find_tauri_driver().is_none() {
        missing.push("tauri-driver (run `make setup`)".to_owned());
    }
    if std::env::var_os("DISPLAY").is_none() {
        missing.push("a display (run under scripts/with-desktop.sh)".to_owned());
    }
    if missing.is_empty() {
        return Ok(true);
    }
    let note = format!("e2e prerequisites missing: {}", missing.join("; "));
    if std::env::var("RAMPART_E2E").is_ok_and(|v| v == "1") {
        return Err(note.into());
    }
    eprintln!("SKIPPED: {note}. Set RAMPART_E2E=1 to make this an error; `make test` does.");
    Ok(false)
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<(), Error> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("tauri-driver did not listen on port {port} within {timeout:?}").into())
}

/// A running console under WebDriver control.
pub struct Console {
    client: Client,
    driver: Child,
    name: String,
    home: tempfile::TempDir,
}

impl Console {
    /// Launches the console with a throwaway home. `name` labels artifacts.
    pub async fn launch(name: &str) -> Result<Self, Error> {
        Self::launch_with_env(name, &[]).await
    }

    /// Launches the console with extra environment variables (the app inherits them through
    /// tauri-driver and WebKitWebDriver).
    pub async fn launch_with_env(name: &str, env: &[(&str, &str)]) -> Result<Self, Error> {
        let driver_bin = find_tauri_driver().ok_or("tauri-driver not found")?;
        let home = tempfile::Builder::new()
            .prefix("rampart-e2e-home-")
            .tempdir()?;
        let port = free_port()?;
        let native_port = free_port()?;
        let mut command = Command::new(driver_bin);
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        isolate_home(&mut command, home.path());
        command.envs(env.iter().copied());
        // Its own process group, so closing ends WebKitWebDriver and the app with it.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn()?;
        let mut guard = DriverGuard(Some(driver));
        wait_for_port(port, Duration::from_secs(20))?;

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": console_binary() }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        let driver = guard.0.take().ok_or("driver handle vanished")?;
        Ok(Self {
            client,
            driver,
            name: name.to_owned(),
            home,
        })
    }

    /// The WebDriver client, for anything the helpers don't cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The throwaway home directory the app runs with (data, config, logs live below it).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Waits (up to 15 s) for an element matching `css` and returns its text.
    pub async fn text(&self, css: &str) -> Result<String, Error> {
        self.on_element(css, |element| async move { element.text().await })
            .await
    }

    /// Finds `css` (waiting up to 15 s) and runs `act` on it; when the UI re-rendered the
    /// element between finding and acting (a stale reference), finds it again, up to 3 times.
    async fn on_element<T, F, Fut>(&self, css: &str, act: F) -> Result<T, Error>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        for _ in 0..3 {
            let element = self
                .client
                .wait()
                .at_most(Duration::from_secs(15))
                .for_element(Locator::Css(css))
                .await?;
            match act(element).await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_stale_element_reference() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(format!("{css} kept being replaced").into())
    }

    /// Waits until the element's text satisfies `predicate`, returning the text.
    pub async fn wait_text(
        &self,
        css: &str,
        predicate: impl Fn(&str) -> bool,
    ) -> Result<String, Error> {
        let start = Instant::now();
        loop {
            let text = self.text(css).await?;
            if predicate(&text) {
                return Ok(text);
            }
            if start.elapsed() > Duration::from_secs(15) {
                return Err(format!("{css} text stayed {text:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the element matching `css` (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), Error> {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    /// Whether an element matching `css` is on the page now (no waiting).
    pub async fn exists(&self, css: &str) -> Result<bool, Error> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Waits (up to `timeout`) for an element matching `css` to appear.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<(), Error> {
        self.client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await?;
        Ok(())
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), Error> {
        self.on_element(css, |element| async move { element.click().await })
            .await
    }

    /// Everything the app has logged so far (all `*.log` files under its home), once `marker`
    /// appears in it (waits up to 10 s).
    pub async fn wait_for_log(&self, marker: &str) -> Result<String, Error> {
        let start = Instant::now();
        loop {
            let logs = read_logs(self.home.path());
            if logs.contains(marker) {
                return Ok(logs);
            }
            if start.elapsed() > Duration::from_secs(10) {
                return Err(format!("{marker:?} never reached the app's log").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a screenshot to `.e2e-artifacts/<name>-<label>.png` and returns its path.
    pub async fn screenshot(&self, label: &str) -> Result<PathBuf, Error> {
        // Let WebKit paint what the DOM already holds: two animation frames.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        // WebKit takes the screenshot at its next presentation update. The console renders
        // without GPU compositing, and then a page that does not change never presents again,
        // so the screenshot would wait forever: a nearly transparent pixel in a corner changes
        // a few times while it waits, and goes away after.
        self.client
            .execute(
                "const poke = document.createElement('div');\
                 poke.id = 'e2e-repaint';\
                 poke.style.cssText = 'position:fixed;left:0;bottom:0;width:1px;height:1px;\
                 pointer-events:none;opacity:0.01;background:#000';\
                 document.body.append(poke);\
                 let n = 0;\
                 const tick = () => { poke.style.opacity = n % 2 ? '0.01' : '0.02';\
                   if (++n < 40) setTimeout(tick, 50); else poke.remove(); };\
                 setTimeout(tick, 50);\
                 return true;",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{label}.png", self.name));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session and stops the driver (and with it the app).
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        stop_group(&mut self.driver);
    }
}

/// Concatenates every `*.log` file below `dir`.
fn read_logs(dir: &Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&read_logs(&path));
        } else if path.extension().is_some_and(|e| e == "log") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    out
}

struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        stop_group(&mut self.driver);
    }
}

/// Ends tauri-driver and everything it started (WebKitWebDriver, the app).
fn stop_group(driver: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", driver.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

/// Points HOME and the XDG directories at `home` so WebKit, GTK, Mesa and the app write nothing
/// into the real home. The D-Bus session (and with it the Secret Service) is inherited.
fn isolate_home(command: &mut Command, home: &Path) {
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_STATE_HOME", home.join(".local/state"));
}

/// Runs an e2e scenario: launches the console, runs `scenario`, saves a screenshot when it
/// fails, and always closes the app. Skips (returns) when prerequisites are missing and
/// `RAMPART_E2E` is not `1`.
pub async fn scenario<F>(name: &str, scenario: F) -> Result<(), Error>
where
    F: AsyncFnOnce(&Console) -> Result<(), Error>,
{
    scenario_with_env(name, &[], scenario).await
}

/// [`scenario`] with extra environment variables for the app.
pub async fn scenario_with_env<F>(
    name: &str,
    env: &[(&str, &str)],
    scenario: F,
) -> Result<(), Error>
where
    F: AsyncFnOnce(&Console) -> Result<(), Error>,
{
    if !prerequisites()? {
        return Ok(());
    }
    let console = Console::launch_with_env(name, env).await?;
    let outcome = scenario(&console).await;
    if outcome.is_err() {
        match console.screenshot("failure").await {
            Ok(path) => eprintln!("failure screenshot: {}", path.display()),
            Err(error) => eprintln!("could not take a failure screenshot: {error}"),
        }
    }
    console.close().await;
    outcome
}
