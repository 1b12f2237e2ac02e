//! Shared helpers: labelled samples, scoring, the built binary.

use std::collections::BTreeMap;

use rampart_pii::{Scanner, Span};

#[derive(Clone, Debug)]
pub struct Gold {
    pub start: usize,
    pub end: usize,
    pub kind: String,
}

#[derive(Clone, Debug)]
pub struct Sample {
    pub lang: String,
    pub text: String,
    pub gold: Vec<Gold>,
}

pub fn scanner() -> Scanner {
    Scanner::new().expect("built-in patterns compile")
}

/// Kinds whose leaks matter most (financial and national identifiers).
pub const CRITICAL: &[&str] = &[
    "credit_card",
    "us_ssn",
    "iban",
    "es_dni",
    "es_nie",
    "mx_curp",
    "br_cpf",
];

#[derive(Default, Debug, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

#[derive(Default, Debug)]
pub struct Report {
    pub overall: Counts,
    pub per_kind: BTreeMap<String, Counts>,
    /// Critical gold values not covered at all by any predicted span.
    pub leaked: usize,
    pub errors: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = self.overall;
        writeln!(
            f,
            "overall: P={:.4} R={:.4} (tp={} fp={} fn={}) leaked critical={}",
            o.precision(),
            o.recall(),
            o.tp,
            o.fp,
            o.fn_,
            self.leaked
        )?;
        for (k, c) in &self.per_kind {
            writeln!(
                f,
                "  {k:12} P={:.4} R={:.4} tp={} fp={} fn={}",
                c.precision(),
                c.recall(),
                c.tp,
                c.fp,
                c.fn_
            )?;
        }
        for e in self.errors.iter().take(40) {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// Scores predictions against gold labels: a true positive is an exact span with the same kind.
pub fn evaluate(scanner: &Scanner, samples: &[Sample]) -> Report {
    let mut r = Report::default();
    for s in samples {
        let pred: Vec<Span> = scanner.scan(&s.text);
        let mut matched = vec![false; pred.len()];
        for g in &s.gold {
            let hit = pred
                .iter()
                .position(|p| p.start == g.start && p.end == g.end && p.kind.name() == g.kind);
            let c = r.per_kind.entry(g.kind.clone()).or_default();
            match hit {
                Some(i) => {
                    matched[i] = true;
                    c.tp += 1;
                    r.overall.tp += 1;
                }
                None => {
                    c.fn_ += 1;
                    r.overall.fn_ += 1;
                    let covered = pred.iter().any(|p| p.start <= g.start && p.end >= g.end);
                    if !covered && CRITICAL.contains(&g.kind.as_str()) {
                        r.leaked += 1;
                    }
                    r.errors.push(format!(
                        "MISS {} {:?} in {:?} -> {:?}",
                        g.kind,
                        &s.text[g.start..g.end],
                        s.text,
                        spans_str(&s.text, &pred)
                    ));
                }
            }
        }
        for (i, p) in pred.iter().enumerate() {
            if !matched[i] {
                r.per_kind.entry(p.kind.name().to_owned()).or_default().fp += 1;
                r.overall.fp += 1;
                r.errors.push(format!(
                    "FP {} {:?} in {:?}",
                    p.kind.name(),
                    &s.text[p.start..p.end],
                    s.text
                ));
            }
        }
    }
    r
}

fn spans_str(text: &str, spans: &[Span]) -> Vec<String> {
    spans
        .iter()
        .map(|p| format!("{}:{:?}", p.kind.name(), &text[p.start..p.end]))
        .collect()
}

/// Reads the hand-written corpus: JSON lines `{"text": ..., "entities": [{"kind", "value"}]}`;
/// each value is located in order of appearance.
pub fn handwritten() -> Vec<Sample> {
    parse_labelled(include_str!("../data/handwritten.jsonl"))
}

/// A second hand-written set, written after the rules and scored as written.
pub fn heldout() -> Vec<Sample> {
    parse_labelled(include_str!("../data/heldout.jsonl"))
}

/// A third hand-written set: bare nine-digit numbers (SSNs, Spanish and Portuguese phones,
/// references), written after the rules for them and scored as written.
pub fn heldout_nine_digits() -> Vec<Sample> {
    parse_labelled(include_str!("../data/heldout_nine_digits.jsonl"))
}

fn parse_labelled(data: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for (no, line) in data.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with("//") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", no + 1));
        let text = v["text"].as_str().expect("text").to_owned();
        let mut gold = Vec::new();
        let mut from = 0;
        for e in v["entities"].as_array().expect("entities") {
            let value = e["value"].as_str().expect("value");
            let start = text[from..]
                .find(value)
                .unwrap_or_else(|| panic!("line {}: {value:?} not in text", no + 1))
                + from;
            from = start + value.len();
            gold.push(Gold {
                start,
                end: from,
                kind: e["kind"].as_str().expect("kind").to_owned(),
            });
        }
        let lang = v["lang"].as_str().unwrap_or("en").to_owned();
        out.push(Sample { lang, text, gold });
    }
    out
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_rampart-redact"))
}
