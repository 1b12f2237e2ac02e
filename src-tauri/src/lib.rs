//! Rampart Console's Tauri shell.
//!
//! Deliberately thin: it builds the window, installs logging, and adapts each IPC command onto a
//! function in `rampart-console-core`. Logic added here is a review finding.

use rampart_console_core::{AppInfo, BuildKind, UiErrorReport};
use tauri::Manager;

/// The kind of this build, decided at compile time of the shell.
const BUILD_KIND: BuildKind = if cfg!(debug_assertions) {
    BuildKind::Debug
} else {
    BuildKind::Release
};

mod commands {
    use super::*;

    #[tauri::command]
    pub fn app_info() -> AppInfo {
        rampart_console_core::app_info(BUILD_KIND)
    }

    #[tauri::command]
    pub fn report_ui_error(report: UiErrorReport) {
        rampart_console_core::report_ui_error(report);
    }
}

/// Builds and runs the console. Returns when the last window closes.
pub fn run() {
    let app = tauri::Builder::default()
        .setup(|app| {
            // Dev and release builds must never share data directories or WebView storage.
            BUILD_KIND.check_identifier(&app.config().identifier)?;
            let log_dir = app.path().app_log_dir()?;
            let guard = rampart_console_core::logging::init(&log_dir, cfg!(debug_assertions))?;
            // The guard flushes the background log writer when the app state drops it.
            app.manage(guard);
            tracing::info!(build = ?BUILD_KIND, "console started");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::report_ui_error
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("Rampart Console could not start: {error}");
            std::process::exit(1);
        }
    }
}
