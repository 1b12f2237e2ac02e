//! Validation issues: what is wrong, in which file, on which line.
//!
//! Every parser in this crate reports problems as [`Issue`]s instead of stopping at the first,
//! so a trainer fixes a pack in one pass. Lines are 1-based and count the whole file, even for
//! TOML that sits inside front matter or a fenced block (the block's offset is added).

use std::fmt;

/// One problem in a lesson pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The file, relative to the pack folder (`pack.toml`, `en/01-basics.md`).
    pub file: String,
    /// The 1-based line in that file.
    pub line: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

/// What is wrong. Messages name keys and values from the pack, never learner data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The TOML does not parse.
    #[error("TOML syntax error: {message}")]
    Syntax {
        /// The TOML parser's message.
        message: String,
    },
    /// A key that the format does not know (often a typo).
    #[error("unknown key `{key}`{}", expected_suffix(.expected))]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The keys allowed here, as the TOML reader lists them.
        expected: String,
    },
    /// A required key is absent.
    #[error("missing required key `{field}`")]
    MissingField {
        /// The key that must be present.
        field: String,
    },
    /// A value has the wrong type or is not one of the allowed words.
    #[error("invalid value: {message}")]
    InvalidValue {
        /// The TOML reader's description.
        message: String,
    },
    /// A lesson file does not start with a `+++` line.
    #[error("the file must start with a `+++` line opening the TOML front matter")]
    MissingFrontMatter,
    /// The front matter is never closed.
    #[error("the front matter opened here is never closed by a `+++` line")]
    UnclosedFrontMatter,
    /// A fenced block's info string is `quiz`/`drill`-like but not one of them.
    #[error("unknown block `{info}`: use ```quiz or ```drill (or a plain code block)")]
    UnknownBlock {
        /// The info string as written.
        info: String,
    },
    /// An answer index does not name an option.
    #[error(
        "answer {index} is out of range: this question has {options} options (numbered from 1)"
    )]
    AnswerOutOfRange {
        /// The index as written (1-based).
        index: i64,
        /// How many options the question has.
        options: usize,
    },
    /// The same answer is listed twice.
    #[error("answer {index} is listed twice")]
    DuplicateAnswer {
        /// The repeated index (1-based).
        index: i64,
    },
    /// A question has too few options.
    #[error("a `{kind}` question needs at least {min} options, found {found}")]
    TooFewOptions {
        /// The question kind.
        kind: &'static str,
        /// The minimum.
        min: usize,
        /// How many were given.
        found: usize,
    },
    /// A key that this kind of question does not use.
    #[error("`{key}` is not used by a `{kind}` question{}", hint_suffix(.hint))]
    KeyNotForKind {
        /// The key.
        key: &'static str,
        /// The question kind.
        kind: &'static str,
        /// What to write instead.
        hint: &'static str,
    },
    /// Text that must not be empty is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The key.
        field: String,
    },
    /// The pass mark is not a percentage between 1 and 100.
    #[error("pass mark {value} is out of range: it is a percentage from 1 to 100")]
    PassMarkOutOfRange {
        /// The value as written.
        value: i64,
    },
    /// A count that must be at least 1 is 0.
    #[error("`{field}` must be at least 1")]
    Zero {
        /// The key.
        field: &'static str,
    },
    /// Two lessons in the same language share an id.
    #[error("duplicate lesson id `{id}` in language `{language}` (first defined in {first})")]
    DuplicateLessonId {
        /// The id.
        id: String,
        /// The language code.
        language: &'static str,
        /// The file that defined it first.
        first: String,
    },
    /// Two drills in the pack share an id.
    #[error("duplicate drill id `{id}` (first defined in {first})")]
    DuplicateDrillId {
        /// The id.
        id: String,
        /// Where it was first defined (`file:line`).
        first: String,
    },
    /// A lesson's language is not one of the pack's languages, or its folder says otherwise.
    #[error("language mismatch: {detail}")]
    LanguageMismatch {
        /// What disagrees.
        detail: String,
    },
    /// Translations of one lesson disagree on something gating depends on.
    #[error("translation mismatch for lesson `{id}`: `{field}` differs from {other}")]
    TranslationMismatch {
        /// The lesson id.
        id: String,
        /// The key that differs.
        field: &'static str,
        /// The other file.
        other: String,
    },
    /// A lesson has neither a quiz nor a drill, so it cannot be passed.
    #[error("the lesson has no ```quiz or ```drill block, so nobody could pass it")]
    NoAssessment,
    /// A file listed in the manifest is not in the pack.
    #[error("lesson file `{path}` is listed but not found")]
    FileNotFound {
        /// The listed path.
        path: String,
    },
    /// A path in the manifest is absolute, has `..`, or is otherwise unsafe.
    #[error("lesson path `{path}` must be relative, inside the pack, and end in `.md`")]
    UnsafePath {
        /// The listed path.
        path: String,
    },
    /// A file is listed twice in the manifest.
    #[error("lesson file `{path}` is listed twice")]
    DuplicateFile {
        /// The listed path.
        path: String,
    },
    /// A file is larger than [`crate::MAX_FILE_BYTES`].
    #[error("the file is larger than {max} bytes")]
    FileTooLarge {
        /// The limit.
        max: usize,
    },
    /// A file is not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// The manifest lists more than [`crate::MAX_LESSONS`] files.
    #[error("the pack lists more than {max} lesson files")]
    TooManyLessons {
        /// The limit.
        max: usize,
    },
    /// A drill step or branch names a step that does not exist.
    #[error("unknown step `{step}`")]
    UnknownStep {
        /// The name as written.
        step: String,
    },
    /// Two steps of one drill share an id.
    #[error("duplicate step id `{step}`")]
    DuplicateStep {
        /// The id.
        step: String,
    },
    /// A drill has no step that ends it.
    #[error("the drill has no step with `end = true`")]
    NoEndStep,
    /// A drill has no scoring rules.
    #[error("the drill has no `[[rule]]`, so it cannot be scored")]
    NoRules,
    /// A drill rule must say either `do` or `avoid`.
    #[error("a rule needs exactly one of `do` (expected action) or `avoid` (a mistake)")]
    RuleNeedsOneOf,
}

fn expected_suffix(expected: &str) -> String {
    if expected.is_empty() {
        String::new()
    } else {
        format!(" (expected {expected})")
    }
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(": {hint}")
    }
}

/// Renders issues one per line for [`crate::Error::Invalid`].
pub(crate) fn list(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(Issue::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A piece of a file whose lines are numbered relative to the file: `first_line` is the file
/// line on which `text` starts (1-based).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Located<'a> {
    pub file: &'a str,
    pub first_line: usize,
    pub text: &'a str,
}

impl Located<'_> {
    /// The file line of byte `offset` within `text`.
    pub fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        let before = self.text.as_bytes().get(..end).unwrap_or_default();
        self.first_line + before.iter().filter(|&&b| b == b'\n').count()
    }

    /// An issue at byte `offset` within `text`.
    pub fn issue(&self, offset: usize, problem: Problem) -> Issue {
        Issue {
            file: self.file.to_owned(),
            line: self.line_at(offset),
            problem,
        }
    }

    /// Deserializes `text` as TOML, turning the reader's error into an [`Issue`] on the right
    /// line with a typed [`Problem`].
    pub fn parse_toml<T: serde::de::DeserializeOwned>(&self) -> Result<T, Issue> {
        toml::from_str(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.issue(offset, classify(e.message()))
        })
    }
}

/// Maps the TOML reader's message onto a [`Problem`]. Its messages are stable serde phrasings
/// (`unknown field`, `missing field`); anything else is an invalid value or a syntax error.
fn classify(message: &str) -> Problem {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = tail
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ")
            .to_owned();
        return Problem::UnknownKey {
            key: key.to_owned(),
            expected,
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return Problem::MissingField {
            field: field.to_owned(),
        };
    }
    if message.starts_with("invalid ")
        || message.starts_with("unknown variant")
        || message.contains("expected")
    {
        // Type mismatches ("invalid type: string, expected u32"), bad enum words and bad
        // values all read as "invalid value"; TOML grammar errors also say "expected", so tell
        // them apart by serde's own phrasing first.
        if message.starts_with("invalid type")
            || message.starts_with("invalid value")
            || message.starts_with("unknown variant")
            || message.starts_with("invalid length")
        {
            return Problem::InvalidValue {
                message: message.to_owned(),
            };
        }
    }
    Problem::Syntax {
        message: message.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_counts_from_the_first_line_of_the_piece() {
        let piece = Located {
            file: "a.md",
            first_line: 10,
            text: "a\nb\nc",
        };
        assert_eq!(piece.line_at(0), 10);
        assert_eq!(piece.line_at(2), 11);
        assert_eq!(piece.line_at(4), 12);
        assert_eq!(piece.line_at(999), 12);
    }

    #[test]
    fn classify_recognises_serde_messages() {
        assert_eq!(
            classify("unknown field `bogus`, expected one of `kind`, `answer`"),
            Problem::UnknownKey {
                key: "bogus".into(),
                expected: "`kind`, `answer`".into()
            }
        );
        assert_eq!(
            classify("missing field `kind`"),
            Problem::MissingField {
                field: "kind".into()
            }
        );
        assert!(matches!(
            classify("invalid type: string \"x\", expected u32"),
            Problem::InvalidValue { .. }
        ));
        assert!(matches!(
            classify("invalid literal string, expected `'`"),
            Problem::Syntax { .. }
        ));
    }
}
