//! Integration tests of `rampart-vault`: the secret-store contract (memory and real Secret
//! Service), failure modes, cache contents, canary scans and crash safety.

mod canary;
mod contents;
mod crash;
mod failures;
mod secret_store;
mod support;

/// Entry point for child processes: other tests re-run this binary with only this test
/// selected and `RAMPART_VAULT_TEST_CHILD` set. Ignored in normal runs.
#[test]
#[ignore = "runs only as a child process started by other tests"]
fn child_process_entry() {
    let Ok(mode) = std::env::var(support::CHILD_MODE) else {
        return;
    };
    match mode.as_str() {
        "writer" => crash::run_writer(),
        "os-unavailable" => secret_store::run_os_unavailable(),
        "tmpfs-full" => failures::run_tmpfs_full(),
        other => panic!("unknown child mode {other}"),
    }
}
