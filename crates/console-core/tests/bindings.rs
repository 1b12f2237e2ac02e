//! The committed TypeScript bindings must match the Rust IPC types. Regenerate with
//! `make bindings` (which sets `RAMPART_UPDATE_BINDINGS=1` and runs this test).

use std::path::PathBuf;

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings.ts")
}

#[test]
fn committed_typescript_bindings_are_current() {
    let fresh = rampart_console_core::ipc::typescript_bindings();
    let path = bindings_path();
    if std::env::var_os("RAMPART_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/ipc/bindings.ts is stale: run `make bindings` and commit the result"
    );
}

#[test]
fn bindings_cover_every_command_and_type() {
    let fresh = rampart_console_core::ipc::typescript_bindings();
    for name in [
        "AppInfo",
        "BuildKind",
        "IpcError",
        "IpcErrorCode",
        "\"app_info\"",
    ] {
        assert!(fresh.contains(name), "bindings lack {name}");
    }
}
