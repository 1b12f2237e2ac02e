//! Build script of the console shell.
//!
//! - Declares the console's IPC commands so Tauri generates a permission for each and the
//!   capability files decide which window may call which command.
//! - Debug builds get the dev identifier (`tauri.dev.conf.json`) so they never share a data
//!   directory, WebView storage or keychain entries with release builds. `tauri build`/`tauri dev`
//!   pass `TAURI_CONFIG` themselves; a plain `cargo build` gets it from here.

/// Must match `rampart_console_core::ipc::COMMANDS` (a test in src-tauri checks it).
const COMMANDS: &[&str] = &[
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

fn main() {
    println!("cargo:rerun-if-changed=tauri.dev.conf.json");
    println!("cargo:rerun-if-env-changed=TAURI_CONFIG");
    let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
    if debug && std::env::var_os("TAURI_CONFIG").is_none() {
        match std::fs::read_to_string("tauri.dev.conf.json") {
            Ok(dev) => {
                let one_line: String = dev.lines().map(str::trim).collect();
                println!("cargo:rustc-env=TAURI_CONFIG={one_line}");
            }
            Err(error) => panic!("cannot read tauri.dev.conf.json: {error}"),
        }
    }

    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; there is no other channel.
        panic!("tauri-build failed: {error:#}");
    }
}
