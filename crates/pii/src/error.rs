//! The crate's error type. Messages never contain scanned text.

/// Errors from building a scanner or reading a JSONL line. Messages never include scanned text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A custom pattern did not compile or exceeds the size limits.
    #[error("custom pattern `{name}` is invalid: {reason}")]
    InvalidCustomPattern {
        /// The pattern's configured name.
        name: String,
        /// Why it was refused (the regex compiler's message, which quotes only the pattern).
        reason: String,
    },
    /// A custom pattern name is empty, too long, has characters other than `[A-Za-z0-9_-]`,
    /// or is used twice.
    #[error(
        "custom pattern name `{name}` is empty, too long, has invalid characters or is used twice"
    )]
    InvalidCustomName {
        /// The offending name (truncated to 64 chars).
        name: String,
    },
    /// More custom patterns than the scanner supports.
    #[error("too many custom patterns (at most {max})")]
    TooManyCustomPatterns {
        /// The limit.
        max: usize,
    },
    /// A built-in pattern failed to compile: a bug in this crate.
    #[error("built-in pattern `{name}` failed to compile")]
    BuiltInPattern {
        /// Which pattern.
        name: &'static str,
    },
    /// A JSONL input line was empty.
    #[error("empty line: expected a JSON object with \"id\" and \"text\"")]
    EmptyLine,
    /// A JSONL input line was longer than the configured limit.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A JSONL input line was not valid JSON, not an object with `id` and a string `text`,
    /// or nested too deeply. The reason names the position, never the content.
    #[error("invalid JSON line: {reason}")]
    InvalidJson {
        /// What was wrong, with the line/column position.
        reason: String,
    },
}
