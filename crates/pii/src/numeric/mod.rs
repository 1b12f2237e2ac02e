//! Detection of digit-based kinds (cards, SSNs, CPFs, phones, CVVs, IPv4) from "chunks": runs of
//! digit groups joined by short separators (spaces, dashes, dots, line breaks, parentheses).
//!
//! Validators decide first; context words only settle ambiguous shapes. A window whose shape
//! clearly belongs to one kind but fails its validator (a 4-4-4-4 number failing Luhn, an SSN
//! shape with area 000) is consumed as "not personal data" so another rule cannot claim it.

mod clause;
mod phone;
mod ssn;

use crate::context as ctx;
use crate::validate;
use crate::{Cand, Kind};

#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

impl Group {
    fn len(self) -> usize {
        self.end - self.start
    }
}

const MAX_GROUPS: usize = 64;

fn is_sep(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'-' | b'.' | b'\n' | b'\r' | b'\t' | b'(' | b')' | b'/'
    )
}

/// Scans `text` (normalised, so full-width digits and Unicode spaces are ASCII) for digit
/// chunks and pushes candidates.
/// Returns the unclaimed chunks that [`split_cards`] may join once every detector has run.
pub fn scan(text: &str, extras: crate::Extras, w: &ctx::Words, out: &mut Vec<Cand>) -> Vec<Piece> {
    let b = text.as_bytes();
    // Fixed buffer: no allocation per message.
    let mut groups = [Group { start: 0, end: 0 }; MAX_GROUPS];
    let mut pieces: Vec<Piece> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        if i > 0 && b[i - 1].is_ascii_alphabetic() {
            // Digits glued to a word ("CVV2", "A1", "1Z999AA1") are part of that word, and do
            // not start a chunk that would swallow the number after them.
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            push_break(&mut pieces);
            continue;
        }
        let mut ng = 0;
        let mut j = i;
        loop {
            let s = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            groups[ng] = Group { start: s, end: j };
            ng += 1;
            let mut k = j;
            while k < b.len() && k - j < 3 && is_sep(b[k]) {
                k += 1;
            }
            // "2419. 6 items": a full stop followed by a space ends the sentence and the chunk.
            let sentence_end = k - j >= 2 && b[j] == b'.' && b[j + 1].is_ascii_whitespace();
            if k > j && k < b.len() && b[k].is_ascii_digit() && !sentence_end && ng < MAX_GROUPS {
                j = k;
                continue;
            }
            break;
        }
        let before_claims = out.len();
        let chunk = Chunk {
            text: b,
            g: &groups[..ng],
            w,
        };
        chunk.scan(extras, out);
        if out.len() == before_claims {
            chunk.push_piece(&mut pieces);
        } else {
            push_break(&mut pieces);
        }
        i = j;
    }
    pieces
}

/// Marks a gap between pieces (consecutive gaps are one gap; none is needed at the start).
fn push_break(pieces: &mut Vec<Piece>) {
    if matches!(pieces.last(), Some(Piece::Digits { .. })) {
        pieces.push(Piece::Break);
    }
}

/// A chunk that no rule claimed, kept to find a card typed in several pieces.
pub enum Piece {
    Digits {
        start: usize,
        end: usize,
        digits: Vec<u8>,
        fours: bool,
    },
    Break,
}

struct Chunk<'a> {
    text: &'a [u8],
    g: &'a [Group],
    w: &'a ctx::Words,
}

fn sep_is(s: &[u8], allowed: &[&[u8]]) -> bool {
    allowed.contains(&s)
}

impl Chunk<'_> {
    fn sep(&self, k: usize) -> &[u8] {
        // Separator before group k (k >= 1).
        &self.text[self.g[k - 1].end..self.g[k].start]
    }

    fn start(&self) -> usize {
        self.g.first().map_or(0, |g| g.start)
    }

    fn end(&self) -> usize {
        self.g.last().map_or(0, |g| g.end)
    }

    fn byte_before(&self, pos: usize) -> Option<u8> {
        pos.checked_sub(1).map(|p| self.text[p])
    }

    fn attached(&self) -> bool {
        let before = self.byte_before(self.start());
        let after = self.text.get(self.end()).copied();
        let glued = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'&');
        // "Z-6691570-R", "INV-2024-000123": a dash between letters and digits glues them.
        let before2 = self.start().checked_sub(2).map(|p| self.text[p]);
        let after2 = self.text.get(self.end() + 1).copied();
        let dash_glued = (before == Some(b'-') && before2.is_some_and(|b| b.is_ascii_alphabetic()))
            || (self.text.get(self.end()) == Some(&b'-')
                && after2.is_some_and(|b| b.is_ascii_alphabetic()));
        // "555-123-4567x89": an extension does not glue the number to a word.
        let extension = matches!(after, Some(b'x' | b'X'))
            && self
                .text
                .get(self.end() + 1)
                .is_some_and(u8::is_ascii_digit);
        before.is_some_and(|b| glued(b) || b == b'#')
            || (after.is_some_and(glued) && !extension)
            || dash_glued
    }

    fn digits(&self, i: usize, j: usize, buf: &mut [u8; 40]) -> usize {
        let mut n = 0;
        for g in &self.g[i..=j] {
            for &d in &self.text[g.start..g.end] {
                if n < buf.len() {
                    buf[n] = d;
                }
                n += 1;
            }
        }
        n
    }

    fn ndigits(&self, i: usize, j: usize) -> usize {
        self.g[i..=j].iter().map(|g| g.len()).sum()
    }

    fn push_piece(&self, pieces: &mut Vec<Piece>) {
        let n = self.ndigits(0, self.g.len() - 1);
        let card_seps = (1..self.g.len()).all(|k| card_sep(self.sep(k)));
        let card_groups = self.g.iter().all(|g| (3..=8).contains(&g.len()));
        let zip4 = self.g.len() == 2 && self.g[0].len() == 5 && self.sep(1) == b"-";
        if self.attached() || !card_seps || !card_groups || zip4 || !(4..=15).contains(&n) {
            push_break(pieces);
            return;
        }
        let mut buf = [0u8; 40];
        let n = self.digits(0, self.g.len() - 1, &mut buf);
        pieces.push(Piece::Digits {
            start: self.start(),
            end: self.end(),
            digits: buf[..n].to_vec(),
            fours: self.g.iter().all(|g| g.len() == 4),
        });
    }

    fn scan(&self, extras: crate::Extras, out: &mut Vec<Cand>) {
        if self.g.is_empty() || self.attached() {
            return;
        }
        let m = self.g.len();
        let mut i = 0;
        while i < m {
            match self.at(i, extras) {
                Some((j, kind)) => {
                    if let Some(kind) = kind {
                        let (start, end) = if kind == Kind::Phone {
                            (self.phone_start(i), self.phone_end(j))
                        } else {
                            (self.g[i].start, self.g[j].end)
                        };
                        out.push(Cand::new(start, end, kind));
                    }
                    i = j + 1;
                }
                None => i += 1,
            }
        }
    }

    /// The rule that claims a window starting at group `i`: its last group and its kind
    /// (`None`: consumed as not personal data).
    fn at(&self, i: usize, extras: crate::Extras) -> Option<(usize, Option<Kind>)> {
        self.card(i)
            .or_else(|| self.cnpj_formatted(i, extras))
            .or_else(|| self.cpf_formatted(i))
            .or_else(|| self.cpf_dashed(i))
            .or_else(|| self.ssn_formatted(i))
            .or_else(|| self.ipv4(i))
            .or_else(|| self.ssn_plain(i))
            .or_else(|| self.cpf_plain(i))
            .or_else(|| self.phone(i))
            .or_else(|| self.single(i, extras))
    }

    fn card(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let m = self.g.len();
        let mut buf = [0u8; 40];
        let last = (i + 7).min(m - 1);
        let mut rejected = None;
        for j in (i..=last).rev() {
            let n = self.ndigits(i, j);
            if n > 19 {
                continue;
            }
            if n < 12 {
                break;
            }
            if !(i + 1..=j).all(|k| card_sep(self.sep(k))) || !self.card_shape(i, j) {
                continue;
            }
            let strong = self.card_shape_strong(i, j);
            // Inside a rejected 4-4-4-4 run only another full card shape may match: "6011 3508
            // 2985" must not be read out of a 16-digit order number.
            if rejected.is_some() && !strong {
                continue;
            }
            let n = self.digits(i, j, &mut buf);
            if validate::card(&buf[..n]) {
                return Some((j, Some(Kind::CreditCard)));
            }
            if rejected.is_none() && strong && n >= 13 {
                rejected = Some(j);
            }
        }
        // Shaped like a card (4-4-4-4) but no window validates: an order number, not a phone.
        rejected.map(|j| (j, None))
    }

    fn card_shape(&self, i: usize, j: usize) -> bool {
        if i == j {
            return true;
        }
        let lens: Vec<usize> = self.g[i..=j].iter().map(|g| g.len()).collect();
        let k = lens.len();
        if lens[0] == 4 && lens[1..k - 1].iter().all(|&l| l == 4 || l == 6) && lens[k - 1] <= 6 {
            return true;
        }
        k <= 3 && lens.iter().all(|&l| l >= 4)
    }

    fn card_shape_strong(&self, i: usize, j: usize) -> bool {
        if i == j {
            return false;
        }
        let lens: Vec<usize> = self.g[i..=j].iter().map(|g| g.len()).collect();
        matches!(
            lens.as_slice(),
            [4, 4, 4, 4] | [4, 4, 4, 4, _] | [4, 6, 5] | [4, 6, 4]
        )
    }

    /// 11.222.333/0001-81 (opt-in).
    fn cnpj_formatted(&self, i: usize, extras: crate::Extras) -> Option<(usize, Option<Kind>)> {
        let j = i + 4;
        if !extras.br_cnpj || j >= self.g.len() {
            return None;
        }
        let lens: Vec<usize> = self.g[i..=j].iter().map(|g| g.len()).collect();
        let seps = [
            self.sep(i + 1),
            self.sep(i + 2),
            self.sep(i + 3),
            self.sep(j),
        ];
        if lens != [2, 3, 3, 4, 2] || seps != [b".", b".", b"/", b"-"] {
            return None;
        }
        let mut buf = [0u8; 40];
        let n = self.digits(i, j, &mut buf);
        Some((j, validate::br_cnpj(&buf[..n]).then_some(Kind::BrCnpj)))
    }

    /// 529982247-25: nine digits, a dash and the two check digits.
    fn cpf_dashed(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let j = i + 1;
        if j >= self.g.len() || self.g[i].len() != 9 || self.g[j].len() != 2 || self.sep(j) != b"-"
        {
            return None;
        }
        let mut buf = [0u8; 40];
        let n = self.digits(i, j, &mut buf);
        validate::br_cpf(&buf[..n]).then_some((j, Some(Kind::BrCpf)))
    }

    fn cpf_formatted(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let j = i + 3;
        if j >= self.g.len() {
            return None;
        }
        let lens: Vec<usize> = self.g[i..=j].iter().map(|g| g.len()).collect();
        if lens != [3, 3, 3, 2] {
            return None;
        }
        let dotted = sep_is(self.sep(i + 1), &[b"."]) && sep_is(self.sep(i + 2), &[b"."]);
        let spaced = sep_is(self.sep(i + 1), &[b" "]) && sep_is(self.sep(i + 2), &[b" "]);
        let last_ok = if dotted {
            sep_is(self.sep(j), &[b"-"])
        } else {
            sep_is(self.sep(j), &[b"-", b" "])
        };
        if !(dotted || spaced) || !last_ok {
            return None;
        }
        let mut buf = [0u8; 40];
        let n = self.digits(i, j, &mut buf);
        let kind = validate::br_cpf(&buf[..n]).then_some(Kind::BrCpf);
        if kind.is_none() && spaced {
            return None;
        }
        Some((j, kind))
    }

    /// "version 10.0.0.1" reads as a version unless "IP" (or "server"…) is nearer, and only
    /// when no other number sits in between ("version v2.9.9.77. IP: 4.236.47.168").
    fn version_context(&self, start: usize) -> bool {
        let window = ctx::since_last_number(ctx::before(self.text, start, 24));
        let version = self.w.ip_negative.nearest(window);
        let ip = self.w.ip.nearest(window);
        version.is_some_and(|v| ip.is_none_or(|i| v < i))
    }

    fn ipv4(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let j = i + 3;
        if j >= self.g.len() {
            return None;
        }
        if !(i + 1..=j).all(|k| self.sep(k) == b".") {
            return None;
        }
        // Part of a longer dotted run (a version like 1.2.3.4.5 or a date run): not an address.
        if (i > 0 && self.sep(i) == b".") || (j + 1 < self.g.len() && self.sep(j + 1) == b".") {
            return None;
        }
        let ok = self.g[i..=j].iter().all(|g| {
            let s = &self.text[g.start..g.end];
            (1..=3).contains(&s.len())
                && (s.len() == 1 || s[0] != b'0')
                && s.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0')) <= 255
        });
        if !ok {
            return None;
        }
        let start = self.g[i].start;
        if self
            .byte_before(start)
            .is_some_and(|b| b == b'v' || b == b'V')
            || self.version_context(start)
        {
            return Some((j, None));
        }
        Some((j, Some(Kind::IpAddress)))
    }

    /// Eleven plain digits with valid CPF check digits, unless a phone keyword (and no CPF
    /// keyword) introduces them: about 1 in 100 Brazilian mobile numbers passes the CPF check.
    fn cpf_plain(&self, i: usize) -> Option<(usize, Option<Kind>)> {
        let g = self.g[i];
        let s = &self.text[g.start..g.end];
        if s.len() != 11 || !validate::br_cpf(s) {
            return None;
        }
        let window = ctx::since_last_number(ctx::before(self.text, g.start, 40));
        let phone = self.w.phone_strong.any(window) && !self.w.cpf.any(window);
        (!phone).then_some((i, Some(Kind::BrCpf)))
    }

    fn single(&self, i: usize, extras: crate::Extras) -> Option<(usize, Option<Kind>)> {
        let g = self.g[i];
        let s = &self.text[g.start..g.end];
        let window = ctx::before(self.text, g.start, 40);
        match s.len() {
            9 if extras.pt_nif && validate::pt_nif(s) && self.w.nif.any(window) => {
                Some((i, Some(Kind::PtNif)))
            }
            14 if extras.br_cnpj && validate::br_cnpj(s) => Some((i, Some(Kind::BrCnpj))),
            18 if extras.mx_clabe && validate::mx_clabe(s) => Some((i, Some(Kind::MxClabe))),
            3 | 4
                if self.g.len() == 1
                    && self
                        .w
                        .cvv
                        .any(ctx::since_last_number(ctx::before(self.text, g.start, 32))) =>
            {
                Some((i, Some(Kind::CardCvv)))
            }
            _ => None,
        }
    }
}

fn card_sep(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 3
        && s.iter()
            .all(|&b| matches!(b, b' ' | b'-' | b'.' | b'\n' | b'\r' | b'\t'))
        && s.iter().filter(|&&b| matches!(b, b'-' | b'.')).count() <= 1
}

/// Cards typed in several pieces ("4111 1111 and then 1111 1111"): two to four consecutive
/// unclaimed chunks whose digits together form a valid card. Only tried when the message talks
/// about a card or every piece is made of 4-digit groups, to keep unrelated numbers apart.
///
/// Runs after all other detectors: a piece that overlaps any of their candidates (the digits of
/// a NIE, an IBAN) is not a card piece.
pub fn split_cards(text: &str, w: &ctx::Words, pieces: &[Piece], out: &mut Vec<Cand>) {
    let text = text.as_bytes();
    let claimed = |start: usize, end: usize| out.iter().any(|c| c.start < end && start < c.end);
    let pieces: Vec<&Piece> = pieces
        .iter()
        .map(|p| match p {
            Piece::Digits { start, end, .. } if claimed(*start, *end) => &Piece::Break,
            Piece::Digits { start, .. }
                if w.negative
                    .nearest(ctx::before(text, *start, 24))
                    .is_some_and(|d| d <= 12) =>
            {
                &Piece::Break
            }
            p => p,
        })
        .collect();
    if pieces
        .iter()
        .filter(|p| matches!(p, Piece::Digits { .. }))
        .count()
        < 2
    {
        return;
    }
    let card_words = w.card.any(text);
    let mut i = 0;
    while i < pieces.len() {
        let mut found = None;
        let mut digits: Vec<u8> = Vec::with_capacity(19);
        let mut all_fours = true;
        for j in i..pieces.len().min(i + 4) {
            let Piece::Digits {
                start,
                digits: d,
                fours,
                ..
            } = pieces[j]
            else {
                break;
            };
            if j > i {
                let Piece::Digits { end: prev_end, .. } = pieces[j - 1] else {
                    break;
                };
                if start.saturating_sub(*prev_end) > 48 {
                    break;
                }
            }
            digits.extend_from_slice(d);
            all_fours &= *fours;
            if digits.len() > 19 {
                break;
            }
            if j > i && digits.len() >= 13 && (card_words || all_fours) && validate::card(&digits) {
                found = Some(j);
            }
        }
        match found {
            Some(j) => {
                for p in &pieces[i..=j] {
                    if let Piece::Digits { start, end, .. } = *p {
                        out.push(Cand::new(*start, *end, Kind::CreditCard));
                    }
                }
                i = j + 1;
            }
            None => i += 1,
        }
    }
}
