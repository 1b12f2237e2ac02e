//! Lesson files: TOML front matter between `+++` lines, then Markdown split into sections at
//! each top-level `## ` heading, with ```` ```quiz ```` and ```` ```drill ```` blocks.
//!
//! The body is read with `pulldown-cmark`'s offset iterator rather than by scanning lines, so a
//! `##` or a fence inside a code block or a list is never mistaken for structure. Quiz and
//! drill blocks count only at the top level of the document (not inside a list or a quote).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::drill::{self, Drill, DrillScore};
use crate::issue::{Issue, Located, Problem};
use crate::quiz::{self, Question, QuizScore};
use crate::{Language, Role, render_markdown};

/// A parsed, valid lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lesson {
    /// Unique per language within a pack; translations share it.
    pub id: String,
    /// The title.
    pub title: String,
    /// The language it is written in.
    pub language: Language,
    /// Roles that must pass it before taking live chats (empty: optional for everyone).
    pub roles: Vec<Role>,
    /// Bumped by the author on every change.
    pub version: u32,
    /// Completions of versions below this no longer count (a trainer raises it to make
    /// everyone retake the lesson); defaults to 1.
    pub min_version: u32,
    /// How long the lesson takes, for planning.
    pub estimated_minutes: u32,
    /// The percentage needed to pass (1–100), for the quiz and for each drill.
    pub pass_mark: u8,
    /// Days a completion stays valid; `None` means it never expires.
    pub expiry_days: Option<u32>,
    /// The content.
    pub sections: Vec<Section>,
    /// The file it came from, relative to the pack folder.
    pub file: String,
    /// The line of its `id` key, for issues that involve several files.
    #[serde(skip)]
    pub(crate) id_line: usize,
}

/// A section of a lesson: what a trainer advances through in a live session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    /// The `## ` heading's text; `None` for content before the first heading.
    pub title: Option<String>,
    /// Text, questions and drills, in order.
    pub blocks: Vec<Block>,
}

/// A piece of a section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Block {
    /// Rendered, sanitised HTML.
    Text {
        /// Safe to insert into the WebView.
        html: String,
    },
    /// A quiz question.
    Quiz(Question),
    /// A simulated chat.
    Drill(Drill),
}

/// Whether an attempt at a lesson passed, and its overall percentage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LessonOutcome {
    /// The lowest percentage among the quiz and the drills.
    pub percent: u8,
    /// Whether the quiz and every drill reached the pass mark, with no critical drill mistake.
    pub passed: bool,
}

impl Lesson {
    /// The quiz questions, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.blocks().filter_map(|b| match b {
            Block::Quiz(q) => Some(q),
            _ => None,
        })
    }

    /// The drills, in order.
    pub fn drills(&self) -> impl Iterator<Item = &Drill> {
        self.blocks().filter_map(|b| match b {
            Block::Drill(d) => Some(d),
            _ => None,
        })
    }

    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.sections.iter().flat_map(|s| s.blocks.iter())
    }

    /// Judges an attempt: the quiz score (for a lesson with questions) and one drill score per
    /// drill, in order. A missing drill score fails the attempt.
    pub fn assess(&self, quiz: &QuizScore, drills: &[DrillScore]) -> LessonOutcome {
        let has_quiz = self.questions().next().is_some();
        let mut percent = if has_quiz { quiz.percent() } else { 100 };
        let mut passed = !has_quiz || quiz.meets(self.pass_mark);
        let mut expected = 0;
        for drill in self.drills() {
            expected += 1;
            match drills.iter().find(|d| d.drill == drill.id) {
                Some(score) => {
                    percent = percent.min(score.percent());
                    passed &= score.meets(self.pass_mark);
                }
                None => {
                    percent = 0;
                    passed = false;
                }
            }
        }
        if expected == 0 && !has_quiz {
            passed = false;
        }
        LessonOutcome { percent, passed }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Front {
    id: Spanned<String>,
    title: Spanned<String>,
    language: Spanned<Language>,
    #[serde(default)]
    roles: Vec<Role>,
    version: Spanned<u32>,
    min_version: Option<Spanned<u32>>,
    estimated_minutes: Spanned<u32>,
    pass_mark: Spanned<i64>,
    expiry_days: Option<Spanned<u32>>,
}

/// Parses one lesson file. `file` is its path relative to the pack (used in issues).
pub(crate) fn parse(file: &str, text: &str) -> Result<Lesson, Vec<Issue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let whole = Located {
        file,
        first_line: 1,
        text,
    };
    let Some((front_text, body_offset)) = split_front_matter(text) else {
        let problem = if is_fence(text.lines().next().unwrap_or("")) {
            Problem::UnclosedFrontMatter
        } else {
            Problem::MissingFrontMatter
        };
        return Err(vec![whole.issue(0, problem)]);
    };
    let front_loc = Located {
        file,
        first_line: 2,
        text: front_text,
    };
    let mut issues = Vec::new();
    let front: Front = match front_loc.parse_toml() {
        Ok(front) => front,
        Err(mut issue) => {
            // "missing field" carries no position: point at the opening `+++`.
            if matches!(issue.problem, Problem::MissingField { .. }) {
                issue.line = 1;
            }
            return Err(vec![issue]);
        }
    };
    for (field, value) in [("id", &front.id), ("title", &front.title)] {
        if value.get_ref().trim().is_empty() {
            let problem = Problem::Empty {
                field: field.to_owned(),
            };
            issues.push(front_loc.issue(value.span().start, problem));
        }
    }
    let pass_mark = *front.pass_mark.get_ref();
    if !(1..=100).contains(&pass_mark) {
        let problem = Problem::PassMarkOutOfRange { value: pass_mark };
        issues.push(front_loc.issue(front.pass_mark.span().start, problem));
    }
    let positive = [
        ("version", Some(&front.version)),
        ("estimated_minutes", Some(&front.estimated_minutes)),
        ("expiry_days", front.expiry_days.as_ref()),
        ("min_version", front.min_version.as_ref()),
    ];
    for (field, value) in positive {
        if let Some(v) = value.filter(|v| *v.get_ref() == 0) {
            issues.push(front_loc.issue(v.span().start, Problem::Zero { field }));
        }
    }

    let body = Located {
        file,
        first_line: whole.line_at(body_offset),
        text: text.get(body_offset..).unwrap_or(""),
    };
    let sections = parse_body(body, front.title.get_ref(), &mut issues);
    let has_assessment = sections
        .iter()
        .flat_map(|s| &s.blocks)
        .any(|b| matches!(b, Block::Quiz(_) | Block::Drill(_)));
    if !has_assessment && issues.is_empty() {
        issues.push(whole.issue(0, Problem::NoAssessment));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut roles = front.roles;
    roles.sort_unstable();
    roles.dedup();
    Ok(Lesson {
        id_line: front_loc.line_at(front.id.span().start),
        id: front.id.into_inner().trim().to_owned(),
        title: front.title.into_inner().trim().to_owned(),
        language: front.language.into_inner(),
        roles,
        version: front.version.into_inner(),
        min_version: front.min_version.map_or(1, Spanned::into_inner),
        estimated_minutes: front.estimated_minutes.into_inner(),
        pass_mark: u8::try_from(pass_mark).unwrap_or(100),
        expiry_days: front.expiry_days.map(Spanned::into_inner),
        sections,
        file: file.to_owned(),
    })
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "+++"
}

/// The front matter's text and the byte offset where the body starts, if the file opens and
/// closes a `+++` block.
fn split_front_matter(text: &str) -> Option<(&str, usize)> {
    let first_end = text.find('\n')?;
    if !is_fence(text.get(..first_end)?) {
        return None;
    }
    let front_start = first_end + 1;
    let mut pos = front_start;
    for line in text.get(front_start..)?.split_inclusive('\n') {
        if is_fence(line) {
            let front = text.get(front_start..pos)?;
            return Some((front, pos + line.len()));
        }
        pos += line.len();
    }
    None
}

/// Splits the body into sections and blocks, rendering the Markdown between blocks.
fn parse_body(body: Located<'_>, default_customer: &str, issues: &mut Vec<Issue>) -> Vec<Section> {
    let src = body.text;
    let mut sections = vec![Section {
        title: None,
        blocks: Vec::new(),
    }];
    let mut depth = 0usize;
    // Start of Markdown not yet rendered.
    let mut cursor = 0usize;
    // An open heading or special block: its kind, start offset, collected text and range.
    let mut heading: Option<(usize, String)> = None;
    let mut fence: Option<(String, usize, Option<std::ops::Range<usize>>)> = None;
    let mut questions = 0usize;

    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) if depth == 0 => {
                flush(src, cursor, range.start, &mut sections);
                heading = Some((range.start, String::new()));
                depth += 1;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) if depth == 1 && heading.is_some() => {
                depth -= 1;
                if let Some((_, title)) = heading.take() {
                    sections.push(Section {
                        title: Some(title.trim().to_owned()),
                        blocks: Vec::new(),
                    });
                }
                cursor = range.end;
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if depth == 0 => {
                depth += 1;
                let word = info.split_whitespace().next().unwrap_or("").to_lowercase();
                if word == "quiz" || word == "drill" {
                    flush(src, cursor, range.start, &mut sections);
                    fence = Some((word, range.start, None));
                } else if word.starts_with("quiz") || word.starts_with("drill") {
                    let problem = Problem::UnknownBlock {
                        info: info.to_string(),
                    };
                    issues.push(body.issue(range.start, problem));
                }
            }
            Event::End(TagEnd::CodeBlock) if depth == 1 && fence.is_some() => {
                depth -= 1;
                let Some((word, start, content)) = fence.take() else {
                    continue;
                };
                // Content starts on the line after the opening fence.
                let content = content.unwrap_or_else(|| {
                    let after = src
                        .get(start..)
                        .and_then(|s| s.find('\n'))
                        .map_or(src.len(), |n| start + n + 1);
                    after..after
                });
                let block = Located {
                    file: body.file,
                    first_line: body.line_at(content.start),
                    text: src.get(content).unwrap_or(""),
                };
                let parsed = if word == "quiz" {
                    questions += 1;
                    quiz::parse(block, questions - 1).map(Block::Quiz)
                } else {
                    drill::parse(block, default_customer).map(Block::Drill)
                };
                match parsed {
                    Ok(b) => push_block(&mut sections, b),
                    Err(mut found) => issues.append(&mut found),
                }
                cursor = range.end;
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&text);
                } else if let Some((_, _, content)) = fence.as_mut() {
                    *content = Some(match content.take() {
                        Some(c) => c.start..range.end,
                        None => range,
                    });
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    flush(src, cursor, src.len(), &mut sections);
    // Drop an empty untitled first section (the body started with a heading).
    if sections
        .first()
        .is_some_and(|s| s.title.is_none() && s.blocks.is_empty())
    {
        sections.remove(0);
    }
    sections
}

fn flush(src: &str, from: usize, to: usize, sections: &mut [Section]) {
    let Some(markdown) = src.get(from..to).filter(|m| !m.trim().is_empty()) else {
        return;
    };
    push_block(
        sections,
        Block::Text {
            html: render_markdown(markdown),
        },
    );
}

fn push_block(sections: &mut [Section], block: Block) {
    if let Some(section) = sections.last_mut() {
        section.blocks.push(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_needs_opening_and_closing_fences() {
        assert_eq!(
            split_front_matter("+++\na = 1\n+++\nbody"),
            Some(("a = 1\n", 14))
        );
        assert_eq!(
            split_front_matter("+++\r\na = 1\r\n+++\r\nbody"),
            Some(("a = 1\r\n", 17))
        );
        assert_eq!(split_front_matter("a = 1\n+++\n"), None);
        assert_eq!(split_front_matter("+++\na = 1\n"), None);
    }
}
