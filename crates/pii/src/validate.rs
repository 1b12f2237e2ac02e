//! Check-digit and structure validators. Each takes ASCII digits (or ASCII alphanumerics) with
//! separators already removed and returns whether the value is structurally valid.
//!
//! These are pure functions with no allocation, so the scanner can call them on every candidate.

/// Luhn (mod 10) check over ASCII digits. Returns false for non-digits or empty input.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn prefix_num(digits: &[u8], n: usize) -> u32 {
    digits
        .iter()
        .take(n)
        .fold(0u32, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
}

/// Payment-card brand rules: issuer prefix and allowed lengths (Visa, Mastercard, Amex,
/// Discover, Diners, JCB, UnionPay, Maestro, Elo, Hipercard, Mir, Troy, Verve, RuPay).
/// Elo, Hipercard, Verve and RuPay ranges fall inside the Visa/Maestro/Diners/Discover ranges
/// below, so they need no rule of their own.
pub fn card_brand_ok(digits: &[u8]) -> bool {
    let len = digits.len();
    if !(12..=19).contains(&len) || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let p2 = prefix_num(digits, 2);
    let p3 = prefix_num(digits, 3);
    let p4 = prefix_num(digits, 4);
    match digits[0] {
        // Visa (13, 16, 19): 15-digit 4xxx numbers are usually IMEIs, so they are excluded.
        b'4' => matches!(len, 13 | 16 | 19),
        // Mastercard 51-55 (16); Maestro 50, 56-59 (12-19).
        b'5' => (51..=55).contains(&p2) && len == 16 || !(51..=55).contains(&p2) && len >= 12,
        // Mastercard 2221-2720 (16); Mir 2200-2204 (16-19).
        b'2' => {
            (2221..=2720).contains(&p4) && len == 16 || (2200..=2204).contains(&p4) && len >= 16
        }
        b'3' => {
            // Amex 34/37 (15); Diners 300-305, 3095, 36, 38, 39 and Hipercard 3841 (14-19);
            // JCB 3528-3589 (16-19).
            (p2 == 34 || p2 == 37) && len == 15
                || ((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39))
                    && len >= 14
                || (3528..=3589).contains(&p4) && len >= 16
        }
        // Discover, UnionPay, Maestro 6x, Elo/Hipercard 6x, RuPay 60/65 (12-19).
        b'6' => true,
        // UnionPay 81xx, RuPay 82 (16-19).
        b'8' => matches!(p2, 81 | 82) && len >= 16,
        // Troy 9792 (16).
        b'9' => p4 == 9792 && len == 16,
        _ => false,
    }
}

/// A payment card: brand rules and Luhn.
pub fn card(digits: &[u8]) -> bool {
    card_brand_ok(digits) && luhn(digits)
}

/// US SSN: nine digits; area not 000, 666 or 900-999; group not 00; serial not 0000; not one of
/// the well-known specimen numbers published in advertising.
pub fn us_ssn(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area = prefix_num(digits, 3);
    let group = prefix_num(&digits[3..], 2);
    let serial = prefix_num(&digits[5..], 4);
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    !matches!(digits, b"078051120" | b"219099999" | b"123456789")
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI: eight digits and the mod-23 control letter (either case).
pub fn es_dni(digits: &[u8], letter: u8) -> bool {
    if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = prefix_num(digits, 8) as usize;
    DNI_LETTERS[n % 23] == letter.to_ascii_uppercase()
}

/// Spanish NIE: X/Y/Z, seven digits and the mod-23 control letter (either case).
pub fn es_nie(prefix: u8, digits: &[u8], letter: u8) -> bool {
    let lead = match prefix.to_ascii_uppercase() {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return false,
    };
    if digits.len() != 7 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = (lead * 10_000_000 + prefix_num(digits, 7)) as usize;
    DNI_LETTERS[n % 23] == letter.to_ascii_uppercase()
}

/// Brazilian CPF: eleven digits, both mod-11 check digits, not all the same digit.
pub fn br_cpf(digits: &[u8]) -> bool {
    if digits.len() != 11 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let val = |i: usize| u32::from(digits[i] - b'0');
    let check = |n: usize| {
        let sum: u32 = (0..n).map(|i| val(i) * (n as u32 + 1 - i as u32)).sum();
        (sum * 10 % 11) % 10
    };
    check(9) == val(9) && check(10) == val(10)
}

/// Brazilian CNPJ: fourteen digits and both mod-11 check digits.
pub fn br_cnpj(digits: &[u8]) -> bool {
    if digits.len() != 14 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let val = |i: usize| u32::from(digits[i] - b'0');
    let check = |n: usize| {
        let weights: &[u32] = if n == 12 {
            &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        } else {
            &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        };
        let sum: u32 = weights.iter().enumerate().map(|(i, w)| val(i) * w).sum();
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    check(12) == val(12) && check(13) == val(13)
}

/// Portuguese NIF: nine digits, allowed first digits, mod-11 check digit.
pub fn pt_nif(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !matches!(digits[0], b'1' | b'2' | b'3' | b'5' | b'6' | b'8' | b'9') {
        return false;
    }
    let sum: u32 = (0..8)
        .map(|i| u32::from(digits[i] - b'0') * (9 - i as u32))
        .sum();
    let r = 11 - sum % 11;
    let check = if r >= 10 { 0 } else { r };
    check == u32::from(digits[8] - b'0')
}

/// Mexican CLABE: eighteen digits, weights 3-7-1, mod-10 check digit.
pub fn mx_clabe(digits: &[u8]) -> bool {
    if digits.len() != 18 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 3] = [3, 7, 1];
    let sum: u32 = (0..17)
        .map(|i| (u32::from(digits[i] - b'0') * W[i % 3]) % 10)
        .sum();
    (10 - sum % 10) % 10 == u32::from(digits[17] - b'0')
}

const CURP_STATES: [&[u8; 2]; 33] = [
    b"AS", b"BC", b"BS", b"CC", b"CL", b"CM", b"CS", b"CH", b"DF", b"DG", b"GT", b"GR", b"HG",
    b"JC", b"MC", b"MN", b"MS", b"NT", b"NL", b"OC", b"PL", b"QT", b"QR", b"SP", b"SL", b"SR",
    b"TC", b"TS", b"TL", b"VZ", b"YN", b"ZS", b"NE",
];

fn curp_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        // The official alphabet places Ñ after N, shifting O-Z by one.
        b'A'..=b'N' => Some(u32::from(c - b'A') + 10),
        b'O'..=b'Z' => Some(u32::from(c - b'A') + 11),
        _ => None,
    }
}

/// Mexican CURP: 18 uppercase ASCII characters, structure (name letters, birth date, sex,
/// state, consonants) and the check digit.
pub fn mx_curp(s: &[u8]) -> bool {
    if s.len() != 18 {
        return false;
    }
    let upper = |r: std::ops::Range<usize>| s[r].iter().all(u8::is_ascii_uppercase);
    let digits = |r: std::ops::Range<usize>| s[r].iter().all(u8::is_ascii_digit);
    let consonant =
        |c: u8| c.is_ascii_uppercase() && !matches!(c, b'A' | b'E' | b'I' | b'O' | b'U');
    if !upper(0..4) || !digits(4..10) || !matches!(s[10], b'H' | b'M' | b'X') {
        return false;
    }
    let month = prefix_num(&s[6..], 2);
    let day = prefix_num(&s[8..], 2);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    if !CURP_STATES.iter().any(|st| st[..] == s[11..13]) {
        return false;
    }
    if !s[13..16].iter().all(|&c| consonant(c)) {
        return false;
    }
    if !(s[16].is_ascii_uppercase() || s[16].is_ascii_digit()) || !s[17].is_ascii_digit() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in s[..17].iter().enumerate() {
        match curp_value(c) {
            Some(v) => sum += v * (18 - i as u32),
            None => return false,
        }
    }
    (10 - sum % 10) % 10 == u32::from(s[17] - b'0')
}

/// IBAN registry lengths (ISO 13616, SWIFT registry).
const IBAN_LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// Registry length of an IBAN for a country code (uppercase ASCII), if the country uses IBAN.
pub fn iban_length(country: [u8; 2]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| **c == country)
        .map(|&(_, n)| usize::from(n))
}

/// IBAN: uppercase ASCII alphanumerics without separators; registry length and mod-97 == 1.
pub fn iban(s: &[u8]) -> bool {
    if s.len() < 4
        || !s
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    if !s[2].is_ascii_digit() || !s[3].is_ascii_digit() {
        return false;
    }
    if iban_length([s[0], s[1]]) != Some(s.len()) {
        return false;
    }
    let mut rem = 0u32;
    for &c in s[4..].iter().chain(&s[..4]) {
        if c.is_ascii_digit() {
            rem = (rem * 10 + u32::from(c - b'0')) % 97;
        } else {
            let v = u32::from(c - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_public_test_cards_and_rejects_off_by_one() {
        for c in [
            "4111111111111111",
            "4012888888881881",
            "5555555555554444",
            "5105105105105100",
            "2223003122003222",
            "378282246310005",
            "371449635398431",
            "6011111111111117",
            "6011000990139424",
            "30569309025904",
            "38520000023237",
            "3530111333300000",
            "3566002020360505",
            "6200000000000005",
            "6759649826438453",
            "4222222222222",
            "2200000000000004",
        ] {
            assert!(card(c.as_bytes()), "{c} should be a card");
        }
        for c in [
            "4111111111111112",
            "5555555555554445",
            "378282246310006",
            "1234567812345678",
        ] {
            assert!(!card(c.as_bytes()), "{c} should not be a card");
        }
    }

    #[test]
    fn brand_rules_reject_imei_lengths_and_unknown_prefixes() {
        // 15-digit Luhn-valid IMEI-like numbers starting 35 or 49 are not cards.
        assert!(luhn(b"356938035643809"));
        assert!(!card(b"356938035643809"));
        assert!(luhn(b"490154203237518"));
        assert!(!card(b"490154203237518"));
        // Mastercard must be 16 digits.
        assert!(!card_brand_ok(b"510510510510510"));
        assert!(!card_brand_ok(b"7111111111111111"));
        assert!(!card_brand_ok(b"41111111111"));
    }

    #[test]
    fn ssn_rules() {
        assert!(us_ssn(b"536905739"));
        assert!(us_ssn(b"772112345"));
        for bad in [
            "000123456",
            "666123456",
            "900123456",
            "999123456",
            "123001234",
            "123450000",
        ] {
            assert!(!us_ssn(bad.as_bytes()), "{bad}");
        }
        for specimen in ["078051120", "219099999", "123456789"] {
            assert!(!us_ssn(specimen.as_bytes()), "{specimen}");
        }
    }

    #[test]
    fn dni_and_nie_control_letters() {
        assert!(es_dni(b"12345678", b'Z'));
        assert!(es_dni(b"12345678", b'z'));
        assert!(!es_dni(b"12345678", b'A'));
        assert!(es_dni(b"00000000", b'T'));
        assert!(es_nie(b'X', b"1234567", b'L'));
        assert!(es_nie(b'Y', b"1234567", b'X'));
        assert!(es_nie(b'Z', b"1234567", b'R'));
        assert!(!es_nie(b'X', b"1234567", b'M'));
        assert!(!es_nie(b'W', b"1234567", b'L'));
    }

    #[test]
    fn cpf_and_cnpj_check_digits() {
        assert!(br_cpf(b"52998224725"));
        assert!(br_cpf(b"11144477735"));
        assert!(!br_cpf(b"52998224726"));
        assert!(!br_cpf(b"11111111111"));
        assert!(!br_cpf(b"1114447773"));
        assert!(br_cnpj(b"11222333000181"));
        assert!(!br_cnpj(b"11222333000182"));
    }

    #[test]
    fn nif_and_clabe_check_digits() {
        assert!(pt_nif(b"123456789"));
        assert!(!pt_nif(b"123456788"));
        assert!(!pt_nif(b"423456789"));
        assert!(mx_clabe(b"002010077777777771"));
        assert!(!mx_clabe(b"002010077777777772"));
    }

    #[test]
    fn curp_structure_and_check_digit() {
        // Published example CURP.
        assert!(mx_curp(b"HEGG560427MVZRRL04"));
        assert!(mx_curp(b"GODE561231HDFRRN00"));
        assert!(!mx_curp(b"HEGG560427MVZRRL05"));
        // Month 13, unknown state, lowercase.
        assert!(!mx_curp(b"HEGG561327MVZRRL04"));
        assert!(!mx_curp(b"HEGG560427MQQRRL04"));
        assert!(!mx_curp(b"hegg560427mvzrrl04"));
    }

    #[test]
    fn iban_mod97_and_lengths() {
        for ok in [
            "GB82WEST12345698765432",
            "ES9121000418450200051332",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "PT50000201231234567890154",
            "NL91ABNA0417164300",
            "NO9386011117947",
            "BR1800360305000010009795493C1",
            "MT84MALT011000012345MTLCAST001S",
        ] {
            assert!(iban(ok.as_bytes()), "{ok}");
        }
        assert!(!iban(b"GB82WEST12345698765433"));
        assert!(!iban(b"ES912100041845020005133"));
        assert!(!iban(b"XX82WEST12345698765432"));
        assert_eq!(iban_length(*b"ES"), Some(24));
    }
}
