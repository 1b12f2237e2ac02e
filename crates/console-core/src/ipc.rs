//! Types that cross the IPC boundary between the WebView and the Rust side.
//!
//! Every type here derives [`ts_rs::TS`]; `ui/src/ipc/bindings.ts` is generated from them by
//! [`typescript_bindings`] and a test fails when the committed file is stale. Wire structs use
//! camelCase field names.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::BuildKind;

/// What the console reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Display name of the product.
    pub product: String,
    /// Semantic version of the console.
    pub version: String,
    /// Debug or release build.
    pub build_kind: BuildKind,
    /// Keychain namespace used by this build (dev and release differ).
    pub keychain_namespace: String,
    /// Operating system (`linux`, `macos`, `windows`).
    pub platform: String,
}

/// Error codes the UI can branch on. A code is added only when the UI needs to act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum IpcErrorCode {
    /// Input from the UI was rejected (the message says which field).
    InvalidInput,
    /// Something failed on our side; details are in the log, not in the message.
    Internal,
}

/// The error every command returns: a code to branch on and a message that is safe to show and
/// to log (it never contains personal data or secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code:?}: {message}")]
pub struct IpcError {
    /// What kind of failure this is.
    pub code: IpcErrorCode,
    /// A short, safe description.
    pub message: String,
}

/// Where a front-end error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum UiErrorSource {
    /// `window.onerror`: an uncaught exception.
    Uncaught,
    /// An unhandled promise rejection.
    UnhandledRejection,
}

/// A front-end error the UI reports so it ends up in the console's (redacted) log file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UiErrorReport {
    /// Where it came from.
    pub source: UiErrorSource,
    /// The error's message. May contain anything the page held, so it is scrubbed on the way
    /// into the log and cut to [`MAX_UI_ERROR_CHARS`].
    pub message: String,
}

/// Longest front-end error message kept in the log.
pub const MAX_UI_ERROR_CHARS: usize = 500;

/// Names of every IPC command the shell registers. `src-tauri/build.rs` declares the same list
/// for capability checks; a test keeps them in sync.
pub const COMMANDS: &[&str] = &["app_info", "report_ui_error"];

/// Renders the TypeScript bindings for every IPC type, in a stable order.
pub fn typescript_bindings() -> String {
    let cfg = ts_rs::Config::new();
    let decls = [
        BuildKind::decl(&cfg),
        AppInfo::decl(&cfg),
        IpcErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
        UiErrorSource::decl(&cfg),
        UiErrorReport::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/console-core/src/ipc.rs by `make bindings`. Do not edit.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str("/** Every command the Rust side registers. */\nexport const COMMANDS = [");
    let names: Vec<String> = COMMANDS.iter().map(|c| format!("\"{c}\"")).collect();
    out.push_str(&names.join(", "));
    out.push_str("] as const;\n");
    out
}
