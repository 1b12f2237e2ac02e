//! Process and WebView hardening decided outside the Tauri shell, so it is testable:
//!
//! - [`navigation_allowed`]: the window may only show the app's own pages. Anything else (a link
//!   a visitor pasted, a redirect) is refused; links are opened elsewhere, never in the window.
//! - [`deny_core_dumps`]: release builds on Linux make the process non-dumpable (no core file
//!   with decrypted transcripts or the session token, and no `ptrace` attach by other processes
//!   of the same user) and set the core size limit to zero.
//! - [`capture_protection`]: whether the OS honours the window's screen-capture protection.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Whether the operating system keeps the window out of screenshots and screen sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CaptureProtection {
    /// Windows and macOS honour `contentProtected`.
    Enforced,
    /// Linux (X11 and Wayland) has no such facility; the UI says so.
    Unsupported,
}

/// What the running OS offers.
pub fn capture_protection() -> CaptureProtection {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        CaptureProtection::Enforced
    } else {
        CaptureProtection::Unsupported
    }
}

/// Whether the main window may navigate to `url`: only the app's own origin (`tauri://localhost`
/// on Linux and macOS, `http(s)://tauri.localhost` on Windows) and, in debug builds run with
/// `tauri dev`, the Vite dev server.
pub fn navigation_allowed(url: &str, debug: bool) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "tauri" => host == "localhost",
        "http" | "https" if host == "tauri.localhost" => url.port().is_none(),
        "http" if debug => host == "localhost" && url.port() == Some(5173),
        _ => false,
    }
}

/// A link from a message that may be opened in the system browser: `https` only, with a host,
/// no credentials, at most 2,048 bytes. Returns the normalised URL and its host as the browser
/// will see it (internationalised names in their `xn--` form, so look-alikes show).
pub fn external_link(text: &str) -> Option<(String, String)> {
    if text.len() > 2048 {
        return None;
    }
    let url = url::Url::parse(text.trim()).ok()?;
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let host = url.host_str()?.to_owned();
    Some((url.to_string(), host))
}

/// Makes the process non-dumpable and its core limit zero (Linux; elsewhere a no-op).
///
/// # Errors
/// The OS refused; the caller logs it (the app still runs).
pub fn deny_core_dumps() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit,
        };
        setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        )?;
        set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_app_origin_may_be_shown() {
        for ok in [
            "tauri://localhost/",
            "tauri://localhost/index.html#x",
            "http://tauri.localhost/",
            "https://tauri.localhost/assets/app.js",
        ] {
            assert!(navigation_allowed(ok, false), "{ok}");
        }
        for refused in [
            "https://evil.example/",
            "tauri://localhost.evil.example/",
            "http://tauri.localhost.evil.example/",
            "http://tauri.localhost:8080/",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "http://localhost:5173/",
            "not a url",
        ] {
            assert!(!navigation_allowed(refused, false), "{refused}");
        }
        assert!(navigation_allowed("http://localhost:5173/", true));
        assert!(!navigation_allowed("http://localhost:5174/", true));
    }

    #[test]
    fn only_plain_https_links_may_leave_for_the_browser() {
        assert_eq!(
            external_link("https://shop.example.com/orders?id=7"),
            Some((
                "https://shop.example.com/orders?id=7".to_owned(),
                "shop.example.com".to_owned()
            ))
        );
        let (_, host) = external_link("https://аpple.com/login").unwrap();
        assert!(
            host.starts_with("xn--"),
            "a look-alike shows as punycode: {host}"
        );
        for refused in [
            "http://shop.example.com/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://user:pass@bank.example/",
            "https://bank.example@evil.example/",
            "data:text/html,hi",
            "tauri://localhost/",
            "not a link",
        ] {
            assert!(external_link(refused).is_none(), "{refused}");
        }
        assert!(external_link(&format!("https://a.example/{}", "x".repeat(2100))).is_none());
    }

    #[test]
    fn capture_protection_is_reported_honestly() {
        let expected = if cfg!(target_os = "linux") {
            CaptureProtection::Unsupported
        } else {
            CaptureProtection::Enforced
        };
        assert_eq!(capture_protection(), expected);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn core_dumps_are_denied_in_a_child_process() {
        // Changing this test process itself would affect every other test; run the check in a
        // fresh copy of the test binary instead.
        if std::env::var_os("RAMPART_DUMPABLE_CHILD").is_some() {
            deny_core_dumps().unwrap();
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
            let core = limits
                .lines()
                .find(|l| l.starts_with("Max core file size"))
                .unwrap();
            assert!(core.split_whitespace().nth(4) == Some("0"), "{core}");
            assert_eq!(
                rustix::process::dumpable_behavior().unwrap(),
                rustix::process::DumpableBehavior::NotDumpable
            );
            assert!(status.contains("Name:"));
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let output = std::process::Command::new(exe)
            .args([
                "--exact",
                "hardening::tests::core_dumps_are_denied_in_a_child_process",
                "--nocapture",
            ])
            .env("RAMPART_DUMPABLE_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "{stdout}");
    }
}
