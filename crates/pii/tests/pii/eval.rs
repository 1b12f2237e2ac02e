//! Precision and recall on a generated corpus and on hand-written cases (EN/ES/PT).

use crate::corpus::Gen;
use crate::support::{evaluate, handwritten, scanner};

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
