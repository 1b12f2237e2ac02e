//! US Social Security numbers among digit chunks: the separated 3-2-4 shape, and nine plain
//! digits with an SSN keyword near them.

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

    /// Nine plain digits with an SSN keyword near them. Without one, nine digits are far more
    /// often an order, account or phone number than an SSN, so the keyword is required here
    /// (separated forms, 3-2-4, need none).
    pub(super) fn ssn_plain(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let g = self.g[i];
        let s = &self.text[g.start..g.end];
        if s.len() != 9 {
            return None;
        }
        if validate::us_ssn(s) {
            let ssn = self.ssn_keyword_near(g.start, g.end) && !self.phone_keyword_nearer(g.start);
            return ssn.then_some((i, Some(Kind::UsSsn)));
        }
        // Right after "SSN" but failing the area/group/serial rules ("SSN 666905739"): an
        // invalid SSN, not a phone number, unless a phone keyword is nearer.
        let window = ctx::since_last_number(ctx::before(self.text, g.start, 24));
        (self.w.ssn.any(window) && !self.phone_keyword_nearer(g.start)).then_some((i, None))
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
