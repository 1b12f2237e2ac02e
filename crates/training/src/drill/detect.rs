//! Turning a trainee's action into [`Signal`]s.
//!
//! Console actions map directly (a secure form is `used_secure_form`). Messages are read with
//! heuristics in English and Spanish, deliberately simple and documented:
//! - **asked for a card in chat**: a sentence that names card data (card number, CVV, expiry…)
//!   and asks for it (can you, send, dígame…), with no negation (don't, nunca…) and no mention
//!   of the secure form (form, formulario, link…);
//! - **echoed data**: `rampart-pii` finds a card, CVV, ID or bank number in the message, or the
//!   message repeats a value the customer sent (any kind `rampart-pii` detects);
//! - **revealed data**: the message contains one of the drill's secrets;
//! - **shared a code**: six to eight digits (a space or dash allowed after the third) that are
//!   not personal data detected above;
//! - **refused disclosure**: a refusal phrase (can't share, no puedo dar…).
//!
//! Text is compared after lower-casing, removing Spanish accents and turning punctuation into
//! spaces, so phrases match on word boundaries.

use aho_corasick::{AhoCorasick, MatchKind};
use rampart_pii::{Kind, Scanner};
use regex::Regex;

use super::{Action, Signal};
use crate::Error;

const CARD_TERMS: &[&str] = &[
    "card number",
    "card details",
    "card info",
    "card information",
    "card no",
    "full card",
    "long number",
    "number on the card",
    "number on your card",
    "numbers on the card",
    "numbers on your card",
    "digits",
    "cvv",
    "cvv2",
    "cvc",
    "security code",
    "expiry",
    "expiration",
    "numero de tarjeta",
    "numero de la tarjeta",
    "numero de su tarjeta",
    "numero de tu tarjeta",
    "datos de la tarjeta",
    "datos de su tarjeta",
    "datos de tu tarjeta",
    "tarjeta completa",
    "digitos",
    "codigo de seguridad",
    "caducidad",
    "vencimiento",
];

const REQUEST_CUES: &[&str] = &[
    "can you",
    "could you",
    "can i have",
    "may i have",
    "can i get",
    "please",
    "send",
    "give",
    "type",
    "provide",
    "tell me",
    "share",
    "what is",
    "what s",
    "whats",
    "need",
    "enter",
    "write",
    "paste",
    "confirm",
    "read me",
    "let me know",
    "puede",
    "puedes",
    "podria",
    "podrias",
    "me da",
    "me das",
    "dame",
    "deme",
    "envie",
    "envia",
    "enviame",
    "envieme",
    "mande",
    "manda",
    "escriba",
    "escribe",
    "digame",
    "dime",
    "indique",
    "indicame",
    "facilite",
    "facilitame",
    "pase",
    "pasame",
    "necesito",
    "cual es",
    "confirme",
    "confirma",
    "por favor",
];

const NEGATIONS: &[&str] = &[
    "don t", "dont", "do not", "never", "not", "no", "no need", "nunca", "sin", "without",
];

const FORM_TERMS: &[&str] = &[
    "form",
    "secure",
    "link",
    "formulario",
    "seguro",
    "segura",
    "enlace",
];

const REFUSALS: &[&str] = &[
    "can t share",
    "cannot share",
    "can not share",
    "can t give",
    "cannot give",
    "can t provide",
    "cannot provide",
    "can t disclose",
    "cannot disclose",
    "not able to share",
    "unable to share",
    "won t share",
    "will not share",
    "not allowed",
    "not permitted",
    "never share",
    "never ask",
    "can t do that",
    "cannot do that",
    "can t help with that",
    "no puedo compartir",
    "no puedo dar",
    "no puedo darle",
    "no puedo darte",
    "no puedo facilitar",
    "no puedo proporcionar",
    "no puedo revelar",
    "no puedo hacer eso",
    "no puedo ayudarle con eso",
    "no esta permitido",
    "no tengo permitido",
    "no me esta permitido",
    "no podemos compartir",
    "no podemos dar",
    "no compartimos",
    "nunca compartimos",
    "nunca pedimos",
];

/// Kinds whose mere presence in an agent's message is echoing data, whoever it belongs to.
const ALWAYS_ECHO: &[Kind] = &[
    Kind::CreditCard,
    Kind::CardCvv,
    Kind::UsSsn,
    Kind::Iban,
    Kind::EsDni,
    Kind::EsNie,
    Kind::MxCurp,
    Kind::BrCpf,
];

/// Reads trainee actions. Build once and share: it holds compiled automata and the personal-
/// data scanner.
#[derive(Debug)]
pub struct Detector {
    scanner: Scanner,
    card_terms: Phrases,
    request_cues: Phrases,
    negations: Phrases,
    form_terms: Phrases,
    refusals: Phrases,
    code: Regex,
}

#[derive(Debug)]
struct Phrases(AhoCorasick);

impl Phrases {
    fn new(words: &[&str]) -> Result<Self, Error> {
        // Pad every phrase with spaces so it matches whole words of the normalised text.
        let padded: Vec<String> = words.iter().map(|w| format!(" {w} ")).collect();
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(padded)
            .map(Phrases)
            .map_err(|e| Error::Patterns {
                reason: e.to_string(),
            })
    }

    fn any_in(&self, normalised: &str) -> bool {
        // Overlapping phrases share their padding space, so search each from every start.
        self.0.is_match(normalised)
    }
}

impl Detector {
    /// Builds the detector.
    pub fn new() -> Result<Self, Error> {
        Ok(Self {
            scanner: Scanner::new()?,
            card_terms: Phrases::new(CARD_TERMS)?,
            request_cues: Phrases::new(REQUEST_CUES)?,
            negations: Phrases::new(NEGATIONS)?,
            form_terms: Phrases::new(FORM_TERMS)?,
            refusals: Phrases::new(REFUSALS)?,
            code: Regex::new(r"(?:^|[^0-9])([0-9]{3}[ -]?[0-9]{3}[0-9]{0,2})(?:[^0-9]|$)")
                .map_err(|e| Error::Patterns {
                    reason: e.to_string(),
                })?,
        })
    }

    /// The signals an action produces. `customer_values` are the normalised personal-data
    /// values the customer has sent (see [`Detector::values`]); `secrets` the drill's secrets.
    pub fn signals(
        &self,
        action: &Action,
        customer_values: &[String],
        secrets: &[String],
    ) -> Vec<Signal> {
        match action {
            Action::SendMessage(text) => self.read_message(text, customer_values, secrets),
            Action::RequestSecureForm => vec![Signal::UsedSecureForm],
            Action::Reveal => vec![Signal::RevealedData],
            Action::Copy => vec![Signal::CopiedData],
            Action::Report => vec![Signal::ReportedAttempt],
            Action::Escalate => vec![Signal::Escalated],
            Action::Refuse => vec![Signal::RefusedDisclosure],
        }
    }

    /// Whether `text` asks for card details in the chat.
    pub fn asks_for_card(&self, text: &str) -> bool {
        text.split(['.', '?', '!', '¿', '¡', ';', '\n'])
            .map(normalise)
            .any(|s| {
                self.card_terms.any_in(&s)
                    && self.request_cues.any_in(&s)
                    && !self.negations.any_in(&s)
                    && !self.form_terms.any_in(&s)
            })
    }

    /// The personal-data values in `text`, normalised for comparison (letters and digits only,
    /// lower case).
    pub fn values(&self, text: &str) -> Vec<String> {
        self.scanner
            .scan(text)
            .iter()
            .filter_map(|s| text.get(s.start..s.end))
            .map(compact)
            .filter(|v| v.len() >= 4)
            .collect()
    }

    fn read_message(
        &self,
        text: &str,
        customer_values: &[String],
        secrets: &[String],
    ) -> Vec<Signal> {
        let mut signals = Vec::new();
        if self.asks_for_card(text) {
            signals.push(Signal::AskedCardInChat);
        }
        let spans = self.scanner.scan(text);
        let compact_text = compact(text);
        let echoes = spans.iter().any(|s| ALWAYS_ECHO.contains(&s.kind))
            || customer_values
                .iter()
                .any(|v| compact_text.contains(v.as_str()));
        if echoes {
            signals.push(Signal::EchoedData);
        }
        let normalised = normalise(text);
        let reveals = secrets.iter().any(|secret| {
            let n = normalise(secret);
            let c = compact(secret);
            (n.trim().len() >= 3 && normalised.contains(n.as_str()))
                || (c.len() >= 4 && compact_text.contains(c.as_str()))
        });
        if reveals {
            signals.push(Signal::RevealedData);
        }
        let code = self.code.captures_iter(text).any(|c| {
            c.get(1).is_some_and(|m| {
                !spans.iter().any(|s| {
                    s.start < m.end() && m.start() < s.end && ALWAYS_ECHO.contains(&s.kind)
                })
            })
        });
        if code {
            signals.push(Signal::SharedCode);
        }
        if self.refusals.any_in(&normalised) {
            signals.push(Signal::RefusedDisclosure);
        }
        signals
    }
}

/// Lower case, Spanish accents removed, every run of other characters one space, padded with
/// a space at each end so phrases match whole words.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if c != ' ' || !out.ends_with(' ') {
            out.push(c);
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Letters and digits only, lower case: how values are compared (spacing and dashes vary).
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> Detector {
        Detector::new().expect("the built-in word lists compile")
    }

    #[test]
    fn asking_for_the_card_in_chat_is_detected_in_english_and_spanish() {
        let d = detector();
        for text in [
            "Can you type the card number here?",
            "What's the CVV on the back?",
            "Please send me the expiry date.",
            "¿Me puede dar el número de tarjeta?",
            "Dígame la fecha de caducidad, por favor",
            "Necesito el código de seguridad",
        ] {
            assert!(d.asks_for_card(text), "{text}");
        }
    }

    #[test]
    fn pointing_to_the_form_or_saying_dont_is_not_asking() {
        let d = detector();
        for text in [
            "Please don't type your card number here.",
            "I'll send a secure form for the card number.",
            "Por favor, no escriba el número de tarjeta en el chat.",
            "Le envío un formulario seguro para los datos de la tarjeta.",
            "Which card did you use?",
            "Thanks, I can see the payment.",
        ] {
            assert!(!d.asks_for_card(text), "{text}");
        }
    }

    #[test]
    fn echoing_a_card_number_or_the_customers_value_is_detected() {
        let d = detector();
        let customer = d.values("my email is ana.lopez@example.com");
        let s = d.signals(
            &Action::SendMessage("Is that 4111 1111 1111 1111?".into()),
            &[],
            &[],
        );
        assert!(s.contains(&Signal::EchoedData), "{s:?}");
        assert!(
            !s.contains(&Signal::SharedCode),
            "a card is not a code: {s:?}"
        );
        let s = d.signals(
            &Action::SendMessage("I'll write to ANA.LOPEZ@example.com".into()),
            &customer,
            &[],
        );
        assert!(s.contains(&Signal::EchoedData), "{s:?}");
        let s = d.signals(&Action::SendMessage("Thanks Ana!".into()), &customer, &[]);
        assert!(s.is_empty(), "{s:?}");
    }

    #[test]
    fn codes_secrets_and_refusals_are_detected() {
        let d = detector();
        let s = d.signals(&Action::SendMessage("ok it's 482 913".into()), &[], &[]);
        assert_eq!(s, vec![Signal::SharedCode]);
        let secrets = vec!["12 Calle Mayor".to_owned()];
        let s = d.signals(
            &Action::SendMessage("She lives at 12 calle Mayor, Madrid".into()),
            &[],
            &secrets,
        );
        assert_eq!(s, vec![Signal::RevealedData]);
        let s = d.signals(
            &Action::SendMessage("Sorry, I can't share that.".into()),
            &[],
            &[],
        );
        assert_eq!(s, vec![Signal::RefusedDisclosure]);
        let s = d.signals(
            &Action::SendMessage("Lo siento, no puedo dar esa información".into()),
            &[],
            &[],
        );
        assert_eq!(s, vec![Signal::RefusedDisclosure]);
    }
}
