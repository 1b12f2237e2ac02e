//! Each rejection reason, Unicode handling, and the UI contract (codes + parameters).

use rampart_auth::password::{
    ContextField, PasswordPolicy, PasswordRules, Rejection, blocklist_len,
};

use crate::support::{reasons, reasons_for_jane, s};

const STRONG: &str = "violet kettle 7 orbit maple";

#[test]
fn a_strong_passphrase_passes() {
    assert_eq!(reasons(STRONG), vec![]);
    assert_eq!(reasons_for_jane(STRONG), vec![]);
}

#[test]
fn too_short_reports_minimum_and_actual_length() {
    assert!(reasons("k3ttle").contains(&Rejection::TooShort { min: 12, actual: 6 }));
}

#[test]
fn sixty_four_and_more_characters_are_accepted_and_not_truncated() {
    let long = "violet kettle 7 orbit maple granite puffin lantern oboe quartz fjord";
    assert!(long.chars().count() > 64);
    assert_eq!(reasons(long), vec![]);
    let max = format!("{STRONG} {}", "z".repeat(256 - STRONG.len() - 1));
    assert_eq!(max.chars().count(), 256);
    assert_eq!(reasons(&max), vec![]);
}

#[test]
fn too_long_is_rejected_never_cut() {
    let over = format!("{STRONG} {}", "z".repeat(256 - STRONG.len()));
    assert_eq!(over.chars().count(), 257);
    assert_eq!(reasons(&over), vec![Rejection::TooLong { max: 256 }]);
    // Absurdly long input is refused cheaply with the same reason.
    assert_eq!(
        reasons(&"a1".repeat(50_000)),
        vec![Rejection::TooLong { max: 256 }]
    );
}

#[test]
fn decomposed_hangul_counts_as_composed_syllables_not_bytes() {
    // 250 syllables typed as conjoining jamo (L+V+T, 9 bytes each): 2,251 bytes and 751
    // code points in, 251 code points after NFKC, so within the 256 maximum.
    let syllable = "\u{1112}\u{1161}\u{11AB}"; // 한
    let typed = format!("{}7", syllable.repeat(250));
    assert_eq!(typed.len(), 2_251);
    let r = reasons(&typed);
    assert!(
        !r.iter().any(|x| matches!(x, Rejection::TooLong { .. })),
        "{r:?}"
    );
}

#[test]
fn letters_and_digits_are_required() {
    assert!(reasons("7391 4620 8857 1193").contains(&Rejection::MissingLetter));
    assert_eq!(
        reasons("violet kettle orbit maple"),
        vec![Rejection::MissingDigit]
    );
}

#[test]
fn defaults_add_no_other_composition_rule() {
    // All lower case, no symbol: fine by default.
    assert_eq!(reasons("violetkettle7orbitmaple"), vec![]);
}

#[test]
fn administrator_can_require_upper_lower_and_symbols() {
    let strict = PasswordPolicy::new(PasswordRules {
        require_uppercase: true,
        require_lowercase: true,
        require_symbol: true,
        ..PasswordRules::default()
    })
    .expect("stricter rules are allowed");
    let ctx = Default::default();
    let r = strict.evaluate(&s(STRONG), &ctx);
    assert_eq!(
        r,
        vec![Rejection::MissingUppercase, Rejection::MissingSymbol]
    );
    let r = strict.evaluate(&s("VIOLET KETTLE 7 ORBIT MAPLE!"), &ctx);
    assert_eq!(r, vec![Rejection::MissingLowercase]);
    assert_eq!(
        strict.evaluate(&s("Violet kettle 7 orbit maple!"), &ctx),
        vec![]
    );
}

#[test]
fn administrator_can_raise_the_minimum_length() {
    let strict = PasswordPolicy::new(PasswordRules {
        min_chars: 30,
        ..PasswordRules::default()
    })
    .expect("stricter");
    let r = strict.evaluate(&s(STRONG), &Default::default());
    assert_eq!(
        r,
        vec![Rejection::TooShort {
            min: 30,
            actual: 27
        }]
    );
}

#[test]
fn common_passwords_from_the_bundled_list_are_rejected() {
    assert!(blocklist_len() >= 10_000);
    for pw in ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc"] {
        assert!(reasons(pw).contains(&Rejection::Common), "{pw}");
    }
}

#[test]
fn context_words_are_rejected_per_field() {
    let cases = [
        ("kettle jdoe 7 orbit maple", ContextField::Username),
        ("kettle doe 7 orbit maple", ContextField::DisplayName),
        ("kettle smithers 7 orbit maple", ContextField::Email),
        ("kettle widgets 7 orbit maple", ContextField::Organisation),
        ("kettle rampart 7 orbit maple", ContextField::Product),
        ("kettle RAMPART 7 orbit maple", ContextField::Product),
    ];
    for (pw, field) in cases {
        assert!(
            reasons_for_jane(pw).contains(&Rejection::ContainsContext { field }),
            "{pw}: {:?}",
            reasons_for_jane(pw)
        );
    }
}

#[test]
fn guessable_passwords_are_rejected_by_zxcvbn_score() {
    let r = reasons("aaaaaaaaaaa1");
    assert!(
        r.iter()
            .any(|x| matches!(x, Rejection::TooGuessable { score, min: 3 } if *score < 3)),
        "{r:?}"
    );
    assert!(!r.contains(&Rejection::Common));
}

#[test]
fn long_repetitive_passwords_are_still_scored_too_guessable() {
    // Longer than the quick-scoring prefix: the prefix is weak, so the full scorer runs.
    let r = reasons(&"password1".repeat(8));
    assert!(
        r.iter()
            .any(|x| matches!(x, Rejection::TooGuessable { .. })),
        "{r:?}"
    );
}

#[test]
fn length_is_counted_after_nfkc_so_combining_marks_compose() {
    // Five "e + combining acute" pairs compose to five "é": 16 code points typed, 11 counted.
    let typed = format!("{}abc123", "e\u{301}".repeat(5));
    assert_eq!(typed.chars().count(), 16);
    assert!(reasons(&typed).contains(&Rejection::TooShort {
        min: 12,
        actual: 11
    }));
}

#[test]
fn emoji_count_as_one_code_point_each_and_are_allowed() {
    // 8 code points, 30 bytes in UTF-8: counted as 8.
    assert!(reasons("🐉🌋🎻🐉🌋🎻1a").contains(&Rejection::TooShort { min: 12, actual: 8 }));
    assert_eq!(reasons("🐉 violet kettle 7 🎻 maple"), vec![]);
}

#[test]
fn full_width_letters_normalise_to_ascii() {
    assert_eq!(
        reasons("ｖｉｏｌｅｔ ｋｅｔｔｌｅ ７ ｏｒｂｉｔ ｍａｐｌｅ"),
        vec![]
    );
    assert!(reasons("ｑｗｅｒｔｙ１２３４５６").contains(&Rejection::Common));
}

#[test]
fn letters_of_any_script_count_as_letters() {
    let r = reasons("дом кошка 7 весна луна");
    assert!(!r.contains(&Rejection::MissingLetter) && !r.contains(&Rejection::MissingDigit));
}

#[test]
fn rejections_serialise_as_code_plus_parameters() {
    let json = |r: Rejection| serde_json::to_value(r).expect("serialise");
    assert_eq!(
        json(Rejection::TooShort { min: 12, actual: 6 }),
        serde_json::json!({"code": "tooShort", "min": 12, "actual": 6})
    );
    assert_eq!(
        json(Rejection::ContainsContext {
            field: ContextField::DisplayName
        }),
        serde_json::json!({"code": "containsContext", "field": "displayName"})
    );
    assert_eq!(
        json(Rejection::Common),
        serde_json::json!({"code": "common"})
    );
}

/// One of each variant, for the catalogue check.
fn one_of_each() -> Vec<Rejection> {
    vec![
        Rejection::TooShort { min: 12, actual: 3 },
        Rejection::TooLong { max: 256 },
        Rejection::MissingLetter,
        Rejection::MissingDigit,
        Rejection::MissingUppercase,
        Rejection::MissingLowercase,
        Rejection::MissingSymbol,
        Rejection::Common,
        Rejection::ContainsContext {
            field: ContextField::Email,
        },
        Rejection::TooGuessable { score: 1, min: 3 },
    ]
}

#[test]
fn english_and_spanish_catalogues_cover_every_code_with_matching_placeholders() {
    let catalogues = [
        ("en", include_str!("../../locales/en.json")),
        ("es", include_str!("../../locales/es.json")),
    ];
    for (lang, text) in catalogues {
        let cat: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).expect("valid JSON");
        for r in one_of_each() {
            let value = serde_json::to_value(&r).expect("serialise");
            let key = format!("password.{}", r.code());
            assert_eq!(value["code"], r.code());
            let template = cat.get(&key).and_then(|v| v.as_str());
            let template = template.unwrap_or_else(|| panic!("{lang}: missing {key}"));
            let params: Vec<&String> = value
                .as_object()
                .expect("object")
                .keys()
                .filter(|k| *k != "code")
                .collect();
            for p in &params {
                // The score is for diagnostics; the texts need not show it.
                if *p == "score" || (*p == "min" && r.code() == "tooGuessable") {
                    continue;
                }
                assert!(
                    template.contains(&format!("{{{p}}}")),
                    "{lang} {key} lacks {{{p}}}"
                );
            }
        }
        for field in [
            "username",
            "displayName",
            "email",
            "organisation",
            "product",
        ] {
            assert!(
                cat.contains_key(&format!("field.{field}")),
                "{lang}: field.{field}"
            );
        }
    }
}
