//! The context a word must be in to speak about one number: the number's own clause and a
//! short window around it. Shared by the bare-SSN and the phone rules, so a word for an order,
//! a ticket or an invoice in another sentence says nothing about a number here ("My order
//! arrived broken. I'm home all day: 4155550123").

use crate::context as ctx;

/// The words around the number at `start..end` of `text` that may speak about it.
pub(super) struct Around<'t> {
    /// Up to 48 bytes before the number, after the previous digit and the rest of that
    /// number's clause ("97,50 €. pronto: 536905739" keeps " pronto: ").
    before: &'t [u8],
    /// Up to 32 bytes after the number, up to the next digit or the end of the clause.
    after: &'t [u8],
    /// Whether `after` stops at the next digit (rather than at a clause end or the window's).
    next_digit: bool,
}

impl<'t> Around<'t> {
    pub(super) fn new(text: &'t [u8], start: usize, end: usize) -> Self {
        // Context windows stop at any digit, also a single one or one glued to letters: a word
        // before "2 items" or "LP123456789CN" is about that, and so is the rest of its clause
        // ("97,50 €. pronto: 536905739"). After the number they also stop at the end of the
        // clause ("536905739, meu CPF é …").
        let raw = ctx::before(text, start, 48);
        let mut before = since_last_digit(raw);
        if before.len() < raw.len() {
            before = after_first_clause_end(before);
        }
        let after_all = ctx::after(text, end, 32);
        let after = until_digit_or_clause_end(after_all);
        let next_digit = after_all.get(after.len()).is_some_and(u8::is_ascii_digit);
        Self {
            before,
            after,
            next_digit,
        }
    }

    /// The part of [`Around::before`] in the number's own clause.
    pub(super) fn clause(&self) -> &'t [u8] {
        since_last_clause_end(self.before)
    }

    /// Whether a word of `set` before the number ([`Around::before`]) or after it names it.
    /// A word right before the next number introduces that one instead ("536905739 and order
    /// #4417").
    pub(super) fn names(&self, set: &ctx::Set) -> bool {
        set.any(self.before) || self.names_after(set)
    }

    /// Like [`Around::names`], with only the number's own clause before it: what the phone
    /// rules read, where a word further back ("My order arrived broken. I'm home all day:
    /// 4155550123") says nothing about a bare number.
    pub(super) fn names_in_clause(&self, set: &ctx::Set) -> bool {
        set.any(self.clause()) || self.names_after(set)
    }

    fn names_after(&self, set: &ctx::Set) -> bool {
        let introduces_next = self.next_digit && set.nearest(self.after).is_some_and(|d| d <= 16);
        set.any(self.after) && !introduces_next
    }
}

/// The part of `window` after its last digit.
fn since_last_digit(window: &[u8]) -> &[u8] {
    let from = window
        .iter()
        .rposition(u8::is_ascii_digit)
        .map_or(0, |p| p + 1);
    &window[from..]
}

fn is_clause_end(window: &[u8], k: usize) -> bool {
    let next_space = window.get(k + 1).is_none_or(u8::is_ascii_whitespace);
    window[k] == b'\n' || (matches!(window[k], b',' | b';' | b'.' | b'!' | b'?') && next_space)
}

/// The part of `window` after the end of its first clause, or all of it when there is none.
fn after_first_clause_end(window: &[u8]) -> &[u8] {
    match (0..window.len()).find(|&k| is_clause_end(window, k)) {
        Some(k) => &window[k + 1..],
        None => window,
    }
}

/// The part of `window` after the end of its last clause, or all of it when there is none. A
/// full stop with no word after it is an abbreviation ("Tel. ", "No. "), not a clause end.
pub(super) fn since_last_clause_end(window: &[u8]) -> &[u8] {
    let worded = |k: usize| {
        window[k + 1..]
            .iter()
            .any(|&b| b.is_ascii_alphabetic() || b >= 0x80)
    };
    match (0..window.len())
        .rev()
        .find(|&k| is_clause_end(window, k) && worded(k))
    {
        Some(k) => &window[k + 1..],
        None => window,
    }
}

/// The part of `window` before its first digit and before the end of its first clause (a
/// comma, semicolon, full stop, question or exclamation mark followed by a space, or a line
/// break).
fn until_digit_or_clause_end(window: &[u8]) -> &[u8] {
    let end = (0..window.len())
        .find(|&k| {
            let b = window[k];
            let next_space = window.get(k + 1).is_none_or(u8::is_ascii_whitespace);
            b.is_ascii_digit()
                || b == b'\n'
                || (matches!(b, b',' | b';' | b'.' | b'!' | b'?') && next_space)
        })
        .unwrap_or(window.len());
    &window[..end]
}

#[cfg(test)]
mod tests {
    use super::{
        Around, after_first_clause_end, since_last_clause_end, since_last_digit,
        until_digit_or_clause_end,
    };
    use crate::context::Words;

    fn around(text: &str) -> Around<'_> {
        let start = text
            .find("612345678")
            .expect("the test text holds the number");
        Around::new(text.as_bytes(), start, start + 9)
    }

    #[test]
    fn a_word_names_a_number_in_its_window_and_for_phones_only_in_its_clause() {
        let w = Words::new().expect("built-in keywords compile");
        let other_sentence = around("Mi pedido llegó roto. Estoy en casa: 612345678");
        assert!(other_sentence.names(&w.negative));
        assert!(!other_sentence.names_in_clause(&w.negative));
        for text in ["mi pedido 612345678", "612345678 es el pedido"] {
            assert!(around(text).names_in_clause(&w.negative), "{text}");
        }
        for text in [
            "612345678. El pedido nunca llegó.",
            "612345678 y el pedido 4417",
            "Hay 2 pedidos. 612345678",
        ] {
            assert!(!around(text).names_in_clause(&w.negative), "{text}");
        }
    }

    #[test]
    fn context_windows_stop_at_any_digit_and_after_the_number_at_a_clause_end() {
        assert_eq!(since_last_digit(b"CURP FEWZ080518HVZJVZA6. ok "), b". ok ");
        assert_eq!(since_last_digit(b"no digits "), b"no digits ");
        assert_eq!(
            until_digit_or_clause_end(b" is my order, ok"),
            b" is my order"
        );
        assert_eq!(until_digit_or_clause_end(b", 2 items"), b"");
        assert_eq!(until_digit_or_clause_end(b" (pedido)"), b" (pedido)");
        assert_eq!(until_digit_or_clause_end(b" v1.2 order"), b" v");
        assert_eq!(until_digit_or_clause_end(b" no. 5"), b" no");
        assert_eq!(
            after_first_clause_end(b" \xe2\x82\xac. pronto: "),
            b" pronto: "
        );
        assert_eq!(after_first_clause_end(b" and "), b" and ");
        assert_eq!(
            since_last_clause_end(b"contact: a at b dot com. ok "),
            b" ok "
        );
        assert_eq!(since_last_clause_end(b"my number: "), b"my number: ");
        assert_eq!(since_last_clause_end(b"Tel. "), b"Tel. ");
    }
}
