//! The bundled list of common passwords.
//!
//! `data/common-passwords.txt` holds the 10,000 most frequent passwords of the ranked
//! `passwords` list that zxcvbn ships (see the crate README for the source and licence),
//! lower-cased, deduplicated, sorted, one per line: about 77 KiB in the binary. It is
//! searched by binary search over the lines, indexed once on first use.

use std::sync::OnceLock;

const RAW: &str = include_str!("../../data/common-passwords.txt");

fn entries() -> &'static [&'static str] {
    static INDEX: OnceLock<Vec<&'static str>> = OnceLock::new();
    INDEX.get_or_init(|| RAW.lines().filter(|l| !l.is_empty()).collect())
}

/// Number of passwords in the bundled list.
pub fn len() -> usize {
    entries().len()
}

/// Whether `normalized_lower` (NFKC, lower-cased) is on the list.
pub fn contains(normalized_lower: &str) -> bool {
    entries().binary_search(&normalized_lower).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_at_least_ten_thousand_sorted_unique_entries() {
        let e = entries();
        assert!(e.len() >= 10_000, "only {} entries", e.len());
        assert!(
            e.windows(2).all(|w| w[0] < w[1]),
            "not sorted or has duplicates"
        );
    }

    #[test]
    fn well_known_entries_are_found() {
        for p in ["123456", "password", "qwerty123456", "1qaz2wsx3edc"] {
            assert!(contains(p), "{p} should be listed");
        }
        assert!(!contains("correct horse battery staple 42"));
    }
}
