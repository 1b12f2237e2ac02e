//! RFC vectors, the ±1 window, and replay protection.

use rampart_auth::clock::ManualClock;
use rampart_auth::totp::{Totp, TotpAlgorithm, TotpConfig, TotpDigits, TotpSecret};
use rampart_auth::{Error, SecretBytes};

use crate::support::{fresh_totp, rfc_seed, totp_with};

#[test]
fn rfc4226_appendix_d_hotp_values() {
    // HOTP counter c is the TOTP step c with a 30 s period.
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    let t = totp_with(
        rfc_seed(TotpAlgorithm::Sha1),
        TotpAlgorithm::Sha1,
        TotpDigits::Six,
    );
    for (counter, code) in expected.iter().enumerate() {
        let at = counter as u64 * 30;
        assert_eq!(t.code_at(at).expose(), code, "counter {counter}");
        let accepted = t.verify(code, at, None).expect("vector verifies");
        assert_eq!(accepted.step(), counter as u64);
    }
}

#[test]
fn rfc6238_appendix_b_vectors_for_sha1_sha256_sha512() {
    let table: [(u64, [&str; 3]); 6] = [
        (59, ["94287082", "46119246", "90693936"]),
        (1_111_111_109, ["07081804", "68084774", "25091201"]),
        (1_111_111_111, ["14050471", "67062674", "99943326"]),
        (1_234_567_890, ["89005924", "91819424", "93441116"]),
        (2_000_000_000, ["69279037", "90698825", "38618901"]),
        (20_000_000_000, ["65353130", "77737706", "47863826"]),
    ];
    let algs = [
        TotpAlgorithm::Sha1,
        TotpAlgorithm::Sha256,
        TotpAlgorithm::Sha512,
    ];
    for (i, alg) in algs.into_iter().enumerate() {
        let t = totp_with(rfc_seed(alg), alg, TotpDigits::Eight);
        for (time, codes) in &table {
            assert_eq!(t.code_at(*time).expose(), codes[i], "{alg:?} at {time}");
            let accepted = t.verify(codes[i], *time, None).expect("vector verifies");
            assert_eq!(accepted.step(), time / 30);
        }
    }
}

#[test]
fn window_accepts_previous_current_and_next_step_and_reports_which() {
    let (_, t) = fresh_totp();
    let now: u64 = 1_700_000_000;
    let current = now / 30;
    for (offset, step) in [(-30i64, current - 1), (0, current), (30, current + 1)] {
        let code = t.code_at(now.saturating_add_signed(offset));
        let accepted = t.verify(code.expose(), now, None).expect("inside window");
        assert_eq!(accepted.step(), step);
    }
}

#[test]
fn window_refuses_two_steps_either_side() {
    let (_, t) = fresh_totp();
    let now = 1_700_000_000;
    for at in [now - 60, now + 60] {
        let code = t.code_at(at);
        // A 1-in-a-million collision with a window step would make this flaky; the codes
        // are checked to differ first so the test states exactly what it pins.
        let collides = [now - 30, now, now + 30]
            .iter()
            .any(|w| t.code_at(*w).expose() == code.expose());
        if !collides {
            assert!(matches!(
                t.verify(code.expose(), now, None),
                Err(Error::TotpInvalid)
            ));
        }
    }
}

#[test]
fn replayed_code_is_refused_with_a_distinct_error() {
    let (_, t) = fresh_totp();
    let now = 1_700_000_000;
    let code = t.code_at(now);
    let first = t.verify(code.expose(), now, None).expect("first use");
    let last = Some(first.step());
    assert!(matches!(
        t.verify(code.expose(), now + 5, last),
        Err(Error::TotpReplay { step }) if step == first.step()
    ));
    // An older code still inside the window is also refused as a replay.
    let older = t.code_at(now - 30);
    assert!(matches!(
        t.verify(older.expose(), now, last),
        Err(Error::TotpReplay { .. })
    ));
    // The next step's code is fine.
    let next = t.code_at(now + 30);
    assert_eq!(
        t.verify(next.expose(), now + 30, last)
            .map(|a| a.step())
            .ok(),
        Some(first.step() + 1)
    );
}

#[test]
fn replay_is_refused_after_a_restart_when_the_step_was_persisted() {
    let (secret, t) = fresh_totp();
    let clock = ManualClock::at(1_700_000_000);
    let code = t.code_at(1_700_000_000);
    let accepted = t
        .verify_now(code.expose(), &clock, None)
        .expect("first use");

    // What the hub would persist: the secret bytes and the last accepted step.
    let stored_secret = secret.expose_bytes().to_vec();
    let stored_step = serde_json::to_string(&accepted.step()).expect("serialise");
    drop((secret, t));

    // "Restart": rebuild everything from storage.
    let secret = TotpSecret::from_bytes(SecretBytes::new(stored_secret)).expect("secret");
    let t = Totp::new(&secret, TotpConfig::default(), "Rampart", "agent").expect("totp");
    let last: u64 = serde_json::from_str(&stored_step).expect("deserialise");
    clock.advance(10);
    assert!(matches!(
        t.verify_now(code.expose(), &clock, Some(last)),
        Err(Error::TotpReplay { .. })
    ));
}

#[test]
fn wrong_code_is_invalid_not_replay() {
    let (_, t) = fresh_totp();
    let now = 1_700_000_000;
    let good = t.code_at(now);
    let wrong = if good.expose() == "000000" {
        "000001"
    } else {
        "000000"
    };
    let collides = [now - 30, now, now + 30]
        .iter()
        .any(|w| t.code_at(*w).expose() == wrong);
    if !collides {
        assert!(matches!(
            t.verify(wrong, now, Some(0)),
            Err(Error::TotpInvalid)
        ));
    }
}

#[test]
fn qr_codes_render_in_png_and_svg() {
    let (_, t) = fresh_totp();
    let png = t.qr_png().expect("png");
    assert_eq!(&png.expose()[..4], b"\x89PNG");
    let svg = t.qr_svg().expect("svg");
    assert!(svg.expose().starts_with("<?xml") || svg.expose().contains("<svg"));
}
