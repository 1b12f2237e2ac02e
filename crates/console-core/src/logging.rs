//! The console's log pipeline.
//!
//! Logs go to a size-capped, rotated file in the app's log directory (and to stderr in debug
//! builds). They must never carry personal data or secrets, which this module enforces in depth:
//!
//! 1. Discipline: code logs ids, codes and counts, never message text or credentials. Secrets are
//!    `rampart_secret::Secret`, whose `Debug` prints `<redacted>`.
//! 2. Field redaction: any field whose name suggests content or credentials
//!    ([`SENSITIVE_FIELDS`]) is written as `<redacted>` whatever its value.
//! 3. Scrubbing: every other value, including the message, passes through [`scrub`], which masks
//!    long digit runs (card numbers, IDs, phone numbers) and email addresses.
//!
//! A test writes canary values through every path and greps the log directory for them.

use std::fmt::{self, Write as _};
use std::path::Path;

use file_rotate::{ContentLimit, FileRotate, compression::Compression, suffix::AppendCount};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::{FormatFields, format::Writer};
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

/// Largest size of one log file before it rotates.
pub const MAX_LOG_FILE_BYTES: usize = 5 * 1024 * 1024;
/// How many rotated files are kept besides the current one.
pub const MAX_LOG_FILES: usize = 4;
/// Name of the current log file.
pub const LOG_FILE_NAME: &str = "rampart-console.log";

/// Field names whose values are never written.
pub const SENSITIVE_FIELDS: &[&str] = &[
    "text",
    "body",
    "content",
    "message_text",
    "password",
    "passphrase",
    "secret",
    "token",
    "code",
    "totp",
    "key",
    "email",
    "phone",
    "card",
    "value",
    "query",
    "clipboard",
];

/// Errors from setting up logging.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The log directory could not be created.
    #[error("cannot create the log directory: {0}")]
    Directory(#[source] std::io::Error),
    /// A global subscriber was already installed.
    #[error("logging was already initialised")]
    AlreadyInitialised,
}

/// Keeps the background log writer alive; dropping it flushes pending lines.
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

/// Installs the global subscriber: redacting file log in `dir`, plus stderr when `to_stderr`.
/// The level comes from `RAMPART_LOG` (default `info`).
pub fn init(dir: &Path, to_stderr: bool) -> Result<LogGuard, LogError> {
    let (file_layer, guard) = file_layer(dir)?;
    let filter = EnvFilter::try_from_env("RAMPART_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr_layer = to_stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .fmt_fields(RedactingFields)
    });
    // Whatever the level, libraries that log payloads and headers stay at info (see
    // `rampart_secret::PAYLOAD_LOGGERS`).
    let payload_free = tracing_subscriber::filter::filter_fn(|meta| {
        let verbose = matches!(*meta.level(), tracing::Level::DEBUG | tracing::Level::TRACE);
        rampart_secret::loggable(meta.target(), verbose)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(payload_free)
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .map_err(|_| LogError::AlreadyInitialised)?;
    Ok(guard)
}

type FileLayer<S> = tracing_subscriber::fmt::Layer<
    S,
    RedactingFields,
    tracing_subscriber::fmt::format::Format,
    tracing_appender::non_blocking::NonBlocking,
>;

fn file_layer<S>(dir: &Path) -> Result<(FileLayer<S>, LogGuard), LogError>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    std::fs::create_dir_all(dir).map_err(LogError::Directory)?;
    let rotating = FileRotate::new(
        dir.join(LOG_FILE_NAME),
        AppendCount::new(MAX_LOG_FILES),
        ContentLimit::BytesSurpassed(MAX_LOG_FILE_BYTES),
        Compression::None,
        Some(log_open_options()),
    );
    let (writer, worker) = tracing_appender::non_blocking(rotating);
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(writer)
        .fmt_fields(RedactingFields);
    Ok((layer, LogGuard { _worker: worker }))
}

/// Log files are readable by the agent's account only.
fn log_open_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Formats event and span fields with redaction and scrubbing.
#[derive(Debug, Default, Clone, Copy)]
pub struct RedactingFields;

impl<'w> FormatFields<'w> for RedactingFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = RedactingVisitor {
            writer,
            result: Ok(()),
            first: true,
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct RedactingVisitor<'w> {
    writer: Writer<'w>,
    result: fmt::Result,
    first: bool,
}

impl RedactingVisitor<'_> {
    fn write(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        let sep = if self.first { "" } else { " " };
        self.first = false;
        let name = field.name();
        self.result = if name == "message" {
            write!(self.writer, "{sep}{}", scrub(value))
        } else if is_sensitive(name) {
            write!(self.writer, "{sep}{name}=<redacted>")
        } else {
            write!(self.writer, "{sep}{name}={}", scrub(value))
        };
    }
}

impl Visit for RedactingVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.write(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut rendered = String::new();
        // Writing into a String cannot fail.
        let _ = write!(rendered, "{value:?}");
        self.write(field, &rendered);
    }
}

fn is_sensitive(name: &str) -> bool {
    // Runs for every logged field: compare in place, no allocation.
    SENSITIVE_FIELDS.iter().any(|s| {
        name.len() >= s.len()
            && name.is_char_boundary(name.len() - s.len())
            && name[name.len() - s.len()..].eq_ignore_ascii_case(s)
            && (name.len() == s.len() || name.as_bytes()[name.len() - s.len() - 1] == b'_')
    })
}

/// Masks what looks like personal data in a log value: any run of six or more digits (allowing
/// spaces, dots and dashes between them) and anything shaped like an email address. Deliberately
/// over-eager: a log line losing an order number is fine, a log line keeping a card number is not.
pub fn scrub(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for token in value.split_inclusive(char::is_whitespace) {
        if token.contains('@') && token.trim().len() > 3 {
            out.push_str("<email>");
            if token.ends_with(char::is_whitespace) {
                out.push(' ');
            }
        } else {
            out.push_str(token);
        }
    }
    mask_digit_runs(&out)
}

fn mask_digit_runs(value: &str) -> String {
    const MIN_DIGITS: usize = 6;
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_numeric() {
            // Extend over digits and single separators between digits.
            let start = i;
            let mut end = i;
            let mut digits = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j].is_numeric() {
                    digits += 1;
                    end = j + 1;
                    j += 1;
                } else if matches!(chars[j], ' ' | '-' | '.' | '\u{a0}' | '/')
                    && chars.get(j + 1).is_some_and(|c| c.is_numeric())
                {
                    j += 1;
                } else {
                    break;
                }
            }
            if digits >= MIN_DIGITS {
                out.push_str("<digits>");
            } else {
                out.extend(&chars[start..end]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_masks_card_numbers_in_any_grouping() {
        assert_eq!(scrub("card 4111 1111 1111 1111 ok"), "card <digits> ok");
        assert_eq!(scrub("4111-1111-1111-1111"), "<digits>");
        assert_eq!(scrub("id 12.345.678-Z"), "id <digits>-Z");
    }

    #[test]
    fn scrub_keeps_short_numbers_and_plain_words() {
        assert_eq!(
            scrub("retry 3 of 5 after 250 ms"),
            "retry 3 of 5 after 250 ms"
        );
        assert_eq!(scrub("version 2.14.3"), "version 2.14.3");
    }

    #[test]
    fn scrub_masks_emails() {
        assert_eq!(scrub("from ana.lopez@example.com now"), "from <email> now");
    }

    #[test]
    fn sensitive_field_names_match_suffixes() {
        assert!(is_sensitive("password"));
        assert!(is_sensitive("visitor_email"));
        assert!(is_sensitive("TOTP"));
        assert!(!is_sensitive("conversation_id"));
        assert!(!is_sensitive("encoding"));
    }
}
