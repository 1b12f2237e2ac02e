//! The `rampart-redact` binary: the JSONL contract, plain mode and bad input.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::bin;

fn run(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn lines(b: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(b.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn jsonl_outputs_one_line_per_input_in_order_with_spans_and_masked_text() {
    let mut input = String::new();
    for i in 0..3000 {
        input.push_str(&format!(
            "{{\"id\":\"m{i}\",\"lang\":\"en\",\"text\":\"card 4111 1111 1111 1111 #{i}\"}}\n"
        ));
    }
    let out = run(&["--jsonl"], input.as_bytes());
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 3000);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"], format!("m{i}"));
        assert_eq!(v["spans"][0]["start"], 5);
        assert_eq!(v["spans"][0]["end"], 24);
        assert_eq!(v["spans"][0]["kind"], "credit_card");
        assert_eq!(v["masked"], format!("card •••• •••• •••• 1111 #{i}"));
    }
}

#[test]
fn malformed_lines_report_errors_on_stderr_and_processing_continues() {
    let input = b"{\"id\":1,\"text\":\"ok\"}\nnot json\n\n{\"id\":2}\n{\"id\":3,\"text\":\"\xff\"}\n{\"id\":4,\"text\":\"ssn 536-90-5739\"}\n";
    let out = run(&["--jsonl"], input);
    assert_eq!(out.status.code(), Some(1));
    let ok = lines(&out.stdout);
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1]["id"], 4);
    assert_eq!(ok[1]["masked"], "ssn [ssn]");
    let errs = lines(&out.stderr);
    let nums: Vec<i64> = errs.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(nums, [2, 3, 4, 5]);
    assert!(
        errs.iter()
            .all(|e| e["error"].as_str().is_some_and(|s| !s.is_empty()))
    );
}

#[test]
fn plain_mode_masks_line_by_line_and_reports_invalid_utf8() {
    let out = run(&[], b"call +34 612 345 678\n\nbad \xff 4111111111111111\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "call [phone]\n\nbad \u{fffd} ••••••••••••1111\n"
    );
    let errs = lines(&out.stderr);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["line"], 3);
}

#[test]
fn ten_megabyte_lines_are_processed_and_oversized_lines_rejected() {
    let big = "hello 4111 1111 1111 1111 and 1234 5678 9 ".repeat(10 * 1024 * 1024 / 42);
    let input =
        format!("{{\"id\":\"big\",\"text\":\"{big}\"}}\n{{\"id\":\"after\",\"text\":\"x\"}}\n");
    let started = Instant::now();
    let out = run(&["--jsonl"], input.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 2);
    assert!(!got[0]["masked"].as_str().unwrap().contains("4111"));

    let out = run(&["--jsonl", "--max-line-bytes", "1000"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], "after");
    let errs = lines(&out.stderr);
    assert_eq!(errs[0]["line"], 1);
    assert!(
        errs[0]["error"]
            .as_str()
            .unwrap()
            .contains("longer than 1000")
    );
}

#[test]
fn deeply_nested_json_is_an_error_or_skipped_never_a_crash() {
    let (open, close) = ("[".repeat(1_000_000), "]".repeat(1_000_000));
    let input = format!(
        "{open}{close}\n{{\"id\":1,\"text\":{open}{close}}}\n{{\"id\":{open}{close},\"text\":\"a\"}}\n{{\"id\":2,\"text\":\"a\",\"x\":{open}{close}}}\n"
    );
    let out = run(&["--jsonl"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let errs = lines(&out.stderr);
    let nums: Vec<i64> = errs.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(nums, [1, 2, 3]);
    assert!(
        errs[2]["error"]
            .as_str()
            .unwrap()
            .contains("\"id\" must be a string or a number")
    );
    // Nesting inside ignored keys is skipped without recursion.
    let ok = lines(&out.stdout);
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0]["id"], 2);
}

#[test]
fn extras_flag_enables_opt_in_kinds() {
    let input = b"CNPJ 11.222.333/0001-81, passport X1234567\n";
    let out = run(&[], input);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "CNPJ 11.222.333/0001-81, passport X1234567\n"
    );
    let out = run(&["--extras"], input);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "CNPJ [cnpj], passport [passport]\n"
    );
}

#[test]
fn help_documents_both_modes() {
    let out = run(&["--help"], b"");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--jsonl") && help.contains("Plain text") && help.contains("\"line\""));
    assert!(help.contains("--policy KIND=POLICY") && help.contains("--pattern NAME=REGEX"));
    assert!(["last4", "full", "token"].iter().all(|p| help.contains(p)));
    let out = run(&["--bogus"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn policy_flags_change_how_each_kind_is_masked() {
    let input = b"card 4111-1111-1111-1111, mail ana@example.com\n";
    let masked = |args: &[&str]| {
        let out = run(args, input);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(masked(&[]), "card ••••-••••-••••-1111, mail [email]\n");
    assert_eq!(
        masked(&["--policy", "credit_card=full", "--policy", "email=full"]),
        "card ••••-••••-••••-••••, mail •••@•••••••.•••\n"
    );
    assert_eq!(
        masked(&["--policy", "credit_card=token"]),
        "card [card ••••1111], mail [email]\n"
    );
    // The last --policy for a kind wins.
    assert_eq!(
        masked(&[
            "--policy",
            "credit_card=token",
            "--policy",
            "credit_card=last4"
        ]),
        "card ••••-••••-••••-1111, mail [email]\n"
    );
}

#[test]
fn pattern_flags_add_named_patterns_with_their_own_policy() {
    let input = b"{\"id\":1,\"text\":\"badge EMP-123456, ssn 536-90-5739\"}\n";
    let out = run(
        &[
            "--jsonl",
            "--policy",
            "employee_id=full",
            "--pattern",
            "employee_id=EMP-[0-9]{6}",
            "--pattern",
            "ticket=TCK=[0-9]+",
        ],
        input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = lines(&out.stdout);
    assert_eq!(got[0]["masked"], "badge •••-••••••, ssn [ssn]");
    assert_eq!(got[0]["spans"][0]["kind"], "employee_id");
    assert_eq!(got[0]["spans"][1]["kind"], "us_ssn");
    // A pattern's regex may itself contain '=': only the first one separates the name.
    let out = run(&["--pattern", "ticket=TCK=[0-9]+"], b"see TCK=42\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "see [ticket]\n");
}

#[test]
fn bad_policy_and_pattern_flags_fail_with_a_clear_usage_error() {
    let cases: &[(&[&str], &str)] = &[
        (&["--policy"], "--policy needs a value"),
        (&["--policy", "credit_card"], "expects KIND=POLICY"),
        (&["--policy", "=full"], "expects KIND=POLICY"),
        (&["--policy", "credit_card="], "expects KIND=POLICY"),
        (&["--policy", "bogus=full"], "unknown kind `bogus`"),
        (&["--policy", "email=half"], "unknown policy `half`"),
        (&["--pattern"], "--pattern needs a value"),
        (&["--pattern", "=x"], "expects NAME=REGEX"),
        (&["--pattern", "emp="], "expects NAME=REGEX"),
        (
            &["--pattern", "broken=(unclosed"],
            "custom pattern `broken` is invalid",
        ),
        (
            &["--pattern", r"huge=\w{1000}\w{1000}\w{1000}"],
            "custom pattern `huge` is invalid",
        ),
        (
            &["--pattern", "has space=x"],
            "custom pattern name `has space`",
        ),
        (
            &["--pattern", "a=x", "--pattern", "a=y"],
            "custom pattern name `a`",
        ),
        (&["--pattern", "email=x"], "`email` is a built-in kind"),
    ];
    for (args, want) in cases {
        let out = run(args, b"card 4111 1111 1111 1111\n");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing is processed");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("4111"), "{args:?}: errors never echo input");
    }
}
