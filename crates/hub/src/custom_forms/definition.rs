//! `[[forms.custom]]` as the configuration holds it: each key checked by its own type or by its
//! table, so `toml`'s error carries the line; what spans forms (duplicates, how many) checked by
//! [`check_custom_forms`] with the spans kept here.

use std::ops::Range;

use rampart_protocol::{CustomField, CustomForm, FieldCheck, FieldMask, Localized};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use super::{
    BUILT_IN_NAMES, MAX_CUSTOM_FIELDS, MAX_CUSTOM_FORMS, MAX_CUSTOM_VALUE_CHARS, MAX_NAME_CHARS,
    MAX_PATTERN_CHARS, PATTERN_SIZE_LIMIT,
};

/// A text with a length limit, checked when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
struct Text<const MAX: usize>(String);

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
struct FormSlug(String);

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
struct FieldName(String);

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
struct Pattern {
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
pub(super) struct FieldDef {
    pub(super) field: CustomField,
    /// Where its name is in the file.
    span: Range<usize>,
    pub(super) pattern: Option<Regex>,
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

impl CustomFormDef {
    /// The definition clients receive.
    pub fn definition(&self) -> &CustomForm {
        &self.definition
    }

    /// Its fields as the hub checks them, in order.
    pub(super) fn fields(&self) -> &[FieldDef] {
        &self.fields
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_forms::test_support::{POLICY, one_field, parse};

    fn policy() -> CustomFormDef {
        parse(POLICY).unwrap().forms.custom.remove(0)
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
                pattern: "^(?:[A-Z]{2}-[0-9]{6})$".into(),
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
    fn the_largest_definition_fits_in_one_frame() {
        // Four-byte characters everywhere a text goes, and a pattern of escapes JSON doubles.
        let text = |n: usize| "𝄞".repeat(n);
        let fields: String = (0..MAX_CUSTOM_FIELDS)
            .map(|i| {
                format!(
                    "[[forms.custom.fields]]\nname = \"f{i}\"\nlabel_en = \"{l}\"\nlabel_es = \"{l}\"\nhint_en = \"{h}\"\nhint_es = \"{h}\"\nvalidation = \"pattern\"\npattern = '{p}'\n",
                    l = text(80),
                    h = text(120),
                    p = "\\.".repeat(MAX_PATTERN_CHARS / 2),
                )
            })
            .collect();
        let toml = format!(
            "[[forms.custom]]\nid = \"{id}\"\ntitle_en = \"{t}\"\ntitle_es = \"{t}\"\nintro_en = \"{i}\"\nintro_es = \"{i}\"\n{fields}",
            id = "a".repeat(MAX_NAME_CHARS),
            t = text(80),
            i = text(400),
        );
        let config = parse(&toml).unwrap();
        let frame = rampart_protocol::ServerFrame::FormRequested {
            conversation_id: rampart_protocol::ConversationId::new(),
            form_id: rampart_protocol::FormId::new(),
            form: rampart_protocol::FormKind::Custom("a".repeat(MAX_NAME_CHARS)),
            expires_at: i64::MAX,
            definition: Some(config.forms.custom[0].definition().clone()),
        };
        let bytes = rampart_protocol::encode(&frame).len();
        assert!(bytes < rampart_protocol::MAX_FRAME_BYTES, "{bytes} bytes");
        assert!(
            bytes > 20_000,
            "the test builds the worst case ({bytes} bytes)"
        );
    }
}
