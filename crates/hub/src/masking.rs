//! Masking before storage: every message passes through `rampart-pii` before the hub stores or
//! forwards it, so raw card numbers and national IDs never reach the database or the wire.

use std::collections::BTreeMap;

use rampart_auth::SecretString;
use rampart_pii::{Kind, Policy, Scanner, Span};
use rampart_protocol::MaskedSpan;
use serde::Deserialize;

/// Kinds that may be configured to stay unmasked in stored transcripts: contact details an
/// organisation may need its agents to see. Cards, CVVs, SSNs, IBANs and national IDs are always
/// masked before storage.
pub const UNMASKABLE: [Kind; 3] = [Kind::Email, Kind::Phone, Kind::IpAddress];

/// `[masking]` in the hub's configuration: how each kind is masked before storage.
///
/// ```toml
/// [masking]
/// # last4 (cards' default: •••• 1111), full (every character) or token ([email]), per kind.
/// policies = { credit_card = "full", phone = "last4" }
/// # Contact details shown as written (only email, phone and ip_address may be listed).
/// unmasked = ["phone"]
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaskingSection {
    /// Per-kind masking style; kinds not listed keep the default (last4 for cards, token for
    /// the rest).
    pub policies: BTreeMap<KindName, PolicyName>,
    /// Kinds left unmasked (contact details only).
    pub unmasked: Vec<UnmaskedKind>,
}

/// A kind named in the configuration (`credit_card`, `email`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct KindName(pub Kind);

impl TryFrom<String> for KindName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Kind::from_name(&name).map(KindName).ok_or_else(|| {
            let known: Vec<&str> = Kind::BUILT_IN.iter().map(|k| k.name()).collect();
            format!("unknown kind `{name}` (known: {})", known.join(", "))
        })
    }
}

/// A masking style named in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PolicyName(pub Policy);

impl TryFrom<String> for PolicyName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Policy::from_name(&name)
            .map(PolicyName)
            .ok_or_else(|| format!("unknown masking style `{name}` (last4, full or token)"))
    }
}

/// A kind allowed to stay unmasked (one of [`UNMASKABLE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct UnmaskedKind(pub Kind);

impl TryFrom<String> for UnmaskedKind {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let KindName(kind) = KindName::try_from(name)?;
        if UNMASKABLE.contains(&kind) {
            Ok(UnmaskedKind(kind))
        } else {
            Err(format!(
                "`{}` is always masked before storage; only email, phone and ip_address may be left unmasked",
                kind.name()
            ))
        }
    }
}

/// A message's text after masking, with the masked regions in offsets of the masked text.
#[derive(Debug, Clone)]
pub struct MaskedText {
    /// Text with every detected value masked per policy.
    pub text: String,
    /// Masked regions (UTF-8 byte offsets into `text`).
    pub spans: Vec<MaskedSpan>,
    /// The original of each span, in the same order (for sealing; never stored as is).
    pub originals: Vec<SecretString>,
    /// Every email address in the raw text, masked or not (for the erasure index; never
    /// stored as is).
    pub emails: Vec<SecretString>,
}

impl PartialEq for MaskedText {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.spans == other.spans
    }
}

impl Eq for MaskedText {}

/// Masks message text. Build once; cheap to share.
pub struct Masker {
    scanner: Scanner,
    unmasked: Vec<Kind>,
}

impl Masker {
    /// A masker with the default detectors and policies.
    pub fn new() -> Result<Self, rampart_pii::Error> {
        Self::with_config(&MaskingSection::default())
    }

    /// A masker with the configured styles and unmasked contact kinds.
    pub fn with_config(section: &MaskingSection) -> Result<Self, rampart_pii::Error> {
        let config = rampart_pii::Config {
            policies: section
                .policies
                .iter()
                .map(|(KindName(kind), PolicyName(policy))| (*kind, *policy))
                .collect(),
            ..rampart_pii::Config::default()
        };
        Ok(Self {
            scanner: Scanner::with_config(&config)?,
            unmasked: section.unmasked.iter().map(|UnmaskedKind(k)| *k).collect(),
        })
    }

    /// Masks `raw`.
    pub fn mask(&self, raw: &str) -> MaskedText {
        let spans = self.scanner.scan(raw);
        let mut text = String::with_capacity(raw.len() + spans.len() * 8);
        let mut masked_spans = Vec::with_capacity(spans.len());
        let mut originals = Vec::with_capacity(spans.len());
        let mut emails = Vec::new();
        let mut previous = 0;
        for span in spans {
            let (Some(before), Some(value)) =
                (raw.get(previous..span.start), raw.get(span.start..span.end))
            else {
                continue;
            };
            if span.kind == Kind::Email {
                emails.push(SecretString::new(value.to_owned()));
            }
            if self.unmasked.contains(&span.kind) {
                // Left as written: the text up to the span's end is copied below.
                continue;
            }
            text.push_str(before);
            let start = text.len();
            let whole = Span {
                start: 0,
                end: value.len(),
                kind: span.kind,
            };
            self.scanner.mask_into(value, &[whole], &mut text);
            masked_spans.push(MaskedSpan {
                start: u32::try_from(start).unwrap_or(u32::MAX),
                end: u32::try_from(text.len()).unwrap_or(u32::MAX),
                kind: self.scanner.kind_name(span.kind).to_owned(),
                revealable: false,
            });
            originals.push(SecretString::new(value.to_owned()));
            previous = span.end;
        }
        text.push_str(raw.get(previous..).unwrap_or_default());
        MaskedText {
            text,
            spans: masked_spans,
            originals,
            emails,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_masked_and_spans_point_into_the_masked_text() {
        let masker = Masker::new().unwrap();
        let out = masker.mask("mi tarjeta es 4111 1111 1111 1111, gracias");
        assert!(!out.text.contains("4111 1111"));
        assert!(out.text.ends_with(", gracias"));
        assert_eq!(out.spans.len(), 1);
        let span = &out.spans[0];
        assert_eq!(span.kind, "credit_card");
        let region = &out.text[span.start as usize..span.end as usize];
        assert!(region.ends_with("1111"), "{region}");
        assert!(region.contains('•'));
    }

    fn section(toml_text: &str) -> Result<MaskingSection, String> {
        toml::from_str(toml_text).map_err(|e| e.to_string())
    }

    #[test]
    fn styles_and_unmasked_contact_kinds_follow_the_configuration() {
        let masker = Masker::with_config(
            &section("policies = { credit_card = \"full\" }\nunmasked = [\"phone\"]").unwrap(),
        )
        .unwrap();
        let out =
            masker.mask("card 4111 1111 1111 1111, call +34 612 345 678, mail ana@example.com");
        assert!(
            !out.text.contains("1111"),
            "full hides the last four: {}",
            out.text
        );
        assert!(
            out.text.contains("+34 612 345 678"),
            "phones stay: {}",
            out.text
        );
        assert!(!out.text.contains("ana@example.com"));
        let kinds: Vec<&str> = out.spans.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["credit_card", "email"]);
        assert_eq!(out.originals.len(), 2);
        for span in &out.spans {
            assert!(
                out.text
                    .get(span.start as usize..span.end as usize)
                    .is_some()
            );
        }
        assert_eq!(
            out.emails.len(),
            1,
            "emails are collected for the erasure index"
        );
    }

    #[test]
    fn critical_kinds_cannot_be_left_unmasked_and_typos_are_named() {
        for kind in [
            "credit_card",
            "card_cvv",
            "us_ssn",
            "iban",
            "es_dni",
            "mx_curp",
            "br_cpf",
        ] {
            let error = section(&format!("unmasked = [\"{kind}\"]")).unwrap_err();
            assert!(error.contains("always masked"), "{kind}: {error}");
        }
        assert!(
            section("unmasked = [\"emial\"]")
                .unwrap_err()
                .contains("unknown kind `emial`")
        );
        assert!(
            section("policies = { email = \"hidden\" }")
                .unwrap_err()
                .contains("last4, full or token")
        );
        assert!(section("masks = []").is_err(), "unknown keys are refused");
    }

    #[test]
    fn text_without_personal_data_is_unchanged() {
        let masker = Masker::new().unwrap();
        let out = masker.mask("order 12 arrives tomorrow");
        assert_eq!(out.text, "order 12 arrives tomorrow");
        assert!(out.spans.is_empty());
    }
}
