//! Quiz questions: the ```` ```quiz ```` block format, its validation, and scoring.
//!
//! A block holds one question in TOML. Answers are numbered from 1 as authors count them;
//! inside this crate they are 0-based indexes. Scoring is all-or-nothing per question: a
//! multiple-choice question is right only when exactly the right options are chosen, an
//! ordering question only when every item is in place.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::issue::{Issue, Located, Problem};

/// One question and its explanation, shown after answering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// Stable within the lesson: the author's `id`, or `q1`, `q2`… by position.
    pub id: String,
    /// The question, plain text.
    pub prompt: String,
    /// The options and the right answer.
    pub answer: Answer,
    /// Why the right answer is right, plain text.
    pub explain: String,
}

/// A question's options and right answer. Indexes are 0-based.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Answer {
    /// Exactly one option is right.
    Single {
        /// The options, in the order shown.
        options: Vec<String>,
        /// The right option.
        correct: usize,
    },
    /// One or more options are right; all must be chosen and no others.
    Multiple {
        /// The options, in the order shown.
        options: Vec<String>,
        /// The right options, ascending.
        correct: Vec<usize>,
    },
    /// A statement that is true or false.
    TrueFalse {
        /// Whether the statement is true.
        correct: bool,
    },
    /// Items to put in order; they are stored in the right order and shuffled for display.
    Ordering {
        /// The items, in the right order.
        items: Vec<String>,
    },
}

impl Answer {
    /// The kind's name as written in packs (`single`, `multiple`, `true_false`, `ordering`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Answer::Single { .. } => "single",
            Answer::Multiple { .. } => "multiple",
            Answer::TrueFalse { .. } => "true_false",
            Answer::Ordering { .. } => "ordering",
        }
    }
}

/// What a trainee answered. Indexes are 0-based.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Response {
    /// The chosen option.
    Single(usize),
    /// The chosen options, in any order.
    Multiple(Vec<usize>),
    /// True or false.
    TrueFalse(bool),
    /// Item indexes (into [`Answer::Ordering::items`]) in the order the trainee placed them.
    Ordering(Vec<usize>),
}

impl Question {
    /// Whether `response` is entirely right. A response of another kind is wrong.
    pub fn is_correct(&self, response: &Response) -> bool {
        match (&self.answer, response) {
            (Answer::Single { correct, .. }, Response::Single(chosen)) => chosen == correct,
            (Answer::Multiple { correct, .. }, Response::Multiple(chosen)) => {
                let mut chosen = chosen.clone();
                chosen.sort_unstable();
                chosen.dedup();
                &chosen == correct
            }
            (Answer::TrueFalse { correct }, Response::TrueFalse(chosen)) => chosen == correct,
            (Answer::Ordering { items }, Response::Ordering(order)) => {
                order.len() == items.len() && order.iter().enumerate().all(|(i, &o)| i == o)
            }
            _ => false,
        }
    }
}

/// The mark for one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mark {
    /// The question's id.
    pub question: String,
    /// Whether it was answered entirely right (unanswered is wrong).
    pub correct: bool,
}

/// The result of a quiz.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizScore {
    /// Questions answered right.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
    /// One mark per question, in order.
    pub marks: Vec<Mark>,
}

impl QuizScore {
    /// The score as a whole percentage, rounded down. An empty quiz scores 100.
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        let p = u64::from(self.correct) * 100 / u64::from(self.total);
        u8::try_from(p.min(100)).unwrap_or(100)
    }

    /// Whether the score reaches `pass_mark` percent, compared exactly (no rounding: 2 of 3
    /// is 66.7 %, which does not reach 67).
    pub fn meets(&self, pass_mark: u8) -> bool {
        u64::from(self.correct) * 100 >= u64::from(pass_mark) * u64::from(self.total)
    }
}

/// Scores `responses` (by position; `None` or a missing entry is unanswered) against
/// `questions`.
pub fn score(questions: &[Question], responses: &[Option<Response>]) -> QuizScore {
    let marks: Vec<Mark> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| Mark {
            question: q.id.clone(),
            correct: responses
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|r| q.is_correct(r)),
        })
        .collect();
    let correct = marks.iter().filter(|m| m.correct).count();
    QuizScore {
        correct: u32::try_from(correct).unwrap_or(u32::MAX),
        total: u32::try_from(marks.len()).unwrap_or(u32::MAX),
        marks,
    }
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Single,
    Multiple,
    TrueFalse,
    Ordering,
}

impl RawKind {
    const fn name(self) -> &'static str {
        match self {
            RawKind::Single => "single",
            RawKind::Multiple => "multiple",
            RawKind::TrueFalse => "true_false",
            RawKind::Ordering => "ordering",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Option<Spanned<String>>,
    kind: Spanned<RawKind>,
    prompt: Spanned<String>,
    options: Option<Spanned<Vec<String>>>,
    items: Option<Spanned<Vec<String>>>,
    answer: Option<Spanned<toml::Value>>,
    answers: Option<Spanned<Vec<Spanned<i64>>>>,
    explain: Spanned<String>,
}

/// Parses and validates one ```` ```quiz ```` block. `position` (0-based) names the question
/// when the author gave no id.
pub(crate) fn parse(block: Located<'_>, position: usize) -> Result<Question, Vec<Issue>> {
    let raw: RawQuestion = block.parse_toml().map_err(|i| vec![i])?;
    let mut issues = Vec::new();
    let kind = *raw.kind.get_ref();
    let kind_name = kind.name();
    let not_for = |key: &'static str, span: std::ops::Range<usize>, hint: &'static str| {
        block.issue(
            span.start,
            Problem::KeyNotForKind {
                key,
                kind: kind_name,
                hint,
            },
        )
    };
    for (field, value) in [("prompt", &raw.prompt), ("explain", &raw.explain)] {
        if value.get_ref().trim().is_empty() {
            issues.push(block.issue(
                value.span().start,
                Problem::Empty {
                    field: field.to_owned(),
                },
            ));
        }
    }
    let id = match &raw.id {
        Some(id) if id.get_ref().trim().is_empty() => {
            issues.push(block.issue(id.span().start, Problem::Empty { field: "id".into() }));
            String::new()
        }
        Some(id) => id.get_ref().trim().to_owned(),
        None => format!("q{}", position + 1),
    };

    let answer = match kind {
        RawKind::Single | RawKind::Multiple => {
            if let Some(items) = &raw.items {
                issues.push(not_for(
                    "items",
                    items.span(),
                    "list the choices in `options`",
                ));
            }
            let options = options_at_least(&block, &raw.options, kind_name, 2, &mut issues);
            if matches!(kind, RawKind::Single) {
                if let Some(a) = &raw.answers {
                    issues.push(not_for("answers", a.span(), "use `answer = N`"));
                }
                let correct = match &raw.answer {
                    None => {
                        issues.push(block.issue(0, missing("answer")));
                        None
                    }
                    Some(a) => match a.get_ref() {
                        toml::Value::Integer(n) => {
                            index(&block, *n, a.span(), options.len(), &mut issues)
                        }
                        _ => {
                            issues.push(
                                block.issue(
                                    a.span().start,
                                    Problem::InvalidValue {
                                        message: "`answer` of a `single` question is the number \
                                              of the right option, from 1"
                                            .into(),
                                    },
                                ),
                            );
                            None
                        }
                    },
                };
                correct.map(|correct| Answer::Single { options, correct })
            } else {
                if let Some(a) = &raw.answer {
                    issues.push(not_for("answer", a.span(), "use `answers = [N, M]`"));
                }
                match &raw.answers {
                    None => {
                        issues.push(block.issue(0, missing("answers")));
                        None
                    }
                    Some(list) if list.get_ref().is_empty() => {
                        issues.push(block.issue(
                            list.span().start,
                            Problem::Empty {
                                field: "answers".into(),
                            },
                        ));
                        None
                    }
                    Some(list) => {
                        let mut correct = Vec::new();
                        for n in list.get_ref() {
                            if let Some(i) =
                                index(&block, *n.get_ref(), n.span(), options.len(), &mut issues)
                            {
                                if correct.contains(&i) {
                                    issues.push(block.issue(
                                        n.span().start,
                                        Problem::DuplicateAnswer {
                                            index: *n.get_ref(),
                                        },
                                    ));
                                }
                                correct.push(i);
                            }
                        }
                        correct.sort_unstable();
                        correct.dedup();
                        Some(Answer::Multiple { options, correct })
                    }
                }
            }
        }
        RawKind::TrueFalse => {
            for (key, span) in [
                ("options", raw.options.as_ref().map(Spanned::span)),
                ("items", raw.items.as_ref().map(Spanned::span)),
                ("answers", raw.answers.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    issues.push(not_for(
                        key,
                        span,
                        "write `answer = true` or `answer = false`",
                    ));
                }
            }
            match &raw.answer {
                None => {
                    issues.push(block.issue(0, missing("answer")));
                    None
                }
                Some(a) => {
                    match a.get_ref() {
                        toml::Value::Boolean(b) => Some(Answer::TrueFalse { correct: *b }),
                        _ => {
                            issues.push(block.issue(
                            a.span().start,
                            Problem::InvalidValue {
                                message: "`answer` of a `true_false` question is `true` or `false`"
                                    .into(),
                            },
                        ));
                            None
                        }
                    }
                }
            }
        }
        RawKind::Ordering => {
            let hint = "list `items` in the right order; the console shuffles them";
            if let Some(o) = &raw.options {
                issues.push(not_for("options", o.span(), hint));
            }
            if let Some(a) = &raw.answer {
                issues.push(not_for("answer", a.span(), hint));
            }
            if let Some(a) = &raw.answers {
                issues.push(not_for("answers", a.span(), hint));
            }
            let items = options_at_least(&block, &raw.items, kind_name, 2, &mut issues);
            if raw.items.is_none() {
                None
            } else {
                Some(Answer::Ordering { items })
            }
        }
    };
    match answer {
        Some(answer) => finish(issues, id, raw, answer),
        None => Err(issues),
    }
}

fn finish(
    issues: Vec<Issue>,
    id: String,
    raw: RawQuestion,
    answer: Answer,
) -> Result<Question, Vec<Issue>> {
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(Question {
        id,
        prompt: raw.prompt.into_inner().trim().to_owned(),
        answer,
        explain: raw.explain.into_inner().trim().to_owned(),
    })
}

fn missing(field: &str) -> Problem {
    Problem::MissingField {
        field: field.to_owned(),
    }
}

/// The options (or items) list, checked for length and empty entries.
fn options_at_least(
    block: &Located<'_>,
    list: &Option<Spanned<Vec<String>>>,
    kind: &'static str,
    min: usize,
    issues: &mut Vec<Issue>,
) -> Vec<String> {
    let field = if kind == "ordering" {
        "items"
    } else {
        "options"
    };
    let Some(list) = list else {
        issues.push(block.issue(0, missing(field)));
        return Vec::new();
    };
    let values = list.get_ref();
    if values.len() < min {
        issues.push(block.issue(
            list.span().start,
            Problem::TooFewOptions {
                kind,
                min,
                found: values.len(),
            },
        ));
    }
    if values.iter().any(|v| v.trim().is_empty()) {
        issues.push(block.issue(
            list.span().start,
            Problem::Empty {
                field: format!("{field} entry"),
            },
        ));
    }
    values.iter().map(|v| v.trim().to_owned()).collect()
}

/// Converts a 1-based answer to a 0-based index, or records why it is out of range.
fn index(
    block: &Located<'_>,
    n: i64,
    span: std::ops::Range<usize>,
    options: usize,
    issues: &mut Vec<Issue>,
) -> Option<usize> {
    match usize::try_from(n) {
        Ok(i) if (1..=options).contains(&i) => Some(i - 1),
        _ => {
            // With too few options the options issue already explains the problem.
            if options >= 2 {
                issues
                    .push(block.issue(span.start, Problem::AnswerOutOfRange { index: n, options }));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(answer: Answer) -> Question {
        Question {
            id: "q1".into(),
            prompt: "?".into(),
            answer,
            explain: "because".into(),
        }
    }

    #[test]
    fn multiple_choice_is_all_or_nothing_and_ignores_order_and_repeats() {
        let question = q(Answer::Multiple {
            options: vec!["a".into(), "b".into(), "c".into()],
            correct: vec![0, 2],
        });
        assert!(question.is_correct(&Response::Multiple(vec![2, 0])));
        assert!(question.is_correct(&Response::Multiple(vec![0, 2, 2])));
        assert!(!question.is_correct(&Response::Multiple(vec![0])));
        assert!(!question.is_correct(&Response::Multiple(vec![0, 1, 2])));
    }

    #[test]
    fn ordering_must_be_exact() {
        let question = q(Answer::Ordering {
            items: vec!["a".into(), "b".into(), "c".into()],
        });
        assert!(question.is_correct(&Response::Ordering(vec![0, 1, 2])));
        assert!(!question.is_correct(&Response::Ordering(vec![1, 0, 2])));
        assert!(!question.is_correct(&Response::Ordering(vec![0, 1])));
    }

    #[test]
    fn a_response_of_another_kind_is_wrong() {
        let question = q(Answer::TrueFalse { correct: true });
        assert!(!question.is_correct(&Response::Single(0)));
        assert!(question.is_correct(&Response::TrueFalse(true)));
    }

    #[test]
    fn pass_mark_is_compared_without_rounding() {
        let s = QuizScore {
            correct: 2,
            total: 3,
            marks: Vec::new(),
        };
        assert_eq!(s.percent(), 66);
        assert!(s.meets(66));
        assert!(!s.meets(67));
    }
}
