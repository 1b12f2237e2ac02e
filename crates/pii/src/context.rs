//! Context words (English, Spanish, Portuguese) used only to decide ambiguous candidates:
//! a bare nine-digit number near "SSN", a plain number near "phone", a 3-digit code after "CVV".

use aho_corasick::AhoCorasick;

use crate::Error;

/// Words that make a nearby number a phone number.
const PHONE_STRONG: &[&str] = &[
    "phone",
    "tel",
    "cell",
    "mobile",
    "call",
    "text me",
    "whatsapp",
    "whats",
    "zap",
    "sms",
    "fax",
    "ring",
    "reach me",
    "reach",
    "telf",
    "teléfono",
    "telefono",
    "móvil",
    "movil",
    "celular",
    "llám",
    "llam",
    "ligar",
    "liga",
    "telefone",
    "contato",
    "contacto",
    "fone",
    "cel",
    "contact",
];
/// Weaker words: count only when no negative word is near.
const PHONE_WEAK: &[&str] = &["number", "número", "numero", "nro", "at "];
/// Words that make a nearby number something other than personal data.
const NEGATIVE: &[&str] = &[
    "order",
    "pedido",
    "ticket",
    "tracking",
    "track",
    "rastreio",
    "rastreamento",
    "seguimiento",
    "guía",
    "guia",
    "invoice",
    "factura",
    "fatura",
    "nota",
    "ref ",
    "ref:",
    "ref.",
    "ref#",
    "reference",
    "referencia",
    "referência",
    "protocol",
    "protocolo",
    "account",
    "cuenta",
    "conta",
    "imei",
    "serial",
    "série",
    "serie",
    "sku",
    "case",
    "caso",
    "reserva",
    "booking",
    "confirmation",
    "confirmación",
    "confirmação",
    "#",
    "nº",
    "n.º",
    "code",
    "código",
    "codigo",
    "zip",
    "cp",
    "cep",
    "postal",
    "item",
    "produto",
    "producto",
    "product",
    "model",
    "modelo",
    "version",
    "versión",
    "versão",
    "build",
    "release",
    "amount",
    "total",
    "price",
    "precio",
    "preço",
    "usd",
    "eur",
    "brl",
    "mxn",
    "$",
    "€",
    "£",
    "r$",
    "pesos",
    "reais",
    "dollars",
    "dólares",
    "dolares",
    "transaction",
    "transacción",
    "transação",
    "id ",
    "lote",
    "batch",
    "pin",
    "otp",
    "rg ",
    "rg:",
    "identidade",
    "passport",
    "pasaporte",
    "passaporte",
];
const SSN: &[&str] = &[
    "ssn",
    "social security",
    "social",
    "seguro social",
    "ss#",
    "ss #",
    "tax id",
    "taxpayer",
    "número de seguro",
    "numero de seguro",
    "segurança social",
];
const CVV: &[&str] = &[
    "cvv",
    "cvc",
    "cid",
    "csc",
    "cvn",
    "security code",
    "sec code",
    "código de seguridad",
    "codigo de seguridad",
    "código de segurança",
    "codigo de seguranca",
    "código de seguranca",
    "cód. seg",
    "cod. seg",
    "cód seg",
    "cod seg",
    "cód. de seg",
    "digits on the back",
    "numbers on the back",
    "back of the card",
    "dígitos de atrás",
    "digitos de atras",
    "números de atrás",
    "dígitos do verso",
    "digitos do verso",
    "código do verso",
    "verso do cartão",
    "reverso",
    "código de verificación",
    "código de verificação",
    "card verification",
];
const CARD: &[&str] = &[
    "card",
    "tarjeta",
    "cartão",
    "cartao",
    "visa",
    "master",
    "amex",
    "american express",
    "crédito",
    "credito",
    "débito",
    "debito",
    "discover",
    "maestro",
    "elo",
    "hipercard",
    "diners",
    "jcb",
    "unionpay",
    "mir",
    "número",
    "numero",
    "number",
    "digits",
    "dígitos",
    "digitos",
];
const BIRTH: &[&str] = &[
    "date of birth",
    "birth date",
    "birthdate",
    "birthday",
    "dob",
    "d.o.b",
    "born",
    "fecha de nacimiento",
    "nacimiento",
    "nací",
    "naci el",
    "data de nascimento",
    "nascimento",
    "nasci",
    "f. nac",
    "fec. nac",
];
const IP_NEGATIVE: &[&str] = &["version", "versión", "versão", "ver.", "build", "release"];
const IP: &[&str] = &[
    "ip",
    "ipv4",
    "address",
    "dirección",
    "endereço",
    "server",
    "servidor",
    "host",
];
const DNI: &[&str] = &[
    "dni",
    "nif",
    "nie",
    "documento",
    "document",
    "identidad",
    "id",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// One keyword list, compiled into an Aho-Corasick automaton (ASCII case-insensitive).
pub struct Set {
    ac: AhoCorasick,
    /// Whether pattern i starts with a word byte (and so needs a word boundary before it).
    word_start: Vec<bool>,
}

impl Set {
    fn new(words: &[&str]) -> Result<Self, Error> {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            // Small lists, searched millions of times: the DFA is the fastest automaton.
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(words)
            .map_err(|_| Error::BuiltInPattern { name: "keywords" })?;
        let word_start = words
            .iter()
            .map(|w| w.bytes().next().is_some_and(is_word_byte))
            .collect();
        Ok(Self { ac, word_start })
    }

    /// Distance in bytes from the end of `window` back to the start of the nearest keyword
    /// that starts on a word boundary; `None` when there is none.
    pub fn nearest(&self, window: &[u8]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for m in self.ac.find_overlapping_iter(window) {
            let at = m.start();
            let needs_boundary = self.word_start.get(m.pattern().as_usize()) == Some(&true);
            if at == 0 || !needs_boundary || !is_word_byte(window[at - 1]) {
                let d = window.len() - at;
                best = Some(best.map_or(d, |b| b.min(d)));
            }
        }
        best
    }

    /// Whether `window` contains a keyword (on a word boundary).
    pub fn any(&self, window: &[u8]) -> bool {
        self.ac.find_overlapping_iter(window).any(|m| {
            let at = m.start();
            let needs_boundary = self.word_start.get(m.pattern().as_usize()) == Some(&true);
            at == 0 || !needs_boundary || !is_word_byte(window[at - 1])
        })
    }
}

/// All keyword lists, compiled once per scanner.
pub struct Words {
    pub phone_strong: Set,
    pub phone_weak: Set,
    pub negative: Set,
    pub ssn: Set,
    pub cvv: Set,
    pub card: Set,
    pub ip_negative: Set,
    pub ip: Set,
    pub dni: Set,
    pub cpf: Set,
    pub nif: Set,
    pub rfc: Set,
    pub passport: Set,
    pub birth: Set,
}

impl Words {
    pub fn new() -> Result<Self, Error> {
        Ok(Self {
            phone_strong: Set::new(PHONE_STRONG)?,
            phone_weak: Set::new(PHONE_WEAK)?,
            negative: Set::new(NEGATIVE)?,
            ssn: Set::new(SSN)?,
            cvv: Set::new(CVV)?,
            card: Set::new(CARD)?,
            ip_negative: Set::new(IP_NEGATIVE)?,
            ip: Set::new(IP)?,
            dni: Set::new(DNI)?,
            cpf: Set::new(&["cpf"])?,
            nif: Set::new(&["nif", "contribuinte"])?,
            rfc: Set::new(&["rfc"])?,
            passport: Set::new(&["passport", "pasaporte", "passaporte"])?,
            birth: Set::new(BIRTH)?,
        })
    }
}

/// The up to `n` bytes before `pos`, starting on a word boundary: a window that would cut a
/// word ("cancel" cut to "cel") starts after it instead, so the fragment cannot pass for a
/// keyword. Not necessarily on a char boundary: keywords are matched on bytes.
pub fn before(text: &[u8], pos: usize, n: usize) -> &[u8] {
    let pos = pos.min(text.len());
    let mut start = pos.saturating_sub(n);
    while start > 0 && start < pos && is_word_byte(text[start - 1]) && is_word_byte(text[start]) {
        start += 1;
    }
    &text[start..pos]
}

/// The up to `n` bytes after `pos`, ending on a word boundary (the mirror of [`before`]).
pub fn after(text: &[u8], pos: usize, n: usize) -> &[u8] {
    let pos = pos.min(text.len());
    let mut end = pos.saturating_add(n).min(text.len());
    while end < text.len() && end > pos && is_word_byte(text[end - 1]) && is_word_byte(text[end]) {
        end -= 1;
    }
    &text[pos..end]
}

/// The part of a context window before its first number (digits glued to letters and single
/// digits do not count, as in [`since_last_number`]).
pub fn until_next_number(window: &[u8]) -> &[u8] {
    let mut from = 0;
    while let Some(p) = window[from..].iter().position(u8::is_ascii_digit) {
        let s = from + p;
        let mut e = s;
        while e < window.len() && window[e].is_ascii_digit() {
            e += 1;
        }
        let glued = (s > 0 && window[s - 1].is_ascii_alphabetic())
            || window.get(e).is_some_and(u8::is_ascii_alphabetic);
        if !glued && e - s > 1 {
            return &window[..s];
        }
        from = e;
    }
    window
}

/// The part of a context window after its last number, so a keyword belongs to the nearest
/// number. Digits glued to letters ("CVV2") and single digits ("the 3 digits") do not count.
pub fn since_last_number(window: &[u8]) -> &[u8] {
    let mut end = window.len();
    while let Some(p) = window[..end].iter().rposition(u8::is_ascii_digit) {
        let mut s = p;
        while s > 0 && window[s - 1].is_ascii_digit() {
            s -= 1;
        }
        let glued = s > 0 && window[s - 1].is_ascii_alphabetic();
        if !glued && p > s {
            return &window[p + 1..];
        }
        end = s;
    }
    window
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_prefers_the_closest_keyword_on_a_word_boundary() {
        let w = Words::new().unwrap();
        let win = b"my order number is ";
        assert_eq!(w.negative.nearest(win), Some(16));
        assert_eq!(w.phone_weak.nearest(win), Some(10));
        assert!(!Set::new(&["order"]).unwrap().any(b"recorder"));
        assert!(w.phone_strong.any(b"Call me on "));
        assert!(w.phone_strong.any(b"Tel\xc3\xa9fono: "));
        assert!(w.negative.any(b"total #"));
        // A window never starts inside a word.
        let text = b"to cancel the subscription, number is ";
        assert!(!w.phone_strong.any(before(text, text.len(), 35)));
    }

    #[test]
    fn after_windows_end_on_a_word_boundary() {
        let text = b"536905739 is my ssnumber";
        assert_eq!(after(text, 9, 12), b" is my ");
        assert_eq!(after(text, 9, 100), b" is my ssnumber");
        assert_eq!(after(text, 40, 10), b"");
    }

    #[test]
    fn number_windows_stop_at_real_numbers_only() {
        assert_eq!(
            until_next_number(b" is my SSN, card 4111"),
            b" is my SSN, card "
        );
        // Digits glued to letters and single digits are words, not numbers.
        assert_eq!(
            until_next_number(b" CVV2 or 3 of them"),
            b" CVV2 or 3 of them"
        );
        assert_eq!(since_last_number(b"order 12, my SSN is "), b", my SSN is ");
        assert_eq!(
            since_last_number(b"the 3 digits of CVV2 "),
            b"the 3 digits of CVV2 "
        );
    }
}
