//! Normalisation of look-alike characters before matching, with a byte-offset map back to the
//! original text.
//!
//! Full-width ASCII (U+FF01..U+FF5E, including the digits U+FF10..U+FF19) becomes ASCII, and
//! Unicode space characters (NBSP, U+2000..U+200A, U+202F, U+205F, U+3000) become an ASCII
//! space. Every normalised char comes from exactly one original char, so char boundaries map to
//! char boundaries.

use std::borrow::Cow;

/// Text prepared for matching plus the map from its byte offsets to the original's.
pub struct Normalized<'a> {
    pub text: Cow<'a, str>,
    /// For each byte of `text` (when owned), the byte offset in the original of the char it
    /// came from. Empty when `text` is borrowed.
    map: Vec<u32>,
    original_len: usize,
}

impl Normalized<'_> {
    /// Whether any char was replaced.
    pub fn changed(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }

    /// Maps a normalised byte offset (on a char boundary) back to the original text.
    pub fn original_offset(&self, offset: usize) -> usize {
        if self.map.is_empty() {
            return offset;
        }
        self.map
            .get(offset)
            .map_or(self.original_len, |&o| o as usize)
    }
}

fn replacement(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// `text` as is, for callers that already know nothing needs replacing.
pub fn unchanged(text: &str) -> Normalized<'_> {
    Normalized {
        text: Cow::Borrowed(text),
        map: Vec::new(),
        original_len: text.len(),
    }
}

/// Normalises `text`; borrows when there is nothing to change (always for ASCII text).
pub fn normalize(text: &str) -> Normalized<'_> {
    let borrowed = unchanged;
    // The map is u32: texts over 4 GiB are matched without normalisation.
    if text.is_ascii() || u32::try_from(text.len()).is_err() {
        return borrowed(text);
    }
    // Byte pre-check: every replaced char is NBSP (C2 A0) or has lead byte E2, E3 or EF.
    let b = text.as_bytes();
    let maybe = b.iter().enumerate().any(|(i, &c)| {
        matches!(c, 0xE2 | 0xE3 | 0xEF) || (c == 0xC2 && b.get(i + 1) == Some(&0xA0))
    });
    if !maybe || !text.chars().any(|c| replacement(c).is_some()) {
        return borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let n = replacement(c).unwrap_or(c);
        out.push(n);
        // `i` fits in u32: checked above.
        let i = i as u32;
        map.extend(std::iter::repeat_n(i, n.len_utf8()));
    }
    Normalized {
        text: Cow::Owned(out),
        map,
        original_len: text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_borrowed() {
        let n = normalize("card 4111");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert_eq!(n.original_offset(5), 5);
    }

    #[test]
    fn full_width_digits_and_nbsp_map_back() {
        let s = "n\u{FF14}\u{FF11}\u{00A0}1";
        let n = normalize(s);
        assert_eq!(n.text, "n41 1");
        assert_eq!(n.original_offset(1), 1);
        assert_eq!(n.original_offset(2), 4);
        assert_eq!(n.original_offset(3), 7);
        assert_eq!(n.original_offset(4), 9);
        assert_eq!(n.original_offset(5), s.len());
    }
}
