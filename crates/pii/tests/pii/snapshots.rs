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

#[test]
fn masked_english_lines() {
    insta::assert_snapshot!("masked_en", render("en"));
}

#[test]
fn masked_spanish_lines() {
    insta::assert_snapshot!("masked_es", render("es"));
}

#[test]
fn masked_portuguese_lines() {
    insta::assert_snapshot!("masked_pt", render("pt"));
}
