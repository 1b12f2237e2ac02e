//! The `rampart-redact --jsonl` line format, as pure functions (no IO): parse one input line,
//! render one output line. The binary only moves bytes.
//!
//! Input: a JSON object with at least `id` (any JSON value, echoed verbatim) and `text` (a
//! string); other keys are ignored. serde_json's recursion limit (128) stays on, so deeply
//! nested input is an error, not a stack overflow.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{Error, Redaction, Scanner};

#[derive(Deserialize)]
struct Input<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

/// Describes a serde_json error by category and position only: data errors can quote the
/// offending value ("invalid type: string \"4111…\""), which may be personal data.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // The line number is reported next to the error; only the column is useful here.
    let at = format!("column {}", e.column());
    let msg = e.to_string();
    match e.classify() {
        Category::Eof => format!("unexpected end of input at {at}"),
        Category::Syntax | Category::Io => {
            // Syntax messages are fixed phrases ("expected value", "recursion limit exceeded",
            // "invalid unicode code point") followed by the position.
            let phrase = msg.split(" at line ").next().unwrap_or("syntax error");
            format!("{phrase} at {at}")
        }
        Category::Data => {
            let phrase = if msg.starts_with("missing field `id`") {
                "missing field `id`"
            } else if msg.starts_with("missing field `text`") {
                "missing field `text`"
            } else if msg.starts_with("duplicate field") {
                "duplicate field"
            } else {
                "expected an object with \"id\" and a string \"text\""
            };
            format!("{phrase} at {at}")
        }
    }
}

/// Parses one input line, redacts its text and appends the output line (with its trailing
/// newline) to `out`. On error nothing is appended.
pub fn redact_line(
    scanner: &Scanner,
    line: &[u8],
    scratch: &mut Redaction,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    // Files saved by some editors start with a UTF-8 byte order mark.
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyLine);
    }
    let input: Input<'_> = serde_json::from_slice(line).map_err(|e| Error::InvalidJson {
        reason: describe(&e),
    })?;
    let id = input.id.get();
    // Ids are echoed verbatim; only scalars, so a hostile id cannot make the output line
    // unparseable (for example a million nested arrays).
    if !(id.starts_with('"') || id.starts_with('-') || id.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Err(Error::InvalidJson {
            reason: "\"id\" must be a string or a number".into(),
        });
    }
    scanner.redact_into(&input.text, scratch);
    write_output(scanner, id, scratch, out);
    Ok(())
}

fn write_output(scanner: &Scanner, id: &str, r: &Redaction, out: &mut Vec<u8>) {
    use std::io::Write as _;
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b",\"spans\":[");
    for (i, s) in r.spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{{\"start\":{},\"end\":{},\"kind\":", s.start, s.end);
        write_json_str(out, scanner.kind_name(s.kind));
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"masked\":");
    write_json_str(out, &r.masked);
    out.extend_from_slice(b"}\n");
}

/// Appends `s` as a JSON string literal.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's string escaper, writing into a Vec, cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Appends an error line `{"line": N, "error": "..."}` (with newline) for line number `line`.
pub fn write_error(out: &mut Vec<u8>, line: u64, error: &Error) {
    use std::io::Write as _;
    let _ = write!(out, "{{\"line\":{line},\"error\":");
    write_json_str(out, &error.to_string());
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<String, Error> {
        let scanner = Scanner::new()?;
        let mut out = Vec::new();
        redact_line(
            &scanner,
            line.as_bytes(),
            &mut Redaction::default(),
            &mut out,
        )?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn output_line_has_id_spans_and_masked_text() {
        let out = run(r#"{"id":"m1","text":"card 4111 1111 1111 1111 ok","lang":"en"}"#).unwrap();
        assert_eq!(
            out,
            "{\"id\":\"m1\",\"spans\":[{\"start\":5,\"end\":24,\"kind\":\"credit_card\"}],\
             \"masked\":\"card •••• •••• •••• 1111 ok\"}\n"
        );
    }

    #[test]
    fn data_errors_never_quote_the_value() {
        let err = run(r#"{"id":"m1","text":4111111111111111}"#).unwrap_err();
        let msg = err.to_string();
        assert!(!msg.contains("4111"), "{msg}");
        let err = run(r#"{"id":"m1","txt":"4111111111111111"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `text`"));
    }

    #[test]
    fn deep_nesting_is_an_error_or_skipped_never_a_stack_overflow() {
        let open = "[".repeat(100_000);
        let close = "]".repeat(100_000);
        // Nested where a string is expected: an error naming the position only.
        let err = run(&format!("{{\"id\":1,\"text\":{open}{close}}}")).unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }), "{err}");
        // A deep top-level array: refused.
        let err = run(&format!("{open}{close}")).unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }), "{err}");
        // Deep nesting inside an ignored key is skipped by serde_json without recursion.
        let ok = run(&format!("{{\"id\":1,\"text\":\"x\",\"x\":{open}{close}}}"));
        assert!(ok.is_ok());
    }

    #[test]
    fn a_leading_byte_order_mark_is_ignored() {
        let out = run("\u{feff}{\"id\":\"a\",\"text\":\"hi\"}").unwrap();
        assert_eq!(out, "{\"id\":\"a\",\"spans\":[],\"masked\":\"hi\"}\n");
    }

    #[test]
    fn empty_and_invalid_utf8_lines_are_errors() {
        assert!(matches!(run(""), Err(Error::EmptyLine)));
        let scanner = Scanner::new().unwrap();
        let mut out = Vec::new();
        let bad = b"{\"id\":1,\"text\":\"\xff\xfe\"}";
        let err = redact_line(&scanner, bad, &mut Redaction::default(), &mut out).unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }));
        assert!(out.is_empty());
    }
}
