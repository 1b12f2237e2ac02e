//! Custom secure forms: the forms an organisation defines in `[[forms.custom]]`, checked when
//! the configuration is read, and the server-side check of every value a visitor submits into
//! one.
//!
//! ```toml
//! [[forms.custom]]
//! id = "policy-check"                    # a-z, 0-9 and dashes; not a built-in kind's name
//! title_en = "Policy check"
//! title_es = "Comprobación de póliza"
//! intro_en = "We need these to find your policy."   # optional; intro_es with it
//! intro_es = "Los necesitamos para encontrar tu póliza."
//!
//! [[forms.custom.fields]]
//! name = "policyNumber"                  # a-z, A-Z, 0-9, starting with a letter
//! label_en = "Policy number"
//! label_es = "Número de póliza"
//! hint_en = "For example AB-123456"      # optional; hint_es with it
//! hint_es = "Por ejemplo AB-123456"
//! validation = "pattern"                 # text, digits, pattern, date, email, luhn, spanish_id, iban
//! pattern = "[A-Z]{2}-[0-9]{6}"          # matched against the whole value
//! max_length = 9
//! mask = "last4"                         # full (default) or last4
//! required = true                        # default
//! reveal_once = false                    # true: the first view removes it, like a CVV
//! ```
//!
//! Invariants:
//! - Every mistake is an error naming its line: values through their own types (ids, names,
//!   texts, patterns), a form's or field's combination of keys through the table, duplicates
//!   through the spans kept here ([`check_custom_forms`]).
//! - Patterns are compiled with the `regex` crate (linear time, no backtracking) with size and
//!   nesting limits, always anchored to the whole value.
//! - A value is never echoed: errors name the field and what is wrong.

use std::ops::Range;

use rampart_pii::validate;
use rampart_protocol::{CustomField, CustomForm, FieldCheck, FieldMask, FormValue, Localized};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::forms::{Field, FormError, days_in_month, digits_of, spanish_id};

/// Custom forms a hub may define.
pub const MAX_CUSTOM_FORMS: usize = 20;
/// Fields a custom form may have.
pub const MAX_CUSTOM_FIELDS: usize = 10;
/// Longest value a custom field accepts, in characters.
pub const MAX_CUSTOM_VALUE_CHARS: u32 = 128;
/// Longest pattern, in characters.
const MAX_PATTERN_CHARS: usize = 256;
/// Compiled size limit of a pattern (the regex crate's own unit: bytes of its program).
const PATTERN_SIZE_LIMIT: usize = 64 * 1024;
/// Longest id or field name.
const MAX_NAME_CHARS: usize = 32;
/// What a fully masked value shows, whatever its length.
const FULL_MASK: &str = "••••••";

/// Names a custom form may not take: the built-in kinds (`national-id`, `date_of_birth`…
/// are the same names to a reader and to the audit log).
const BUILT_IN_NAMES: [&str; 4] = ["card", "ssn", "nationalid", "dateofbirth"];

/// A text with a length limit, checked when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err("must not be empty".to_owned());
        }
        if text.chars().count() > MAX {
            return Err(format!("longer than {MAX} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("holds control characters (line breaks, tabs…)".to_owned());
        }
        Ok(Self(text))
    }
}

/// A custom form's id: `a-z`, `0-9` and `-`, starting with a letter, not a built-in kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct FormSlug(pub String);

impl TryFrom<String> for FormSlug {
    type Error = String;

    fn try_from(id: String) -> Result<Self, String> {
        let valid = id.len() <= MAX_NAME_CHARS
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(format!(
                "form id \"{}\": use 1–{MAX_NAME_CHARS} lower-case letters, digits and dashes, starting with a letter",
                id.escape_debug()
            ));
        }
        let bare: String = id.chars().filter(|c| *c != '-').collect();
        if BUILT_IN_NAMES.contains(&bare.as_str()) {
            return Err(format!(
                "form id \"{id}\" is a built-in form (card, ssn, national ID, date of birth); choose another id"
            ));
        }
        Ok(Self(id))
    }
}

/// A field's name: ASCII letters and digits, starting with a letter (`policyNumber`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct FieldName(pub String);

impl TryFrom<String> for FieldName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = name.len() <= MAX_NAME_CHARS
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if valid && name != "form" {
            Ok(Self(name))
        } else {
            Err(format!(
                "field name \"{}\": use 1–{MAX_NAME_CHARS} ASCII letters and digits, starting with a letter (not \"form\")",
                name.escape_debug()
            ))
        }
    }
}

/// A pattern, compiled and anchored to the whole value.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    anchored: String,
    regex: Regex,
}

impl TryFrom<String> for Pattern {
    type Error = String;

    fn try_from(source: String) -> Result<Self, String> {
        if source.is_empty() || source.chars().count() > MAX_PATTERN_CHARS {
            return Err(format!(
                "pattern: 1–{MAX_PATTERN_CHARS} characters of a regular expression"
            ));
        }
        // Anchored here, whatever the author wrote: `^a|b$` alone would match "bxxx".
        let anchored = format!("^(?:{source})$");
        let regex = RegexBuilder::new(&anchored)
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT)
            .nest_limit(32)
            .build()
            .map_err(|error| match error {
                regex::Error::CompiledTooBig(_) => "pattern: too large once compiled".to_owned(),
                // The parser's message points into the pattern, never at other input.
                other => format!("pattern: not a valid regular expression: {other}"),
            })?;
        Ok(Self { anchored, regex })
    }
}

/// How a field's value is checked (`validation = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Validation {
    Text,
    Digits,
    Pattern,
    Date,
    Email,
    Luhn,
    SpanishId,
    Iban,
}

/// How agents see a value (`mask = "…"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MaskName {
    #[default]
    Full,
    Last4,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: Spanned<FieldName>,
    label_en: Text<80>,
    label_es: Text<80>,
    #[serde(default)]
    hint_en: Option<Text<120>>,
    #[serde(default)]
    hint_es: Option<Text<120>>,
    validation: Validation,
    #[serde(default)]
    pattern: Option<Pattern>,
    #[serde(default)]
    min_length: Option<u32>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    mask: MaskName,
    #[serde(default)]
    reveal_once: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: Spanned<FormSlug>,
    title_en: Text<80>,
    title_es: Text<80>,
    #[serde(default)]
    intro_en: Option<Text<400>>,
    #[serde(default)]
    intro_es: Option<Text<400>>,
    fields: Vec<FieldDef>,
}

/// One field of a custom form: its definition for clients, and its compiled pattern. Errors
/// in its keys name the line of its `[[forms.custom.fields]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawField")]
pub struct FieldDef {
    field: CustomField,
    /// Where its name is in the file.
    span: Range<usize>,
    pattern: Option<Regex>,
}

impl TryFrom<RawField> for FieldDef {
    type Error = String;

    fn try_from(raw: RawField) -> Result<Self, String> {
        let name = raw.name.get_ref().0.clone();
        let in_field = |message: String| format!("field \"{name}\": {message}");
        let check = field_check(&raw).map_err(in_field)?;
        let hint = localized("hint", raw.hint_en, raw.hint_es).map_err(in_field)?;
        Ok(Self {
            span: raw.name.span(),
            pattern: raw.pattern.map(|p| p.regex),
            field: CustomField {
                name,
                label: Localized {
                    en: raw.label_en.0,
                    es: raw.label_es.0,
                },
                hint,
                required: raw.required,
                check,
                mask: match raw.mask {
                    MaskName::Full => FieldMask::Full,
                    MaskName::Last4 => FieldMask::Last4,
                },
                reveal_once: raw.reveal_once,
            },
        })
    }
}

/// A custom form from the configuration: its definition for clients and what the hub needs to
/// check submissions.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawForm")]
pub struct CustomFormDef {
    definition: CustomForm,
    /// Where its id is in the file.
    span: Range<usize>,
    fields: Vec<FieldDef>,
}

fn localized<const MAX: usize>(
    what: &str,
    en: Option<Text<MAX>>,
    es: Option<Text<MAX>>,
) -> Result<Option<Localized>, String> {
    match (en, es) {
        (Some(Text(en)), Some(Text(es))) => Ok(Some(Localized { en, es })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(format!("{what}_en needs {what}_es (the Spanish text)")),
        (None, Some(_)) => Err(format!("{what}_es needs {what}_en (the English text)")),
    }
}

/// The check a field's keys describe, or why they do not make one.
fn field_check(raw: &RawField) -> Result<FieldCheck, String> {
    let lengths = |min_default: u32, max_default: u32, floor: u32| {
        let min = raw.min_length.unwrap_or(min_default);
        let max = raw.max_length.unwrap_or(max_default);
        if min < floor || max < min || max > MAX_CUSTOM_VALUE_CHARS {
            Err(format!(
                "min_length and max_length must satisfy {floor} ≤ min_length ≤ max_length ≤ {MAX_CUSTOM_VALUE_CHARS}"
            ))
        } else {
            Ok((min, max))
        }
    };
    let no_lengths = || {
        if raw.min_length.is_some() || raw.max_length.is_some() {
            Err("min_length and max_length apply to text, digits and pattern only".to_owned())
        } else {
            Ok(())
        }
    };
    if raw.pattern.is_some() && raw.validation != Validation::Pattern {
        return Err("pattern applies to validation = \"pattern\" only".to_owned());
    }
    Ok(match raw.validation {
        Validation::Text => {
            let (min_length, max_length) = lengths(1, 64, 1)?;
            FieldCheck::Text {
                min_length,
                max_length,
            }
        }
        Validation::Digits => {
            let (min_length, max_length) = lengths(1, 32, 1)?;
            FieldCheck::Digits {
                min_length,
                max_length,
            }
        }
        Validation::Pattern => {
            if raw.min_length.is_some() {
                return Err("a pattern sets its own lengths; only max_length applies".to_owned());
            }
            let (_, max_length) = lengths(1, 64, 1)?;
            let pattern = raw
                .pattern
                .as_ref()
                .ok_or("validation = \"pattern\" needs a pattern")?;
            FieldCheck::Pattern {
                pattern: pattern.anchored.clone(),
                max_length,
            }
        }
        Validation::Date => no_lengths().map(|()| FieldCheck::Date)?,
        Validation::Email => no_lengths().map(|()| FieldCheck::Email)?,
        Validation::Luhn => no_lengths().map(|()| FieldCheck::Luhn)?,
        Validation::SpanishId => no_lengths().map(|()| FieldCheck::SpanishId)?,
        Validation::Iban => no_lengths().map(|()| FieldCheck::Iban)?,
    })
}

impl TryFrom<RawForm> for CustomFormDef {
    type Error = String;

    fn try_from(raw: RawForm) -> Result<Self, String> {
        let id = raw.id.get_ref().0.clone();
        let in_form = |message: String| format!("form \"{id}\": {message}");
        if raw.fields.is_empty() || raw.fields.len() > MAX_CUSTOM_FIELDS {
            return Err(in_form(format!(
                "a form has 1–{MAX_CUSTOM_FIELDS} [[forms.custom.fields]]"
            )));
        }
        let intro = localized("intro", raw.intro_en, raw.intro_es).map_err(in_form)?;
        Ok(Self {
            span: raw.id.span(),
            definition: CustomForm {
                id,
                title: Localized {
                    en: raw.title_en.0,
                    es: raw.title_es.0,
                },
                intro,
                fields: raw.fields.iter().map(|f| f.field.clone()).collect(),
            },
            fields: raw.fields,
        })
    }
}

/// A mistake across forms or fields, with where it is in the file (when read from one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFormsError {
    /// Byte range in the file.
    pub span: Option<Range<usize>>,
    /// What is wrong.
    pub message: String,
}

/// Checks what no single form can: how many there are, and that ids and field names are unique.
pub fn check_custom_forms(forms: &[CustomFormDef]) -> Result<(), CustomFormsError> {
    if forms.len() > MAX_CUSTOM_FORMS {
        return Err(CustomFormsError {
            span: forms.get(MAX_CUSTOM_FORMS).map(|f| f.span.clone()),
            message: format!("at most {MAX_CUSTOM_FORMS} [[forms.custom]] forms"),
        });
    }
    for (index, form) in forms.iter().enumerate() {
        let id = &form.definition.id;
        if forms[..index].iter().any(|f| f.definition.id == *id) {
            return Err(CustomFormsError {
                span: Some(form.span.clone()),
                message: format!("form id \"{id}\" is defined twice"),
            });
        }
        for (at, field) in form.fields.iter().enumerate() {
            let name = &field.field.name;
            if form.fields[..at].iter().any(|f| f.field.name == *name) {
                return Err(CustomFormsError {
                    span: Some(field.span.clone()),
                    message: format!("form \"{id}\": field \"{name}\" is defined twice"),
                });
            }
        }
    }
    Ok(())
}

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
    /// The definition clients receive.
    pub fn definition(&self) -> &CustomForm {
        &self.definition
    }

    /// Checks one submission: every required field, nothing unknown or repeated, each value
    /// against its field's check. Returns the fields in definition order, normalised and
    /// masked (optional fields left empty are left out).
    pub(crate) fn validate(&self, values: &[FormValue]) -> Result<Vec<Field>, FormError> {
        if values.len() > self.fields.len() {
            return Err(invalid("form", "too many fields"));
        }
        for (index, value) in values.iter().enumerate() {
            if !self.fields.iter().any(|f| f.field.name == value.name) {
                return Err(invalid("form", "unknown field"));
            }
            if values[..index].iter().any(|v| v.name == value.name) {
                return Err(invalid("form", "a field is repeated"));
            }
        }
        let mut out = Vec::with_capacity(self.fields.len());
        for FieldDef { field, pattern, .. } in &self.fields {
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
    use std::path::Path;

    use super::*;
    use crate::config::HubConfig;

    const POLICY: &str = r#"
[[forms.custom]]
id = "policy-check"
title_en = "Policy check"
title_es = "Comprobación de póliza"
intro_en = "We need these to find your policy."
intro_es = "Los necesitamos para encontrar tu póliza."

[[forms.custom.fields]]
name = "policyNumber"
label_en = "Policy number"
label_es = "Número de póliza"
hint_en = "For example AB-123456"
hint_es = "Por ejemplo AB-123456"
validation = "pattern"
pattern = "[A-Z]{2}-[0-9]{6}|X"
max_length = 9
mask = "last4"

[[forms.custom.fields]]
name = "postcode"
label_en = "Postcode"
label_es = "Código postal"
validation = "digits"
min_length = 5
max_length = 5
required = false
reveal_once = true
"#;

    fn parse(text: &str) -> Result<HubConfig, String> {
        HubConfig::parse(text, Path::new("hub.toml")).map_err(|e| e.to_string())
    }

    fn policy() -> CustomFormDef {
        parse(POLICY).unwrap().forms.custom.remove(0)
    }

    fn values(pairs: &[(&str, &str)]) -> Vec<FormValue> {
        pairs.iter().map(|(n, v)| FormValue::new(*n, *v)).collect()
    }

    #[test]
    fn a_custom_form_reads_into_its_definition_with_an_anchored_pattern() {
        let form = policy();
        let definition = form.definition();
        assert_eq!(definition.id, "policy-check");
        assert_eq!(definition.title.es, "Comprobación de póliza");
        assert!(definition.intro.is_some());
        let [number, postcode] = definition.fields.as_slice() else {
            panic!("two fields: {definition:?}");
        };
        assert_eq!(
            number.check,
            FieldCheck::Pattern {
                pattern: "^(?:[A-Z]{2}-[0-9]{6}|X)$".into(),
                max_length: 9
            }
        );
        assert_eq!(
            (number.mask, number.required, number.reveal_once),
            (FieldMask::Last4, true, false)
        );
        assert_eq!(
            postcode.check,
            FieldCheck::Digits {
                min_length: 5,
                max_length: 5
            }
        );
        assert_eq!(
            (postcode.mask, postcode.required, postcode.reveal_once),
            (FieldMask::Full, false, true)
        );
        assert!(parse("").unwrap().forms.custom.is_empty());
    }

    /// A form with one field whose keys are `field` (after `name` and the labels).
    fn one_field(id: &str, field: &str) -> String {
        format!(
            "[[forms.custom]]\nid = \"{id}\"\ntitle_en = \"T\"\ntitle_es = \"T\"\n\n[[forms.custom.fields]]\nname = \"f\"\nlabel_en = \"F\"\nlabel_es = \"F\"\n{field}\n"
        )
    }

    #[test]
    fn mistakes_are_reported_on_their_line() {
        let text = |field: &str| one_field("loyalty", field);
        let cases: Vec<(String, usize, &str)> = vec![
            (one_field("card", "validation = \"text\""), 2, "built-in"),
            (one_field("National-ID", "validation = \"text\""), 2, "lower-case"),
            (text("validation = \"pattern\"\npattern = \"[A-Z\""), 11, "not a valid regular expression"),
            (text("validation = \"pattern\"\npattern = \"a{1000}{1000}\""), 11, "too large"),
            (text("validation = \"ssn_us\""), 10, "ssn_us"),
            (text("validation = \"text\"\nmax_length = 500"), 6, "max_length"),
            (text("validation = \"text\"\npattern = \"x\""), 6, "pattern applies"),
            (text("validation = \"pattern\""), 6, "needs a pattern"),
            (text("validation = \"date\"\nmin_length = 3"), 6, "apply to text"),
            (text("validation = \"text\"\nhint_en = \"x\""), 6, "hint_es"),
            (text("validation = \"text\"\ncolour = \"red\""), 11, "colour"),
            (text("validation = \"text\"\nmask = \"first6\""), 11, "first6"),
            (
                "[[forms.custom]]\nid = \"x\"\ntitle_en = \"T\"\ntitle_es = \"T\"\n\n[[forms.custom.fields]]\nname = \"f\"\nlabel_en = \"F\"\nvalidation = \"text\"\n".to_owned(),
                6,
                "label_es",
            ),
            (
                "[[forms.custom]]\nid = \"x\"\ntitle_en = \"Line\\nbreak\"\ntitle_es = \"T\"\n".to_owned(),
                3,
                "control characters",
            ),
            (
                format!("{}{}", text("validation = \"text\""), one_field("loyalty", "validation = \"email\"")),
                12,
                "defined twice",
            ),
            (
                format!("{}\n[[forms.custom.fields]]\nname = \"f\"\nlabel_en = \"G\"\nlabel_es = \"G\"\nvalidation = \"email\"\n", text("validation = \"text\"")),
                13,
                "field \"f\" is defined twice",
            ),
        ];
        for (toml, line, says) in cases {
            let error = parse(&toml).expect_err(&toml);
            assert!(
                error.starts_with(&format!("hub.toml:{line}:")) && error.contains(says),
                "{toml}\n→ {error}"
            );
        }
    }

    #[test]
    fn forms_and_fields_are_bounded() {
        let many: String = (0..=MAX_CUSTOM_FORMS)
            .map(|i| one_field(&format!("form{i}"), "validation = \"text\""))
            .collect();
        let error = parse(&many).unwrap_err();
        let line = 1 + 10 * MAX_CUSTOM_FORMS + 1;
        assert!(
            error.starts_with(&format!("hub.toml:{line}:")) && error.contains("at most"),
            "{error}"
        );
        let fields: String = (0..=MAX_CUSTOM_FIELDS)
            .map(|i| format!("[[forms.custom.fields]]\nname = \"f{i}\"\nlabel_en = \"F\"\nlabel_es = \"F\"\nvalidation = \"text\"\n"))
            .collect();
        let error = parse(&format!(
            "[[forms.custom]]\nid = \"x\"\ntitle_en = \"T\"\ntitle_es = \"T\"\n{fields}"
        ))
        .unwrap_err();
        assert!(error.contains("1–10"), "{error}");
        let error = parse(
            "[[forms.custom]]\nid = \"x\"\ntitle_en = \"T\"\ntitle_es = \"T\"\nfields = []\n",
        )
        .unwrap_err();
        assert!(error.contains("1–10"), "{error}");
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
