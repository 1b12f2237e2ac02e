//! Context words (English, Spanish, Portuguese) used only to decide ambiguous candidates:
//! a bare nine-digit number near "SSN" or "order", a plain number near "phone", a 3-digit code
//! after "CVV"; and language cues, read only for a bare nine-digit number that could be a phone
//! of Spain or Portugal.

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
    // "conta" with what may follow it: as a prefix it would also match "contato", "contacto",
    // "contact" (phone words).
    "conta ",
    "conta:",
    "conta,",
    "conta.",
    "conta-",
    "contas",
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
/// Words that, next to a bare nine-digit number without an SSN keyword, say it is something
/// other than an SSN: added to [`NEGATIVE`] for that rule only (they would block too many
/// phones there). Customer and policy numbers, other documents, deliveries, units.
const NOT_SSN: &[&str] = &[
    "id:",
    "id#",
    "customer",
    "cliente",
    "client",
    "member",
    "socio",
    "sócio",
    "policy",
    "póliza",
    "poliza",
    "apólice",
    "apolice",
    "claim",
    "reclam",
    "solicitud",
    "solicitação",
    "process",
    "proceso",
    "processo",
    "expediente",
    "purchase",
    "compra",
    "orden",
    "receipt",
    "recibo",
    "comprobante",
    "comprovante",
    "voucher",
    "coupon",
    "cupón",
    "cupom",
    "gift",
    "refund",
    "reembolso",
    "deliver",
    "ship",
    "arriv",
    "package",
    "parcel",
    "paquete",
    "envío",
    "envio",
    "entrega",
    "encomenda",
    "llegó",
    "llego",
    "chegou",
    "bank",
    "banco",
    "agencia",
    "agência",
    "routing",
    "aba",
    "swift",
    "bic",
    "iban",
    "clabe",
    "user",
    "usuario",
    "usuário",
    "login",
    "password",
    "contraseña",
    "senha",
    "dni",
    "nie",
    "nif",
    "cpf",
    "cnpj",
    "rg",
    "cédula",
    "cedula",
    "curp",
    "rfc",
    "license",
    "licencia",
    "licença",
    "cnh",
    "matrícula",
    "matricula",
    "plate",
    "placa",
    "vin",
    "isbn",
    "ean",
    "upc",
    "barcode",
    "bytes",
    "kb",
    "mb",
    "gb",
    "points",
    "puntos",
    "pontos",
    "miles",
    "millas",
    "milhas",
    "km",
];
/// Spanish cues for the language of a message (only asked about a bare nine-digit number that
/// could be a Spanish phone): function words English and Portuguese do not use (two are needed),
/// and marks that settle it alone.
const SPANISH: &[&str] = &[
    "hola",
    "gracias",
    "buenas",
    "buenos",
    "necesito",
    "quiero",
    "tengo",
    "mi ",
    "mis ",
    "el ",
    "los ",
    "las ",
    "del ",
    "estoy",
    "pero",
    "muy",
    "también",
    "usted",
    "puede",
    "llam",
    "teléfono",
    "móvil",
    "aquí",
    "está",
    "soy ",
    "tardes",
    "noches",
    "días",
    "podéis",
    "qué",
    "cómo",
    "dónde",
];
const SPANISH_MARKS: &[&str] = &["ñ", "Ñ", "¿", "¡"];
/// Portuguese cues, as [`SPANISH`].
const PORTUGUESE: &[&str] = &[
    "olá",
    "oi ",
    "oi,",
    "oi!",
    "obrigad",
    "bom dia",
    "boa tarde",
    "boa noite",
    "preciso",
    "quero",
    "tenho",
    "meu ",
    "minha ",
    "você",
    "voce",
    "não",
    "nao ",
    "muito",
    "pra ",
    "uma ",
    "telefone",
    "celular",
    "liga",
    "aqui",
    "está",
];
const PORTUGUESE_MARKS: &[&str] = &["ã", "õ", "ç", "Ã", "Õ", "Ç"];

const SSN: &[&str] = &[
    "ssn",
    "ssa",
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

    /// How many keywords (on a word boundary) `window` contains, overlapping ones included.
    fn count(&self, window: &[u8]) -> usize {
        self.ac
            .find_overlapping_iter(window)
            .filter(|m| {
                let at = m.start();
                let needs_boundary = self.word_start.get(m.pattern().as_usize()) == Some(&true);
                at == 0 || !needs_boundary || !is_word_byte(window[at - 1])
            })
            .count()
    }
}

/// Cues that a message is written in one language: two of its words, or one of its marks
/// (letters or punctuation matched anywhere, also inside words: "atenção").
pub struct Cues {
    words: Set,
    marks: AhoCorasick,
}

impl Cues {
    fn new(words: &[&str], marks: &[&str]) -> Result<Self, Error> {
        let marks =
            AhoCorasick::new(marks).map_err(|_| Error::BuiltInPattern { name: "keywords" })?;
        Ok(Self {
            words: Set::new(words)?,
            marks,
        })
    }

    /// Whether `text` shows the cues. Only for rare candidates: it reads the whole message.
    pub fn present(&self, text: &[u8]) -> bool {
        self.marks.is_match(text) || self.words.count(text) >= 2
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
    /// [`NEGATIVE`] and [`NOT_SSN`]: what makes a bare nine-digit number not an SSN.
    pub not_ssn: Set,
    pub spanish: Cues,
    pub portuguese: Cues,
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
            not_ssn: Set::new(&[NEGATIVE, NOT_SSN].concat())?,
            spanish: Cues::new(SPANISH, SPANISH_MARKS)?,
            portuguese: Cues::new(PORTUGUESE, PORTUGUESE_MARKS)?,
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
    fn language_cues_need_two_words_or_one_mark() {
        let w = Words::new().unwrap();
        assert!(w.spanish.present("Hola, estoy esperando".as_bytes()));
        assert!(w.spanish.present("¿me llamas?".as_bytes()));
        assert!(w.portuguese.present("a encomenda não chegou".as_bytes()));
        assert!(w.portuguese.present("Oi, tenho uma dúvida".as_bytes()));
        // One word is not enough: "Los Angeles", "el" in a name.
        assert!(!w.spanish.present(b"I live in Los Angeles"));
        assert!(!w.spanish.present(b"Hi, my order arrived late"));
        assert!(!w.portuguese.present(b"Hi, my order arrived late"));
        // Marks count inside words, words only on a word boundary.
        assert!(w.portuguese.present("atenção".as_bytes()));
        assert!(!w.portuguese.present(b"boil the oil"));
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
