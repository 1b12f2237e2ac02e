//! Criterion benchmarks of the scanner: throughput on chat text with and without personal
//! data, and per-message latency for a ~100-byte message.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_pii::{Redaction, Scanner};
use std::hint::black_box;

include!("support/messages.rs");

fn corpus(lines: &[&str], copies: usize) -> Vec<String> {
    (0..copies)
        .flat_map(|_| lines.iter().map(|s| (*s).to_owned()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let scanner = Scanner::new().expect("built-in patterns compile");
    let mut scratch = Redaction::default();

    for (name, lines) in [("clean", CLEAN), ("with_pii", PII)] {
        let msgs = corpus(lines, 100);
        let bytes: usize = msgs.iter().map(String::len).sum();
        let mut g = c.benchmark_group(format!("throughput_{name}"));
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function("redact", |b| {
            b.iter(|| {
                for m in &msgs {
                    scanner.redact_into(black_box(m), &mut scratch);
                }
                black_box(scratch.masked.len())
            })
        });
        g.finish();
    }

    // A clean/PII mix in the proportion of a busy support queue (two clean messages per PII one).
    let mixed: Vec<String> = corpus(CLEAN, 100)
        .into_iter()
        .chain(corpus(PII, 100))
        .collect();
    let bytes: usize = mixed.iter().map(String::len).sum();
    let mut g = c.benchmark_group("throughput_mixed");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("redact", |b| {
        b.iter(|| {
            for m in &mixed {
                scanner.redact_into(black_box(m), &mut scratch);
            }
            black_box(scratch.masked.len())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("latency_100b");
    let clean = LATENCY_CLEAN;
    let pii = LATENCY_PII;
    assert_eq!((clean.len(), pii.len()), (100, 100));
    g.bench_function("clean", |b| {
        b.iter(|| {
            scanner.redact_into(black_box(clean), &mut scratch);
            black_box(scratch.spans.len())
        })
    });
    g.bench_function("with_pii", |b| {
        b.iter(|| {
            scanner.redact_into(black_box(pii), &mut scratch);
            black_box(scratch.spans.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
