//! Crash safety: a child writing batches is killed with SIGKILL; the cache always reopens
//! and holds exactly a prefix of the batches, at least those the child reported committed.

use std::io::Write;
use std::path::Path;

use rampart_vault::{UnixMillis, Vault};

use crate::support::*;

pub const BATCH: usize = 50;
/// Canary text written by the child: it must never appear in any file of the data dir.
pub const CANARY: &str = "CANARYzebraQUOKKA";

/// Child side: writes batches forever (bounded), printing `@committed N` after each commit.
pub fn run_writer() {
    let dir = std::env::var("VAULT_DIR").expect("VAULT_DIR");
    let key = std::env::var("VAULT_KEY").expect("VAULT_KEY");
    let store = store_with_key(&key);
    let config = config(Path::new(&dir));
    let (mut vault, _) = open(&config, &store);
    conversation(&vault, "c", NOW);
    let first = next_batch(&vault);
    let mut out = std::io::stdout();
    writeln!(out, "@@ready {first}").expect("stdout");
    out.flush().expect("stdout");
    for b in first..first + 5_000 {
        let batch: Vec<_> = (0..BATCH)
            .map(|i| {
                message(
                    &format!("b{b:06}-m{i:03}"),
                    "c",
                    &format!("{CANARY} batch {b} message {i} card ****1111"),
                    UnixMillis(NOW.0 + i64::try_from(b).expect("small")),
                )
            })
            .collect();
        vault.insert_messages(&batch).expect("insert batch");
        writeln!(out, "@@committed {b}").expect("stdout");
        out.flush().expect("stdout");
    }
}

fn next_batch(vault: &Vault) -> usize {
    batches_present(vault).len()
}

/// Batch numbers present, each checked to be complete.
pub fn batches_present(vault: &Vault) -> Vec<usize> {
    let msgs = vault.messages("c", usize::MAX >> 1).expect("read messages");
    let mut counts = std::collections::BTreeMap::<usize, usize>::new();
    for m in &msgs {
        let b: usize = m.id[1..7].parse().expect("batch number in id");
        *counts.entry(b).or_default() += 1;
    }
    for (b, n) in &counts {
        assert_eq!(*n, BATCH, "batch {b} is partial: {n} of {BATCH} messages");
    }
    counts.into_keys().collect()
}

/// Runs a writer child in `dir`, kills it after `after` reported commits plus a short random
/// delay, and returns how many batches it reported committed.
pub fn kill_writer_mid_batch(dir: &Path, key_hex: &str, after: usize) -> usize {
    let dir_s = dir.to_str().expect("utf-8 temp path");
    let mut child = spawn_child("writer", &[("VAULT_DIR", dir_s), ("VAULT_KEY", key_hex)]);
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = protocol_lines(stdout);
    let ready = lines.next().expect("child reports ready");
    assert!(ready.starts_with("ready"), "unexpected: {ready}");
    let mut reported = 0;
    for line in lines.by_ref() {
        if line.starts_with("committed") {
            reported += 1;
            if reported >= after {
                break;
            }
        }
    }
    // Land the kill at a random point of the next batch.
    std::thread::sleep(std::time::Duration::from_micros(rand::random_range(
        0..4_000,
    )));
    child.kill().expect("SIGKILL the child");
    // Commits reported between the break and the kill count too.
    reported += lines.filter(|l| l.starts_with("committed")).count();
    child.wait().expect("reap child");
    reported
}

#[test]
fn a_killed_writer_always_leaves_a_prefix_of_committed_batches() {
    let runs: usize = std::env::var("RAMPART_VAULT_CRASH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let tmp = tempdir();
    let (_, key_hex) = random_key();
    let store = store_with_key(&key_hex);
    let config = config(tmp.path());
    let mut expected_at_least = 0;
    for run in 0..runs {
        let reported = kill_writer_mid_batch(tmp.path(), &key_hex, rand::random_range(1..4));
        expected_at_least += reported;
        let (vault, report) = open(&config, &store);
        assert_eq!(report.replaced_corrupt_cache, None, "run {run}");
        let present = batches_present(&vault);
        let n = present.len();
        assert_eq!(
            present,
            (0..n).collect::<Vec<_>>(),
            "run {run}: not a prefix"
        );
        assert!(n >= expected_at_least, "run {run}: lost a committed batch");
        // At most one batch can have committed after the child last said so.
        assert!(
            n <= expected_at_least + 1,
            "run {run}: {n} > {expected_at_least}+1"
        );
        expected_at_least = n;
        drop(vault);
    }
}
