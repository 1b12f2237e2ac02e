//! Prints the speed figures with the thread's CPU time beside wall time:
//! Argon2id verification for a few parameter sets (to choose `HashParams::DEFAULT`,
//! target 50–250 ms), the password policy check (target < 1 ms) and TOTP verification
//! (target well under 10 µs).
//!
//! Run: `cargo run --release -p rampart-auth --example measure`
//!
//! Wall time depends on what else the shared machine runs; the thread's CPU time (from
//! `/proc/thread-self/schedstat`, Linux only) is what an idle machine would show as wall
//! time for this single-threaded work (it advances at scheduler ticks, so batches are sized
//! to run for tens of milliseconds). The criterion bench (`cargo bench -p rampart-auth`)
//! gives wall-time distributions.

use std::time::Instant;

use rampart_auth::SecretString;
use rampart_auth::password::{HashParams, PasswordContext, PasswordHasher, PasswordPolicy};
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};

const RUNS: usize = 7;

fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Median wall and CPU milliseconds per call of `f`, over `runs` batches of `batch` calls.
fn time<T>(runs: usize, batch: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
        for _ in 0..batch {
            std::hint::black_box(f());
        }
        wall.push(start.elapsed().as_secs_f64() * 1e3 / batch as f64);
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_ns()) {
            cpu.push(b.saturating_sub(a) as f64 / 1e6 / batch as f64);
        }
    }
    (median(wall), median(cpu))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), rampart_auth::Error> {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average: {}", load.trim());
    println!(
        "{:>8} {:>3} {:>3} {:>12} {:>12}",
        "m (MiB)", "t", "p", "wall ms", "cpu ms"
    );
    let password = SecretString::new("violet kettle 7 orbit maple".to_owned());
    for (mib, t) in [(19, 2), (32, 2), (46, 2), (64, 2), (64, 3), (96, 2)] {
        let params = HashParams {
            memory_kib: mib * 1024,
            iterations: t,
            lanes: 1,
        };
        let hasher = PasswordHasher::new(params)?;
        let stored = hasher.hash(&password)?;
        let (wall, cpu) = time(RUNS, 1, || hasher.verify(&password, &stored).is_ok());
        let marker = if params == HashParams::DEFAULT {
            "  <- DEFAULT"
        } else {
            ""
        };
        println!(
            "{mib:>8} {t:>3} {:>3} {:>12.1} {:>12.1}{marker}",
            1, wall, cpu
        );
    }

    let policy = PasswordPolicy::default();
    let ctx = PasswordContext {
        username: "jdoe".to_owned(),
        display_name: "Jane Doe".to_owned(),
        email: "jane.doe@acme.example".to_owned(),
        organisation: "Acme Widgets".to_owned(),
    };
    println!("\npassword policy check {:>24} {:>12}", "wall ms", "cpu ms");
    let long = "violet kettle 7 orbit maple granite puffin lantern oboe quartz fjord";
    let max = format!(
        "violet kettle 7 orbit maple {}",
        "granite puffin ".repeat(16)
    );
    for (name, pw) in [
        ("typical, 27 chars", "violet kettle 7 orbit maple"),
        ("passphrase, 68 chars", long),
        ("256 chars", &max[..256]),
        ("common hit", "qwerty123456"),
        ("weak prefix, 72 chars", &"password1".repeat(8)),
    ] {
        let pw = SecretString::new(pw.to_owned());
        let (wall, cpu) = time(RUNS, 200, || policy.evaluate(&pw, &ctx).len());
        println!("  {name:<40} {wall:>12.3} {cpu:>12.3}");
    }

    let secret = TotpSecret::generate()?;
    let totp = Totp::new(&secret, TotpConfig::default(), "Rampart", "agent")?;
    let code = totp.code_at(1_700_000_000);
    let (wall, cpu) = time(RUNS, 100_000, || {
        totp.verify(code.expose(), 1_700_000_000, None).is_ok()
    });
    println!(
        "\nTOTP verify (SHA-1, 6 digits) {:>9.2} µs wall {:>9.2} µs cpu",
        wall * 1e3,
        cpu * 1e3
    );
    Ok(())
}
