//! Context words (English, Spanish, Portuguese) used only to decide ambiguous candidates:
//! a bare nine-digit number near "SSN", a plain number near "phone", a 3-digit code after "CVV".

/// Words that make a nearby number a phone number.
pub const PHONE_STRONG: &[&str] = &[
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
pub const PHONE_WEAK: &[&str] = &["number", "número", "numero", "nro", "at "];
/// Words that make a nearby number something other than personal data.
pub const NEGATIVE: &[&str] = &[
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
pub const SSN: &[&str] = &[
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
pub const CVV: &[&str] = &[
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
pub const CARD: &[&str] = &[
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
pub const IP_NEGATIVE: &[&str] = &[
    "version", "versión", "versão", "ver.", "v.", "build", "release",
];
pub const DNI: &[&str] = &[
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

fn eq_ignore_ascii_case_at(hay: &[u8], at: usize, needle: &[u8]) -> bool {
    hay.get(at..at + needle.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(needle))
}

/// Distance in bytes from the end of `window` back to the start of the nearest keyword from
/// `words` that starts on a word boundary; `None` when there is none.
pub fn nearest(window: &[u8], words: &[&str]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for w in words {
        let n = w.as_bytes();
        if n.is_empty() || n.len() > window.len() {
            continue;
        }
        for at in (0..=window.len() - n.len()).rev() {
            if best.is_some_and(|b| window.len() - at >= b) {
                break;
            }
            let boundary = at == 0 || !is_word_byte(window[at - 1]) || !is_word_byte(n[0]);
            if boundary && eq_ignore_ascii_case_at(window, at, n) {
                best = Some(window.len() - at);
                break;
            }
        }
    }
    best
}

/// Whether `window` contains a keyword from `words` (on a word boundary).
pub fn any(window: &[u8], words: &[&str]) -> bool {
    nearest(window, words).is_some()
}

/// The up to `n` bytes before `pos` (not necessarily on a char boundary: keywords are matched
/// on bytes).
pub fn before(text: &[u8], pos: usize, n: usize) -> &[u8] {
    let pos = pos.min(text.len());
    &text[pos.saturating_sub(n)..pos]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_prefers_the_closest_keyword_on_a_word_boundary() {
        let w = b"my order number is ";
        assert_eq!(nearest(w, NEGATIVE), Some(16));
        assert_eq!(nearest(w, PHONE_WEAK), Some(10));
        assert!(!any(b"recorder", &["order"]));
        assert!(any(b"Call me on ", PHONE_STRONG));
        assert!(any(b"Tel\xc3\xa9fono: ", &["teléfono"]));
    }
}
