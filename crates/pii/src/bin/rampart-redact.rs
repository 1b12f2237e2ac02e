//! `rampart-redact`: masks personal data in text read from stdin.
//!
//! `--jsonl`: one JSON object per line in, one result per line out, errors as JSON lines on
//! stderr. Without it: plain text, masked line by line. Lines are processed in batches by two
//! worker threads; output order always matches input order.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;

use rampart_pii::{Error, Redaction, Scanner, jsonl};

const HELP: &str = "\
rampart-redact: mask personal data (cards, CVVs, SSNs, emails, phones, IBANs, IPs, DNI/NIE,
CURP, CPF) in text read from standard input.

USAGE:
    rampart-redact [--jsonl] [--max-line-bytes N] [--threads N]

MODES:
    (default)   Plain text: each input line is written to stdout with personal data masked.
                A line that is not valid UTF-8 is masked after replacing the invalid bytes
                with U+FFFD, and reported on stderr.
    --jsonl     JSON lines: each input line is an object with at least
                {\"id\": ..., \"text\": \"...\"} (other keys are ignored). Each output line is
                {\"id\": ..., \"spans\": [{\"start\": S, \"end\": E, \"kind\": \"K\"}], \"masked\": \"...\"}
                with UTF-8 byte offsets into text (end exclusive), in input order.
                A malformed line (invalid JSON or UTF-8, missing id/text, too deep, empty)
                writes {\"line\": N, \"error\": \"...\"} to stderr (N counts from 1) and
                processing continues.

OPTIONS:
    --max-line-bytes N   Lines longer than N bytes are rejected (default 16777216).
    --threads N          Worker threads, 1-64 (default 2).
    -h, --help           Show this help.

KINDS:
    credit_card card_cvv us_ssn email phone iban ip_address es_dni es_nie mx_curp br_cpf

EXIT STATUS:
    0 when every line was processed, 1 when any line failed, 2 on usage or IO errors.
";

struct Options {
    jsonl: bool,
    max_line: usize,
    threads: usize,
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut opts = Options {
        jsonl: false,
        max_line: 16 << 20,
        threads: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--jsonl" => opts.jsonl = true,
            "--max-line-bytes" | "--threads" => {
                let v = args
                    .next()
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| format!("{a} needs a positive number"))?;
                if a == "--threads" {
                    opts.threads = v.clamp(1, 64);
                } else {
                    opts.max_line = v.max(1);
                }
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    Ok(Some(opts))
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("rampart-redact: {e}");
            return ExitCode::from(2);
        }
    };
    let scanner = match Scanner::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rampart-redact: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&scanner, &opts) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(e) => {
            eprintln!("rampart-redact: IO error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One input line: its bytes (without the newline), or a marker that it was too long.
enum Line {
    Bytes(std::ops::Range<usize>),
    TooLong,
}

/// Reads up to `max_lines` lines / about `max_bytes` bytes into `buf`.
fn read_batch(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    lines: &mut Vec<Line>,
    max_line: usize,
) -> io::Result<bool> {
    const BATCH_LINES: usize = 4096;
    const BATCH_BYTES: usize = 1 << 20;
    buf.clear();
    lines.clear();
    while lines.len() < BATCH_LINES && buf.len() < BATCH_BYTES {
        let start = buf.len();
        // Read at most max_line + 1 bytes of this line; the rest is skipped without buffering.
        let limit = u64::try_from(max_line)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let n = input.by_ref().take(limit).read_until(b'\n', buf)?;
        if n == 0 {
            return Ok(!lines.is_empty());
        }
        let mut end = buf.len();
        let complete = buf[end - 1] == b'\n';
        if complete {
            end -= 1;
            if end > start && buf[end - 1] == b'\r' {
                end -= 1;
            }
        }
        if end - start > max_line {
            if !complete {
                skip_line(input)?;
            }
            buf.truncate(start);
            lines.push(Line::TooLong);
        } else {
            buf.truncate(end);
            lines.push(Line::Bytes(start..end));
        }
    }
    Ok(true)
}

fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(p) = chunk.iter().position(|&b| b == b'\n') {
            input.consume(p + 1);
            return Ok(());
        }
        let n = chunk.len();
        input.consume(n);
    }
}

/// Output and error bytes for a slice of lines, and whether any failed.
#[derive(Default)]
struct Done {
    out: Vec<u8>,
    err: Vec<u8>,
    failed: bool,
}

fn process(
    scanner: &Scanner,
    opts: &Options,
    buf: &[u8],
    lines: &[Line],
    first_line_no: u64,
    done: &mut Done,
) {
    let mut scratch = Redaction::default();
    for (k, line) in lines.iter().enumerate() {
        let no = first_line_no + k as u64;
        let bytes = match line {
            Line::Bytes(r) => &buf[r.clone()],
            Line::TooLong => {
                let e = Error::LineTooLong {
                    limit: opts.max_line,
                };
                jsonl::write_error(&mut done.err, no, &e);
                done.failed = true;
                if !opts.jsonl {
                    // Keep line numbering of the output aligned with the input.
                    done.out.push(b'\n');
                }
                continue;
            }
        };
        if opts.jsonl {
            if let Err(e) = jsonl::redact_line(scanner, bytes, &mut scratch, &mut done.out) {
                jsonl::write_error(&mut done.err, no, &e);
                done.failed = true;
            }
        } else {
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => std::borrow::Cow::Borrowed(t),
                Err(_) => {
                    let e = Error::InvalidJson {
                        reason: "invalid UTF-8 (replaced with U+FFFD before masking)".into(),
                    };
                    jsonl::write_error(&mut done.err, no, &e);
                    done.failed = true;
                    String::from_utf8_lossy(bytes)
                }
            };
            scanner.redact_into(&text, &mut scratch);
            done.out.extend_from_slice(scratch.masked.as_bytes());
            done.out.push(b'\n');
        }
    }
}

fn run(scanner: &Scanner, opts: &Options) -> io::Result<bool> {
    let stdin = io::stdin();
    let mut input = BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let stderr = io::stderr();
    let mut err = BufWriter::new(stderr.lock());
    let mut buf = Vec::new();
    let mut lines = Vec::new();
    let mut line_no = 1u64;
    let mut failed = false;
    let mut done: Vec<Done> = (0..opts.threads).map(|_| Done::default()).collect();
    while read_batch(&mut input, &mut buf, &mut lines, opts.max_line)? {
        let per = lines.len().div_ceil(opts.threads).max(1);
        for d in &mut done {
            d.out.clear();
            d.err.clear();
            d.failed = false;
        }
        if opts.threads == 1 || lines.len() < 64 {
            process(scanner, opts, &buf, &lines, line_no, &mut done[0]);
        } else {
            std::thread::scope(|s| {
                for (t, (part, d)) in lines.chunks(per).zip(done.iter_mut()).enumerate() {
                    let first = line_no + (t * per) as u64;
                    let buf = &buf;
                    s.spawn(move || process(scanner, opts, buf, part, first, d));
                }
            });
        }
        for d in &done {
            out.write_all(&d.out)?;
            err.write_all(&d.err)?;
            failed |= d.failed;
        }
        line_no += lines.len() as u64;
    }
    out.flush()?;
    err.flush()?;
    Ok(failed)
}
