//! Snapshots of masked output for realistic lines in each language (the hand-written corpus).

use crate::support::{handwritten, scanner};

fn render(lang: &str) -> String {
    let s = scanner();
    let mut out = String::new();
    for sample in handwritten().iter().filter(|x| x.lang == lang) {
        let r = s.redact(&sample.text);
        let kinds: Vec<&str> = r.spans.iter().map(|sp| sp.kind.name()).collect();
        out.push_str(&format!(
            "{:?}\n  => {:?} {:?}\n",
            sample.text, r.masked, kinds
        ));
    }
    out
}

/// Snapshots live next to this file, found from the crate's manifest directory: insta's default
/// lookup goes through `cargo metadata` of the whole workspace and lands elsewhere when another
/// member's manifest is briefly broken.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pii/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn masked_english_lines() {
    settings().bind(|| insta::assert_snapshot!("pii__snapshots__masked_en", render("en")));
}

#[test]
fn masked_spanish_lines() {
    settings().bind(|| insta::assert_snapshot!("pii__snapshots__masked_es", render("es")));
}

#[test]
fn masked_portuguese_lines() {
    settings().bind(|| insta::assert_snapshot!("pii__snapshots__masked_pt", render("pt")));
}
