//! Opt-in kinds that are only personal data next to a keyword: Mexican RFC, passport numbers
//! and dates of birth. They are off by default (see `Extras`): without their keyword these
//! shapes are ordinary codes and dates.

use regex::Regex;

use crate::context::{self as ctx, Words};
use crate::{Cand, Error, Extras, Kind};

/// Compiled candidate patterns for the opt-in kinds.
pub struct Patterns {
    rfc: Regex,
    passport: Regex,
    date: Regex,
}

// RFC: 3 (company) or 4 (person) letters, yymmdd, 3-character homoclave.
const RFC: &str = r"(?i-u)\b[a-z&]{3,4}[0-9]{6}[a-z0-9]{3}\b";
// Passport: up to three letters then 6-9 digits, or 6-9 mixed with at least 5 digits (checked).
const PASSPORT: &str = r"(?i-u)\b[a-z0-9]{6,9}\b";
// Day-first or month-first with / . -, or ISO.
const DATE: &str = r"(?-u)\b(?:[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}-[0-9]{2}-[0-9]{2})\b";

impl Patterns {
    pub fn new() -> Result<Self, Error> {
        let build = |name: &'static str, src: &str| {
            Regex::new(src).map_err(|_| Error::BuiltInPattern { name })
        };
        Ok(Self {
            rfc: build("rfc", RFC)?,
            passport: build("passport", PASSPORT)?,
            date: build("date", DATE)?,
        })
    }

    pub fn scan(&self, text: &str, extras: Extras, w: &Words, out: &mut Vec<Cand>) {
        let b = text.as_bytes();
        let near = |set: &ctx::Set, start: usize, n: usize| set.any(ctx::before(b, start, n));
        if extras.mx_rfc {
            for m in self.rfc.find_iter(text) {
                if rfc_date_ok(m.as_str().as_bytes()) && near(&w.rfc, m.start(), 24) {
                    out.push(Cand::new(m.start(), m.end(), Kind::MxRfc));
                }
            }
        }
        if extras.passport {
            for m in self.passport.find_iter(text) {
                let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
                if digits >= 5 && near(&w.passport, m.start(), 32) {
                    out.push(Cand::new(m.start(), m.end(), Kind::Passport));
                }
            }
        }
        if extras.date_of_birth {
            for m in self.date.find_iter(text) {
                if date_ok(m.as_str()) && near(&w.birth, m.start(), 40) {
                    out.push(Cand::new(m.start(), m.end(), Kind::DateOfBirth));
                }
            }
        }
    }
}

fn num(s: &[u8]) -> u32 {
    s.iter()
        .fold(0, |a, &d| a * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// The six digits after the letters form a plausible yymmdd.
fn rfc_date_ok(s: &[u8]) -> bool {
    let letters = s.iter().take_while(|c| !c.is_ascii_digit()).count();
    let Some(d) = s.get(letters..letters + 6) else {
        return false;
    };
    (1..=12).contains(&num(&d[2..4])) && (1..=31).contains(&num(&d[4..6]))
}

/// Day and month in range in either order (day-first or month-first), or ISO yyyy-mm-dd.
fn date_ok(s: &str) -> bool {
    let parts: Vec<u32> = s
        .split(['/', '.', '-'])
        .map(|p| num(p.as_bytes()))
        .collect();
    let [a, b2, c] = parts[..] else {
        return false;
    };
    if s.len() == 10 && s.as_bytes().get(4) == Some(&b'-') {
        return (1..=12).contains(&b2) && (1..=31).contains(&c);
    }
    let day_first = (1..=31).contains(&a) && (1..=12).contains(&b2);
    let month_first = (1..=12).contains(&a) && (1..=31).contains(&b2);
    day_first || month_first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_and_rfc_shapes() {
        assert!(date_ok("12/03/1985"));
        assert!(date_ok("03-31-85"));
        assert!(date_ok("1985-03-12"));
        assert!(!date_ok("13/13/1985"));
        assert!(!date_ok("1985-13-01"));
        assert!(rfc_date_ok(b"GODE561231GR8"));
        assert!(rfc_date_ok(b"ABC561231GR8"));
        assert!(!rfc_date_ok(b"GODE561331GR8"));
    }
}
