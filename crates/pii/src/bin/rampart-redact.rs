//! `rampart-redact`: masks personal data in text read from stdin.
//!
//! `--jsonl`: one JSON object per line in, one result per line out, errors as JSON lines on
//! stderr. Without it: plain text, masked line by line. A reader thread batches lines, worker
//! threads (two by default) mask them, and output order always matches input order.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;

use rampart_pii::{Config, CustomPattern, Error, Extras, Kind, Policy, Redaction, Scanner, jsonl};

const HELP: &str = "\
rampart-redact: mask personal data (cards, CVVs, SSNs, emails, phones, IBANs, IPs, DNI/NIE,
CURP, CPF) in text read from standard input.

USAGE:
    rampart-redact [--jsonl] [--extras] [--policy KIND=POLICY]... [--pattern NAME=REGEX]...
                   [--max-line-bytes N] [--threads N]

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
    --extras             Also detect the opt-in kinds: br_cnpj, pt_nif, mx_clabe, and, after
                         their keywords, mx_rfc, passport, date_of_birth.
    --policy KIND=POLICY How to mask KIND (a kind below or a --pattern NAME). Repeatable;
                         the last one for a kind wins. POLICY is one of:
                           last4  letters and digits become \u{2022}, except the last four digits
                                  of a complete number (default for credit_card)
                           full   every letter and digit becomes \u{2022}
                           token  a labelled token: [email], [card \u{2022}\u{2022}\u{2022}\u{2022}1234]
                                  (default for every other kind and for patterns)
    --pattern NAME=REGEX Also mask matches of REGEX (Rust `regex` syntax, linear time, size
                         limited), reported as kind NAME (1-64 of A-Z a-z 0-9 _ -, not a
                         built-in kind). Repeatable. Example: --pattern 'employee_id=EMP-[0-9]{6}'
    --max-line-bytes N   Lines longer than N bytes are rejected (default 16777216).
    --threads N          Worker threads, 1-64 (default 2).
    -h, --help           Show this help.

KINDS:
    credit_card card_cvv us_ssn email phone iban ip_address es_dni es_nie mx_curp br_cpf
    with --extras: br_cnpj pt_nif mx_clabe mx_rfc passport date_of_birth

EXIT STATUS:
    0 when every line was processed, 1 when any line failed, 2 on usage or IO errors.
";

struct Options {
    jsonl: bool,
    max_line: usize,
    threads: usize,
    config: Config,
}

/// Splits `NAME=VALUE` at the first `=`; both sides must be non-empty.
fn name_value<'a>(flag: &str, what: &str, arg: &'a str) -> Result<(&'a str, &'a str), String> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() => Ok((name, value)),
        _ => Err(format!("{flag} expects {what}, got `{arg}`")),
    }
}

/// Builds the scanner configuration from the repeatable `--policy` and `--pattern` values.
/// A policy may name a pattern given before or after it.
fn config(extras: bool, policies: &[String], patterns: &[String]) -> Result<Config, String> {
    let mut config = Config {
        extras: if extras {
            Extras::all()
        } else {
            Extras::default()
        },
        ..Config::default()
    };
    for arg in patterns {
        let (name, regex) = name_value("--pattern", "NAME=REGEX", arg)?;
        if Kind::from_name(name).is_some() || name == "custom" {
            return Err(format!(
                "--pattern name `{name}` is a built-in kind; choose another name"
            ));
        }
        config.custom.push(CustomPattern {
            name: name.to_owned(),
            pattern: regex.to_owned(),
            policy: Policy::Token,
        });
    }
    for arg in policies {
        let (name, value) = name_value("--policy", "KIND=POLICY", arg)?;
        let policy = Policy::from_name(value).ok_or_else(|| {
            format!("unknown policy `{value}` for `{name}` in --policy (last4, full or token)")
        })?;
        if let Some(kind) = Kind::from_name(name) {
            config.policies.push((kind, policy));
        } else if let Some(c) = config.custom.iter_mut().find(|c| c.name == name) {
            c.policy = policy;
        } else {
            return Err(format!(
                "unknown kind `{name}` in --policy (a kind listed in --help or a --pattern name)"
            ));
        }
    }
    Ok(config)
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut opts = Options {
        jsonl: false,
        max_line: 16 << 20,
        threads: 2,
        config: Config::default(),
    };
    let (mut extras, mut policies, mut patterns) = (false, Vec::new(), Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--jsonl" => opts.jsonl = true,
            "--extras" => extras = true,
            "--policy" | "--pattern" => {
                let v = args
                    .next()
                    .ok_or_else(|| format!("{a} needs a value (see --help)"))?;
                if a == "--policy" {
                    policies.push(v);
                } else {
                    patterns.push(v);
                }
            }
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
    opts.config = config(extras, &policies, &patterns)?;
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
    let scanner = match Scanner::with_config(&opts.config) {
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
    const BATCH_LINES: usize = 1024;
    const BATCH_BYTES: usize = 256 << 10;
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

/// A batch of input lines on its way to a worker.
struct Batch {
    idx: u64,
    first_line_no: u64,
    buf: Vec<u8>,
    lines: Vec<Line>,
}

/// Pipeline: a reader thread cuts stdin into batches, `threads` workers take batches as they
/// free up (so a descheduled worker does not stall the others), and this thread writes results
/// in input order. Channels are bounded, so memory stays at a few batches.
fn run(scanner: &Scanner, opts: &Options) -> io::Result<bool> {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, mpsc};

    let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(opts.threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Done)>(opts.threads * 4);
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> io::Result<()> {
            let stdin = io::stdin();
            let mut input = BufReader::with_capacity(1 << 16, stdin.lock());
            let mut line_no = 1u64;
            for idx in 0u64.. {
                let mut buf = Vec::new();
                let mut lines = Vec::new();
                if !read_batch(&mut input, &mut buf, &mut lines, opts.max_line)? {
                    return Ok(());
                }
                let n = lines.len() as u64;
                let batch = Batch {
                    idx,
                    first_line_no: line_no,
                    buf,
                    lines,
                };
                line_no += n;
                if work_tx.send(batch).is_err() {
                    // The writer stopped (output error): nothing more to do.
                    return Ok(());
                }
            }
            Ok(())
        });
        for _ in 0..opts.threads {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            s.spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked: stop taking work.
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = next else { return };
                    let mut done = Done::default();
                    process(
                        scanner,
                        opts,
                        &batch.buf,
                        &batch.lines,
                        batch.first_line_no,
                        &mut done,
                    );
                    if done_tx.send((batch.idx, done)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        let stdout = io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        let stderr = io::stderr();
        let mut err = BufWriter::new(stderr.lock());
        let mut failed = false;
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        let write_result = (|| -> io::Result<()> {
            for (idx, done) in done_rx.iter() {
                pending.insert(idx, done);
                while let Some(d) = pending.remove(&next) {
                    out.write_all(&d.out)?;
                    err.write_all(&d.err)?;
                    failed |= d.failed;
                    next += 1;
                }
            }
            out.flush()?;
            err.flush()
        })();
        // On a write error, dropping the receiver stops the workers and then the reader.
        drop(done_rx);
        let read_result = reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")));
        write_result?;
        read_result?;
        Ok(failed)
    })
}
