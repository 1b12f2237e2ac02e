//! Masking before storage: every message passes through `rampart-pii` before the hub stores or
//! forwards it, so raw card numbers and national IDs never reach the database or the wire.

use rampart_auth::SecretString;
use rampart_pii::{Scanner, Span};
use rampart_protocol::MaskedSpan;

/// A message's text after masking, with the masked regions in offsets of the masked text.
#[derive(Debug, Clone)]
pub struct MaskedText {
    /// Text with every detected value masked per policy.
    pub text: String,
    /// Masked regions (UTF-8 byte offsets into `text`).
    pub spans: Vec<MaskedSpan>,
    /// The original of each span, in the same order (for sealing; never stored as is).
    pub originals: Vec<SecretString>,
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
}

impl Masker {
    /// A masker with the default detectors and policies.
    pub fn new() -> Result<Self, rampart_pii::Error> {
        Ok(Self {
            scanner: Scanner::new()?,
        })
    }

    /// Masks `raw`.
    pub fn mask(&self, raw: &str) -> MaskedText {
        let spans = self.scanner.scan(raw);
        let mut text = String::with_capacity(raw.len() + spans.len() * 8);
        let mut masked_spans = Vec::with_capacity(spans.len());
        let mut originals = Vec::with_capacity(spans.len());
        let mut previous = 0;
        for span in spans {
            let (Some(before), Some(value)) =
                (raw.get(previous..span.start), raw.get(span.start..span.end))
            else {
                continue;
            };
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

    #[test]
    fn text_without_personal_data_is_unchanged() {
        let masker = Masker::new().unwrap();
        let out = masker.mask("order 12 arrives tomorrow");
        assert_eq!(out.text, "order 12 arrives tomorrow");
        assert!(out.spans.is_empty());
    }
}
