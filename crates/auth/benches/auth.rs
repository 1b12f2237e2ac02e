//! Criterion benches for the speed targets:
//! - TOTP verification well under 10 µs;
//! - Argon2id verification at the default parameters within 50–250 ms (slow on purpose);
//! - a password policy check (blocklist + context + zxcvbn) under 1 ms.
//!
//! Run: `cargo bench -p rampart-auth --bench auth`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_auth::SecretString;
use rampart_auth::password::{HashParams, PasswordContext, PasswordHasher, PasswordPolicy};
use rampart_auth::recovery::RecoveryCodeSet;
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};

fn s(v: &str) -> SecretString {
    SecretString::new(v.to_owned())
}

fn totp(c: &mut Criterion) {
    let secret = TotpSecret::generate().expect("os rng");
    let t = Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").expect("totp");
    let now = 1_700_000_000;
    let current = t.code_at(now);
    let previous = t.code_at(now - 30);
    let mut g = c.benchmark_group("totp_verify");
    g.bench_function("sha1_6_current_step", |b| {
        b.iter(|| t.verify(black_box(current.expose()), black_box(now), Some(0)))
    });
    g.bench_function("sha1_6_previous_step", |b| {
        b.iter(|| t.verify(black_box(previous.expose()), black_box(now), Some(0)))
    });
    g.bench_function("sha1_6_wrong_code", |b| {
        b.iter(|| t.verify(black_box("000000"), black_box(now), Some(0)))
    });
    g.finish();
}

fn argon2(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id_verify");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, params) in [
        ("default", HashParams::DEFAULT),
        ("owasp_floor", HashParams::FLOOR),
    ] {
        let hasher = PasswordHasher::new(params).expect("params");
        let stored = hasher
            .hash(&s("violet kettle 7 orbit maple"))
            .expect("hash");
        let pw = s("violet kettle 7 orbit maple");
        g.bench_function(name, |b| b.iter(|| hasher.verify(black_box(&pw), &stored)));
    }
    g.finish();
}

fn policy(c: &mut Criterion) {
    let policy = PasswordPolicy::default();
    let ctx = PasswordContext {
        username: "jdoe".to_owned(),
        display_name: "Jane Doe".to_owned(),
        email: "jane.doe@acme.example".to_owned(),
        organisation: "Acme Widgets".to_owned(),
    };
    let typical = s("violet kettle 7 orbit maple");
    let long64 = s("violet kettle 7 orbit maple granite puffin lantern oboe quartz fjord");
    let max256 = s(&format!(
        "violet kettle 7 orbit maple {}",
        "granite puffin ".repeat(16)
    )[..256]);
    let common = s("qwerty123456");
    let mut g = c.benchmark_group("password_policy");
    g.bench_function("typical_27_chars", |b| {
        b.iter(|| policy.evaluate(black_box(&typical), &ctx))
    });
    g.bench_function("passphrase_68_chars", |b| {
        b.iter(|| policy.evaluate(black_box(&long64), &ctx))
    });
    g.bench_function("max_256_chars", |b| {
        b.iter(|| policy.evaluate(black_box(&max256), &ctx))
    });
    g.bench_function("common_hit", |b| {
        b.iter(|| policy.evaluate(black_box(&common), &ctx))
    });
    g.finish();
}

fn recovery(c: &mut Criterion) {
    let (codes, set) = RecoveryCodeSet::generate().expect("os rng");
    let code = codes[9].expose().to_owned();
    c.bench_function("recovery_redeem", |b| {
        b.iter(|| {
            let mut set = set.clone();
            set.redeem(black_box(&code))
        })
    });
}

criterion_group!(benches, totp, argon2, policy, recovery);
criterion_main!(benches);
