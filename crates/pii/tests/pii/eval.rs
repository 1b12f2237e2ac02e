//! Precision and recall on a generated corpus and on hand-written cases (EN/ES/PT).

use crate::corpus::Gen;
use crate::support::{evaluate, handwritten, heldout, heldout_nine_digits, scanner};

#[test]
fn generated_corpus_meets_precision_and_recall_targets() {
    let mut g = Gen::new(0x5eed_2026);
    let samples: Vec<_> = (0..4000).map(|_| g.sample()).collect();
    let report = evaluate(&scanner(), &samples);
    println!("generated corpus (4000 messages):\n{report}");
    assert!(report.overall.precision() >= 0.98, "{report}");
    assert!(report.overall.recall() >= 0.98, "{report}");
    assert!(report.leaked <= 3, "{report}");
}

#[test]
fn handwritten_cases_meet_precision_and_recall_targets() {
    let samples = handwritten();
    let report = evaluate(&scanner(), &samples);
    println!(
        "hand-written corpus ({} messages):\n{report}",
        samples.len()
    );
    assert!(report.overall.precision() >= 0.98, "{report}");
    assert!(report.overall.recall() >= 0.98, "{report}");
}

#[test]
fn heldout_cases_meet_precision_and_recall_targets() {
    let samples = heldout();
    let report = evaluate(&scanner(), &samples);
    println!(
        "held-out hand-written set ({} messages):\n{report}",
        samples.len()
    );
    assert!(report.overall.precision() >= 0.98, "{report}");
    assert!(report.overall.recall() >= 0.98, "{report}");
}

#[test]
fn heldout_nine_digit_cases_meet_precision_and_recall_targets() {
    let samples = heldout_nine_digits();
    let report = evaluate(&scanner(), &samples);
    println!(
        "held-out nine-digit set ({} messages):\n{report}",
        samples.len()
    );
    assert!(report.overall.precision() >= 0.95, "{report}");
    assert!(report.overall.recall() >= 0.95, "{report}");
    assert_eq!(report.leaked, 0, "{report}");
}

/// Writes the generated corpus as CLI input (`{"id","text","gold"}` lines) for throughput and
/// end-to-end scoring runs:
/// `RAMPART_PII_DUMP=/tmp/corpus.jsonl cargo test -p rampart-pii --test pii dump -- --ignored`.
#[test]
#[ignore = "tool, not a test"]
fn dump_generated_corpus() {
    let Ok(path) = std::env::var("RAMPART_PII_DUMP") else {
        return;
    };
    let n: usize = std::env::var("RAMPART_PII_DUMP_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3001);
    let seed: u64 = std::env::var("RAMPART_PII_DUMP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut g = Gen::new(seed);
    let mut out = String::new();
    for i in 0..n {
        let s = g.sample();
        let gold: Vec<_> = s
            .gold
            .iter()
            .map(|g| serde_json::json!({"start": g.start, "end": g.end, "kind": g.kind}))
            .collect();
        // Extra keys are ignored by the CLI; the labels let a script score its output.
        let line = serde_json::json!({"id": format!("m{i}"), "text": s.text, "gold": gold});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}
