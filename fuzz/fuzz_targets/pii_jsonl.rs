//! JSONL line fuzz target: arbitrary bytes as one `rampart-redact --jsonl` input line. Either an
//! error or exactly one output line that parses as JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_pii::{Redaction, Scanner, jsonl};

fuzz_target!(|data: &[u8]| {
    static S: OnceLock<Scanner> = OnceLock::new();
    let scanner = S.get_or_init(|| Scanner::new().expect("built-in patterns compile"));
    let mut out = Vec::new();
    match jsonl::redact_line(scanner, data, &mut Redaction::default(), &mut out) {
        Ok(()) => {
            assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
            assert_eq!(out.last(), Some(&b'\n'));
        }
        Err(e) => {
            assert!(out.is_empty());
            let mut line = Vec::new();
            jsonl::write_error(&mut line, 1, &e);
            assert_eq!(line.last(), Some(&b'\n'));
        }
    }
});
