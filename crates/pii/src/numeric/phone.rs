//! Phone numbers among digit chunks: international (`+`, `00`, `tel:`), national formats after
//! a keyword or in a national-plan shape, and bare digit runs that fit a numbering plan.

use super::Chunk;
use super::clause::{Around, since_last_clause_end};
use crate::Kind;
use crate::context as ctx;

impl Chunk<'_> {
    pub(super) fn phone(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        // Cheap shape check before any keyword lookup: every rule needs at least six digits
        // joined by phone separators.
        let mut reach = self.g[i].len();
        let mut k = i + 1;
        while reach < 6 && k < self.g.len() && phone_sep(self.sep(k)) {
            reach += self.g[k].len();
            k += 1;
        }
        if reach < 6 {
            return None;
        }
        self.phone_candidate(i)
    }

    /// The phone rules proper, for a window that passed the cheap shape check. Out of line:
    /// most digit chunks in chat never get here, and a smaller scan loop runs faster.
    #[inline(never)]
    fn phone_candidate(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let start = self.g[i].start;
        let lead = if i == 0 {
            self.byte_before(start)
        } else {
            None
        };
        let plus = lead == Some(b'+');
        let window = ctx::before(self.text, if plus { start - 1 } else { start }, 40);
        let link = i == 0 && link_prefix(window);
        // Negative words reach across other numbers ("Tracking: 1Z 999 AA1 01 2345 6784") but
        // not into an earlier clause ("Mi pedido llegó roto. Estoy en casa, 612.345.678");
        // positive ones belong to the nearest number.
        let neg = self.w.negative.nearest(since_last_clause_end(window));
        let window = ctx::since_last_number(window);
        let double_zero = self.text[start..].starts_with(b"00") && self.g[i].len() <= 4;
        let strong = self.w.phone_strong.nearest(window);
        let weak = self.w.phone_weak.nearest(window);
        // At the same position the phone word is the longer match: "contacto" also starts
        // with the negative "conta".
        let strong_ctx = strong.is_some_and(|s| neg.is_none_or(|n| s <= n));
        // A weak word right after a negative one names that thing ("confirmation number",
        // "order number is"): it is no phone context.
        let weak = weak.filter(|&w| neg.is_none_or(|n| w >= n || n - w > 16));
        let weak_ctx = weak.is_some_and(|w| neg.is_none_or(|n| w < n));
        // A negative word right before the number ("order 612 345 678") wins over formatting;
        // one further away only blocks numbers no positive keyword claims.
        let neg_blocks =
            neg.is_some_and(|n| n <= 16) || (neg.is_some() && strong.is_none() && weak.is_none());
        let paren = lead == Some(b'(');
        let mut best = None;
        let mut j = i;
        while j < self.g.len() {
            if j > i && !phone_sep(self.sep(j)) {
                break;
            }
            let n = self.ndigits(i, j);
            if n > 17 {
                break;
            }
            let formatted = j > i || paren;
            let ok = if link {
                (6..=15).contains(&n)
            } else if plus {
                (8..=15).contains(&n)
            } else if double_zero && (10..=17).contains(&n) {
                true
            } else if neg_blocks && !strong_ctx {
                false
            } else if strong_ctx {
                // A trunk 0 allows longer national forms: Argentine mobiles "011 15-2345-6789",
                // German "0800 1234567890" and "0177 99 1234567" (13-14 digits).
                let max = if self.text[start] == b'0' { 14 } else { 12 };
                (7..=max).contains(&n) && !self.date_shape(i, j)
            } else if formatted || weak_ctx {
                let lead_zero = self.text[start] == b'0';
                (((9..=11).contains(&n) || (n == 12 && lead_zero)) && self.phone_shape(i, j))
                    || (formatted && self.national_prefix_shape(i, j, n))
            } else {
                // A bare run of digits with no keyword either way: a phone only when it fits a
                // national numbering plan and nothing in its clause suggests an order, a price
                // or a code.
                plain_national(&self.text[start..self.g[j].end]) && !self.named_otherwise(i, j)
            };
            if ok {
                best = Some(j);
            }
            j += 1;
        }
        best.map(|j| (j, Some(Kind::Phone)))
    }

    /// Formatted national numbers whose first group is a prefix only phones have, so they
    /// need no keyword even outside the usual 9-12 digits (found by libphonenumber's example
    /// numbers, `tools/phone-oracle`):
    /// - Argentine mobiles: trunk 0 and area code, then "15", 13 digits ("011 15-2345-6789");
    /// - German mobiles, 015x/016x/017x, up to 13 digits with a voicemail "99"
    ///   ("0177 99 1234567");
    /// - 0800 (toll-free in DE, GB, BR, AR) and German 0700 (personal numbers), 10-14 digits,
    ///   also as 4-4-4 ("0700 1234 5678"; no card starts with 0);
    /// - Brazilian shared-cost numbers 3003/3004/4003/4004/4020, 4-4 with a dash ("4004-1234"),
    ///   when nothing in their clause suggests an order, a price or a code.
    // Only reached by formatted windows that the usual shapes refused.
    #[inline(never)]
    fn national_prefix_shape(&self, i: usize, j: usize, n: usize) -> bool {
        // Every shape here has at least two groups ("formatted" also covers one group in
        // parentheses, which has no second group to read).
        if j == i || self.date_shape(i, j) {
            return false;
        }
        let first = &self.text[self.g[i].start..self.g[i].end];
        let second = &self.text[self.g[i + 1].start..self.g[i + 1].end];
        let argentine_mobile = n == 13
            && j >= i + 2
            && first[0] == b'0'
            && (3..=5).contains(&first.len())
            && second == b"15";
        let german_mobile = (11..=13).contains(&n)
            && first.len() == 4
            && first.starts_with(b"01")
            && matches!(first[2], b'5'..=b'7');
        let service = (10..=14).contains(&n) && matches!(first, b"0800" | b"0700");
        let shared_cost = n == 8
            && j == i + 1
            && first.len() == 4
            && self.sep(j) == b"-"
            && matches!(first, b"3003" | b"3004" | b"4003" | b"4004" | b"4020")
            && !self.named_otherwise(i, j);
        argentine_mobile || german_mobile || service || shared_cost
    }

    /// Whether a negative word (order, ticket, invoice, a currency…) in the clause of groups
    /// `i..=j`, or right after them, says they are something else: one in another sentence
    /// says nothing about them ("My order arrived broken. I'm home all day: 4155550123").
    fn named_otherwise(&self, i: usize, j: usize) -> bool {
        Around::new(self.text, self.g[i].start, self.g[j].end).names_in_clause(&self.w.negative)
    }

    /// Where a phone span ends: an extension written as "x123" belongs to the number.
    pub(super) fn phone_end(&self, j: usize) -> usize {
        let end = self.g[j].end;
        if j + 1 != self.g.len() || !matches!(self.text.get(end), Some(b'x' | b'X')) {
            return end;
        }
        let digits = self.text[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let glued = self
            .text
            .get(end + 1 + digits)
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if (1..=6).contains(&digits) && !glued {
            end + 1 + digits
        } else {
            end
        }
    }

    /// Where a phone span starts: a leading '+' or '(' belongs to the number.
    pub(super) fn phone_start(&self, i: usize) -> usize {
        let start = self.g[i].start;
        match self.byte_before(start) {
            Some(b'+' | b'(') if i == 0 => start - 1,
            _ => start,
        }
    }

    /// 2024-05-19, 19/05/2024, 19.05.2024, 05-19-24.
    fn date_shape(&self, i: usize, j: usize) -> bool {
        if j != i + 2 {
            return false;
        }
        let lens = [self.g[i].len(), self.g[i + 1].len(), self.g[j].len()];
        let seps = [self.sep(i + 1), self.sep(j)];
        seps[0] == seps[1]
            && matches!(seps[0], b"-" | b"/" | b".")
            && matches!(lens, [4, 2, 2] | [2, 2, 4] | [1 | 2, 1 | 2, 2 | 4])
    }

    fn phone_shape(&self, i: usize, j: usize) -> bool {
        if self.date_shape(i, j) {
            return false;
        }
        let lens: Vec<usize> = self.g[i..=j].iter().map(|g| g.len()).collect();
        let seps: Vec<&[u8]> = (i + 1..=j).map(|k| self.sep(k)).collect();
        let dashed = |s: &&[u8]| *s == b"-";
        match lens.as_slice() {
            // ZIP+4 and the SSN shape.
            [5, 4] if seps.iter().all(dashed) => return false,
            [3, 2, 4] => return false,
            _ => {}
        }
        // 912.345.678: a Spanish or Portuguese number written with dots (national numbers
        // start with 6-9 there), unless its clause talks about an amount or an order.
        let dotted_333 = lens == [3, 3, 3]
            && seps.iter().all(|s| *s == b".")
            && matches!(self.text[self.g[i].start], b'6'..=b'9')
            && !self.named_otherwise(i, j);
        // 1.234.567 / 612.345.678 €: thousands separators, read as an amount.
        if !dotted_333
            && !seps.is_empty()
            && seps.iter().all(|s| *s == b"." || *s == b",")
            && lens[0] <= 3
            && lens[1..].iter().all(|&l| l == 3)
        {
            return false;
        }
        // Dots only in the usual phone groupings (US 3.3.4, FR 2.2.2.2.2, ES 3.2.2.2 and 3.3.3);
        // "12.345.678-9" is a document number.
        if seps.iter().any(|s| s.contains(&b'.'))
            && !(seps.iter().all(|s| *s == b".")
                && matches!(
                    lens.as_slice(),
                    [3, 3, 4] | [2, 2, 2, 2, 2] | [3, 2, 2, 2] | [3, 3, 3]
                ))
        {
            return false;
        }
        // 4-4-4: a card-like number, not a phone.
        !(lens.len() >= 3 && lens.iter().all(|&l| l == 4))
    }
}

/// Nine to eleven plain digits shaped like a national number in the supported countries:
/// ES/PT (9 digits, leading 2 or 6-9), US/CA/MX/CO/AR/BR/FR (10 digits, not leading 1),
/// BR mobile, GB/DE trunk-0 and US 1+10 (11 digits).
fn plain_national(s: &[u8]) -> bool {
    if !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match s.len() {
        9 => matches!(s[0], b'2' | b'6'..=b'9'),
        10 => s[0] != b'1',
        11 => {
            // Trunk-0 (GB, DE), BR mobile (area code, then 9), US with the leading 1.
            s[0] == b'0' || (s[1] != b'0' && s[2] == b'9') || (s[0] == b'1' && s[1] >= b'2')
        }
        _ => false,
    }
}

fn phone_sep(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| matches!(b, b' ' | b'-' | b'.' | b'(' | b')'))
        && s.iter().filter(|&&b| matches!(b, b'-' | b'.')).count() <= 1
}

fn link_prefix(window: &[u8]) -> bool {
    const LINKS: [&[u8]; 6] = [b"tel:", b"tel:+", b"wa.me/", b"wa.me/+", b"phone=", b"sms:"];
    LINKS.iter().any(|l| {
        window.len() >= l.len() && window[window.len() - l.len()..].eq_ignore_ascii_case(l)
    }) || window.ends_with(b"callto:")
}
