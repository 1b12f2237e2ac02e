//! `rampart-pii`: finds personal data in chat text and masks it.
//!
//! This crate is the single place where Rampart decides what is personal data: card numbers,
//! CVVs, US SSNs, emails, phone numbers, IBANs, IP addresses, Spanish DNI/NIE, Mexican CURP and
//! Brazilian CPF (plus opt-in CNPJ, Portuguese NIF and Mexican CLABE, and admin-defined patterns).
//!
//! Invariants:
//! - No IO, no logging. Nothing here panics on any input.
//! - Validators decide first (Luhn and brand rules, mod-97, mod-23, mod-11, check digits);
//!   context words in English, Spanish and Portuguese only settle ambiguous candidates.
//! - Spans are byte offsets into the caller's text, on char boundaries, sorted and disjoint.
//! - Masking changes only the bytes inside spans, and never shows more than the last four
//!   digits of a card.
//! - Error messages never contain the scanned text.

mod context;
mod error;
mod extras;
pub mod jsonl;
mod mask;
mod normalize;
mod numeric;
mod text;
pub mod validate;

use regex::Regex;

pub use error::Error;

/// What a span contains. The names returned by [`Kind::name`] are part of the CLI contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A payment card number (Luhn and brand rules).
    CreditCard,
    /// A card security code introduced by a keyword (CVV, CVC, código de seguridad…).
    CardCvv,
    /// A US Social Security number.
    UsSsn,
    /// An email address, including obfuscated forms ("name at domain dot com").
    Email,
    /// A phone number, national or international.
    Phone,
    /// An IBAN (ISO 13616, registry length and mod-97).
    Iban,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A Spanish DNI (eight digits and the mod-23 letter).
    EsDni,
    /// A Spanish NIE (X/Y/Z, seven digits and the mod-23 letter).
    EsNie,
    /// A Mexican CURP.
    MxCurp,
    /// A Brazilian CPF.
    BrCpf,
    /// A Brazilian CNPJ (opt-in: see [`Extras`]).
    BrCnpj,
    /// A Portuguese NIF near a keyword (opt-in).
    PtNif,
    /// A Mexican CLABE (opt-in).
    MxClabe,
    /// A Mexican RFC after an "RFC" keyword (opt-in).
    MxRfc,
    /// A passport number after a passport keyword (opt-in).
    Passport,
    /// A date after a date-of-birth keyword (opt-in).
    DateOfBirth,
    /// An admin-defined pattern: index into [`Config::custom`].
    Custom(u16),
}

impl Kind {
    /// The stable name printed by the CLI (`credit_card`, `us_ssn`, …). Custom patterns report
    /// `custom` here; [`Scanner::kind_name`] gives their configured name.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::CreditCard => "credit_card",
            Kind::CardCvv => "card_cvv",
            Kind::UsSsn => "us_ssn",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Iban => "iban",
            Kind::IpAddress => "ip_address",
            Kind::EsDni => "es_dni",
            Kind::EsNie => "es_nie",
            Kind::MxCurp => "mx_curp",
            Kind::BrCpf => "br_cpf",
            Kind::BrCnpj => "br_cnpj",
            Kind::PtNif => "pt_nif",
            Kind::MxClabe => "mx_clabe",
            Kind::MxRfc => "mx_rfc",
            Kind::Passport => "passport",
            Kind::DateOfBirth => "date_of_birth",
            Kind::Custom(_) => "custom",
        }
    }

    /// The built-in kind with this [`Kind::name`] (`"credit_card"`, `"us_ssn"`, …). Custom
    /// patterns are not found here: their names belong to the scanner's configuration.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::BUILT_IN.into_iter().find(|k| k.name() == name)
    }

    /// Which candidate wins when two overlap: validated identifiers over looser kinds.
    const fn priority(self) -> u8 {
        match self {
            // An IBAN is validated over its full registry length, so a Luhn-valid run of its
            // digits is a coincidence.
            Kind::Iban => 95,
            Kind::CreditCard => 90,
            Kind::EsDni | Kind::EsNie | Kind::MxCurp | Kind::BrCpf | Kind::BrCnpj => 80,
            Kind::MxClabe => 78,
            Kind::MxRfc | Kind::Passport => 65,
            Kind::DateOfBirth => 45,
            Kind::UsSsn => 75,
            Kind::Email => 70,
            Kind::IpAddress => 60,
            Kind::PtNif => 55,
            Kind::Phone => 50,
            Kind::CardCvv => 40,
            Kind::Custom(_) => 20,
        }
    }

    /// The built-in kinds, in a fixed order.
    pub const BUILT_IN: [Kind; 17] = [
        Kind::CreditCard,
        Kind::CardCvv,
        Kind::UsSsn,
        Kind::Email,
        Kind::Phone,
        Kind::Iban,
        Kind::IpAddress,
        Kind::EsDni,
        Kind::EsNie,
        Kind::MxCurp,
        Kind::BrCpf,
        Kind::BrCnpj,
        Kind::PtNif,
        Kind::MxClabe,
        Kind::MxRfc,
        Kind::Passport,
        Kind::DateOfBirth,
    ];
}

/// A detected value: byte offsets into the scanned text (on char boundaries, `end` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset, exclusive.
    pub end: usize,
    /// What the span contains.
    pub kind: Kind,
}

/// How a span is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Policy {
    /// Letters and digits become `•`, except the last four digits of a complete number
    /// (a card needs at least 12 digits in the span, other kinds 7). Separators stay.
    Last4,
    /// Every letter and digit becomes `•`; separators stay.
    Full,
    /// The span becomes a labelled token: `[email]`, `[card ••••1234]`.
    Token,
}

impl Policy {
    /// Every policy, in a fixed order.
    pub const ALL: [Policy; 3] = [Policy::Last4, Policy::Full, Policy::Token];

    /// The name used in configuration and by the CLI: `last4`, `full` or `token`.
    pub const fn name(self) -> &'static str {
        match self {
            Policy::Last4 => "last4",
            Policy::Full => "full",
            Policy::Token => "token",
        }
    }

    /// The policy with this [`Policy::name`].
    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Opt-in kinds that are not detected by default (they collide with ordinary numbers more
/// often, and the default corpus does not score them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extras {
    /// Brazilian CNPJ (14 digits, two mod-11 check digits).
    pub br_cnpj: bool,
    /// Portuguese NIF near "NIF"/"contribuinte".
    pub pt_nif: bool,
    /// Mexican CLABE (18 digits, 3-7-1 weights).
    pub mx_clabe: bool,
    /// Mexican RFC (structure and date) after "RFC".
    pub mx_rfc: bool,
    /// Passport numbers after "passport", "pasaporte", "passaporte".
    pub passport: bool,
    /// Dates after "date of birth", "DOB", "fecha de nacimiento", "data de nascimento"…
    pub date_of_birth: bool,
}

impl Extras {
    /// Every opt-in kind.
    pub fn all() -> Self {
        Self {
            br_cnpj: true,
            pt_nif: true,
            mx_clabe: true,
            mx_rfc: true,
            passport: true,
            date_of_birth: true,
        }
    }
}

/// An admin-defined pattern from configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomPattern {
    /// Name shown in tokens and reported by [`Scanner::kind_name`]; 1-64 chars of
    /// `[A-Za-z0-9_-]`, unique.
    pub name: String,
    /// A `regex` crate pattern. Compiled with size limits; matching is linear time.
    pub pattern: String,
    /// How matches are masked.
    pub policy: Policy,
}

/// Scanner configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Per-kind policy overrides. Defaults: `Last4` for cards, `Token` for everything else.
    pub policies: Vec<(Kind, Policy)>,
    /// Opt-in kinds.
    pub extras: Extras,
    /// Admin-defined patterns.
    pub custom: Vec<CustomPattern>,
}

/// Spans and masked text for one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redaction {
    /// Detected spans, sorted and disjoint, in byte offsets of the input.
    pub spans: Vec<Span>,
    /// The input with every span masked; bytes outside spans are unchanged.
    pub masked: String,
}

/// An internal candidate before overlap resolution (offsets in normalised text).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// A value shaped like `kind` that failed its validator (an IBAN with a bad checksum): it
    /// takes part in overlap resolution, so no looser rule claims its digits, and is then
    /// dropped.
    pub rejected: bool,
}

impl Cand {
    pub(crate) fn new(start: usize, end: usize, kind: Kind) -> Self {
        Self {
            start,
            end,
            kind,
            rejected: false,
        }
    }

    pub(crate) fn rejected(start: usize, end: usize, kind: Kind) -> Self {
        Self {
            rejected: true,
            ..Self::new(start, end, kind)
        }
    }
}

struct Custom {
    name: String,
    regex: Regex,
    policy: Policy,
}

/// Limits for admin patterns: compiled program and lazy-DFA cache sizes.
const CUSTOM_SIZE_LIMIT: usize = 1 << 20;
const CUSTOM_DFA_LIMIT: usize = 1 << 21;
const MAX_CUSTOM: usize = 256;

/// The detector. Build once (compiling patterns takes milliseconds), share freely: it is
/// `Send + Sync` and scanning takes `&self`.
pub struct Scanner {
    patterns: text::Patterns,
    extra_patterns: extras::Patterns,
    words: context::Words,
    custom: Vec<Custom>,
    policies: [Policy; Kind::BUILT_IN.len()],
    extras: Extras,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field(
                "custom",
                &self.custom.iter().map(|c| &c.name).collect::<Vec<_>>(),
            )
            .field("extras", &self.extras)
            .finish_non_exhaustive()
    }
}

fn valid_custom_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Scanner {
    /// A scanner with the default configuration.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(&Config::default())
    }

    /// A scanner for `config`. Fails when a custom pattern is invalid, naming it.
    pub fn with_config(config: &Config) -> Result<Self, Error> {
        if config.custom.len() > MAX_CUSTOM {
            return Err(Error::TooManyCustomPatterns { max: MAX_CUSTOM });
        }
        let mut custom: Vec<Custom> = Vec::with_capacity(config.custom.len());
        for c in &config.custom {
            if !valid_custom_name(&c.name) || custom.iter().any(|k| k.name == c.name) {
                return Err(Error::InvalidCustomName {
                    name: c.name.chars().take(64).collect(),
                });
            }
            let regex = regex::RegexBuilder::new(&c.pattern)
                .size_limit(CUSTOM_SIZE_LIMIT)
                .dfa_size_limit(CUSTOM_DFA_LIMIT)
                .nest_limit(64)
                .build()
                .map_err(|e| Error::InvalidCustomPattern {
                    name: c.name.clone(),
                    reason: e.to_string(),
                })?;
            custom.push(Custom {
                name: c.name.clone(),
                regex,
                policy: c.policy,
            });
        }
        let mut policies = [Policy::Token; Kind::BUILT_IN.len()];
        policies[0] = Policy::Last4;
        for &(kind, policy) in &config.policies {
            if let Some(i) = Kind::BUILT_IN.iter().position(|&k| k == kind) {
                policies[i] = policy;
            }
        }
        Ok(Self {
            patterns: text::Patterns::new()?,
            extra_patterns: extras::Patterns::new()?,
            words: context::Words::new()?,
            custom,
            policies,
            extras: config.extras,
        })
    }

    /// The policy applied to `kind`.
    pub fn policy(&self, kind: Kind) -> Policy {
        match kind {
            Kind::Custom(i) => self
                .custom
                .get(usize::from(i))
                .map_or(Policy::Full, |c| c.policy),
            k => Kind::BUILT_IN
                .iter()
                .position(|&b| b == k)
                .map_or(Policy::Full, |i| self.policies[i]),
        }
    }

    /// The name of a kind: the built-in name, or a custom pattern's configured name.
    pub fn kind_name(&self, kind: Kind) -> &str {
        match kind {
            Kind::Custom(i) => self
                .custom
                .get(usize::from(i))
                .map_or("custom", |c| c.name.as_str()),
            k => k.name(),
        }
    }

    /// Detects personal data in `text`.
    pub fn scan(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        self.scan_into(text, &mut spans);
        spans
    }

    /// Detects personal data in `text`, replacing the contents of `spans` (reuses its buffer).
    pub fn scan_into(&self, text: &str, spans: &mut Vec<Span>) {
        spans.clear();
        let mut stats = Stats::of(text.as_bytes());
        let norm = if stats.normalizable {
            normalize::normalize(text)
        } else {
            normalize::unchanged(text)
        };
        let t: &str = &norm.text;
        if norm.changed() {
            stats = Stats::of(t.as_bytes());
        }
        let mut cands: Vec<Cand> = Vec::new();
        let pieces = if stats.digits >= 3 {
            numeric::scan(t, self.extras, &self.words, &mut cands)
        } else {
            Vec::new()
        };
        if stats.digits >= 7 {
            self.patterns.ids(t, &self.words, &mut cands);
        }
        if stats.at || stats.pct40 {
            self.patterns.emails(t, &mut cands);
        }
        if stats.at || stats.pct40 || stats.at_marker {
            self.patterns.obfuscated_emails(t, &mut cands);
        }
        if stats.colons >= 2 && (stats.double_colon || stats.colons >= 7) {
            text::Patterns::ipv6(t, &mut cands);
        }
        for (i, c) in self.custom.iter().enumerate() {
            // `MAX_CUSTOM` keeps the index within u16.
            let kind = Kind::Custom(u16::try_from(i).unwrap_or(u16::MAX));
            for m in c.regex.find_iter(t) {
                if m.start() < m.end() {
                    cands.push(Cand::new(m.start(), m.end(), kind));
                }
            }
        }
        if stats.digits >= 6 {
            self.extra_patterns
                .scan(t, self.extras, &self.words, &mut cands);
        }
        if pieces.len() >= 2 {
            numeric::split_cards(t, &self.words, &pieces, &mut cands);
        }
        if cands.is_empty() {
            return;
        }
        resolve(&mut cands);
        spans.extend(cands.iter().filter(|c| !c.rejected).map(|c| Span {
            start: norm.original_offset(c.start),
            end: norm.original_offset(c.end),
            kind: c.kind,
        }));
    }

    /// Detects and masks personal data in `text`.
    pub fn redact(&self, text: &str) -> Redaction {
        let mut out = Redaction::default();
        self.redact_into(text, &mut out);
        out
    }

    /// Like [`Scanner::redact`], reusing the buffers in `out`.
    pub fn redact_into(&self, text: &str, out: &mut Redaction) {
        self.scan_into(text, &mut out.spans);
        out.masked.clear();
        self.mask_into(text, &out.spans, &mut out.masked);
    }

    /// Masks `spans` of `text` into `out` (appends). Spans must be sorted, disjoint and on char
    /// boundaries, as returned by [`Scanner::scan`]; others are skipped, never panicked on.
    pub fn mask_into(&self, text: &str, spans: &[Span], out: &mut String) {
        mask::mask_into(self, text, spans, out);
    }
}

// `Stats` stays in this module, next to `scan_into`. In a module of its own it ran the same
// instructions 5-10 % slower on the benchmarks (code placement), so it was moved back.
/// Cheap statistics that decide which detectors run at all. Two branch-free passes that the
/// compiler vectorises (byte counters flushed every 255 bytes); the rest runs only when a
/// count says it might matter.
struct Stats {
    digits: usize,
    at: bool,
    pct40: bool,
    colons: usize,
    double_colon: bool,
    /// Bytes that may start a char the normaliser replaces (C2, E2, E3, EF).
    normalizable: bool,
    /// A spelt-out "at" (" at ", "(at)", "arroba"…) that an obfuscated email needs.
    at_marker: bool,
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
    fn of(b: &[u8]) -> Self {
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

/// Sorts candidates and keeps a disjoint set: on overlap the higher-priority kind wins, then the
/// longer span.
fn resolve(cands: &mut Vec<Cand>) {
    cands.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Cand> = Vec::with_capacity(cands.len());
    for &c in cands.iter() {
        if c.start >= c.end {
            continue;
        }
        let mut keep = true;
        while let Some(last) = kept.last() {
            if last.end <= c.start {
                break;
            }
            let better = c.kind.priority() > last.kind.priority()
                || (c.kind.priority() == last.kind.priority()
                    && c.end - c.start > last.end - last.start);
            if better {
                kept.pop();
            } else {
                keep = false;
                break;
            }
        }
        if keep {
            kept.push(c);
        }
    }
    *cands = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> Redaction {
        Scanner::new().unwrap().redact(text)
    }

    #[test]
    fn kinds_and_policies_round_trip_through_their_names() {
        for k in Kind::BUILT_IN {
            assert_eq!(Kind::from_name(k.name()), Some(k));
        }
        for p in Policy::ALL {
            assert_eq!(Policy::from_name(p.name()), Some(p));
        }
        assert_eq!(Kind::from_name("custom"), None);
        assert_eq!(Kind::from_name("Credit_Card"), None);
        assert_eq!(Policy::from_name("last-4"), None);
    }

    #[test]
    fn public_test_card_numbers_are_masked() {
        // Published test numbers (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
        // Maestro): unlike some DLP tools, they are masked like real cards.
        for card in [
            "4242 4242 4242 4242",
            "4000 0566 5566 5556",
            "5555 5555 5555 4444",
            "2223 0031 2200 3222",
            "5200 8282 8282 8210",
            "3782 822463 10005",
            "3714 496353 98431",
            "6011 1111 1111 1117",
            "3056 9300 0902 0004",
            "3566 0020 2036 0505",
            "6200 0000 0000 0005",
            "6759 6498 2643 8453",
        ] {
            let r = redact(&format!("card {card} thanks"));
            assert_eq!(r.spans.len(), 1, "{card}");
            assert_eq!(r.spans[0].kind, Kind::CreditCard, "{card}");
            assert_eq!(
                r.masked.chars().filter(char::is_ascii_digit).count(),
                4,
                "{card}"
            );
        }
    }

    #[test]
    fn policies_mask_as_configured() {
        let text = "card 4111-1111-1111-1111, mail ana@example.com";
        let with = |policy| {
            let config = Config {
                policies: vec![(Kind::CreditCard, policy), (Kind::Email, policy)],
                ..Config::default()
            };
            Scanner::with_config(&config).unwrap().redact(text).masked
        };
        assert_eq!(
            with(Policy::Last4),
            "card ••••-••••-••••-1111, mail •••@•••••••.•••"
        );
        assert_eq!(
            with(Policy::Full),
            "card ••••-••••-••••-••••, mail •••@•••••••.•••"
        );
        assert_eq!(with(Policy::Token), "card [card ••••1111], mail [email]");
        assert_eq!(
            redact(text).masked,
            "card ••••-••••-••••-1111, mail [email]"
        );
    }

    #[test]
    fn spans_are_byte_offsets_into_the_original_text() {
        let text = "né ４１１１ １１１１ １１１１ １１１１ ok";
        let r = redact(text);
        assert_eq!(r.spans.len(), 1);
        let s = r.spans[0];
        assert_eq!(&text[s.start..s.end], "４１１１ １１１１ １１１１ １１１１");
        assert_eq!(r.masked, "né •••• •••• •••• １１１１ ok");
    }

    #[test]
    fn custom_patterns_are_detected_and_named() {
        let config = Config {
            custom: vec![CustomPattern {
                name: "employee_id".into(),
                pattern: r"\bEMP-[0-9]{6}\b".into(),
                policy: Policy::Token,
            }],
            ..Config::default()
        };
        let s = Scanner::with_config(&config).unwrap();
        let r = s.redact("badge EMP-123456 at desk");
        assert_eq!(r.masked, "badge [employee_id] at desk");
        assert_eq!(s.kind_name(r.spans[0].kind), "employee_id");
    }

    #[test]
    fn bad_custom_patterns_fail_with_their_name() {
        let bad = |name: &str, pattern: &str| {
            Scanner::with_config(&Config {
                custom: vec![CustomPattern {
                    name: name.into(),
                    pattern: pattern.into(),
                    policy: Policy::Full,
                }],
                ..Config::default()
            })
            .unwrap_err()
        };
        let e = bad("broken", "(unclosed");
        assert!(matches!(&e, Error::InvalidCustomPattern { name, .. } if name == "broken"));
        assert!(e.to_string().contains("`broken`"));
        // Over the compiled-size limit: refused instead of slowing every scan.
        let e = bad("huge", r"\w{1000}\w{1000}\w{1000}");
        assert!(matches!(&e, Error::InvalidCustomPattern { name, .. } if name == "huge"));
        assert!(matches!(
            bad("has space", "x"),
            Error::InvalidCustomName { .. }
        ));
        assert!(matches!(bad("", "x"), Error::InvalidCustomName { .. }));
    }

    #[test]
    fn opt_in_kinds_are_off_by_default() {
        let text = "CNPJ 11.222.333/0001-81, CLABE 002010077777777771";
        assert!(redact(text).spans.is_empty());
        let config = Config {
            extras: Extras::all(),
            ..Config::default()
        };
        let r = Scanner::with_config(&config).unwrap().redact(text);
        let kinds: Vec<Kind> = r.spans.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [Kind::BrCnpj, Kind::MxClabe]);
    }

    #[test]
    fn opt_in_rfc_passport_and_date_of_birth_need_their_keywords() {
        let s = Scanner::with_config(&Config {
            extras: Extras::all(),
            ..Config::default()
        })
        .unwrap();
        let r =
            s.redact("RFC GODE561231GR8, passport X1234567, DOB 12/03/1985, pasaporte: AB123456");
        let kinds: Vec<&str> = r.spans.iter().map(|sp| sp.kind.name()).collect();
        assert_eq!(kinds, ["mx_rfc", "passport", "date_of_birth", "passport"]);
        let r = s.redact("Order GODE561231GR8 ships 12/03/1985, item X1234567");
        assert!(r.spans.is_empty(), "{:?}", r.spans);
        // Off by default.
        assert!(redact("RFC GODE561231GR8, DOB 12/03/1985").spans.is_empty());
    }

    #[test]
    fn phone_spans_include_plus_parentheses_and_extension() {
        let text = "call +1 (555) 201-3344x123 or (11) 91234-5678 x, ok";
        let r = redact(text);
        let got: Vec<&str> = r.spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, ["+1 (555) 201-3344x123", "(11) 91234-5678"]);
    }

    #[test]
    fn no_input_panics_on_edge_cases() {
        let s = Scanner::new().unwrap();
        for text in [
            "",
            "4",
            "@",
            "::",
            "+",
            "tel:",
            "a at b dot",
            "\u{FF10}",
            "ES00",
            "1.2.3.4.5.6",
        ] {
            let r = s.redact(text);
            assert!(r.spans.iter().all(|sp| sp.end <= text.len()));
        }
    }
}
