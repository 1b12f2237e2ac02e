//! `phone-oracle examples` writes, for US, CA, ES, MX, BR, PT, AR, CO, GB, DE and FR, every
//! example number in libphonenumber's metadata (one per number type) in the library's national,
//! international, E.164 and RFC 3966 formats, as JSON lines. rampart-pii's tests check that its
//! own rules detect each of them after a phone keyword.
//!
//! `phone-oracle measure` prints what using the crate as a run-time validator would cost:
//! first-use initialisation, parse + is_valid per candidate and region, and the same on two
//! threads at once (the CLI's default).

use std::time::{Duration, Instant};

use phonenumber::{country::Id, metadata::DATABASE, Mode, Type};

const REGIONS: [Id; 11] = [
    Id::US,
    Id::CA,
    Id::ES,
    Id::MX,
    Id::BR,
    Id::PT,
    Id::AR,
    Id::CO,
    Id::GB,
    Id::DE,
    Id::FR,
];

const TYPES: [(Type, &str); 10] = [
    (Type::FixedLine, "fixed_line"),
    (Type::Mobile, "mobile"),
    (Type::TollFree, "toll_free"),
    (Type::PremiumRate, "premium_rate"),
    (Type::SharedCost, "shared_cost"),
    (Type::PersonalNumber, "personal_number"),
    (Type::Voip, "voip"),
    (Type::Pager, "pager"),
    (Type::Uan, "uan"),
    (Type::Voicemail, "voicemail"),
];

fn examples() {
    // The dependency is pinned with `=`, so the version in this header stays true.
    println!(
        "// libphonenumber metadata 9.0.33 example numbers (crate phonenumber 0.3.10+9.0.33, Apache-2.0), written by crates/pii/tools/phone-oracle; do not edit"
    );
    for region in REGIONS {
        let meta = DATABASE.by_id(region.as_ref()).expect("region in metadata");
        for (ty, ty_name) in TYPES {
            let Some(example) = meta.descriptors().get(ty).and_then(|d| d.example()) else {
                continue;
            };
            let number = phonenumber::parse(Some(region), example).expect("example parses");
            for (mode, mode_name) in [
                (Mode::National, "national"),
                (Mode::International, "international"),
                (Mode::E164, "e164"),
                (Mode::Rfc3966, "rfc3966"),
            ] {
                let line = serde_json::json!({
                    "region": region.as_ref(),
                    "type": ty_name,
                    "format": mode_name,
                    "value": number.format().mode(mode).to_string(),
                });
                println!("{line}");
            }
        }
    }
}

fn per_call(iters: u32, f: impl Fn()) -> Duration {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed() / iters
}

fn valid_in(region: Id, s: &str) -> bool {
    phonenumber::parse(Some(region), s).is_ok_and(|n| phonenumber::is_valid(&n))
}

fn measure() {
    let t = Instant::now();
    let n = phonenumber::parse(Some(Id::US), "415 555 0132").expect("parses");
    println!(
        "first parse + database load: {:?} (valid: {})",
        t.elapsed(),
        phonenumber::is_valid(&n)
    );
    let candidates = [
        "415 555 0132",
        "912 345 678",
        "(11) 91234-5678",
        "06 12 34 56 78",
        "030 12345678",
        "+44 20 7946 0018",
    ];
    for c in candidates {
        let one = per_call(2000, || {
            std::hint::black_box(valid_in(Id::ES, std::hint::black_box(c)));
        });
        let all = per_call(200, || {
            std::hint::black_box(
                REGIONS
                    .iter()
                    .any(|&r| valid_in(r, std::hint::black_box(c))),
            );
        });
        println!(
            "{c:>18}: parse+is_valid {one:?} for one region, {all:?} trying the default regions"
        );
    }
    let single = per_call(20_000, || {
        std::hint::black_box(valid_in(Id::ES, "912 345 678"));
    });
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..20_000 {
                    std::hint::black_box(valid_in(Id::ES, "912 345 678"));
                }
            });
        }
    });
    println!(
        "one thread: {single:?} per call; two threads: {:?} wall per pair of calls (no speed-up means the threads serialise)",
        t.elapsed() / 20_000
    );
    // What "valid" means for a chat scanner: numbers people type that the metadata refuses,
    // and made-up national numbers that some default region accepts.
    for s in ["+52 1 55 1234 5678", "+44 7700 900123", "+1 201 555 0123"] {
        let valid = phonenumber::parse(None, s).is_ok_and(|n| phonenumber::is_valid(&n));
        println!("{s:>20}: valid: {valid}");
    }
    for s in ["(123) 456-7890", "123 456 789", "1234 5678"] {
        let regions: Vec<&str> = REGIONS
            .iter()
            .filter(|&&r| valid_in(r, s))
            .map(|r| r.as_ref())
            .collect();
        println!("{s:>20}: valid in {regions:?}");
    }
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("examples") | None => examples(),
        Some("measure") => measure(),
        Some(other) => {
            eprintln!("usage: phone-oracle [examples|measure] (got `{other}`)");
            std::process::exit(2);
        }
    }
}
