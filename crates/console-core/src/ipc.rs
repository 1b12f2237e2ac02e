//! Types that cross the IPC boundary between the WebView and the Rust side.
//!
//! Every type here derives [`ts_rs::TS`]; `ui/src/ipc/bindings.ts` is generated from them by
//! [`typescript_bindings`] and a test fails when the committed file is stale. Wire structs use
//! camelCase field names.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::BuildKind;
use crate::console::view;

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
    /// Whether the OS keeps the window out of screenshots and screen sharing.
    pub capture_protection: crate::hardening::CaptureProtection,
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
    /// The command does not fit the console's state (e.g. sending while signed out).
    WrongState,
    /// The hub address is not a valid `https://` (or loopback `http://`) URL.
    InvalidHubUrl,
    /// The hub could not be reached.
    HubUnreachable,
    /// TLS failed (untrusted certificate, wrong name, old protocol).
    Tls,
    /// The hub did not answer in time.
    Timeout,
    /// Wrong username or password.
    InvalidCredentials,
    /// Wrong authenticator code.
    TotpInvalid,
    /// That authenticator code was already used; wait for the next one.
    TotpReplayed,
    /// The sign-in took too long; start again.
    ChallengeExpired,
    /// Too many attempts; `retryAfterSecs` says how long to wait.
    TooManyAttempts,
    /// The account is locked; `lockedUntil` says until when.
    LockedOut,
    /// The hub does not accept this network for the account.
    IpNotAllowed,
    /// The session ended; sign in again.
    SessionExpired,
    /// The hub refused the request for this role.
    Forbidden,
    /// The OS keychain is unavailable: nothing is stored without it.
    KeychainUnavailable,
    /// The OS keychain is locked; unlock it and try again.
    KeychainLocked,
    /// The local cache cannot be opened (its key is gone or wrong).
    CacheUnreadable,
    /// The unlock password was wrong.
    UnlockFailed,
    /// The embedded demo hub could not start.
    DemoFailed,
    /// The hub refused or failed (details in the log).
    HubFailed,
    /// The thing asked for is not there (e.g. a masked value whose original expired).
    NotFound,
    /// The enrollment code is wrong, used or expired.
    EnrollmentInvalid,
    /// The new password breaks the policy; `rejections` says why.
    PasswordRejected,
    /// The system clipboard could not be used.
    ClipboardUnavailable,
    /// An imported lesson pack is invalid; `issues` lists each `file:line: problem`.
    PackInvalid,
    /// The lesson or pack changed since it was shown (or an imported pack is not newer):
    /// reload it.
    TrainingOutdated,
    /// No live training session has that code (or it ended).
    LiveSessionNotFound,
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
    /// For `tooManyAttempts`: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_secs: Option<u64>,
    /// For `lockedOut`: until when (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub locked_until: Option<i64>,
    /// For `passwordRejected`: each reason as a code plus parameters, for the UI to translate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, type = "Array<{ code: string } & Record<string, unknown>>")]
    pub rejections: Vec<serde_json::Value>,
    /// For `packInvalid`: every problem, as `file:line: problem`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, type = "Array<string>")]
    pub issues: Vec<String>,
}

impl IpcError {
    /// An error with a code and a safe message.
    pub fn new(code: IpcErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
            locked_until: None,
            rejections: Vec::new(),
            issues: Vec::new(),
        }
    }
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
pub const COMMANDS: &[&str] = &[
    "app_info",
    "report_ui_error",
    "console_state",
    "start_demo",
    "demo_code",
    "set_hub",
    "sign_in",
    "verify_code",
    "sign_out",
    "subscribe_events",
    "snapshot",
    "conversation_messages",
    "focus_conversation",
    "accept_conversation",
    "close_conversation",
    "set_availability",
    "send_message",
    "note_activity",
    "lock_console",
    "unlock_console",
    "unlock_with_code",
    "copy_revealed",
    "reveal_value",
    "request_form",
    "conversation_forms",
    "reveal_form_field",
    "check_password",
    "enroll",
    "set_locale",
    "search_messages",
    "open_link",
    "transfer_targets",
    "transfer_conversation",
    "training_overview",
    "training_lesson",
    "training_submit_quiz",
    "training_start_drill",
    "training_drill_act",
    "training_certificates",
    "training_live_join",
    "training_live_answer",
    "training_live_session",
    "trainer_packs",
    "trainer_import_pack",
    "trainer_trainees",
    "trainer_cohorts",
    "trainer_save_cohort",
    "trainer_assign",
    "trainer_dashboard",
    "trainer_export_csv",
    "trainer_live_start",
    "trainer_live_control",
];

/// Renders the TypeScript bindings for every IPC type, in a stable order.
pub fn typescript_bindings() -> String {
    // JSON numbers are JavaScript numbers; every i64/u64 on the wire (Unix ms, counts) stays
    // below 2^53.
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        BuildKind::decl(&cfg),
        crate::hardening::CaptureProtection::decl(&cfg),
        AppInfo::decl(&cfg),
        IpcErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
        UiErrorSource::decl(&cfg),
        UiErrorReport::decl(&cfg),
        view::Phase::decl(&cfg),
        view::DemoInfo::decl(&cfg),
        view::DemoCode::decl(&cfg),
        view::ConsoleState::decl(&cfg),
        view::QrCode::decl(&cfg),
        view::SignInStep::decl(&cfg),
        view::SignedIn::decl(&cfg),
        view::Connection::decl(&cfg),
        view::Delivery::decl(&cfg),
        view::MessageView::decl(&cfg),
        view::ConversationView::decl(&cfg),
        view::Snapshot::decl(&cfg),
        view::SendOutcome::decl(&cfg),
        view::NoticeCode::decl(&cfg),
        view::ConsoleEvent::decl(&cfg),
        view::RevealedValue::decl(&cfg),
        view::FormView::decl(&cfg),
        view::SearchResult::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/console-core/src/ipc.rs by `make bindings`. Do not edit.\n\n\
         import type { AgentProfile, Author, Availability, ConversationId, CustomForm, FormId, \
         FormKind, MaskedField, MaskedSpan, MessageId, QueueEntry, Seq, LiveSession, \
         TrainingGate } from './protocol';\n\n",
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
