//! A visitor's submission into a custom form, checked against its definition: nothing missing,
//! unknown or repeated, each value by its field's check, then normalised and masked. Errors
//! name the field and what is wrong, never the value.

use std::ops::Range;

use rampart_pii::validate;
use rampart_protocol::{CustomField, FieldCheck, FieldMask, FormValue};
use regex::Regex;

use super::definition::{CustomFormDef, FieldDef};
use super::{FULL_MASK, MAX_CUSTOM_VALUE_CHARS};
use crate::forms::{Field, FormError, days_in_month, digits_of, spanish_id};

fn invalid(field: &str, problem: &'static str) -> FormError {
    FormError::Invalid {
        field: field.to_owned(),
        problem,
    }
}

fn masked(value: &str, mask: FieldMask) -> String {
    let count = value.chars().count();
    match mask {
        FieldMask::Last4 if count > 4 => {
            let last4: String = value.chars().skip(count - 4).collect();
            format!("•••• {last4}")
        }
        FieldMask::Last4 | FieldMask::Full => FULL_MASK.to_owned(),
    }
}

/// `name@domain.tld`: one `@`, no spaces, a domain of letter/digit/dash labels and a top-level
/// label of at least two letters (the widget's check is the same).
fn email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    (1..=64).contains(&local.chars().count())
        && !local.chars().any(|c| c.is_whitespace() || c == '@')
        && value.len() <= 254
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// `YYYY-MM-DD`, a real date from 1900 to 2199.
fn date(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: Range<usize>| {
        value
            .get(range)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
    };
    match (number(0..4), number(5..7), number(8..10)) {
        (Some(year), Some(month), Some(day)) => {
            (1900..=2199).contains(&year)
                && (1..=12).contains(&month)
                && (1..=days_in_month(year, month)).contains(&day)
        }
        _ => false,
    }
}

impl CustomFormDef {
    /// Checks one submission: every required field, nothing unknown or repeated, each value
    /// against its field's check. Returns the fields in definition order, normalised and
    /// masked (optional fields left empty are left out).
    pub(crate) fn validate(&self, values: &[FormValue]) -> Result<Vec<Field>, FormError> {
        if values.len() > self.fields().len() {
            return Err(invalid("form", "too many fields"));
        }
        for (index, value) in values.iter().enumerate() {
            if !self.fields().iter().any(|f| f.field.name == value.name) {
                return Err(invalid("form", "unknown field"));
            }
            if values[..index].iter().any(|v| v.name == value.name) {
                return Err(invalid("form", "a field is repeated"));
            }
        }
        let mut out = Vec::with_capacity(self.fields().len());
        for FieldDef { field, pattern, .. } in self.fields() {
            let value = values
                .iter()
                .find(|v| v.name == field.name)
                .map_or("", |v| v.value.trim());
            if value.is_empty() {
                if field.required {
                    return Err(invalid(&field.name, "missing"));
                }
                continue;
            }
            let value = checked(field, pattern.as_ref(), value)?;
            let masked = masked(&value, field.mask);
            out.push(Field::new(
                field.name.clone(),
                value,
                masked,
                field.reveal_once,
            ));
        }
        Ok(out)
    }
}

/// One value against its field's check; returns it normalised.
fn checked(field: &CustomField, pattern: Option<&Regex>, value: &str) -> Result<String, FormError> {
    let name = field.name.as_str();
    let chars = value.chars().count();
    if chars > MAX_CUSTOM_VALUE_CHARS as usize || value.chars().any(char::is_control) {
        return Err(invalid(name, "not a valid value"));
    }
    let within = |count: usize, min: u32, max: u32| (min as usize..=max as usize).contains(&count);
    match &field.check {
        FieldCheck::Text {
            min_length,
            max_length,
        } => {
            if within(chars, *min_length, *max_length) {
                Ok(value.to_owned())
            } else {
                Err(invalid(name, "wrong length"))
            }
        }
        FieldCheck::Digits {
            min_length,
            max_length,
        } => {
            let digits =
                digits_of(value, &[' ', '-']).ok_or_else(|| invalid(name, "digits only"))?;
            if within(digits.len(), *min_length, *max_length) {
                Ok(digits)
            } else {
                Err(invalid(name, "wrong number of digits"))
            }
        }
        FieldCheck::Pattern { max_length, .. } => {
            let matches = pattern.is_some_and(|p| p.is_match(value));
            if chars <= *max_length as usize && matches {
                Ok(value.to_owned())
            } else {
                Err(invalid(name, "not in the expected format"))
            }
        }
        FieldCheck::Date => date(value)
            .then(|| value.to_owned())
            .ok_or_else(|| invalid(name, "YYYY-MM-DD")),
        FieldCheck::Email => email(value)
            .then(|| value.to_owned())
            .ok_or_else(|| invalid(name, "not a valid email address")),
        FieldCheck::Luhn => digits_of(value, &[' ', '-'])
            .filter(|d| (8..=19).contains(&d.len()) && validate::luhn(d.as_bytes()))
            .ok_or_else(|| invalid(name, "not a valid number (check digit)")),
        FieldCheck::SpanishId => {
            spanish_id(value).ok_or_else(|| invalid(name, "not a valid DNI or NIE"))
        }
        FieldCheck::Iban => {
            let compact: String = value
                .chars()
                .filter(|c| *c != ' ')
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if validate::iban(compact.as_bytes()) {
                Ok(compact)
            } else {
                Err(invalid(name, "not a valid IBAN"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_forms::test_support::{POLICY, one_field, parse, values};

    fn policy() -> CustomFormDef {
        parse(POLICY).unwrap().forms.custom.remove(0)
    }

    #[test]
    fn submissions_are_checked_against_the_definition() {
        let form = policy();
        let fields = form
            .validate(&values(&[
                ("policyNumber", " AB-123456 "),
                ("postcode", "28 013"),
            ]))
            .unwrap();
        let shown: Vec<(&str, &str, bool)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.masked.as_str(), f.once))
            .collect();
        assert_eq!(
            shown,
            [
                ("policyNumber", "•••• 3456", false),
                ("postcode", FULL_MASK, true)
            ]
        );
        assert_eq!(fields[1].value.as_ref().unwrap().expose(), "28013");
        // The optional postcode may be left out or empty; it is then not held at all.
        for submitted in [
            values(&[("policyNumber", "AB-123456")]),
            values(&[("policyNumber", "AB-123456"), ("postcode", "  ")]),
        ] {
            let fields = form.validate(&submitted).unwrap();
            assert_eq!(fields.len(), 1);
        }
        assert_eq!(
            masked("1234", FieldMask::Last4),
            FULL_MASK,
            "four characters or fewer show nothing"
        );
        assert_eq!(masked("12345", FieldMask::Last4), "•••• 2345");
        assert_eq!(masked("1", FieldMask::Full), FULL_MASK, "nor their length");
        let refused = |pairs: &[(&str, &str)]| form.validate(&values(pairs)).err().unwrap();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("postcode", "28013")], "policyNumber: missing"),
            (
                &[("policyNumber", "ab-123456")],
                "policyNumber: not in the expected format",
            ),
            (
                &[("policyNumber", "AB-123456X")],
                "policyNumber: not in the expected format",
            ),
            (
                &[("policyNumber", "XAB-123456")],
                "policyNumber: not in the expected format",
            ),
            (
                &[("policyNumber", "AB-123456"), ("postcode", "2801")],
                "postcode: wrong number of digits",
            ),
            (
                &[("policyNumber", "AB-123456"), ("postcode", "28O13")],
                "postcode: digits only",
            ),
            (
                &[("policyNumber", "AB-123456"), ("secret", "1")],
                "form: unknown field",
            ),
            (
                &[("policyNumber", "AB-123456"), ("policyNumber", "AB-123456")],
                "form: a field is repeated",
            ),
            (
                &[
                    ("policyNumber", "AB-123456"),
                    ("postcode", "28013"),
                    ("extra", "1"),
                ],
                "form: too many fields",
            ),
            (
                &[("policyNumber", "AB-123456\u{7}")],
                "policyNumber: not a valid value",
            ),
        ];
        for (pairs, expected) in cases {
            let text = refused(pairs).to_string();
            assert_eq!(text, *expected, "{pairs:?}");
            for (_, value) in *pairs {
                assert!(
                    value.len() < 2 || !text.contains(value),
                    "{text} echoes {value}"
                );
            }
        }
        let long = "9".repeat(MAX_CUSTOM_VALUE_CHARS as usize + 1);
        assert_eq!(
            refused(&[("policyNumber", "AB-123456"), ("postcode", &long)]).to_string(),
            "postcode: not a valid value"
        );
    }

    /// One optional field with this validation (and extra keys), and a value for it.
    fn check(validation: &str, value: &str) -> Result<String, String> {
        let config = parse(&one_field("x", &format!("validation = {validation}"))).unwrap();
        config.forms.custom[0]
            .validate(&values(&[("f", value)]))
            .map(|fields| fields[0].value.as_ref().unwrap().expose().clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_validation_accepts_good_values_normalised_and_refuses_bad_ones() {
        let good: &[(&str, &str, &str)] = &[
            ("\"text\"", "  José Ñúñez ", "José Ñúñez"),
            ("\"text\"\nmin_length = 3", "abc", "abc"),
            ("\"digits\"", "12-34 56", "123456"),
            ("\"date\"", "2000-02-29", "2000-02-29"),
            (
                "\"email\"",
                "ana.lopez+x@mail.example.es",
                "ana.lopez+x@mail.example.es",
            ),
            ("\"luhn\"", "4111 1111 1111 1111", "4111111111111111"),
            ("\"luhn\"", "79927398713", "79927398713"),
            ("\"spanish_id\"", "x-1234567-l", "X1234567L"),
            ("\"spanish_id\"", "12.345.678-z", "12345678Z"),
            (
                "\"iban\"",
                "es91 2100 0418 4502 0005 1332",
                "ES9121000418450200051332",
            ),
            ("\"pattern\"\npattern = \"(?i)[a-z]{3}\"", "AbC", "AbC"),
        ];
        for (validation, value, normalised) in good {
            assert_eq!(
                check(validation, value).as_deref(),
                Ok(*normalised),
                "{validation} {value}"
            );
        }
        let bad: &[(&str, &str)] = &[
            ("\"text\"\nmin_length = 3", "ab"),
            ("\"text\"\nmax_length = 3", "abcd"),
            ("\"digits\"", "12a4"),
            ("\"digits\"\nmax_length = 4", "12345"),
            ("\"date\"", "1990-02-29"),
            ("\"date\"", "1990-13-01"),
            ("\"date\"", "1899-12-31"),
            ("\"date\"", "1990-1-01"),
            ("\"date\"", "1990-+1-01"),
            ("\"email\"", "ana@localhost"),
            ("\"email\"", "ana lopez@mail.example"),
            ("\"email\"", "ana@@mail.example"),
            ("\"email\"", "ana@-mail.example"),
            ("\"email\"", "@mail.example"),
            ("\"email\"", "ana@mail.example.c0m"),
            ("\"luhn\"", "4111 1111 1111 1112"),
            ("\"luhn\"", "1234567"),
            ("\"spanish_id\"", "12345678A"),
            ("\"iban\"", "ES91 2100 0418 4502 0005 1333"),
            ("\"pattern\"\npattern = \"[a-z]{3}\"", "abcd"),
            ("\"pattern\"\npattern = \"^a|b$\"", "bxxx"),
        ];
        for (validation, value) in bad {
            let error = check(validation, value).expect_err(value);
            assert!(error.starts_with("f: "), "{validation} {value}: {error}");
        }
    }
}
