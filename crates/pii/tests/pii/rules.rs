//! Detection rules pinned by example: what is masked, as which kind, and what is left alone.
//! Each case is one line of chat; `found` lists the spans' text and kind in order.

use crate::support::scanner;

fn found(text: &str) -> Vec<(String, &'static str)> {
    scanner()
        .scan(text)
        .iter()
        .map(|s| (text[s.start..s.end].to_owned(), s.kind.name()))
        .collect()
}

fn assert_found(text: &str, want: &[(&str, &str)]) {
    let got = found(text);
    let got: Vec<(&str, &str)> = got.iter().map(|(v, k)| (v.as_str(), *k)).collect();
    assert_eq!(got, want, "in {text:?}");
}

#[test]
fn separated_ssns_need_no_keyword() {
    for text in [
        "536-90-5739",
        "it's 536 90 5739 ok",
        "536.90.5739",
        "es 772-11-2345.",
    ] {
        let want = text
            .split(|c: char| !(c.is_ascii_digit() || c == '-' || c == ' ' || c == '.'))
            .map(|p| p.trim_matches(|c: char| !c.is_ascii_digit()))
            .find(|p| p.len() >= 11)
            .unwrap();
        assert_found(text, &[(want, "us_ssn")]);
    }
}

#[test]
fn invalid_and_specimen_ssns_stay_unmasked_with_or_without_keyword() {
    for value in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "987-65-4321",
        "536-00-5739",
        "536-90-0000",
        "078-05-1120",
        "219-09-9999",
        "123-45-6789",
        "000 12 3456",
    ] {
        assert_found(value, &[]);
        assert_found(&format!("my SSN is {value}"), &[]);
        let plain: String = value.chars().filter(char::is_ascii_digit).collect();
        assert_found(&format!("SSN {plain}"), &[]);
    }
}

#[test]
fn bare_nine_digits_are_an_ssn_only_with_an_ssn_keyword_near() {
    assert_found("SSN: 536905739", &[("536905739", "us_ssn")]);
    assert_found("536905739 is my SSN", &[("536905739", "us_ssn")]);
    assert_found(
        "536905739 es mi número de seguro social",
        &[("536905739", "us_ssn")],
    );
    assert_found(
        "My social security number, which I gave you last week by email, is 536905739",
        &[("536905739", "us_ssn")],
    );
    // No keyword: an order or account number, not masked as an SSN.
    assert_found("536905739", &[]);
    assert_found("Hi, 536905739 was delivered late", &[]);
    // The keyword after the order number introduces the second number.
    assert_found(
        "order 536905739, my SSN is 536-90-5739",
        &[("536-90-5739", "us_ssn")],
    );
    // A phone keyword nearer than the SSN keyword wins.
    assert_found("ssn? no, call me on 636905739", &[("636905739", "phone")]);
}

#[test]
fn an_ssn_shape_inside_a_longer_number_is_not_an_ssn() {
    // Argentine mobile in national format: the 3-2-4 window must not be read as an SSN.
    assert_found("call 011-15-2345-6789", &[("011-15-2345-6789", "phone")]);
    assert_found("ref 011-15-2345-6789", &[]);
    assert_found("serial 536-90-5739-12", &[]);
    // Spaces join unrelated numbers: a spaced SSN before a street number is still an SSN.
    assert_found("536 90 5739 123 main st", &[("536 90 5739", "us_ssn")]);
    assert_found("call 011 15 2345 6789", &[("011 15 2345 6789", "phone")]);
}

#[test]
fn spanish_phones_written_with_dots_are_detected() {
    assert_found("912.345.678", &[("912.345.678", "phone")]);
    assert_found(
        "Hola, mi fijo es el 912.345.678, gracias",
        &[("912.345.678", "phone")],
    );
    assert_found("llámame al 612.34.56.78", &[("612.34.56.78", "phone")]);
    assert_found("+34 912.34.56.78", &[("+34 912.34.56.78", "phone")]);
    assert_found("móvil +34 612.345.678", &[("+34 612.345.678", "phone")]);
    assert_found("o meu é 912.345.678", &[("912.345.678", "phone")]);
}

#[test]
fn dotted_amounts_and_codes_are_not_phones() {
    for text in [
        "son 612.345.678 euros",
        "costó 712.345.678 pesos",
        "total 1.234.567",
        "123.456.789",
        "pedido 912.345.678",
        "versión 612.345.678",
        "R$ 912.345.678",
        "custou 912.345.678 reais",
    ] {
        assert_found(text, &[]);
    }
}

#[test]
fn long_national_numbers_with_a_trunk_zero_are_phones_after_a_keyword() {
    assert_found(
        "call me at 0800 1234567890 thanks",
        &[("0800 1234567890", "phone")],
    );
    assert_found(
        "call me at 0177 99 1234567",
        &[("0177 99 1234567", "phone")],
    );
    assert_found(
        "llamame al 011 15-2345-6789",
        &[("011 15-2345-6789", "phone")],
    );
    // Without a keyword, a long digit run is not guessed to be a phone.
    assert_found("0800 1234567890", &[]);
}
