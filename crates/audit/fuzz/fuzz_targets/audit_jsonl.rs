//! Feeds arbitrary bytes to the JSONL import and the verifier: errors are fine, panics and
//! unbounded memory are not. Run from crates/audit/fuzz:
//! `cargo +nightly fuzz run audit_jsonl -- -max_total_time=60`
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_audit::{JsonlReader, Verifier, verify_with};

fuzz_target!(|data: &[u8]| {
    let reader = JsonlReader::new(std::io::BufReader::new(data));
    let _ = verify_with(Verifier::new(), reader);
    // Every single line on its own too (exercises the per-field checks past line 1).
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        if let Ok(record) = rampart_audit::from_json_line(line, i as u64 + 1) {
            // A parsed record must export again and re-import to the same record.
            let again = rampart_audit::to_json_line(&record).expect("parsed records export");
            let back = rampart_audit::from_json_line(again.as_bytes(), 1).expect("round trip");
            assert_eq!(back, record);
        }
    }
});
