//! US Social Security numbers among digit chunks: the separated 3-2-4 shape, and nine plain
//! digits, with an SSN keyword near them or, without one, when nothing argues against it.

use super::clause::Around;
use super::{Chunk, sep_is};
use crate::Kind;
use crate::context as ctx;
use crate::validate;

impl Chunk<'_> {
    pub(super) fn ssn_formatted(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let j = i + 2;
        if j >= self.g.len() {
            return None;
        }
        let lens = [self.g[i].len(), self.g[i + 1].len(), self.g[j].len()];
        if lens != [3, 2, 4] {
            return None;
        }
        let (s1, s2) = (self.sep(i + 1), self.sep(j));
        if s1 != s2 || !sep_is(s1, &[b"-", b" ", b"."]) {
            return None;
        }
        // Joined to more digit groups by its own separator, the 3-2-4 shape is a window of a
        // longer number ("011-15-2345-6789", an Argentine mobile), not an SSN. Spaces also join
        // unrelated numbers, so a spaced SSN inside a longer run needs an SSN keyword.
        let joined_before = i > 0 && self.sep(i) == s1;
        let joined_after = j + 1 < self.g.len() && self.sep(j + 1) == s1;
        if (joined_before || joined_after)
            && (s1 != b" " || self.phone_keyword_nearer(self.g[i].start))
        {
            return None;
        }
        let mut buf = [0u8; 40];
        let n = self.digits(i, j, &mut buf);
        Some((j, validate::us_ssn(&buf[..n]).then_some(Kind::UsSsn)))
    }

    /// An SSN keyword before the value (up to 80 bytes, no other number in between) or right
    /// after it ("536905739 is my SSN": up to 40 bytes). A keyword after the value counts only
    /// when no other number follows it there ("order 536905739, my SSN is 536-90-5739": the
    /// keyword introduces the second number) and no negative word precedes the value.
    // Rarely reached (a 3-2-4 or 9-digit candidate): kept out of the scan loop.
    #[inline(never)]
    fn ssn_keyword_near(&self, start: usize, end: usize) -> bool {
        if self
            .w
            .ssn
            .any(ctx::since_last_number(ctx::before(self.text, start, 80)))
        {
            return true;
        }
        let after = ctx::after(self.text, end, 40);
        ctx::until_next_number(after).len() == after.len()
            && self.w.ssn.any(after)
            && !self.w.negative.any(ctx::before(self.text, start, 24))
    }

    /// Nine plain digits: an SSN with an SSN keyword near them (and no nearer phone keyword),
    /// or without one when nothing argues against it ([`Chunk::bare_ssn`]).
    pub(super) fn ssn_plain(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let g = self.g[i];
        let s = &self.text[g.start..g.end];
        if s.len() != 9 {
            return None;
        }
        self.ssn_nine(i, s)
    }

    // Rarely reached (a 9-digit group): kept out of the scan loop.
    #[inline(never)]
    fn ssn_nine(&self, i: usize, s: &[u8]) -> Option<(usize, Option<Kind>)> {
        let g = self.g[i];
        if validate::us_ssn(s) {
            let ssn = if self.ssn_keyword_near(g.start, g.end) {
                !self.phone_keyword_nearer(g.start)
            } else {
                self.bare_ssn(s)
            };
            return ssn.then_some((i, Some(Kind::UsSsn)));
        }
        // Right after "SSN" but failing the area/group/serial rules ("SSN 666905739"): an
        // invalid SSN, not a phone number, unless a phone keyword is nearer.
        let window = ctx::since_last_number(ctx::before(self.text, g.start, 24));
        (self.w.ssn.any(window) && !self.phone_keyword_nearer(g.start)).then_some((i, None))
    }

    /// A valid nine-digit SSN with no SSN keyword near it. A bare nine-digit number in chat is
    /// also an order, account, customer or Spanish/Portuguese phone number, so it is an SSN only
    /// when nothing argues against it. Leaking an SSN is the worse error (a masked order number
    /// costs the agent a reveal or a question), so the evidence against must be near and
    /// specific:
    /// - the number stands alone: not a group of a longer run ("536905739 12"), not a decimal or
    ///   thousands part ("536905739,50", "1.536905739"), not after `+`, `-`, `/`, `=`, `:` or a
    ///   digit-glued sign, not followed by `%` or a unit glued to it (`#`, `$`, letters are
    ///   handled by [`Chunk::attached`]);
    /// - not a placeholder: nine equal digits, or a run like 012345678 / 234567891;
    /// - no word for something else before it (48 bytes, since the previous digit) or after it
    ///   (32 bytes, up to the next digit or the end of the clause, unless the word introduces
    ///   the next number): order, pedido, ticket, tracking, rastreio, invoice,
    ///   factura, account, cuenta, conta, reference, ZIP, CEP, código postal, confirmation,
    ///   "#", "nº", currency words and symbols, customer and policy numbers, other documents,
    ///   deliveries, units (`NEGATIVE` and `NOT_SSN` in the context module);
    /// - no phone keyword before it (strong or weak: "call", "número", "at"): the phone rules
    ///   then read it; a phone word only after it ("536905739 is my cell") leaves it an SSN,
    ///   since the phone rules do not read it and the number must still be masked;
    /// - not a Spanish or Portuguese phone: in a message with Spanish cues a number starting
    ///   with 6 or 7 (mobiles) or 8 (landlines in 8xx ranges) is read as a phone, and with
    ///   Portuguese cues one starting with 2 (landlines; mobiles start with 9, never an SSN
    ///   area), when the phone rules will take it (no order/price/code word in its clause);
    ///   otherwise it stays an SSN, masked either way.
    fn bare_ssn(&self, s: &[u8]) -> bool {
        if self.g.len() != 1 {
            return false;
        }
        let (start, end) = (self.start(), self.end());
        let before = self.byte_before(start);
        let before2 = start.checked_sub(2).map(|p| self.text[p]);
        let after = self.text.get(end).copied();
        let after2 = self.text.get(end + 1).copied();
        let sign_before = before
            .is_some_and(|b| matches!(b, b'+' | b'-' | b'/' | b'=' | b'\\' | b'%'))
            || (before == Some(b':') && before2.is_some_and(|b| b.is_ascii_digit()))
            || (matches!(before, Some(b',' | b'.')) && before2.is_some_and(|b| b.is_ascii_digit()));
        let number_after = matches!(after, Some(b',' | b'.' | b':' | b'/'))
            && after2.is_some_and(|b| b.is_ascii_digit());
        if sign_before || number_after || matches!(after, Some(b'%' | b'+' | b'*')) {
            return false;
        }
        if placeholder(s) {
            return false;
        }
        let around = Around::new(self.text, start, end);
        if around.names(&self.w.not_ssn) {
            return false;
        }
        // A phone word in the same clause hands the number to the phone rules; one in an
        // earlier clause is about something else ("contact: ana at gmail dot com. ok 536905739").
        let clause = around.clause();
        if self.w.phone_strong.any(clause) || self.w.phone_weak.any(clause) {
            return false;
        }
        !self.national_phone(s)
    }

    /// Whether the phone rules will read this bare nine-digit number as a Spanish or Portuguese
    /// phone (see [`Chunk::bare_ssn`]). Asks the phone rules themselves, so the two cannot
    /// disagree about which order or price words count (a number neither rule takes would
    /// leak).
    fn national_phone(&self, s: &[u8]) -> bool {
        let spanish = matches!(s[0], b'6' | b'7' | b'8') && self.w.spanish.present(self.text);
        let portuguese = s[0] == b'2' && self.w.portuguese.present(self.text);
        (spanish || portuguese)
            && self
                .phone(0)
                .is_some_and(|(_, kind)| kind == Some(Kind::Phone))
    }

    /// Whether a phone keyword is nearer before `start` than any SSN keyword (only words
    /// after the previous number count).
    // Rarely reached (a 3-2-4 or 9-digit candidate): kept out of the scan loop.
    #[inline(never)]
    fn phone_keyword_nearer(&self, start: usize) -> bool {
        let window = ctx::since_last_number(ctx::before(self.text, start, 48));
        let phone = self.w.phone_strong.nearest(window);
        let ssn = self.w.ssn.nearest(window);
        phone.is_some_and(|p| ssn.is_none_or(|s| p < s))
    }
}

/// Nine equal digits, or nine consecutive ones up or down (wrapping: 234567890, 876543210): what
/// people type as a placeholder, not an SSN.
fn placeholder(s: &[u8]) -> bool {
    let step = |d: i16| {
        s.windows(2)
            .all(|w| (i16::from(w[1]) - i16::from(w[0]) - d).rem_euclid(10) == 0)
    };
    step(0) || step(1) || step(-1)
}

#[cfg(test)]
mod tests {
    use super::placeholder;

    #[test]
    fn placeholders_are_repeated_or_consecutive_digits() {
        for s in [
            "111111111",
            "123456789",
            "234567890",
            "987654321",
            "210987654",
        ] {
            assert!(placeholder(s.as_bytes()), "{s}");
        }
        for s in ["536905739", "123456780", "111111112", "135791357"] {
            assert!(!placeholder(s.as_bytes()), "{s}");
        }
    }
}
