//! Criterion benchmarks of the scanner: throughput on chat text with and without personal
//! data, and per-message latency for a ~100-byte message.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_pii::{Redaction, Scanner};
use std::hint::black_box;

const CLEAN: &[&str] = &[
    "Hi, I ordered the blue jacket last week and it still has not arrived, can you check?",
    "Hola, mi pedido llegó incompleto, faltan dos camisetas de la talla M. ¿Me ayudan?",
    "Olá, o produto chegou com defeito e gostaria de trocar por outro igual, por favor.",
    "Thanks for the quick answer! The package arrived today at 10:30 and everything is fine.",
    "The app crashes on version 2.14.3-beta when I open settings, I'm on Android 14.",
    "¿Cuánto cuesta el envío a Valencia? En la web pone 4,99 € pero me cobraron 6,50 €.",
    "Meu pedido 48213 ainda não foi entregue, o prazo era dia 12/03/2024. Podem verificar?",
    "Can I change the delivery address to my office? It's open from 9 to 5 on weekdays.",
    "I was charged twice for the same order, total $59.90 each time. Please refund one.",
    "Perfecto, muchas gracias por la ayuda. Que tengan un buen día, hasta luego.",
];

const PII: &[&str] = &[
    "My card is 4111 1111 1111 1111, exp 12/27, cvv 123. Please charge the order now.",
    "Mi DNI es 12345678Z y mi email es juan.perez@example.es, llámame al 612 345 678.",
    "Meu CPF é 529.982.247-25 e o telefone é (11) 91234-5678, pode confirmar o cadastro?",
    "IBAN ES91 2100 0418 4502 0005 1332 for the refund please, thanks a lot!",
    "You can email me at john dot doe at gmail dot com or call +1 (415) 555-0132.",
];

/// Exactly 100 bytes each.
const LATENCY_CLEAN: &str = "Hi, I ordered the blue jacket last week and it still has not arrived, could you check it for me, pls";
const LATENCY_PII: &str = "Hi, my card is 4111 1111 1111 1111 exp 12/27 and cvv 123, please charge the order today. Thanks!!!!!";

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
