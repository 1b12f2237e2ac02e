//! Property tests: valid identifiers in any supported formatting, embedded in random text, are
//! fully masked; masking never touches text outside spans; offsets are on char boundaries.

use std::sync::OnceLock;

use proptest::prelude::*;
use rampart_pii::{Config, Kind, Policy, Scanner, Span};

use crate::corpus::Gen;

fn full_mask_scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| {
        let config = Config {
            policies: Kind::BUILT_IN.iter().map(|&k| (k, Policy::Full)).collect(),
            ..Config::default()
        };
        Scanner::with_config(&config).unwrap()
    })
}

fn default_scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| Scanner::new().unwrap())
}

/// Words around the value: letters, punctuation and spaces in all three languages, no digits.
fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("hola"),
            Just("olá"),
            Just("thanks"),
            Just("please"),
            Just("é"),
            Just("the"),
            Just("ñandú"),
            Just("¿qué?"),
            Just("ok!"),
            Just("→"),
            Just("😀"),
            Just("pedido"),
        ],
        0..6,
    )
    .prop_map(|w| w.join(" "))
}

fn group(digits: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (i, &n) in sizes.iter().enumerate() {
        if at >= digits.len() {
            break;
        }
        if i > 0 {
            out.push_str(sep);
        }
        let end = if i + 1 == sizes.len() {
            digits.len()
        } else {
            (at + n).min(digits.len())
        };
        out.push_str(&digits[at..end]);
        at = end;
    }
    out
}

fn card_formats() -> impl Strategy<Value = String> {
    (
        any::<u64>(),
        0usize..7,
        prop_oneof![
            Just(""),
            Just(" "),
            Just("-"),
            Just("."),
            Just("\u{a0}"),
            Just("\n"),
            Just(" - ")
        ],
    )
        .prop_map(|(seed, len_i, sep)| {
            let len = [16, 16, 15, 14, 13, 19, 16][len_i];
            let c = Gen::new(seed).card_number(len);
            let sizes: &[usize] = match len {
                15 => &[4, 6, 5],
                14 => &[4, 6, 4],
                _ => &[4, 4, 4, 4, 4],
            };
            group(&c, sizes, sep)
        })
}

fn check_invariants(text: &str, spans: &[Span]) {
    let mut last = 0;
    for s in spans {
        assert!(
            s.start >= last && s.start < s.end && s.end <= text.len(),
            "{spans:?}"
        );
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        last = s.end;
    }
}

/// The value is covered entirely by spans of `kind`, and the masked value keeps at most
/// `max_digits` digits.
fn assert_masked(
    scanner: &Scanner,
    before: &str,
    value: &str,
    after: &str,
    kind: Kind,
    max_digits: usize,
) {
    let text = format!("{before} {value} {after}");
    let start = before.len() + 1;
    let end = start + value.len();
    let r = scanner.redact(&text);
    check_invariants(&text, &r.spans);
    let covering: Vec<&Span> = r
        .spans
        .iter()
        .filter(|s| s.start < end && s.end > start)
        .collect();
    assert!(
        covering.iter().all(|s| s.kind == kind)
            && covering.first().is_some_and(|s| s.start <= start)
            && covering.last().is_some_and(|s| s.end >= end),
        "{kind:?} not fully detected in {text:?}: {:?}",
        r.spans
    );
    // Full-policy masking keeps char positions, so the masked value sits at the same chars.
    let prefix_chars = text[..start].chars().count();
    let value_chars = value.chars().count();
    let masked_value: String = r
        .masked
        .chars()
        .skip(prefix_chars)
        .take(value_chars)
        .collect();
    let shown = masked_value.chars().filter(char::is_ascii_digit).count();
    assert!(shown <= max_digits, "{masked_value:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_valid_card_is_masked_showing_at_most_four_digits(card in card_formats(), before in filler(), after in filler()) {
        // Default policy (last4) for cards.
        let s = default_scanner();
        let text = format!("{before} {card} {after}");
        let r = s.redact(&text);
        check_invariants(&text, &r.spans);
        let start = before.len() + 1;
        let end = start + card.len();
        prop_assert!(r.spans.iter().any(|sp| sp.kind == Kind::CreditCard && sp.start <= start && sp.end >= end), "{:?} {:?}", text, r.spans);
        let digits_out = r.masked.chars().filter(char::is_ascii_digit).count();
        prop_assert!(digits_out <= 4, "{:?}", r.masked);
        // And with the full policy, no digit survives.
        assert_masked(full_mask_scanner(), &before, &card, &after, Kind::CreditCard, 0);
    }

    #[test]
    fn any_valid_iban_cpf_dni_is_masked(seed in any::<u64>(), which in 0usize..3, before in filler(), after in filler()) {
        let mut g = Gen::new(seed);
        let s = full_mask_scanner();
        match which {
            0 => assert_masked(s, &before, &g.iban(), &after, Kind::Iban, 0),
            1 => {
                let d = g.cpf();
                let v = if seed % 2 == 0 { format!("{}.{}.{}-{}", &d[..3], &d[3..6], &d[6..9], &d[9..]) } else { d };
                assert_masked(s, &before, &v, &after, Kind::BrCpf, 0);
            }
            _ => {
                let n = (seed % 100_000_000) as usize;
                let letter = char::from(b"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]);
                let v = match seed % 3 {
                    0 => format!("{n:08}{letter}"),
                    1 => format!("{n:08}-{letter}"),
                    _ => { let d = format!("{n:08}"); format!("{}.{}.{}-{letter}", &d[..2], &d[2..5], &d[5..]) }
                };
                assert_masked(s, &before, &v, &after, Kind::EsDni, 0);
            }
        }
    }

    #[test]
    fn masking_never_changes_text_outside_spans(text in prop::collection::vec(prop_oneof![
        any::<char>().prop_map(String::from), "[0-9]", Just(" ".to_owned()), Just("-".to_owned()), Just(".".to_owned()),
        Just("@".to_owned()), Just(":".to_owned()), Just("４".to_owned()), Just("\u{a0}".to_owned()),
        Just("4111 1111 1111 1111".to_owned()), Just("ES91 2100 0418 4502 0005 1332".to_owned()),
        Just(" at gmail dot com".to_owned()), Just("+34 612 345 678".to_owned()),
    ], 0..60).prop_map(|v| v.concat())) {
        let s = full_mask_scanner();
        let r = s.redact(&text);
        check_invariants(&text, &r.spans);
        let orig: Vec<(usize, char)> = text.char_indices().collect();
        let masked: Vec<char> = r.masked.chars().collect();
        prop_assert_eq!(orig.len(), masked.len());
        for (k, (pos, c)) in orig.iter().enumerate() {
            let inside = r.spans.iter().any(|sp| sp.start <= *pos && *pos < sp.end);
            if !inside {
                prop_assert_eq!(*c, masked[k]);
            }
        }
    }

    /// Digit-heavy text around the nine-digit and phone-prefix rules (groups, separators,
    /// parentheses, signs, currencies, reference and phone words, language marks): no panic,
    /// spans sorted, disjoint and on char boundaries.
    #[test]
    fn digit_runs_with_context_words_never_break_the_span_invariants(text in prop::collection::vec(prop_oneof![
        "[0-9]{1,14}", Just(" ".to_owned()), Just("-".to_owned()), Just(".".to_owned()),
        Just(",".to_owned()), Just("(".to_owned()), Just(")".to_owned()), Just("+".to_owned()),
        Just("/".to_owned()), Just("#".to_owned()), Just("€".to_owned()), Just(". ".to_owned()),
        Just("0800".to_owned()), Just("15".to_owned()), Just("4004-".to_owned()),
        Just("536905739".to_owned()), Just("612345678".to_owned()), Just("ssn ".to_owned()),
        Just("order ".to_owned()), Just("conta ".to_owned()), Just("contato ".to_owned()),
        Just("call ".to_owned()), Just("number ".to_owned()), Just("hola estoy ".to_owned()),
        Just("não ".to_owned()), Just("ñ".to_owned()), Just("\n".to_owned()),
    ], 0..30).prop_map(|v| v.concat())) {
        let r = default_scanner().redact(&text);
        check_invariants(&text, &r.spans);
    }
}
