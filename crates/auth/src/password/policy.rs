//! Password policy: what a new password must satisfy.
//!
//! Invariants:
//! - The password is NFKC-normalised first and then counted per Unicode code point; it is
//!   never truncated (a too-long password is rejected, not cut).
//! - Defaults follow the security baseline: at least 12 code points (PCI DSS 8.3.6), at
//!   least 64 allowed, letters and digits required (PCI DSS 8.3.6), the bundled common
//!   password list, context words, and a zxcvbn score of at least 3 (NIST SP 800-63B
//!   5.1.1.2). An administrator can only make the rules stricter: [`PasswordPolicy::new`]
//!   refuses settings below the baseline.
//! - A rejection is a code plus parameters ([`Rejection`]), never a sentence, and never
//!   contains the password or the context words.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::blocklist;
use crate::{Error, SecretString};

/// Baseline minimum length in code points (PCI DSS 8.3.6).
pub const BASELINE_MIN_CHARS: usize = 12;
/// The longest maximum an administrator may not go below (NIST SP 800-63B 5.1.1.2: ≥ 64).
pub const BASELINE_MAX_CHARS: usize = 64;
/// Default maximum length in code points, after normalisation.
pub const DEFAULT_MAX_CHARS: usize = 256;
/// Baseline minimum zxcvbn score (0–4).
pub const BASELINE_MIN_SCORE: u8 = 3;
/// Context tokens shorter than this are ignored (too many false matches).
const MIN_CONTEXT_TOKEN_CHARS: usize = 3;
/// zxcvbn's cost grows about quadratically with length (≈ 0.4 ms at 27 code points, 5.6 ms
/// at 100 in release). Longer passwords are first scored on this prefix only.
const QUICK_SCORED_CHARS: usize = 32;
/// zxcvbn never looks past this many code points, which bounds the worst case.
const MAX_SCORED_CHARS: usize = 100;

/// Administrator-facing settings. Defaults are the baseline; anything weaker is refused
/// by [`PasswordPolicy::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PasswordRules {
    /// Minimum length in code points after NFKC (≥ 12).
    pub min_chars: usize,
    /// Maximum length in code points after NFKC (≥ 64 and ≥ `min_chars`).
    pub max_chars: usize,
    /// Minimum zxcvbn score, 3 or 4.
    pub min_score: u8,
    /// Stricter composition: require an upper-case letter.
    pub require_uppercase: bool,
    /// Stricter composition: require a lower-case letter.
    pub require_lowercase: bool,
    /// Stricter composition: require a character that is neither a letter nor a digit.
    pub require_symbol: bool,
    /// Product words that may not appear in a password (besides the user's context).
    pub product_words: Vec<String>,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            min_chars: BASELINE_MIN_CHARS,
            max_chars: DEFAULT_MAX_CHARS,
            min_score: BASELINE_MIN_SCORE,
            require_uppercase: false,
            require_lowercase: false,
            require_symbol: false,
            product_words: vec!["rampart".to_owned()],
        }
    }
}

/// Which piece of context a password contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContextField {
    /// The login name.
    Username,
    /// The name shown to others.
    DisplayName,
    /// The e-mail address.
    Email,
    /// The organisation.
    Organisation,
    /// The product's name (from [`PasswordRules::product_words`]).
    Product,
}

/// Words about the user that must not appear in their password. Personal data: `Debug`
/// shows only which fields are filled in.
#[derive(Clone, Default)]
pub struct PasswordContext {
    /// The login name.
    pub username: String,
    /// The name shown to others.
    pub display_name: String,
    /// The e-mail address.
    pub email: String,
    /// The organisation.
    pub organisation: String,
}

impl std::fmt::Debug for PasswordContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let filled = |v: &String| {
            if v.is_empty() {
                "<empty>"
            } else {
                "<redacted>"
            }
        };
        f.debug_struct("PasswordContext")
            .field("username", &format_args!("{}", filled(&self.username)))
            .field(
                "display_name",
                &format_args!("{}", filled(&self.display_name)),
            )
            .field("email", &format_args!("{}", filled(&self.email)))
            .field(
                "organisation",
                &format_args!("{}", filled(&self.organisation)),
            )
            .finish()
    }
}

/// Why a password was refused: a stable code (the serde tag) plus parameters, for the UI
/// to translate. The English and Spanish texts live in `crates/auth/locales/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Rejection {
    /// Fewer code points than `min`.
    TooShort {
        /// Required minimum.
        min: usize,
        /// Code points after normalisation.
        actual: usize,
    },
    /// More code points than `max` (the password is never truncated).
    TooLong {
        /// Allowed maximum.
        max: usize,
    },
    /// No letter.
    MissingLetter,
    /// No digit.
    MissingDigit,
    /// No upper-case letter (administrator rule).
    MissingUppercase,
    /// No lower-case letter (administrator rule).
    MissingLowercase,
    /// No symbol (administrator rule).
    MissingSymbol,
    /// On the bundled list of common passwords.
    Common,
    /// Contains the user's context (name, e-mail, organisation, product).
    ContainsContext {
        /// Which context.
        field: ContextField,
    },
    /// zxcvbn estimates it too guessable.
    TooGuessable {
        /// zxcvbn's score, 0–4.
        score: u8,
        /// Minimum score required.
        min: u8,
    },
}

impl Rejection {
    /// The stable code the UI branches on (same as the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "tooShort",
            Self::TooLong { .. } => "tooLong",
            Self::MissingLetter => "missingLetter",
            Self::MissingDigit => "missingDigit",
            Self::MissingUppercase => "missingUppercase",
            Self::MissingLowercase => "missingLowercase",
            Self::MissingSymbol => "missingSymbol",
            Self::Common => "common",
            Self::ContainsContext { .. } => "containsContext",
            Self::TooGuessable { .. } => "tooGuessable",
        }
    }
}

/// A validated password policy.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    rules: PasswordRules,
    product_tokens: Vec<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        let rules = PasswordRules::default();
        let product_tokens = tokens(&rules.product_words.join(" "));
        Self {
            rules,
            product_tokens,
        }
    }
}

impl PasswordPolicy {
    /// Validates administrator settings.
    ///
    /// # Errors
    /// [`Error::PolicyBelowBaseline`] if a setting is weaker than the baseline.
    pub fn new(rules: PasswordRules) -> Result<Self, Error> {
        if rules.min_chars < BASELINE_MIN_CHARS {
            return Err(Error::PolicyBelowBaseline {
                setting: "minChars",
            });
        }
        if rules.max_chars < BASELINE_MAX_CHARS || rules.max_chars < rules.min_chars {
            return Err(Error::PolicyBelowBaseline {
                setting: "maxChars",
            });
        }
        if !(BASELINE_MIN_SCORE..=4).contains(&rules.min_score) {
            return Err(Error::PolicyBelowBaseline {
                setting: "minScore",
            });
        }
        let product_tokens = tokens(&rules.product_words.join(" "));
        Ok(Self {
            rules,
            product_tokens,
        })
    }

    /// The settings in force.
    pub fn rules(&self) -> &PasswordRules {
        &self.rules
    }

    /// Every reason `password` is refused; empty when it is acceptable. Meant for live
    /// hints while the user types.
    pub fn evaluate(&self, password: &SecretString, context: &PasswordContext) -> Vec<Rejection> {
        let raw = password.expose();
        let mut reasons = Vec::new();

        // Cheap guard before normalising, so huge input costs nothing: NFKC only expands,
        // except canonical composition, which merges at most a few code points (Hangul
        // L+V+T: 9 bytes) into one. More than 16 bytes per allowed code point cannot fit.
        if raw.len() > self.rules.max_chars.saturating_mul(16) {
            reasons.push(Rejection::TooLong {
                max: self.rules.max_chars,
            });
            return reasons;
        }

        let normalized = SecretString::new(raw.nfkc().collect());
        let pw = normalized.expose();
        let count = pw.chars().count();
        if count < self.rules.min_chars {
            reasons.push(Rejection::TooShort {
                min: self.rules.min_chars,
                actual: count,
            });
        }
        if count > self.rules.max_chars {
            reasons.push(Rejection::TooLong {
                max: self.rules.max_chars,
            });
        }

        self.check_composition(pw, &mut reasons);

        let lower = SecretString::new(pw.to_lowercase());
        if blocklist::contains(lower.expose()) {
            reasons.push(Rejection::Common);
        }

        let user_words = self.check_context(lower.expose(), context, &mut reasons);

        if count <= self.rules.max_chars {
            let inputs: Vec<&str> = user_words.iter().map(String::as_str).collect();
            let score = strength(pw, count, &inputs);
            if score < self.rules.min_score {
                reasons.push(Rejection::TooGuessable {
                    score,
                    min: self.rules.min_score,
                });
            }
        }
        reasons
    }

    /// Accepts or refuses `password`.
    ///
    /// # Errors
    /// [`Error::PasswordRejected`] with every reason.
    pub fn check(&self, password: &SecretString, context: &PasswordContext) -> Result<(), Error> {
        let reasons = self.evaluate(password, context);
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(Error::PasswordRejected { reasons })
        }
    }

    fn check_composition(&self, pw: &str, reasons: &mut Vec<Rejection>) {
        let has = |f: fn(char) -> bool| pw.chars().any(f);
        if !has(char::is_alphabetic) {
            reasons.push(Rejection::MissingLetter);
        }
        if !has(char::is_numeric) {
            reasons.push(Rejection::MissingDigit);
        }
        if self.rules.require_uppercase && !has(char::is_uppercase) {
            reasons.push(Rejection::MissingUppercase);
        }
        if self.rules.require_lowercase && !has(char::is_lowercase) {
            reasons.push(Rejection::MissingLowercase);
        }
        if self.rules.require_symbol && !has(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
            reasons.push(Rejection::MissingSymbol);
        }
    }

    /// Pushes one rejection per context field found in the password; returns every
    /// context token (for zxcvbn's user inputs).
    fn check_context(
        &self,
        lower_pw: &str,
        context: &PasswordContext,
        reasons: &mut Vec<Rejection>,
    ) -> Vec<String> {
        let fields = [
            (ContextField::Username, tokens(&context.username)),
            (ContextField::DisplayName, tokens(&context.display_name)),
            (ContextField::Email, tokens(&context.email)),
            (ContextField::Organisation, tokens(&context.organisation)),
            (ContextField::Product, self.product_tokens.clone()),
        ];
        let mut all = Vec::new();
        for (field, words) in fields {
            if words.iter().any(|w| lower_pw.contains(w.as_str())) {
                reasons.push(Rejection::ContainsContext { field });
            }
            all.extend(words);
        }
        all
    }
}

/// zxcvbn's score (0–4) for the normalised password `pw` of `count` code points.
///
/// Up to [`QUICK_SCORED_CHARS`] the whole password is scored. A longer one whose prefix
/// already scores the maximum (4, i.e. ≥ 10^10 guesses, a hundredfold margin over score 3)
/// is taken as 4; otherwise up to [`MAX_SCORED_CHARS`] are scored. A prefix is a
/// conservative estimate: it leaves out characters, and the margin covers a word cut in
/// two at the boundary.
fn strength(pw: &str, count: usize, user_inputs: &[&str]) -> u8 {
    let score_prefix = |n: usize| {
        let prefix = SecretString::new(pw.chars().take(n).collect());
        u8::from(zxcvbn::zxcvbn(prefix.expose(), user_inputs).score())
    };
    if count <= QUICK_SCORED_CHARS {
        return u8::from(zxcvbn::zxcvbn(pw, user_inputs).score());
    }
    let quick = score_prefix(QUICK_SCORED_CHARS);
    if quick >= 4 {
        return quick;
    }
    score_prefix(MAX_SCORED_CHARS)
}

/// NFKC, lower-cased pieces of a context value: the whole value (if it is one word) and
/// each run of letters/digits of at least three code points.
fn tokens(value: &str) -> Vec<String> {
    let lower: String = value.nfkc().collect::<String>().to_lowercase();
    let mut out: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().count() >= MIN_CONTEXT_TOKEN_CHARS)
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(pw: &str) -> Vec<Rejection> {
        PasswordPolicy::default().evaluate(&SecretString::new(pw.to_owned()), &Default::default())
    }

    #[test]
    fn context_tokens_split_emails_and_names() {
        assert_eq!(
            tokens("Jane.Doe@Example.com"),
            vec!["com", "doe", "example", "jane"]
        );
        assert_eq!(tokens("Li"), Vec::<String>::new());
    }

    #[test]
    fn strong_password_has_no_reasons() {
        assert_eq!(reasons("violet kettle 7 orbit maple"), vec![]);
    }

    #[test]
    fn baseline_cannot_be_weakened() {
        let weak = |r: PasswordRules| PasswordPolicy::new(r).err();
        let d = PasswordRules::default;
        assert!(matches!(
            weak(PasswordRules {
                min_chars: 8,
                ..d()
            }),
            Some(Error::PolicyBelowBaseline {
                setting: "minChars"
            })
        ));
        assert!(matches!(
            weak(PasswordRules {
                max_chars: 32,
                ..d()
            }),
            Some(Error::PolicyBelowBaseline {
                setting: "maxChars"
            })
        ));
        assert!(matches!(
            weak(PasswordRules {
                min_score: 2,
                ..d()
            }),
            Some(Error::PolicyBelowBaseline {
                setting: "minScore"
            })
        ));
        assert!(
            PasswordPolicy::new(PasswordRules {
                min_chars: 16,
                min_score: 4,
                ..d()
            })
            .is_ok()
        );
    }
}
