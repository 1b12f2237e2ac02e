//! Tauri-free core of Rampart Console.
//!
//! `src-tauri` is a thin shell: each `#[tauri::command]` there is a one-line adapter onto a
//! function here, so the logic is testable without a WebView and the shell stays auditable.
//!
//! - [`ipc`]: the types that cross the IPC boundary; TypeScript bindings are generated from them
//!   (`ui/src/ipc/bindings.ts`, checked by a test).
//! - [`logging`]: the log pipeline (rotated, size-capped file plus stderr in dev) with field
//!   redaction, so personal data and secrets never reach a log file.
//! - [`console`]: the console's behaviour behind the commands (hub setup or the embedded demo,
//!   sign-in with TOTP, the live connection, masking before sending, idle lock, sign-out).
//! - [`hardening`]: navigation guard, core-dump denial, screen-capture protection status.
//! - [`build`]: what kind of build this is and the names derived from it (identifiers, keychain
//!   namespace), so dev and release builds never share data or keys.

pub mod build;
pub mod console;
pub mod hardening;
pub mod ipc;
pub mod logging;

pub use build::BuildKind;
pub use ipc::{AppInfo, IpcError, IpcErrorCode, UiErrorReport};

/// Describes the running app for the UI's status line and the e2e smoke test.
pub fn app_info(kind: BuildKind) -> AppInfo {
    AppInfo {
        product: build::PRODUCT_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        build_kind: kind,
        keychain_namespace: kind.keychain_namespace().to_owned(),
        platform: std::env::consts::OS.to_owned(),
        capture_protection: hardening::capture_protection(),
    }
}

/// Writes a front-end error to the log. The message goes through the log pipeline's scrubber
/// (it can hold whatever the page showed) and is cut to a bounded length.
pub fn report_ui_error(report: UiErrorReport) {
    let message: String = report
        .message
        .chars()
        .take(ipc::MAX_UI_ERROR_CHARS)
        .collect();
    tracing::warn!(source = ?report.source, "ui error: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_info_reports_the_build_kind_and_its_namespace() {
        let dev = app_info(BuildKind::Debug);
        let rel = app_info(BuildKind::Release);
        assert_eq!(dev.build_kind, BuildKind::Debug);
        assert_eq!(rel.build_kind, BuildKind::Release);
        assert_ne!(dev.keychain_namespace, rel.keychain_namespace);
        assert_eq!(dev.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(dev.product, "Rampart Console");
    }
}
