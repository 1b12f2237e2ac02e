//! Neutralised, length-capped field values (ASVS 16.4.1).
//!
//! Every string in an audit record is a [`Text`] or a [`Name`]:
//!
//! - [`Text::new`] escapes anything that could forge a line, a terminal sequence or a misleading
//!   rendering before the value is hashed or stored: `\` becomes `\\`; `\n`, `\r`, `\t` become
//!   `\n`, `\r`, `\t` (two characters); every other control character (C0, DEL, C1, including
//!   ESC of ANSI sequences and U+0085), every Unicode format character (category Cf: bidi
//!   overrides and isolates such as U+202E, zero-width characters, U+FEFF, tag characters, …)
//!   and U+2028/U+2029 become `\u{hex}`. The escaping is reversible and unambiguous because the
//!   backslash itself is escaped. Values longer than [`Text::MAX_BYTES`] after escaping are cut
//!   at a character (never mid-escape) and end in `…`.
//! - [`Name`] is a machine identifier (action names, target kinds, detail keys): 1 to
//!   [`Name::MAX_BYTES`] bytes of `a-z 0-9 _ . -`. It is checked, not escaped.
//!
//! Invariant: a `Text` or `Name` value never contains a character that [`needs_escape`] flags,
//! and values read back from storage or an export are checked ([`Text::from_stored`]) rather
//! than escaped again, so a raw control character smuggled into a database is an error, not a
//! silently "cleaned" record.

use std::fmt;

use crate::Error;

/// Whether `c` must not appear raw in a stored field.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_format(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Unicode general category Cf (format characters), Unicode 15.1.
fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Appends the neutralised form of `c` to `out`.
fn push_escaped(out: &mut String, c: char) {
    use fmt::Write as _;
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if needs_escape(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Escapes `input` as described in the module docs and caps it at `max_bytes` (which must leave
/// room for the 3-byte `…` marker).
pub fn neutralise(input: &str, max_bytes: usize) -> String {
    const MARK: &str = "…";
    let mut out = String::with_capacity(input.len().min(max_bytes));
    let mut piece = String::with_capacity(12);
    let budget = max_bytes.saturating_sub(MARK.len());
    let mut cut_at: Option<usize> = None;
    for c in input.chars() {
        piece.clear();
        push_escaped(&mut piece, c);
        if cut_at.is_none() && out.len() + piece.len() > budget {
            cut_at = Some(out.len());
        }
        if out.len() + piece.len() > max_bytes {
            // Does not fit at all: cut back to the last piece that leaves room for the marker.
            out.truncate(cut_at.unwrap_or(out.len()));
            out.push_str(MARK);
            return out;
        }
        out.push_str(&piece);
    }
    out
}

/// Checks that `s` is already neutral: no raw character that needs escaping, and every `\`
/// starts a well-formed escape.
fn check_neutral(s: &str) -> Result<(), &'static str> {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if needs_escape(c) {
            return Err("contains a raw control or format character");
        }
        if c == '\\' {
            match chars.next() {
                Some('\\' | 'n' | 'r' | 't') => {}
                Some('u') => {
                    if chars.next() != Some('{') {
                        return Err("malformed \\u escape");
                    }
                    let mut digits = 0;
                    loop {
                        match chars.next() {
                            Some('}') if digits > 0 => break,
                            Some(d) if d.is_ascii_hexdigit() && digits < 6 => digits += 1,
                            _ => return Err("malformed \\u escape"),
                        }
                    }
                }
                _ => return Err("malformed escape"),
            }
        }
    }
    Ok(())
}

/// A neutralised, length-capped string: safe to hash, store, print and put on one log line.
///
/// Meant for ids, codes, short reasons and staff user names. Never put message text, visitor
/// contact details or secrets in one: the audit log is kept for a year and read by auditors.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(String);

impl Text {
    /// Longest stored value, in bytes, after escaping.
    pub const MAX_BYTES: usize = 256;

    /// Neutralises and caps `value`. Never fails: an audit record must not be lost because a
    /// field was hostile.
    pub fn new(value: &str) -> Self {
        Self(neutralise(value, Self::MAX_BYTES))
    }

    /// Accepts a value read back from storage or an export, which must already be neutral and
    /// within the cap. `field` names the field in the error.
    pub fn from_stored(value: String, field: &'static str) -> Result<Self, Error> {
        if value.len() > Self::MAX_BYTES {
            return Err(Error::InvalidField {
                field,
                reason: "longer than the cap",
            });
        }
        check_neutral(&value).map_err(|reason| Error::InvalidField { field, reason })?;
        Ok(Self(value))
    }

    /// The neutralised value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// A machine identifier: 1 to [`Name::MAX_BYTES`] bytes of `a-z 0-9 _ . -`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// Longest name, in bytes.
    pub const MAX_BYTES: usize = 64;

    /// Checks `value`. `field` names the field in the error.
    pub fn new(value: &str, field: &'static str) -> Result<Self, Error> {
        if value.is_empty() || value.len() > Self::MAX_BYTES {
            return Err(Error::InvalidField {
                field,
                reason: "must be 1 to 64 bytes",
            });
        }
        if !value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        }) {
            return Err(Error::InvalidField {
                field,
                reason: "may contain only a-z, 0-9, '_', '.' and '-'",
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// A name from a constant in this crate, known to be valid (a unit test checks each one).
    pub(crate) fn from_static(value: &'static str) -> Self {
        Self(value.to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_and_carriage_return_are_escaped() {
        assert_eq!(Text::new("a\nb\rc\td").as_str(), "a\\nb\\rc\\td");
    }

    #[test]
    fn forged_log_line_stays_on_one_line() {
        let t = Text::new("bob\n2026-01-01 admin login ok");
        assert!(!t.as_str().contains('\n'));
    }

    #[test]
    fn ansi_escape_is_neutralised() {
        assert_eq!(
            Text::new("\x1b[31mred\x1b[0m").as_str(),
            "\\u{1b}[31mred\\u{1b}[0m"
        );
    }

    #[test]
    fn bidi_override_and_other_format_chars_are_escaped() {
        assert_eq!(
            Text::new("abc\u{202E}fdp.exe").as_str(),
            "abc\\u{202e}fdp.exe"
        );
        assert_eq!(
            Text::new("\u{200B}\u{2066}\u{FEFF}\u{E0041}\u{00AD}").as_str(),
            "\\u{200b}\\u{2066}\\u{feff}\\u{e0041}\\u{ad}"
        );
    }

    #[test]
    fn line_separators_del_and_c1_are_escaped() {
        assert_eq!(
            Text::new("\u{2028}\u{2029}\u{7f}\u{85}\u{9b}\0").as_str(),
            "\\u{2028}\\u{2029}\\u{7f}\\u{85}\\u{9b}\\u{0}"
        );
    }

    #[test]
    fn backslash_is_escaped_so_escapes_cannot_be_forged() {
        // A literal `\n` typed by an attacker must not read back like an escaped newline.
        assert_eq!(Text::new("\\n").as_str(), "\\\\n");
        assert_ne!(Text::new("\\n"), Text::new("\n"));
    }

    #[test]
    fn ordinary_unicode_is_kept() {
        assert_eq!(Text::new("Zoë 日本 🙂").as_str(), "Zoë 日本 🙂");
    }

    #[test]
    fn long_values_are_capped_at_a_char_boundary_with_a_marker() {
        let t = Text::new(&"é".repeat(500));
        assert!(t.as_str().len() <= Text::MAX_BYTES);
        assert!(t.as_str().ends_with('…'));
        let t = Text::new(&"a".repeat(Text::MAX_BYTES));
        assert_eq!(
            t.as_str().len(),
            Text::MAX_BYTES,
            "exactly at the cap is kept whole"
        );
    }

    #[test]
    fn truncation_never_splits_an_escape() {
        for n in 0..20 {
            let input = format!("{}{}", "a".repeat(240 + n), "\u{202E}".repeat(10));
            let t = Text::new(&input);
            assert!(t.as_str().len() <= Text::MAX_BYTES);
            assert!(check_neutral(t.as_str()).is_ok(), "{:?}", t);
        }
    }

    #[test]
    fn neutralised_values_pass_the_stored_check() {
        let t = Text::new("x\u{1b}\\y\u{202e}\n");
        assert_eq!(Text::from_stored(t.as_str().to_owned(), "f").ok(), Some(t));
    }

    #[test]
    fn stored_values_with_raw_controls_or_bad_escapes_are_rejected() {
        for bad in [
            "a\nb",
            "\u{202e}",
            "\\",
            "\\x",
            "\\u{}",
            "\\u{1234567}",
            "\\u1b",
        ] {
            assert!(Text::from_stored(bad.to_owned(), "f").is_err(), "{bad:?}");
        }
        assert!(Text::from_stored("a".repeat(Text::MAX_BYTES + 1), "f").is_err());
    }

    #[test]
    fn names_are_restricted() {
        assert!(Name::new("auth.login_failed-2", "k").is_ok());
        for bad in ["", "Auth", "a b", "a\n", "é", &"a".repeat(65)] {
            assert!(Name::new(bad, "k").is_err(), "{bad:?}");
        }
    }
}
