//! Canary test: values that must never reach a log are logged through every path the console
//! uses (message text, named fields, Debug of secrets), then the log directory is grepped.

use std::path::Path;

const CANARIES: &[&str] = &[
    "4111111111111111",
    "4111 1111 1111 1111",
    "canary.visitor@example.org",
    "Hunter2-Canary-Password",
    "987654321",
];

fn read_all_logs(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).expect("log dir exists") {
        let path = entry.expect("dir entry").path();
        all.push_str(&std::fs::read_to_string(&path).expect("log file is UTF-8"));
    }
    all
}

#[test]
fn canary_values_never_reach_the_log_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let guard = rampart_console_core::logging::init(dir.path(), false).expect("init logging");

    // Message text interpolated into the message (a coding mistake the scrubber must catch).
    tracing::info!("visitor wrote: my card is {} thanks", CANARIES[1]);
    tracing::warn!("contact {} about {}", CANARIES[2], CANARIES[0]);
    // Sensitive fields by name, whatever their content.
    tracing::info!(password = CANARIES[3], text = "anything", "login attempt");
    tracing::info!(visitor_email = CANARIES[2], "visitor joined");
    // Ordinary fields are scrubbed too.
    tracing::error!(detail = CANARIES[4], "lookup failed");
    // A front-end error report carrying whatever the page showed.
    rampart_console_core::report_ui_error(rampart_console_core::UiErrorReport {
        source: rampart_console_core::ipc::UiErrorSource::Uncaught,
        message: format!("TypeError near {} / {}", CANARIES[0], CANARIES[2]),
    });
    // A marker proves the file was written at all.
    tracing::info!(conversation_id = "conv-42", "canary-marker");
    drop(guard);

    let logs = read_all_logs(dir.path());
    assert!(
        logs.contains("canary-marker"),
        "the log file was written: {logs}"
    );
    assert!(
        logs.contains("conversation_id=conv-42"),
        "safe fields survive: {logs}"
    );
    assert!(
        logs.contains("password=<redacted>"),
        "sensitive field redacted: {logs}"
    );
    assert!(
        logs.contains("ui error: TypeError near"),
        "ui error logged: {logs}"
    );
    for canary in CANARIES {
        assert!(
            !logs.contains(canary),
            "canary {canary:?} leaked into the log:\n{logs}"
        );
    }
}
