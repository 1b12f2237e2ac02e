//! End-to-end tests against the real built console (see `rampart_e2e` for the harness).

use rampart_e2e::{Error, scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_window_opens_and_a_command_answers_through_the_ui() -> Result<(), Error> {
    scenario("smoke", async |console| {
        let title = console.client().title().await?;
        assert_eq!(title, "Rampart Console");

        // The status bar is filled by the `app_info` command: this proves IPC works end to end.
        let version = console
            .wait_text("[data-testid=app-version]", |t| {
                t.contains(env!("CARGO_PKG_VERSION"))
            })
            .await?;
        assert_eq!(version, format!("Version {}", env!("CARGO_PKG_VERSION")));
        let kind = console.text("[data-testid=build-kind]").await?;
        assert_eq!(kind, "Development build");
        console.screenshot("welcome-en").await?;

        // Switching the language re-renders the UI in Spanish.
        let select = console
            .client()
            .find(fantoccini::Locator::Css("[data-testid=language]"))
            .await?;
        select.select_by_value("es").await?;
        console
            .wait_text("[data-testid=app-version]", |t| t.starts_with("Versión"))
            .await?;
        console.screenshot("welcome-es").await?;
        Ok(())
    })
    .await
}

/// Front-end errors reach the app's log file through the real IPC path, scrubbed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_errors_are_logged_without_the_personal_data_they_carry() -> Result<(), Error> {
    const CARD: &str = "4111 1111 1111 1111";
    const EMAIL: &str = "canary.visitor@example.org";
    scenario("ui-error-log", async |console| {
        console.wait_text("[data-testid=app-version]", |t| !t.is_empty()).await?;
        let script = format!(
            "setTimeout(() => {{ throw new Error('canary-ui-error {CARD} {EMAIL}'); }}, 0); return true;"
        );
        console.client().execute(&script, vec![]).await?;
        let logs = console.wait_for_log("canary-ui-error").await?;
        assert!(!logs.contains(CARD), "card number leaked into the log:\n{logs}");
        assert!(!logs.contains("4111111111111111"));
        assert!(!logs.contains(EMAIL), "email leaked into the log:\n{logs}");
        Ok(())
    })
    .await
}

/// The window never leaves the app: a navigation to another origin is refused and logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_away_from_the_app_is_refused() -> Result<(), Error> {
    scenario("navigation", async |console| {
        console
            .wait_text("[data-testid=app-version]", |t| !t.is_empty())
            .await?;
        let before = console.client().current_url().await?;
        console
            .client()
            .execute(
                "window.location.href = 'https://example.com/phish'; return true;",
                vec![],
            )
            .await?;
        let logs = console
            .wait_for_log("navigation away from the app refused")
            .await?;
        assert!(
            !logs.contains("example.com"),
            "the refused URL is not logged"
        );
        let after = console.client().current_url().await?;
        assert_eq!(before, after, "the window stayed on the app");
        assert!(console.exists("[data-testid=app-version]").await?);
        Ok(())
    })
    .await
}

/// A second launch hands over to the running console and exits; the first stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_exits_and_leaves_the_running_console() -> Result<(), Error> {
    scenario("single-instance", async |console| {
        console
            .wait_text("[data-testid=app-version]", |t| !t.is_empty())
            .await?;
        let home = console.home();
        let mut second = std::process::Command::new(rampart_e2e::console_binary())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = second.try_wait()? {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                let _ = second.kill();
                return Err("the second console kept running".into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert!(
            status.success(),
            "the second launch exits cleanly: {status}"
        );
        // The first console still answers.
        let title = console.client().title().await?;
        assert_eq!(title, "Rampart Console");
        Ok(())
    })
    .await
}

/// Only declared and granted commands run: a plugin command without a grant, a core window
/// command and an unknown command are refused by Tauri's ACL, and the declared ones work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_outside_the_capability_are_refused() -> Result<(), Error> {
    scenario("acl", async |console| {
        console
            .wait_text("[data-testid=app-version]", |t| !t.is_empty())
            .await?;
        let script = "const done = arguments[arguments.length - 1];\
            const call = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args || {})\
              .then(() => 'allowed', (e) => 'refused: ' + String(e && e.message || e));\
            Promise.all([\
              call('plugin:notification|notify', { options: { title: 'x' } }),\
              call('plugin:window|close', { label: 'main' }),\
              call('delete_everything'),\
              call('app_info'),\
            ]).then(done);";
        let outcome = console.client().execute_async(script, vec![]).await?;
        let outcome: Vec<String> = serde_json::from_value(outcome)?;
        assert_eq!(outcome.len(), 4);
        for refused in &outcome[..3] {
            assert!(refused.starts_with("refused"), "{outcome:?}");
        }
        assert_eq!(outcome[3], "allowed", "{outcome:?}");
        // The window is still there.
        assert_eq!(console.client().title().await?, "Rampart Console");
        Ok(())
    })
    .await
}
