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
    assert_found("536-90-5739", &[("536-90-5739", "us_ssn")]);
    assert_found("it's 536 90 5739 ok", &[("536 90 5739", "us_ssn")]);
    assert_found("536.90.5739", &[("536.90.5739", "us_ssn")]);
    assert_found("es 772-11-2345.", &[("772-11-2345", "us_ssn")]);
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
fn bare_nine_digits_with_an_ssn_keyword_are_an_ssn() {
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
    // The SSN keyword settles it even with an order word further back.
    assert_found(
        "about my order: my SSN is 536905739",
        &[("536905739", "us_ssn")],
    );
    // The keyword after the order number introduces the second number.
    assert_found(
        "order 536905739, my SSN is 536-90-5739",
        &[("536-90-5739", "us_ssn")],
    );
    // A phone keyword nearer than the SSN keyword wins.
    assert_found("ssn? no, call me on 636905739", &[("636905739", "phone")]);
}

#[test]
fn bare_nine_digits_without_a_keyword_are_an_ssn_when_nothing_argues_against_it() {
    for text in [
        "536905739",
        "here it is: 536905739",
        "sure, 536905739.",
        "(536905739)",
        "ok 772112345!",
        "Hi, 536905739 is the number you asked for",
        // English: no national plan has nine-digit numbers, so a leading 2, 6, 7 or 8 is no
        // reason to read it as a phone.
        "it's 236905739",
        "it's 636905739 thanks",
        "it's 836905739 thanks",
        // A phone word only after the number: the phone rules do not read it, and the number
        // must be masked either way.
        "536905739 is my cell",
        // Spanish or Portuguese, but not shaped like a phone of Spain or Portugal.
        "aquí está: 536905739, gracias",
        "Hola, aquí está: 236905739",
        "segue: 536905739, obrigado",
        "Olá, segue: 536905739, é esse",
        // Words of an earlier clause are about something else: a spelt-out email's "at".
        "manda para ana at yahoo, claro, é 112390378.",
    ] {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert_found(text, &[(&digits, "us_ssn")]);
    }
    // A phone word of an earlier clause is about something else: here an email.
    assert_found(
        "contact: ana at gmail dot com. ok 860216230",
        &[("ana at gmail dot com", "email"), ("860216230", "us_ssn")],
    );
    // The rest of an amount's clause (its currency) is about the amount.
    assert_found(
        "the total was 71.436,36 €, here it is: 466628746",
        &[("466628746", "us_ssn")],
    );
    // A word for something else that introduces the next number is about that one.
    assert_found(
        "536905739, order #4417 is another thing",
        &[("536905739", "us_ssn")],
    );
}

#[test]
fn bare_nine_digits_are_not_an_ssn_when_context_says_what_they_are() {
    for text in [
        "order 536905739",
        "Order No. 536905739",
        "pedido 536905739",
        "número de pedido 536905739",
        "número do pedido: 536905739",
        "ticket 536905739",
        "tracking 536905739",
        "código de rastreio 536905739",
        "invoice 536905739",
        "factura 536905739",
        "account 536905739",
        "cuenta 536905739",
        "minha conta 536905739",
        "reference 536905739",
        "referencia 536905739",
        "ZIP 536905739",
        "CEP 536905739",
        "código postal 536905739",
        "confirmation 536905739",
        "customer 536905739",
        "nº de cliente 536905739",
        "policy 536905739",
        "póliza 536905739",
        "#536905739",
        "# 536905739",
        "nº 536905739",
        "$536905739",
        "536905739 USD",
        "R$ 536905739",
        "536905739 €",
        "536905739 is my order number",
        "536905739 (pedido)",
        "Hi, 536905739 was delivered late",
        "I need help with my order. 536905739",
        "a encomenda 536905739 não chegou",
        "passport 536905739",
        "DNI 536905739",
        "536905739 bytes",
        "account number 536905739",
        "nº de cliente 536905739",
    ] {
        assert_found(text, &[]);
    }
}

#[test]
fn bare_nine_digits_inside_longer_numbers_or_amounts_are_not_an_ssn() {
    for text in [
        "536905739 12",
        "536905739-12",
        "12-536905739",
        "1536905739",
        "5369057391",
        "536905739.50",
        "536905739,50",
        "0.536905739",
        "1,536905739",
        "+536905739",
        "536905739%",
        "x=536905739",
        "10:536905739",
        "536905739/2",
        "536905739abc",
        "ID536905739",
    ] {
        let got = found(text);
        assert!(
            got.iter().all(|(_, kind)| *kind != "us_ssn"),
            "{text:?} -> {got:?}"
        );
    }
}

#[test]
fn placeholder_nine_digit_runs_are_not_an_ssn() {
    for text in [
        "111111111",
        "234567890",
        "876543210",
        "345678901",
        "it's 555555555",
    ] {
        let got = found(text);
        assert!(
            got.iter().all(|(_, kind)| *kind != "us_ssn"),
            "{text:?} -> {got:?}"
        );
    }
    // With an SSN keyword the customer says what it is: masked, placeholder or not.
    assert_found("my SSN is 555555555", &[("555555555", "us_ssn")]);
}

#[test]
fn bare_nine_digits_with_a_phone_keyword_or_a_national_phone_shape_are_phones() {
    // A phone keyword before the number: the phone rules read it.
    assert_found("call me 536905739", &[("536905739", "phone")]);
    assert_found("my number is 536905739", &[("536905739", "phone")]);
    assert_found("me liga no 736905739", &[("736905739", "phone")]);
    assert_found("Tel. 536905739", &[("536905739", "phone")]);
    // Spanish mobiles start with 6 or 7, Spanish landlines with 8 or 9, Portuguese landlines
    // with 2: in a Spanish or Portuguese message such a number is a phone, not an SSN.
    assert_found(
        "Hola, estoy esperando, 612345678",
        &[("612345678", "phone")],
    );
    assert_found("¿Me escribís al 712345678?", &[("712345678", "phone")]);
    assert_found("hola, estoy en 812345678", &[("812345678", "phone")]);
    assert_found("Olá, o meu é 212345678", &[("212345678", "phone")]);
    assert_found("Oi, não recebi nada. 212345678", &[("212345678", "phone")]);
    // A Portuguese 2 or a Spanish 6 is no phone cue in the other language.
    assert_found("Hola, estoy aquí: 236905739", &[("236905739", "us_ssn")]);
    assert_found("Olá, o meu é 636905739", &[("636905739", "us_ssn")]);
    // Spanish, shaped like a mobile, with an order word: the phone rules refuse it, and so
    // does the SSN rule (the order word is next to it).
    assert_found("Hola, mi pedido es 612345678", &[]);
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
    // Without a keyword, a long digit run is not guessed to be a phone, unless its first group
    // is a prefix only phones have (next test).
    assert_found("0123 1234567890", &[]);
    assert_found("0123 1234 5678", &[]);
}

#[test]
fn national_phone_prefixes_need_no_keyword() {
    for value in [
        "011 15-2345-6789",
        "0351 15-312-3456",
        "0177 99 1234567",
        "0151 23456789",
        "0800 1234567890",
        "0800 123 4567",
        "0700 1234 5678",
        "4004-1234",
        "3003-4455",
    ] {
        assert_found(&format!("ok {value} thanks"), &[(value, "phone")]);
    }
    // The same shapes with a word for something else, or without the prefix, are left alone.
    for text in [
        "pedido 4004-1234",
        "R$ 4004-1234",
        "1234-5678",
        "4005-1234",
        "4004 1234",
        "ref 0700 1234 5678",
    ] {
        let got = found(text);
        assert!(
            got.iter().all(|(_, kind)| *kind != "phone"),
            "{text:?} -> {got:?}"
        );
    }
}

/// libphonenumber's example number for each number type of the eleven regions, in the library's
/// national, international, E.164 and RFC 3966 formats (`tools/phone-oracle examples`).
fn libphonenumber_examples() -> Vec<(String, String, String)> {
    include_str!("../data/libphonenumber_examples.jsonl")
        .lines()
        .filter(|l| !l.starts_with("//") && !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let field = |k: &str| v[k].as_str().unwrap().to_owned();
            (
                format!("{} {}", field("region"), field("type")),
                field("format"),
                field("value"),
            )
        })
        .collect()
}

/// The one span a phone in `text` at `at` should produce (a `tel:` prefix is not part of it).
fn phone_span(value: &str, at: usize) -> (usize, usize) {
    let skip = if value.starts_with("tel:") { 4 } else { 0 };
    (at + skip, at + value.len())
}

#[test]
fn libphonenumber_example_numbers_are_phones_after_a_keyword() {
    let s = scanner();
    let examples = libphonenumber_examples();
    assert!(examples.len() > 250, "{}", examples.len());
    for (what, format, value) in &examples {
        for lead in ["call me at ", "mi teléfono es el ", "meu telefone é "] {
            let text = format!("{lead}{value}, thanks");
            let got: Vec<_> = s
                .scan(&text)
                .iter()
                .map(|sp| (sp.start, sp.end, sp.kind.name()))
                .collect();
            let (start, end) = phone_span(value, lead.len());
            assert_eq!(got, [(start, end, "phone")], "{what} {format}: {text:?}");
        }
    }
}

#[test]
fn libphonenumber_example_numbers_are_phones_without_a_keyword_when_unambiguous() {
    let s = scanner();
    let mut national = (0, Vec::new());
    for (what, format, value) in libphonenumber_examples() {
        let text = format!("ok {value} thanks");
        let got: Vec<_> = s
            .scan(&text)
            .iter()
            .map(|sp| (sp.start, sp.end, sp.kind.name()))
            .collect();
        let (start, end) = phone_span(&value, 3);
        let exact = got == [(start, end, "phone")];
        if format == "national" {
            // Short national numbers with no keyword are left alone on purpose (see below).
            national.0 += 1;
            if !exact {
                national.1.push(format!("{what}: {value} -> {got:?}"));
            }
        } else {
            // With a country code, a number is a phone whatever surrounds it.
            assert!(exact, "{what} {format}: {text:?} -> {got:?}");
        }
    }
    let (total, missed) = national;
    println!(
        "national formats without a keyword: {} of {total} left alone",
        missed.len()
    );
    // Left alone on purpose: a 7-digit Canadian UAN ("310-1234") and a bare 8-digit German
    // pager number ("16412345") look like any reference; after a keyword they are phones.
    let allowed = ["CA uan: 310-1234 -> []", "DE pager: 16412345 -> []"];
    assert!(
        missed.iter().all(|m| allowed.contains(&m.as_str())),
        "{} of {total} missed:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

#[test]
fn a_phone_word_that_starts_like_a_negative_one_is_still_a_phone_word() {
    // "contacto"/"contato" begin with the negative "conta" (account).
    assert_found("Olá, o meu contacto é 213456789", &[("213456789", "phone")]);
    assert_found("contato: 912 345 678", &[("912 345 678", "phone")]);
    assert_found("minha conta 912 345 678", &[]);
}

#[test]
fn a_number_word_that_names_a_reference_is_no_phone_context() {
    for text in [
        "The confirmation number is 529384710",
        "my order number is 612 345 678",
        "tracking number: 612345678",
    ] {
        assert_found(text, &[]);
    }
    // Further away, "number" is about the phone again.
    assert_found(
        "my order is late, my number is 612 345 678",
        &[("612 345 678", "phone")],
    );
}

#[test]
fn one_long_group_in_parentheses_is_no_phone_and_no_panic() {
    for text in [
        "(0800123456789)",
        "(1234567890123)",
        "(0177991234567)",
        "(40041234)",
    ] {
        let got = found(text);
        assert!(
            got.iter().all(|(_, kind)| *kind != "phone"),
            "{text:?} -> {got:?}"
        );
    }
}

#[test]
fn a_negative_word_in_another_clause_leaves_a_bare_phone_a_phone() {
    // The word for an order, a ticket or an invoice speaks about a number in its own clause
    // (or right after it); in another sentence it says nothing about a bare phone number.
    for (text, phone) in [
        (
            "My order arrived broken. I'm home all day: 4155550123",
            "4155550123",
        ),
        ("4155550123. The order never came.", "4155550123"),
        (
            "my order arrived broken, call me on 612 345 678",
            "612 345 678",
        ),
        (
            "I'm home all day: 4155550123, and the ticket is 88123",
            "4155550123",
        ),
        (
            "Mi pedido llegó roto y nadie me responde. Estoy en casa todo el día: 612345678",
            "612345678",
        ),
        (
            "Mi pedido llegó roto. Estoy en casa, 612.345.678",
            "612.345.678",
        ),
        (
            "Estoy en casa: 612345678. El pedido nunca llegó.",
            "612345678",
        ),
        (
            "A nota fiscal ainda não chegou. Estou em casa o dia todo: 212345678",
            "212345678",
        ),
        (
            "A nota fiscal não veio. Estou em casa: 11987654321",
            "11987654321",
        ),
        ("O pedido chegou quebrado. Tentei o 4004-1234", "4004-1234"),
    ] {
        assert_found(text, &[(phone, "phone")]);
    }
}

#[test]
fn a_negative_word_in_the_numbers_own_clause_still_blocks_a_bare_phone() {
    for text in [
        "my order 4155550123",
        "4155550123 is the order",
        "I'm home, the ticket is 4155550123",
        "Mi pedido es 612345678",
        "el pedido 612.345.678",
        "612345678 es el pedido",
        "a nota 212345678",
        "a nota fiscal é 11987654321",
        "pedido 4004-1234",
    ] {
        assert_found(text, &[]);
    }
}
