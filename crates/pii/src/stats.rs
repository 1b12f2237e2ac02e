//! Cheap per-message statistics (digit, colon, `@` counts and a few byte patterns) that decide
//! which detectors run at all, so a message without digits or `@` costs two vectorised passes.

/// Cheap statistics that decide which detectors run at all. Two branch-free passes that the
/// compiler vectorises (byte counters flushed every 255 bytes); the rest runs only when a
/// count says it might matter.
pub struct Stats {
    pub digits: usize,
    pub at: bool,
    pub pct40: bool,
    pub colons: usize,
    pub double_colon: bool,
    /// Bytes that may start a char the normaliser replaces (C2, E2, E3, EF).
    pub normalizable: bool,
    /// A spelt-out "at" (" at ", "(at)", "arroba"…) that an obfuscated email needs.
    pub at_marker: bool,
}

fn opens(c: u8) -> bool {
    (c == b' ')
        | (c == b'(')
        | (c == b'[')
        | (c == b'{')
        | (c == b'<')
        | (c == b'\t')
        | (c == b'\n')
}

fn closes(c: u8) -> bool {
    (c == b' ')
        | (c == b')')
        | (c == b']')
        | (c == b'}')
        | (c == b'>')
        | (c == b'\t')
        | (c == b'\n')
}

impl Stats {
    pub fn of(b: &[u8]) -> Self {
        let (mut digits, mut colons, mut specials, mut high) = (0usize, 0usize, 0usize, 0usize);
        for chunk in b.chunks(255) {
            let (mut d, mut c, mut s, mut h) = (0u8, 0u8, 0u8, 0u8);
            for &x in chunk {
                d += u8::from(x.wrapping_sub(b'0') < 10);
                c += u8::from(x == b':');
                s += u8::from((x == b'@') | (x == b'%'));
                h += u8::from((x == 0xC2) | (x == 0xE2) | (x == 0xE3) | (x == 0xEF));
            }
            digits += usize::from(d);
            colons += usize::from(c);
            specials += usize::from(s);
            high += usize::from(h);
        }
        // Four-byte windows: " at " and its bracketed forms, and "rr" for "arroba".
        let (mut at_words, mut rr) = (0usize, 0usize);
        let w = b.len().saturating_sub(3);
        let mut start = 0;
        while start < w {
            let end = (start + 255).min(w);
            let (mut a, mut r) = (0u8, 0u8);
            let s0 = &b[start..end];
            let s1 = &b[start + 1..end + 1];
            let s2 = &b[start + 2..end + 2];
            let s3 = &b[start + 3..end + 3];
            for (((&p, &x), &y), &q) in s0.iter().zip(s1).zip(s2).zip(s3) {
                let (x, y) = (x | 0x20, y | 0x20);
                a += u8::from(opens(p) & (x == b'a') & (y == b't') & closes(q));
                r += u8::from((x == b'r') & (y == b'r'));
            }
            at_words += usize::from(a);
            rr += usize::from(r);
            start = end;
        }
        let at_marker =
            at_words > 0 || (rr > 0 && b.windows(5).any(|w| w.eq_ignore_ascii_case(b"arrob")));
        let (at, pct40) = if specials > 0 {
            (
                b.contains(&b'@'),
                b.windows(3).any(|w| w.eq_ignore_ascii_case(b"%40")),
            )
        } else {
            (false, false)
        };
        let double_colon = colons >= 2 && b.windows(2).any(|w| w == b"::");
        Self {
            digits,
            at,
            pct40,
            colons,
            double_colon,
            normalizable: high > 0,
            at_marker,
        }
    }
}
