//! Rendering of masked text from spans and per-kind policies.

use crate::{Kind, Policy, Scanner, Span};

const DOT: char = '•';

fn token_label(kind: Kind) -> &'static str {
    match kind {
        Kind::CreditCard => "card",
        Kind::CardCvv => "cvv",
        Kind::UsSsn => "ssn",
        Kind::Email => "email",
        Kind::Phone => "phone",
        Kind::Iban => "iban",
        Kind::IpAddress => "ip",
        Kind::EsDni => "dni",
        Kind::EsNie => "nie",
        Kind::MxCurp => "curp",
        Kind::BrCpf => "cpf",
        Kind::BrCnpj => "cnpj",
        Kind::PtNif => "nif",
        Kind::MxClabe => "clabe",
        Kind::MxRfc => "rfc",
        Kind::Passport => "passport",
        Kind::DateOfBirth => "dob",
        Kind::Custom(_) => "custom",
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

/// How many trailing digits a complete value of `kind` may show under `Last4`.
fn revealable(kind: Kind, digits: usize) -> usize {
    let min = if kind == Kind::CreditCard { 12 } else { 7 };
    if digits >= min { 4 } else { 0 }
}

pub fn mask_into(scanner: &Scanner, text: &str, spans: &[Span], out: &mut String) {
    out.reserve(text.len() + spans.len() * 8);
    let mut pos = 0;
    for s in spans {
        let valid = s.start >= pos
            && s.start < s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end);
        if !valid {
            continue;
        }
        out.push_str(&text[pos..s.start]);
        let value = &text[s.start..s.end];
        let digits = value.chars().filter(|&c| is_digit(c)).count();
        match scanner.policy(s.kind) {
            Policy::Token => {
                out.push('[');
                out.push_str(match s.kind {
                    Kind::Custom(_) => scanner.kind_name(s.kind),
                    k => token_label(k),
                });
                if s.kind == Kind::CreditCard && revealable(s.kind, digits) == 4 {
                    out.push(' ');
                    out.extend(std::iter::repeat_n(DOT, 4));
                    let last: Vec<char> = value.chars().filter(|&c| is_digit(c)).collect();
                    out.extend(last[last.len().saturating_sub(4)..].iter());
                }
                out.push(']');
            }
            policy => {
                let show = if policy == Policy::Last4 {
                    revealable(s.kind, digits)
                } else {
                    0
                };
                let mut seen = 0;
                for c in value.chars() {
                    if is_digit(c) {
                        seen += 1;
                        out.push(if seen > digits - show { c } else { DOT });
                    } else if c.is_alphanumeric() {
                        out.push(DOT);
                    } else {
                        out.push(c);
                    }
                }
            }
        }
        pos = s.end;
    }
    out.push_str(&text[pos..]);
}
