//! Helpers for the integration tests: small packs in memory, the issues of a broken one, a
//! drill run from a script of actions, and fixed times.

use rampart_training::drill::{Action, Detector, DrillScore, Run};
use rampart_training::{Error, Issue, Pack};
use time::{Duration, UtcDateTime};

/// A valid manifest listing `lessons`.
pub fn manifest(lessons: &[&str]) -> String {
    let list = lessons
        .iter()
        .map(|l| format!("{l:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "id = \"test\"\nversion = 1\nlanguages = [\"en\", \"es\"]\nlessons = [{list}]\n\n\
         [title]\nen = \"Test\"\nes = \"Prueba\"\n"
    )
}

/// A valid front matter with `extra` lines appended (they override nothing: use distinct keys).
pub fn front(id: &str, language: &str, extra: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"Lesson {id}\"\nlanguage = \"{language}\"\nroles = [\"agent\"]\n\
         version = 1\nestimated_minutes = 5\npass_mark = 80\nexpiry_days = 365\n{extra}+++\n"
    )
}

/// A one-question lesson body.
pub const QUIZ: &str = "\n## Check\n\n```quiz\nkind = \"true_false\"\nprompt = \"Share codes?\"\n\
                        answer = false\nexplain = \"Never.\"\n```\n";

/// Parses a pack from `(path, contents)` pairs.
pub fn pack(files: &[(&str, &str)]) -> Result<Pack, Error> {
    Pack::from_memory(files)
}

/// A pack of one lesson file `en/a.md` with `text`.
pub fn one_lesson(text: &str) -> Result<Pack, Error> {
    let m = manifest(&["en/a.md"]);
    pack(&[("pack.toml", &m), ("en/a.md", text)])
}

/// The issues of a pack that must be invalid.
pub fn issues(result: Result<Pack, Error>) -> Vec<Issue> {
    match result {
        Err(Error::Invalid { issues }) => issues,
        Err(other) => panic!("expected validation issues, got {other}"),
        Ok(_) => panic!("expected validation issues, the pack is valid"),
    }
}

/// `file:line: message` lines, for snapshots.
pub fn report(result: Result<Pack, Error>) -> String {
    issues(result)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a drill of the built-in pack through `actions` and scores it.
pub fn run_drill(
    pack: &Pack,
    lesson: &str,
    language: rampart_training::Language,
    actions: &[Action],
) -> (DrillScore, Vec<String>) {
    let detector = Detector::new().expect("the detector builds");
    let drill = pack
        .lesson(lesson, language)
        .and_then(|l| l.drills().next())
        .expect("the lesson has a drill");
    let mut run = Run::start(drill, &detector);
    let mut said = vec![run.opening().to_owned()];
    for action in actions {
        let turn = run.act(&detector, action);
        said.extend(turn.customer);
    }
    (run.score(), said)
}

/// A message action.
pub fn say(text: &str) -> Action {
    Action::SendMessage(text.to_owned())
}

/// A fixed instant, `days` after 2026-01-01.
pub fn day(days: i64) -> UtcDateTime {
    UtcDateTime::new(
        time::Date::from_calendar_date(2026, time::Month::January, 1).expect("valid date"),
        time::Time::MIDNIGHT,
    ) + Duration::days(days)
}
