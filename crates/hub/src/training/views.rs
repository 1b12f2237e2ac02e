//! Lessons as trainees see them: answers and explanations withheld (unless a trainer asks for a
//! preview), ordering items shown in a deterministic shuffle, and the mapping of answers given
//! against the displayed order back to the author's order.

use rampart_protocol::training::{
    BlockView, DrillBrief, LessonView, QuestionKind, QuestionView, QuizAnswer, SectionView,
};
use rampart_training::drill::Drill;
use rampart_training::quiz::{Answer, Question, Response};
use rampart_training::{Block, Lesson};
use sha2::{Digest, Sha256};

use super::catalog::wire_language;

/// The lesson for display. `preview` adds every answer and explanation (trainers only).
pub fn lesson_view(pack: &str, lesson: &Lesson, preview: bool) -> LessonView {
    LessonView {
        pack_id: pack.to_owned(),
        lesson_id: lesson.id.clone(),
        title: lesson.title.clone(),
        language: wire_language(lesson.language),
        version: lesson.version,
        estimated_minutes: lesson.estimated_minutes,
        pass_mark: lesson.pass_mark,
        sections: lesson
            .sections
            .iter()
            .map(|s| SectionView {
                title: s.title.clone(),
                blocks: s
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        // Already sanitised by the training crate's renderer.
                        Block::Text { html } => Some(BlockView::Text { html: html.clone() }),
                        Block::Quiz(q) => Some(BlockView::Quiz {
                            question: question_view(pack, &lesson.id, q, preview),
                        }),
                        Block::Drill(d) => Some(BlockView::Drill { drill: brief(d) }),
                        _ => None,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// What a drill shows before it starts.
pub fn brief(drill: &Drill) -> DrillBrief {
    DrillBrief {
        id: drill.id.clone(),
        title: drill.title.clone(),
        briefing: drill.briefing.clone(),
        customer: drill.customer.clone(),
        secrets: drill.secrets.clone(),
    }
}

/// One question; with `reveal` its answer and explanation.
pub fn question_view(pack: &str, lesson: &str, q: &Question, reveal: bool) -> QuestionView {
    let (kind, options) = match &q.answer {
        Answer::Single { options, .. } => (QuestionKind::Single, options.clone()),
        Answer::Multiple { options, .. } => (QuestionKind::Multiple, options.clone()),
        Answer::TrueFalse { .. } => (QuestionKind::TrueFalse, Vec::new()),
        Answer::Ordering { items } => (
            QuestionKind::Ordering,
            display_order(pack, lesson, &q.id, items.len())
                .into_iter()
                .filter_map(|i| items.get(i).cloned())
                .collect(),
        ),
        _ => (QuestionKind::Single, Vec::new()),
    };
    QuestionView {
        id: q.id.clone(),
        prompt: q.prompt.clone(),
        kind,
        options,
        answer: reveal.then(|| right_answer(pack, lesson, q)),
        explain: reveal.then(|| q.explain.clone()),
    }
}

/// For an ordering question of `n` items: the author's index of the item shown at each
/// position. The same every time for a question (seeded by pack, lesson and question id) and
/// never the right order when there are two items or more.
pub fn display_order(pack: &str, lesson: &str, question: &str, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut seed = Sha256::new();
    for part in [pack, lesson, question] {
        seed.update(part.as_bytes());
        seed.update([0]);
    }
    let mut bytes = seed.finalize().to_vec();
    let mut next = 0usize;
    // Fisher–Yates with the digest's bytes (re-hashed when used up).
    for i in (1..n).rev() {
        if next + 2 > bytes.len() {
            bytes = Sha256::digest(&bytes).to_vec();
            next = 0;
        }
        let r = usize::from(u16::from_le_bytes([bytes[next], bytes[next + 1]]));
        next += 2;
        order.swap(i, r % (i + 1));
    }
    if n >= 2 && order.iter().enumerate().all(|(i, &o)| i == o) {
        order.rotate_left(1);
    }
    order
}

/// The right answer in displayed terms.
pub fn right_answer(pack: &str, lesson: &str, q: &Question) -> QuizAnswer {
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    match &q.answer {
        Answer::Single { correct, .. } => QuizAnswer::Single {
            choice: index(*correct),
        },
        Answer::Multiple { correct, .. } => QuizAnswer::Multiple {
            choices: correct.iter().map(|c| index(*c)).collect(),
        },
        Answer::TrueFalse { correct } => QuizAnswer::TrueFalse { value: *correct },
        Answer::Ordering { items } => {
            let shown = display_order(pack, lesson, &q.id, items.len());
            // For each author position, where it is displayed.
            let order = (0..items.len())
                .filter_map(|author| shown.iter().position(|&s| s == author))
                .map(index)
                .collect();
            QuizAnswer::Ordering { order }
        }
        _ => QuizAnswer::TrueFalse { value: false },
    }
}

/// A trainee's answer in the training crate's terms (ordering mapped back to the author's
/// order). Indexes out of range stay out of range, so they are simply wrong.
pub fn response(pack: &str, lesson: &str, q: &Question, answer: &QuizAnswer) -> Response {
    let idx = |i: u32| usize::try_from(i).unwrap_or(usize::MAX);
    match answer {
        QuizAnswer::Single { choice } => Response::Single(idx(*choice)),
        QuizAnswer::Multiple { choices } => {
            Response::Multiple(choices.iter().map(|c| idx(*c)).collect())
        }
        QuizAnswer::TrueFalse { value } => Response::TrueFalse(*value),
        QuizAnswer::Ordering { order } => {
            let n = match &q.answer {
                Answer::Ordering { items } => items.len(),
                _ => 0,
            };
            let shown = display_order(pack, lesson, &q.id, n);
            Response::Ordering(
                order
                    .iter()
                    .map(|d| shown.get(idx(*d)).copied().unwrap_or(usize::MAX))
                    .collect(),
            )
        }
    }
}

/// Whether `answer` is right.
pub fn is_right(pack: &str, lesson: &str, q: &Question, answer: &QuizAnswer) -> bool {
    q.is_correct(&response(pack, lesson, q, answer))
}

/// The chart's buckets for a question: one per option (single, multiple), `[true, false]`, or
/// `[right, wrong]` (ordering).
pub fn tally(pack: &str, lesson: &str, q: &Question, answers: &[&QuizAnswer]) -> Vec<u32> {
    let mut out = match &q.answer {
        Answer::Single { options, .. } | Answer::Multiple { options, .. } => {
            vec![0u32; options.len()]
        }
        _ => vec![0u32; 2],
    };
    let mut bump = |i: usize| {
        if let Some(slot) = out.get_mut(i) {
            *slot = slot.saturating_add(1);
        }
    };
    for answer in answers {
        match (&q.answer, answer) {
            (Answer::Single { .. }, QuizAnswer::Single { choice }) => {
                bump(usize::try_from(*choice).unwrap_or(usize::MAX));
            }
            (Answer::Multiple { .. }, QuizAnswer::Multiple { choices }) => {
                let mut seen = choices.clone();
                seen.sort_unstable();
                seen.dedup();
                for c in seen {
                    bump(usize::try_from(c).unwrap_or(usize::MAX));
                }
            }
            (Answer::TrueFalse { .. }, QuizAnswer::TrueFalse { value }) => {
                bump(if *value { 0 } else { 1 });
            }
            (Answer::Ordering { .. }, a) => bump(if is_right(pack, lesson, q, a) { 0 } else { 1 }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_order_is_a_stable_permutation_never_the_right_order() {
        for n in 2..9 {
            for q in ["a", "b", "q3", "order"] {
                let order = display_order("pack", "lesson", q, n);
                assert_eq!(order, display_order("pack", "lesson", q, n));
                let mut sorted = order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>());
                assert!(order.iter().enumerate().any(|(i, &o)| i != o), "{q} {n}");
            }
        }
        assert_eq!(display_order("p", "l", "q", 1), vec![0]);
        assert!(display_order("p", "l", "q", 0).is_empty());
    }

    #[test]
    fn the_right_answer_in_displayed_terms_scores_right() {
        let q = Question {
            id: "q1".into(),
            prompt: "Order".into(),
            answer: Answer::Ordering {
                items: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            },
            explain: "because".into(),
        };
        let right = right_answer("p", "l", &q);
        assert!(is_right("p", "l", &q, &right));
        assert!(!is_right(
            "p",
            "l",
            &q,
            &QuizAnswer::Ordering {
                order: vec![0, 1, 2, 3]
            }
        ));
        let view = question_view("p", "l", &q, false);
        let QuizAnswer::Ordering { order } = right else {
            panic!("ordering");
        };
        let shown: Vec<&str> = order
            .iter()
            .map(|&i| view.options[i as usize].as_str())
            .collect();
        assert_eq!(shown, ["a", "b", "c", "d"]);
        assert!(view.answer.is_none() && view.explain.is_none());
    }
}
