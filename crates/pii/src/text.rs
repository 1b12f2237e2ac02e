//! Detection of kinds that mix letters and digits: emails (plain, percent-encoded and
//! obfuscated), IBANs, Spanish DNI/NIE, Mexican CURP and IPv6 addresses.
//!
//! Regexes only find candidates; validators (mod-97, mod-23, the CURP check digit, the IPv6
//! grammar) decide.

use std::net::Ipv6Addr;

use regex::Regex;

use crate::context as ctx;
use crate::validate;
use crate::{Cand, Error, Kind};

/// Compiled built-in patterns.
pub struct Patterns {
    email: Regex,
    obfuscated: Regex,
    ids: Regex,
}

const EMAIL: &str = r"[\w.%+\-]+(?:@|%40)[\w\-]+(?:\.[\w\-]+)*\.\pL{2,24}";

// Obfuscated separators: "(at)", "[at]", " at ", "arroba", "@"; "(dot)", " dot ", "punto", "ponto".
const OBFUSCATED: &str = r"(?ix-u)
    [a-z0-9_+\-]{1,40}(?:(?:\.|\s?[(\[{]\s?(?:dot|punto|ponto)\s?[)\]}]\s?|\s(?:dot|punto|ponto)\s)[a-z0-9_+\-]{1,40}){0,3}
    (?:\s?[(\[{<]\s?(?:at|arroba)\s?[)\]}>]\s?|\s(?:at|arroba)\s|\s?@\s?)
    [a-z0-9\-]{1,40}(?:(?:\.|\s?[(\[{]\s?(?:dot|punto|ponto)\s?[)\]}]\s?|\s(?:dot|punto|ponto)\s)[a-z0-9\-]{1,40}){1,4}
";

const IDS: &str = r"(?xi-u)
    \b(?P<dni>[0-9]{8}|[0-9]{2}\.[0-9]{3}\.[0-9]{3})[\x20\-]?(?P<dl>[a-z])\b
  | \b(?P<nie>[xyz])[\x20\-]?(?P<nd>[0-9]{7})[\x20\-]?(?P<nl>[a-z])\b
  | \b(?P<curp>[a-z]{4}[0-9]{6}[a-z]{6}[a-z0-9][0-9])\b
  | \b(?P<iban>[a-z]{2}[0-9]{2})[\x20\-]?[a-z0-9]{2}
";

// Capture group indices of IDS, in pattern order (looking groups up by name costs a hash
// per match); `ids_group_indices_match_names` pins them.
const G_DNI: usize = 1;
const G_DL: usize = 2;
const G_NIE: usize = 3;
const G_ND: usize = 4;
const G_NL: usize = 5;
const G_CURP: usize = 6;
const G_IBAN: usize = 7;

const TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "me", "app", "dev",
    "online", "email", "mail", "live", "xyz",
];

const PROVIDERS: &[&str] = &[
    "gmail",
    "googlemail",
    "hotmail",
    "outlook",
    "live",
    "msn",
    "yahoo",
    "ymail",
    "icloud",
    "me",
    "aol",
    "proton",
    "protonmail",
    "gmx",
    "uol",
    "bol",
    "terra",
    "ig",
    "zoho",
    "mail",
    "yandex",
    "telefonica",
    "movistar",
    "sapo",
    "prodigy",
    "correo",
];

impl Patterns {
    pub fn new() -> Result<Self, Error> {
        let build = |name: &'static str, src: &str| {
            regex::RegexBuilder::new(src)
                .size_limit(1 << 23)
                .build()
                .map_err(|_| Error::BuiltInPattern { name })
        };
        Ok(Self {
            email: build("email", EMAIL)?,
            obfuscated: build("obfuscated email", OBFUSCATED)?,
            ids: build("identifiers", IDS)?,
        })
    }

    pub fn emails(&self, text: &str, out: &mut Vec<Cand>) {
        for m in self.email.find_iter(text) {
            let s = m.as_str();
            // Local part must not start or end with a dot; a '%' in it only as "%40".
            let at = s.find('@').or_else(|| s.find("%40")).unwrap_or(0);
            if at == 0 || s[..at].ends_with('.') {
                continue;
            }
            out.push(Cand::new(m.start(), m.end(), Kind::Email));
        }
    }

    pub fn obfuscated_emails(&self, text: &str, out: &mut Vec<Cand>) {
        let mut pos = 0;
        let mut rejected = 0;
        while pos < text.len() {
            let Some(m) = self.obfuscated.find_at(text, pos) else {
                break;
            };
            if obfuscated_ok(m.as_str()) {
                out.push(Cand::new(m.start(), m.end(), Kind::Email));
                pos = m.end();
                continue;
            }
            // Retry from the next word: "me at john dot doe at gmail dot com" must still find
            // the address. Bounded so adversarial input stays linear.
            rejected += 1;
            if rejected > 64 {
                break;
            }
            let rest = &text[m.start()..];
            let skip = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "_+-".contains(c)))
                .unwrap_or(rest.len())
                .max(1);
            pos = m.start() + skip;
            while pos < text.len() && !text.is_char_boundary(pos) {
                pos += 1;
            }
        }
    }

    pub fn ids(&self, text: &str, words: &ctx::Words, out: &mut Vec<Cand>) {
        let b = text.as_bytes();
        // The DFA finds matches; capture groups are resolved only for the (rare) matches.
        for m in self.ids.find_iter(text) {
            let Some(caps) = self.ids.captures_at(text, m.start()) else {
                continue;
            };
            let Some(whole) = caps.get(0) else { continue };
            if let (Some(d), Some(l)) = (caps.get(G_DNI), caps.get(G_DL)) {
                let digits: Vec<u8> = d.as_str().bytes().filter(u8::is_ascii_digit).collect();
                let letter = b[l.start()];
                let spaced = l.start() > d.end() && b[d.end()] == b' ';
                // "12345678 y ..." reads as a sentence: a lowercase single-letter word needs a
                // document keyword.
                let sentence_word = spaced
                    && letter.is_ascii_lowercase()
                    && !words.dni.any(ctx::before(b, whole.start(), 32));
                if validate::es_dni(&digits, letter) && !sentence_word {
                    out.push(Cand::new(whole.start(), whole.end(), Kind::EsDni));
                } else if !spaced {
                    out.push(Cand::rejected(whole.start(), whole.end(), Kind::EsDni));
                }
            } else if let (Some(p), Some(d), Some(l)) =
                (caps.get(G_NIE), caps.get(G_ND), caps.get(G_NL))
            {
                if validate::es_nie(b[p.start()], d.as_str().as_bytes(), b[l.start()]) {
                    out.push(Cand::new(whole.start(), whole.end(), Kind::EsNie));
                }
            } else if let Some(c) = caps.get(G_CURP) {
                let up = c.as_str().to_ascii_uppercase();
                if validate::mx_curp(up.as_bytes()) {
                    out.push(Cand::new(c.start(), c.end(), Kind::MxCurp));
                }
            } else if caps.get(G_IBAN).is_some() {
                match iban_at(b, whole.start()) {
                    Some((end, true)) => out.push(Cand::new(whole.start(), end, Kind::Iban)),
                    Some((end, false)) => {
                        out.push(Cand::rejected(whole.start(), end, Kind::Iban));
                    }
                    None => {}
                }
            }
        }
    }

    pub fn ipv6(text: &str, out: &mut Vec<Cand>) {
        let b = text.as_bytes();
        let ok = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
        let mut i = 0;
        while i < b.len() {
            if !ok(b[i]) {
                i += 1;
                continue;
            }
            let s = i;
            while i < b.len() && ok(b[i]) {
                i += 1;
            }
            let mut e = i;
            while e > s && b[e - 1] == b'.' {
                e -= 1;
            }
            if e > s + 1 && b[e - 1] == b':' && b[e - 2] != b':' {
                e -= 1;
            }
            let cand = &text[s..e];
            if cand.bytes().filter(|&c| c == b':').count() < 2 {
                continue;
            }
            let glued = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
            if (s > 0 && glued(b[s - 1])) || b.get(i).is_some_and(|&c| glued(c)) {
                continue;
            }
            if !cand.bytes().any(|c| c.is_ascii_hexdigit()) {
                continue;
            }
            if cand.parse::<Ipv6Addr>().is_ok() {
                out.push(Cand::new(s, e, Kind::IpAddress));
            }
        }
    }
}

fn obfuscated_ok(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+'))
        .filter(|w| !w.is_empty())
        .collect();
    let Some(tld) = words.last() else {
        return false;
    };
    let tld_ok =
        TLDS.contains(tld) || (tld.len() == 2 && tld.bytes().all(|c| c.is_ascii_lowercase()));
    if !tld_ok {
        return false;
    }
    let plain = lower.contains('@') || lower.contains("%40");
    let dot_words = words
        .iter()
        .filter(|w| matches!(**w, "dot" | "punto" | "ponto"))
        .count();
    if plain && dot_words == 0 {
        // A normal address: the plain email rule owns it.
        return false;
    }
    let bracketed = lower.contains("(at)")
        || lower.contains("[at]")
        || lower.contains("{at}")
        || lower.contains("<at>")
        || lower.contains("arroba");
    // " at " alone is ordinary English ("look at example.com"): also require a spelt-out dot
    // or a known mail provider.
    let domain_provider = words
        .iter()
        .skip_while(|w| !matches!(**w, "at" | "arroba"))
        .nth(1)
        .is_some_and(|d| PROVIDERS.contains(d));
    // "maria.lopez at empresa.com.br": a local part with email punctuation or digits.
    let local = words.first().copied().unwrap_or("");
    let local_like = s
        .split(|c: char| c.is_whitespace())
        .next()
        .is_some_and(|w| w.contains(['.', '_', '+']) || w.bytes().any(|b| b.is_ascii_digit()))
        && local.len() >= 2;
    bracketed || plain || dot_words > 0 || domain_provider || local_like
}

/// Parses an IBAN starting at `start` (two letters, two digits): alphanumerics with optional
/// single spaces or dashes between them, stopping exactly at the country's registry length.
/// Returns the end offset when the value has an IBAN's shape and is not glued to more text,
/// and whether its checksum is valid.
fn iban_at(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let country = [
        b.get(start)?.to_ascii_uppercase(),
        b.get(start + 1)?.to_ascii_uppercase(),
    ];
    let want = validate::iban_length(country)?;
    let mut buf = [0u8; 40];
    let mut n = 0;
    let mut i = start;
    while n < want {
        let c = *b.get(i)?;
        if c.is_ascii_alphanumeric() {
            buf[n] = c.to_ascii_uppercase();
            n += 1;
            i += 1;
        } else if (c == b' ' || c == b'-')
            && n >= 4
            && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            i += 1;
        } else {
            return None;
        }
    }
    if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((i, validate::iban(&buf[..n])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_group_indices_match_names() {
        let re = Regex::new(IDS).unwrap();
        let names: Vec<Option<&str>> = re.capture_names().collect();
        for (i, n) in [
            (G_DNI, "dni"),
            (G_DL, "dl"),
            (G_NIE, "nie"),
            (G_ND, "nd"),
            (G_NL, "nl"),
            (G_CURP, "curp"),
            (G_IBAN, "iban"),
        ] {
            assert_eq!(names[i], Some(n));
        }
    }
}
