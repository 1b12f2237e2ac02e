//! Runs the benchmark's messages through the scanner a given number of times, for counting
//! instructions, which unlike wall time does not depend on what else the machine is doing:
//!
//! ```text
//! cargo build --release -p rampart-pii --example scan_loop
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/scan_loop clean 200
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/scan_loop clean 1200
//! ```
//!
//! The difference of the two `I refs` totals divided by 1000 is the cost of one pass over the
//! set, without the scanner's start-up. Sets: `clean`, `pii`, `latency_clean`, `latency_pii`.

use std::hint::black_box;
use std::process::ExitCode;

use rampart_pii::{Redaction, Scanner};

include!("../benches/support/messages.rs");

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let set: &[&str] = match args.next().as_deref() {
        Some("clean") => CLEAN,
        Some("pii") => PII,
        Some("latency_clean") => &[LATENCY_CLEAN],
        Some("latency_pii") => &[LATENCY_PII],
        _ => {
            eprintln!("usage: scan_loop clean|pii|latency_clean|latency_pii PASSES");
            return ExitCode::from(2);
        }
    };
    let Some(passes) = args.next().and_then(|n| n.parse::<usize>().ok()) else {
        eprintln!("usage: scan_loop clean|pii|latency_clean|latency_pii PASSES");
        return ExitCode::from(2);
    };
    let scanner = Scanner::new().expect("built-in patterns compile");
    let mut out = Redaction::default();
    for _ in 0..passes {
        for m in set {
            scanner.redact_into(black_box(m), &mut out);
        }
    }
    black_box(out.masked.len());
    ExitCode::SUCCESS
}
