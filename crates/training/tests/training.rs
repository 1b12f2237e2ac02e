//! Integration tests of rampart-training: pack parsing and validation (each kind of error with
//! its line), sanitisation, scoring, expiry and gating, drills, and the built-in curriculum.
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod support;

use rampart_training::drill::{Action, Detector, Expect, Run, Signal};
use rampart_training::progress::{self, Attempt, Completion, Gate, Requirement, Standing};
use rampart_training::quiz::{self, Answer, Response};
use rampart_training::{Block, Language, Pack, Problem, Role, render_markdown};
use support::*;

const VALID: &str = r#"+++
id = "codes"
title = "Two-factor codes"
language = "en"
roles = ["agent", "supervisor"]
version = 2
estimated_minutes = 10
pass_mark = 75
expiry_days = 365
+++
Intro with **bold**.

## Why codes matter

A code proves it is you.

```quiz
kind = "single"
prompt = "Who may ask for your code?"
options = ["IT", "Your manager", "Nobody"]
answer = 3
explain = "Nobody, ever."
```

## Practice

```quiz
id = "never"
kind = "multiple"
prompt = "Which are red flags?"
options = ["Urgency", "A polite greeting", "Asking for a code"]
answers = [1, 3]
explain = "Pressure and code requests are the signs."
```

```quiz
kind = "ordering"
prompt = "Put the steps in order."
items = ["Refuse", "Report", "Carry on"]
explain = "Refuse first, then report."
```

```quiz
kind = "true_false"
prompt = "IT may ask for your code during a migration."
answer = false
explain = "Real IT never needs it."
```

```drill
id = "fake-it"
title = "Fake IT"
customer = "Alex (IT)"
secrets = ["493 817"]

[[step]]
id = "ask"
says = "Send me your code now."
next = [
  { when = "shared_code", goto = "owned" },
  { when = "refused_disclosure", goto = "bye" },
]
otherwise = "ask"

[[step]]
id = "owned"
says = "Thanks!"
end = true

[[step]]
id = "bye"
says = "Fine."
end = true

[[rule]]
avoid = "shared_code"
points = 3
critical = true
explain = "Never share a code."

[[rule]]
do = "refused_disclosure"
explain = "Say no."

[[rule]]
do = "reported_attempt"
explain = "Report it."
```
"#;

fn valid_pack() -> Pack {
    let es = VALID
        .replace("language = \"en\"", "language = \"es\"")
        .replace("Who may", "¿Quién");
    let m = manifest(&["en/codes.md", "es/codes.md"]);
    pack(&[
        ("pack.toml", &m),
        ("en/codes.md", VALID),
        ("es/codes.md", &es),
    ])
    .unwrap()
}

// ---------------------------------------------------------------- parsing

#[test]
fn a_valid_pack_parses_into_sections_questions_and_drills() {
    let pack = valid_pack();
    assert_eq!(pack.manifest.languages, vec![Language::En, Language::Es]);
    assert_eq!(pack.lessons.len(), 2);
    let lesson = pack.lesson("codes", Language::En).unwrap();
    assert_eq!(lesson.roles, vec![Role::Agent, Role::Supervisor]);
    assert_eq!(
        (lesson.version, lesson.pass_mark, lesson.expiry_days),
        (2, 75, Some(365))
    );
    let titles: Vec<_> = lesson.sections.iter().map(|s| s.title.as_deref()).collect();
    assert_eq!(
        titles,
        vec![None, Some("Why codes matter"), Some("Practice")]
    );
    assert!(
        matches!(&lesson.sections[0].blocks[0], Block::Text { html } if html.contains("<strong>bold</strong>"))
    );
    let ids: Vec<_> = lesson.questions().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, vec!["q1", "never", "q3", "q4"]);
    let first = lesson.questions().next().unwrap();
    assert_eq!(
        first.answer,
        Answer::Single {
            options: vec!["IT".into(), "Your manager".into(), "Nobody".into()],
            correct: 2
        }
    );
    let drill = lesson.drills().next().unwrap();
    assert_eq!(
        (drill.id.as_str(), drill.customer.as_str()),
        ("fake-it", "Alex (IT)")
    );
    assert_eq!(drill.steps.len(), 3);
    assert_eq!(drill.rules[0].expect, Expect::Avoid);
    assert_eq!(pack.lessons_in(Language::Es).count(), 1);
}

#[test]
fn pack_loads_from_a_folder_and_refuses_paths_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("en")).unwrap();
    std::fs::write(dir.path().join("en/codes.md"), VALID).unwrap();
    std::fs::write(dir.path().join("pack.toml"), manifest(&["en/codes.md"])).unwrap();
    let pack = Pack::load_dir(dir.path()).unwrap();
    assert_eq!(pack.lessons[0].file, "en/codes.md");

    std::fs::write(dir.path().join("pack.toml"), manifest(&["../codes.md"])).unwrap();
    let found = issues(Pack::load_dir(dir.path()));
    assert_eq!((found[0].file.as_str(), found[0].line), ("pack.toml", 4));
    assert!(matches!(found[0].problem, Problem::UnsafePath { .. }));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_a_lesson_file() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), VALID).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("codes.md")).unwrap();
    std::fs::write(dir.path().join("pack.toml"), manifest(&["codes.md"])).unwrap();
    let found = issues(Pack::load_dir(dir.path()));
    assert!(
        matches!(found[0].problem, Problem::FileNotFound { .. }),
        "{found:?}"
    );
}

/// Parses `en/a.md` = `text` and returns the single issue's line and problem.
fn only_issue(text: &str) -> (usize, Problem) {
    let mut found = issues(one_lesson(text));
    assert_eq!(found.len(), 1, "{found:?}");
    let issue = found.remove(0);
    assert_eq!(issue.file, "en/a.md");
    (issue.line, issue.problem)
}

#[test]
fn unknown_key_in_front_matter_names_key_and_line() {
    let text = format!("{}{QUIZ}", front("a", "en", "pass_mrak = 3\n"));
    let (line, problem) = only_issue(&text);
    assert_eq!(line, 10);
    assert!(
        matches!(problem, Problem::UnknownKey { ref key, .. } if key == "pass_mrak"),
        "{problem}"
    );
}

#[test]
fn missing_field_points_at_the_opening_fence() {
    let text = format!(
        "{}{QUIZ}",
        front("a", "en", "").replace("pass_mark = 80\n", "")
    );
    assert_eq!(
        only_issue(&text),
        (
            1,
            Problem::MissingField {
                field: "pass_mark".into()
            }
        )
    );
}

#[test]
fn pass_mark_out_of_range_is_refused_on_its_line() {
    let text = format!(
        "{}{QUIZ}",
        front("a", "en", "").replace("pass_mark = 80", "pass_mark = 120")
    );
    assert_eq!(
        only_issue(&text),
        (8, Problem::PassMarkOutOfRange { value: 120 })
    );
}

#[test]
fn quiz_errors_carry_the_line_within_the_whole_file() {
    // Front matter is lines 1-10; line 11 is blank, 12 the fence, the TOML starts on 13.
    let quiz = "\n```quiz\nkind = \"single\"\nprompt = \"?\"\noptions = [\"a\", \"b\"]\nanswer = 3\nexplain = \"x\"\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    assert_eq!(
        only_issue(&text),
        (
            16,
            Problem::AnswerOutOfRange {
                index: 3,
                options: 2
            }
        )
    );

    let quiz = "\n```quiz\nkind = \"single\"\nprompt = \"?\"\noptoins = [\"a\", \"b\"]\nanswer = 1\nexplain = \"x\"\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    let (line, problem) = only_issue(&text);
    assert_eq!(line, 15);
    assert!(matches!(problem, Problem::UnknownKey { ref key, .. } if key == "optoins"));

    let quiz = "\n```quiz\nkind = \"multiple\"\nprompt = \"?\"\noptions = [\"a\", \"b\", \"c\"]\nanswers = [1, 1]\nexplain = \"x\"\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    assert_eq!(
        only_issue(&text),
        (16, Problem::DuplicateAnswer { index: 1 })
    );

    let quiz = "\n```quiz\nkind = \"single\"\nprompt = \"?\nanswer = 1\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    let (line, problem) = only_issue(&text);
    assert_eq!(line, 14);
    assert!(matches!(problem, Problem::Syntax { .. }), "{problem}");

    let quiz = "\n```quiz\nkind = \"true_false\"\nprompt = \"?\"\noptions = [\"a\", \"b\"]\nanswer = true\nexplain = \"x\"\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    let (line, problem) = only_issue(&text);
    assert_eq!(line, 15);
    assert!(matches!(
        problem,
        Problem::KeyNotForKind { key: "options", .. }
    ));

    let quiz = "\n```quiz\nkind = \"essay\"\nprompt = \"?\"\nexplain = \"x\"\n```\n";
    let text = format!("{}{quiz}", front("a", "en", ""));
    let (line, problem) = only_issue(&text);
    assert_eq!(line, 13);
    assert!(matches!(problem, Problem::InvalidValue { .. }), "{problem}");
}

#[test]
fn block_and_lesson_shape_errors() {
    let text = format!("{}\n```quizz\nkind = 1\n```\n{QUIZ}", front("a", "en", ""));
    assert_eq!(
        only_issue(&text),
        (
            12,
            Problem::UnknownBlock {
                info: "quizz".into()
            }
        )
    );
    let text = format!("{}\nJust text.\n", front("a", "en", ""));
    assert_eq!(only_issue(&text), (1, Problem::NoAssessment));
    assert_eq!(
        only_issue("# No front matter\n"),
        (1, Problem::MissingFrontMatter)
    );
    assert_eq!(
        only_issue("+++\nid = \"a\"\n"),
        (1, Problem::UnclosedFrontMatter)
    );
}

#[test]
fn drill_errors_name_the_step_and_line() {
    let drill = "\n```drill\nid = \"d\"\ntitle = \"D\"\n\n[[step]]\nid = \"a\"\nsays = \"hi\"\nnext = [{ when = \"used_secure_form\", goto = \"nowhere\" }]\nend = true\n\n[[rule]]\ndo = \"used_secure_form\"\navoid = \"echoed_data\"\nexplain = \"x\"\n```\n";
    let text = format!("{}{drill}", front("a", "en", ""));
    let found = issues(one_lesson(&text));
    let got: Vec<_> = found.iter().map(|i| (i.line, i.problem.clone())).collect();
    assert_eq!(
        got,
        vec![
            (
                19,
                Problem::UnknownStep {
                    step: "nowhere".into()
                }
            ),
            (22, Problem::RuleNeedsOneOf),
        ]
    );
    let text = format!(
        "{}{}",
        front("a", "en", ""),
        drill.replace("used_secure_form\", goto", "waved\", goto")
    );
    let found = issues(one_lesson(&text));
    assert!(
        matches!(found[0].problem, Problem::InvalidValue { ref message } if message.contains("waved")),
        "{found:?}"
    );
    assert_eq!(found[0].line, 19);
}

#[test]
fn cross_file_errors_duplicate_id_language_and_translation() {
    let a = format!("{}{QUIZ}", front("a", "en", ""));
    let es_in_en = format!("{}{QUIZ}", front("b", "es", ""));
    let es = format!(
        "{}{QUIZ}",
        front("a", "es", "").replace("version = 1", "version = 2")
    );
    let m = manifest(&[
        "en/a.md",
        "en/a2.md",
        "en/b.md",
        "es/a.md",
        "en/missing.md",
        "en/a.md",
    ]);
    let report = report(pack(&[
        ("pack.toml", &m),
        ("en/a.md", &a),
        ("en/a2.md", &a),
        ("en/b.md", &es_in_en),
        ("es/a.md", &es),
    ]));
    insta::assert_snapshot!(report, @r#"
    en/a2.md:2: duplicate lesson id `a` in language `en` (first defined in en/a.md)
    en/b.md:2: language mismatch: the lesson says `language = "es"` but sits in the `en/` folder
    es/a.md:2: translation mismatch for lesson `a`: `version` differs from en/a.md
    pack.toml:4: lesson file `en/missing.md` is listed but not found
    pack.toml:4: lesson file `en/a.md` is listed twice
    "#);
}

#[test]
fn manifest_errors_name_their_lines() {
    let m = manifest(&[]).replace("es = \"Prueba\"\n", "");
    let found = issues(pack(&[("pack.toml", &m)]));
    assert_eq!(
        (found[0].line, found[0].problem.clone()),
        (
            6,
            Problem::MissingField {
                field: "title.es".into()
            }
        )
    );
    let found = issues(pack(&[(
        "pack.toml",
        "id = \"x\"\nversion = 1\nlanguages = [\"fr\"]\n",
    )]));
    assert_eq!(found[0].line, 3);
    assert!(matches!(found[0].problem, Problem::InvalidValue { .. }));
}

// ---------------------------------------------------------------- sanitisation

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<div onclick=\"alert(1)\">hi</div>",
    "<style>body{display:none}</style>",
    "<object data=x></object><embed src=x>",
    "<form action=https://evil.example><input name=p></form>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    "![x](https://tracker.example/pixel.png \"t\")",
    "![x\" onerror=\"alert(1)](x)",
    "<!-- <script>alert(1)</script> -->",
    "`<script>` in code is fine",
    "```\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "[x](/relative/path)",
    "<meta http-equiv=refresh content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
];

/// Tags the renderer may emit; attributes it may emit, and link schemes.
const TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];
const ATTRIBUTES: &[&str] = &["href", "title", "rel", "start"];

/// Every `<` in the output opens a real tag (text has `&lt;`), so checking each tag's name,
/// attributes and link target proves the output inert.
fn assert_inert(html: &str, payload: &str) {
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        assert!(
            TAGS.contains(&name.as_str()),
            "{payload:?} produced <{tag}>: {html}"
        );
        let mut rest = &tag[name.len()..];
        while let Some(eq) = rest.find("=\"") {
            let attribute = rest[..eq].trim();
            assert!(
                ATTRIBUTES.contains(&attribute),
                "{payload:?} produced {attribute}=: {html}"
            );
            let value_end = rest[eq + 2..].find('"').map_or(rest.len(), |e| eq + 2 + e);
            let value = &rest[eq + 2..value_end];
            if attribute == "href" {
                assert!(
                    value.starts_with("https://")
                        || value.starts_with("http://")
                        || value.starts_with("mailto:"),
                    "{payload:?} produced href={value}: {html}"
                );
            }
            rest = &rest[(value_end + 1).min(rest.len())..];
        }
    }
}

#[test]
fn sanitisation_payloads_render_inert() {
    for payload in PAYLOADS {
        assert_inert(&render_markdown(payload), payload);
    }
}

#[test]
fn links_get_noopener_and_only_safe_schemes_keep_their_target() {
    let html =
        render_markdown("[a](https://example.com) [b](mailto:x@example.com) [c](javascript:x)");
    assert_eq!(
        html.matches("rel=\"noopener noreferrer\"").count(),
        3,
        "{html}"
    );
    assert!(html.contains("href=\"https://example.com\""));
    assert!(html.contains("href=\"mailto:x@example.com\""));
    assert!(!html.contains("javascript"));
}

#[test]
fn payloads_inside_a_lesson_render_inert() {
    let body: String = PAYLOADS.iter().map(|p| format!("{p}\n\n")).collect();
    let text = format!("{}{body}{QUIZ}", front("a", "en", ""));
    let pack = one_lesson(&text).unwrap();
    for section in &pack.lessons[0].sections {
        for block in &section.blocks {
            if let Block::Text { html } = block {
                assert_inert(html, "lesson body");
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn no_markup_from_arbitrary_input_survives(s in "[<>a-z=\"' /:;()!\\[\\]*`#-]{0,80}") {
        assert_inert(&render_markdown(&s), &s);
    }
}

// ---------------------------------------------------------------- scoring

#[test]
fn quiz_scoring_and_pass_mark() {
    let pack = valid_pack();
    let lesson = pack.lesson("codes", Language::En).unwrap();
    let questions: Vec<_> = lesson.questions().cloned().collect();
    let all_right = [
        Some(Response::Single(2)),
        Some(Response::Multiple(vec![2, 0])),
        Some(Response::Ordering(vec![0, 1, 2])),
        Some(Response::TrueFalse(false)),
    ];
    let s = quiz::score(&questions, &all_right);
    assert_eq!((s.correct, s.total, s.percent()), (4, 4, 100));
    // Three of four is exactly the 75 % pass mark.
    let three = [
        all_right[0].clone(),
        Some(Response::Multiple(vec![0])),
        all_right[2].clone(),
        all_right[3].clone(),
    ];
    let s = quiz::score(&questions, &three);
    assert_eq!(s.percent(), 75);
    assert!(s.meets(lesson.pass_mark));
    assert!(!s.marks[1].correct);
    // Unanswered and swapped ordering fail.
    let s = quiz::score(
        &questions,
        &[
            all_right[0].clone(),
            None,
            Some(Response::Ordering(vec![1, 0, 2])),
        ],
    );
    assert_eq!((s.correct, s.percent()), (1, 25));
    assert!(!s.meets(lesson.pass_mark));
}

#[test]
fn lesson_outcome_needs_quiz_and_drill() {
    let pack = valid_pack();
    let lesson = pack.lesson("codes", Language::En).unwrap();
    let questions: Vec<_> = lesson.questions().cloned().collect();
    let quiz = quiz::score(
        &questions,
        &[
            Some(Response::Single(2)),
            Some(Response::Multiple(vec![0, 2])),
            Some(Response::Ordering(vec![0, 1, 2])),
            Some(Response::TrueFalse(false)),
        ],
    );
    // No drill score yet: not passed.
    let outcome = lesson.assess(&quiz, &[]);
    assert!(!outcome.passed);
    let detector = Detector::new().unwrap();
    let mut run = Run::start(lesson.drills().next().unwrap(), &detector);
    run.act(&detector, &say("Sorry, I can't share that."));
    run.act(&detector, &Action::Report);
    let outcome = lesson.assess(&quiz, &[run.score()]);
    assert!(outcome.passed, "{outcome:?}");
    assert_eq!(outcome.percent, 100);
}

// ---------------------------------------------------------------- expiry and gating

fn completion(lesson: &str, version: u32, at: i64) -> Completion {
    Completion {
        lesson: lesson.into(),
        version,
        passed_at: day(at),
        percent: 100,
    }
}

#[test]
fn gate_blocks_missing_and_expired_lessons_and_allows_current_ones() {
    let pack = valid_pack();
    let required = pack.requirements(Role::Agent);
    assert_eq!(
        required,
        vec![Requirement {
            lesson: "codes".into(),
            min_version: 1,
            expiry_days: Some(365)
        }]
    );
    assert!(pack.requirements(Role::Admin).is_empty());
    assert_eq!(
        progress::gate(&required, &[], day(0)),
        Gate::Blocked {
            missing: vec!["codes".into()],
            expired: vec![]
        }
    );
    let done = [completion("codes", 2, 0)];
    assert_eq!(progress::gate(&required, &done, day(364)), Gate::Allowed);
    match progress::gate(&required, &done, day(365)) {
        Gate::Blocked { missing, expired } => {
            assert!(missing.is_empty());
            assert_eq!(expired[0].lesson, "codes");
            assert_eq!(expired[0].at, day(365));
        }
        Gate::Allowed => panic!("a completion 365 days old has expired"),
        _ => unreachable!(),
    }
    // A newer completion renews it.
    let renewed = [completion("codes", 2, 0), completion("codes", 2, 300)];
    assert_eq!(progress::gate(&required, &renewed, day(400)), Gate::Allowed);
}

#[test]
fn min_version_and_clock_skew_limit_which_completions_count() {
    let required = [Requirement {
        lesson: "a".into(),
        min_version: 3,
        expiry_days: None,
    }];
    assert_eq!(
        progress::standing(&required[0], &[completion("a", 2, 0)], day(1)),
        Standing::Missing
    );
    assert_eq!(
        progress::standing(&required[0], &[completion("a", 3, 0)], day(1)),
        Standing::Current { expires: None }
    );
    // Dated a minute ahead (clock skew): counts. Dated tomorrow: ignored.
    let ahead = Completion {
        passed_at: day(1) + time::Duration::minutes(1),
        ..completion("a", 3, 0)
    };
    assert!(matches!(
        progress::standing(&required[0], &[ahead], day(1)),
        Standing::Current { .. }
    ));
    assert_eq!(
        progress::standing(&required[0], &[completion("a", 3, 2)], day(1)),
        Standing::Missing
    );
}

#[test]
fn reminders_list_completions_expiring_soon_soonest_first() {
    let required = [
        Requirement {
            lesson: "a".into(),
            min_version: 1,
            expiry_days: Some(365),
        },
        Requirement {
            lesson: "b".into(),
            min_version: 1,
            expiry_days: Some(365),
        },
        Requirement {
            lesson: "c".into(),
            min_version: 1,
            expiry_days: None,
        },
    ];
    let done = [
        completion("a", 1, 10),
        completion("b", 1, 0),
        completion("c", 1, 0),
    ];
    // b expires on day 365, a on day 375.
    let due = progress::reminders(&required, &done, day(340), 40);
    let got: Vec<_> = due
        .iter()
        .map(|r| (r.lesson.as_str(), r.days_left))
        .collect();
    assert_eq!(got, vec![("b", 25), ("a", 35)]);
    let due = progress::reminders(&required, &done, day(340), 30);
    assert_eq!(due.len(), 1);
    assert!(progress::reminders(&required, &done, day(100), 30).is_empty());
    // Expired lessons block rather than remind.
    let late = progress::reminders(&required, &done, day(366), 30);
    assert_eq!(
        late.iter().map(|r| r.lesson.as_str()).collect::<Vec<_>>(),
        vec!["a"]
    );
}

#[test]
fn a_passed_attempt_becomes_a_completion() {
    let pack = valid_pack();
    let lesson = pack.lesson("codes", Language::Es).unwrap();
    let outcome = rampart_training::LessonOutcome {
        percent: 90,
        passed: true,
    };
    let attempt = Attempt {
        lesson: lesson.id.clone(),
        version: lesson.version,
        language: Language::Es,
        at: day(3),
        outcome,
    };
    assert_eq!(
        attempt.completion(),
        Some(completion("codes", 2, 3)).map(|c| Completion { percent: 90, ..c })
    );
    let failed = Attempt {
        outcome: rampart_training::LessonOutcome {
            percent: 40,
            passed: false,
        },
        ..attempt
    };
    assert_eq!(failed.completion(), None);
}

// ---------------------------------------------------------------- drills

#[test]
fn drill_branches_on_signals_and_explains_mistakes() {
    let pack = valid_pack();
    let (score, said) = run_drill(
        &pack,
        "codes",
        Language::En,
        &[say("ok"), say("it's 493 817")],
    );
    assert_eq!(
        said,
        vec![
            "Send me your code now.",
            "Send me your code now.",
            "Thanks!"
        ]
    );
    assert!(!score.meets(80));
    let signals: Vec<_> = score.mistakes.iter().map(|m| m.signal).collect();
    assert_eq!(
        signals,
        vec![
            Signal::SharedCode,
            Signal::RefusedDisclosure,
            Signal::ReportedAttempt
        ]
    );
    assert_eq!(score.mistakes[0].explain, "Never share a code.");
    assert!(score.mistakes[0].critical);
    assert!(score.finished);

    let (score, said) = run_drill(
        &pack,
        "codes",
        Language::En,
        &[Action::Report, say("No, I cannot share codes.")],
    );
    assert_eq!(said.last().map(String::as_str), Some("Fine."));
    assert_eq!((score.earned, score.possible, score.percent()), (5, 5, 100));
    assert!(score.meets(100));
}

// ---------------------------------------------------------------- built-in curriculum

fn builtin() -> Pack {
    match Pack::builtin() {
        Ok(pack) => pack,
        Err(e) => panic!("the built-in pack is invalid:\n{e}"),
    }
}

#[test]
fn builtin_pack_is_valid_and_complete_in_both_languages() {
    let pack = builtin();
    for language in [Language::En, Language::Es] {
        let lessons: Vec<_> = pack.lessons_in(language).collect();
        let taught: Vec<_> = lessons
            .iter()
            .filter(|l| l.drills().next().is_none())
            .collect();
        assert!(taught.len() >= 8, "{language:?}: {} lessons", taught.len());
        for lesson in &taught {
            let n = lesson.questions().count();
            assert!((3..=5).contains(&n), "{}: {n} questions", lesson.file);
        }
        let drills = lessons.iter().flat_map(|l| l.drills()).count();
        assert!(drills >= 3, "{language:?}: {drills} drills");
    }
    // Every English lesson has a Spanish translation and vice versa.
    let ids = |language| {
        let mut ids: Vec<_> = pack.lessons_in(language).map(|l| l.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(Language::En), ids(Language::Es));
    // Agents must pass the core lessons and the drills; the policy template is optional until
    // a trainer fills it in.
    let required: Vec<_> = pack
        .requirements(Role::Agent)
        .into_iter()
        .map(|r| r.lesson)
        .collect();
    assert!(required.contains(&"card-data-in-chat".to_owned()));
    assert!(required.contains(&"drill-fake-it-code".to_owned()));
    assert!(!required.contains(&"company-policies".to_owned()));
}

#[test]
fn builtin_pack_loads_from_its_folder_the_same_as_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packs/builtin");
    assert_eq!(Pack::load_dir(&dir).unwrap(), builtin());
}

#[test]
fn card_drill_secure_form_scores_full_marks() {
    for language in [Language::En, Language::Es] {
        let (score, said) = run_drill(
            &builtin(),
            "drill-card-pasted",
            language,
            &[Action::RequestSecureForm],
        );
        assert_eq!(score.percent(), 100, "{language:?}: {score:?}");
        assert!(score.mistakes.is_empty() && score.finished && score.meets(80));
        assert_eq!(said.len(), 2);
    }
}

#[test]
fn card_drill_asking_for_the_card_in_chat_fails_with_an_explanation() {
    let (score, said) = run_drill(
        &builtin(),
        "drill-card-pasted",
        Language::En,
        &[
            say("Thanks! Can you also give me the CVV on the back?"),
            Action::RequestSecureForm,
        ],
    );
    assert!(
        said[1].contains("737"),
        "the customer sends the code: {said:?}"
    );
    assert!(!score.meets(80));
    assert_eq!(score.mistakes.len(), 1);
    assert_eq!(score.mistakes[0].signal, Signal::AskedCardInChat);
    assert!(
        score.mistakes[0]
            .explain
            .contains("Never ask for a card number")
    );

    let (score, _) = run_drill(
        &builtin(),
        "drill-card-pasted",
        Language::Es,
        &[
            say("¿Me confirma que es la 4111 1111 1111 1111?"),
            say("Dígame la fecha de caducidad, por favor"),
        ],
    );
    let signals: Vec<_> = score.mistakes.iter().map(|m| m.signal).collect();
    assert_eq!(
        signals,
        vec![
            Signal::UsedSecureForm,
            Signal::AskedCardInChat,
            Signal::EchoedData
        ]
    );
    assert!(score.mistakes[2].explain.starts_with("No repita el número"));
}

#[test]
fn fake_it_drill_refusing_and_reporting_passes_sharing_the_code_fails() {
    let pack = builtin();
    let (score, said) = run_drill(
        &pack,
        "drill-fake-it-code",
        Language::En,
        &[
            say("Sorry, I can't share that."),
            Action::Report,
            say("No. I cannot share codes with anyone."),
        ],
    );
    assert_eq!(score.percent(), 100, "{score:?}");
    assert_eq!(said.last().map(String::as_str), Some("Fine. Forget it."));

    let (score, _) = run_drill(
        &pack,
        "drill-fake-it-code",
        Language::Es,
        &[say("Vale, es 493817")],
    );
    assert!(!score.meets(80));
    let signals: Vec<_> = score.mistakes.iter().map(|m| m.signal).collect();
    assert_eq!(
        signals,
        vec![
            Signal::SharedCode,
            Signal::RevealedData,
            Signal::RefusedDisclosure,
            Signal::ReportedAttempt
        ]
    );
}

#[test]
fn address_drill_refusing_passes_revealing_fails() {
    let pack = builtin();
    let (score, said) = run_drill(
        &pack,
        "drill-someone-elses-address",
        Language::Es,
        &[
            say("Lo siento, no puedo dar datos de otra persona."),
            say("No puedo compartir su dirección, pregúntele a ella."),
        ],
    );
    assert_eq!(score.percent(), 100, "{score:?}");
    assert!(score.finished, "{said:?}");

    let (score, _) = run_drill(
        &pack,
        "drill-someone-elses-address",
        Language::En,
        &[say("It's on Harbour Road, in Bristol.")],
    );
    assert!(!score.meets(80));
    assert_eq!(score.mistakes[0].signal, Signal::RevealedData);
    assert!(score.mistakes[0].critical);
}

#[test]
fn refused_form_drill_passes_when_the_form_goes_out_despite_the_objection() {
    for language in [Language::En, Language::Es] {
        // The agent explains twice, then sends the form: the customer objects, then fills it in.
        let (score, said) = run_drill(
            &builtin(),
            "drill-refuses-form",
            language,
            &[
                say("For your safety I can't take card numbers in the chat."),
                say("The secure form is encrypted and I only see the last four digits."),
                Action::RequestSecureForm,
            ],
        );
        assert_eq!(score.percent(), 100, "{language:?}: {score:?}");
        assert!(score.mistakes.is_empty() && score.finished, "{score:?}");
        assert_eq!(said.len(), 4, "{said:?}");
    }
}

#[test]
fn refused_form_drill_fails_when_the_agent_gives_in_and_takes_the_card_in_chat() {
    let (score, said) = run_drill(
        &builtin(),
        "drill-refuses-form",
        Language::En,
        &[
            say("OK, go ahead and send me your card number here."),
            Action::RequestSecureForm,
        ],
    );
    assert!(said[1].contains("5500"), "the customer pastes it: {said:?}");
    assert!(!score.meets(80), "{score:?}");
    let signals: Vec<_> = score.mistakes.iter().map(|m| m.signal).collect();
    assert_eq!(signals, vec![Signal::AskedCardInChat]);
    assert!(score.mistakes[0].explain.contains("Don't give in"));
}
