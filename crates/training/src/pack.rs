//! Lesson packs: the `pack.toml` manifest, loading from a folder, from memory or from the
//! built-in curriculum, and the checks that span files (duplicate ids, languages,
//! translations that disagree).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::issue::{Issue, Located, Problem};
use crate::lesson::{self, Lesson};
use crate::progress::Requirement;
use crate::{Error, Language, Role};

/// The largest file a pack may contain, in bytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// The most lesson files a manifest may list.
pub const MAX_LESSONS: usize = 500;

const MANIFEST: &str = "pack.toml";

/// The built-in curriculum's files, listed by `build.rs` and embedded with `include_str!`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_pack.rs"));
}

/// A pack's manifest (`pack.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The pack's id.
    pub id: String,
    /// The pack's version, bumped by the author.
    pub version: u32,
    /// The languages the pack is written in.
    pub languages: Vec<Language>,
    /// The pack's title in each of its languages.
    pub title: BTreeMap<Language, String>,
    /// Lesson files, relative to the pack folder, in the order lessons are presented.
    pub lessons: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: Spanned<String>,
    version: Spanned<u32>,
    languages: Spanned<Vec<Language>>,
    title: Spanned<BTreeMap<Language, String>>,
    lessons: Spanned<Vec<Spanned<String>>>,
}

/// A validated lesson pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pack {
    /// The manifest.
    pub manifest: Manifest,
    /// Every lesson, in manifest order.
    pub lessons: Vec<Lesson>,
}

/// What a loader found at a listed path.
enum Fetched {
    Text(String),
    Missing,
    TooLarge,
    NotUtf8,
}

impl Pack {
    /// The built-in English and Spanish curriculum, embedded in the binary.
    pub fn builtin() -> Result<Pack, Error> {
        Pack::from_memory(builtin::FILES)
    }

    /// Parses a pack held in memory as `(path, contents)` pairs, `pack.toml` among them.
    /// Paths use `/` and are relative to the pack folder.
    pub fn from_memory(files: &[(&str, &str)]) -> Result<Pack, Error> {
        let find = |path: &str| files.iter().find(|(p, _)| *p == path).map(|(_, t)| *t);
        let Some(manifest) = find(MANIFEST) else {
            return Err(invalid(
                MANIFEST,
                1,
                Problem::FileNotFound {
                    path: MANIFEST.into(),
                },
            ));
        };
        assemble(manifest, &mut |path| match find(path) {
            None => Fetched::Missing,
            Some(text) if text.len() > MAX_FILE_BYTES => Fetched::TooLarge,
            Some(text) => Fetched::Text(text.to_owned()),
        })
    }

    /// Loads a pack from a folder: `pack.toml` and the lesson files it lists. Symbolic links
    /// and paths that leave the folder are refused.
    pub fn load_dir(dir: &Path) -> Result<Pack, Error> {
        let manifest = match read_file(dir, MANIFEST) {
            Ok(Fetched::Text(text)) => text,
            Ok(Fetched::Missing) => {
                return Err(invalid(
                    MANIFEST,
                    1,
                    Problem::FileNotFound {
                        path: MANIFEST.into(),
                    },
                ));
            }
            Ok(Fetched::TooLarge) => {
                return Err(invalid(
                    MANIFEST,
                    1,
                    Problem::FileTooLarge {
                        max: MAX_FILE_BYTES,
                    },
                ));
            }
            Ok(Fetched::NotUtf8) => return Err(invalid(MANIFEST, 1, Problem::NotUtf8)),
            Err(e) => return Err(e),
        };
        let mut read_error = None;
        let pack = assemble(&manifest, &mut |path| match read_file(dir, path) {
            Ok(f) => f,
            Err(e) => {
                read_error.get_or_insert(e);
                Fetched::Missing
            }
        });
        match read_error {
            Some(e) => Err(e),
            None => pack,
        }
    }

    /// The lesson `id` in `language`.
    pub fn lesson(&self, id: &str, language: Language) -> Option<&Lesson> {
        self.lessons
            .iter()
            .find(|l| l.id == id && l.language == language)
    }

    /// The lessons in `language`, in manifest order.
    pub fn lessons_in(&self, language: Language) -> impl Iterator<Item = &Lesson> {
        self.lessons.iter().filter(move |l| l.language == language)
    }

    /// What `role` must have passed before taking live chats: one requirement per lesson id
    /// (translations count once), in manifest order.
    pub fn requirements(&self, role: Role) -> Vec<Requirement> {
        let mut out: Vec<Requirement> = Vec::new();
        for lesson in self.lessons.iter().filter(|l| l.roles.contains(&role)) {
            if !out.iter().any(|r| r.lesson == lesson.id) {
                out.push(Requirement {
                    lesson: lesson.id.clone(),
                    min_version: lesson.min_version,
                    expiry_days: lesson.expiry_days,
                });
            }
        }
        out
    }
}

fn invalid(file: &str, line: usize, problem: Problem) -> Error {
    Error::Invalid {
        issues: vec![Issue {
            file: file.to_owned(),
            line,
            problem,
        }],
    }
}

fn read_file(dir: &Path, relative: &str) -> Result<Fetched, Error> {
    let path = dir.join(relative);
    let read_err = |source| Error::Read {
        path: relative.to_owned(),
        source,
    };
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fetched::Missing),
        Err(e) => return Err(read_err(e)),
    };
    if !meta.is_file() {
        // Folders and symbolic links are not lesson files.
        return Ok(Fetched::Missing);
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Ok(Fetched::TooLarge);
    }
    let bytes = std::fs::read(&path).map_err(read_err)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Ok(Fetched::TooLarge);
    }
    Ok(String::from_utf8(bytes).map_or(Fetched::NotUtf8, Fetched::Text))
}

/// A listed path is safe when it is relative, made only of plain names, and ends in `.md`.
fn safe_path(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && !path.contains('\\')
        && path.ends_with(".md")
        && p.components().all(|c| matches!(c, Component::Normal(_)))
}

fn assemble(manifest_text: &str, fetch: &mut dyn FnMut(&str) -> Fetched) -> Result<Pack, Error> {
    let loc = Located {
        file: MANIFEST,
        first_line: 1,
        text: manifest_text,
    };
    let raw: RawManifest = loc.parse_toml().map_err(|issue| Error::Invalid {
        issues: vec![issue],
    })?;
    let mut issues = Vec::new();
    if raw.id.get_ref().trim().is_empty() {
        issues.push(loc.issue(raw.id.span().start, Problem::Empty { field: "id".into() }));
    }
    if *raw.version.get_ref() == 0 {
        issues.push(loc.issue(raw.version.span().start, Problem::Zero { field: "version" }));
    }
    let mut languages = raw.languages.get_ref().clone();
    languages.dedup();
    if languages.is_empty() {
        let problem = Problem::Empty {
            field: "languages".into(),
        };
        issues.push(loc.issue(raw.languages.span().start, problem));
    }
    for language in &languages {
        if !raw.title.get_ref().contains_key(language) {
            let problem = Problem::MissingField {
                field: format!("title.{}", language.code()),
            };
            issues.push(loc.issue(raw.title.span().start, problem));
        }
    }
    for language in raw.title.get_ref().keys() {
        if !languages.contains(language) {
            let problem = Problem::LanguageMismatch {
                detail: format!(
                    "`title.{}` is not one of the pack's `languages`",
                    language.code()
                ),
            };
            issues.push(loc.issue(raw.title.span().start, problem));
        }
    }
    if raw.lessons.get_ref().len() > MAX_LESSONS {
        let problem = Problem::TooManyLessons { max: MAX_LESSONS };
        issues.push(loc.issue(raw.lessons.span().start, problem));
        return Err(Error::Invalid { issues });
    }

    let mut lessons: Vec<Lesson> = Vec::new();
    let mut seen_paths: Vec<&str> = Vec::new();
    for listed in raw.lessons.get_ref() {
        let path = listed.get_ref().as_str();
        let at = listed.span().start;
        if !safe_path(path) {
            let problem = Problem::UnsafePath { path: path.into() };
            issues.push(loc.issue(at, problem));
            continue;
        }
        if seen_paths.contains(&path) {
            let problem = Problem::DuplicateFile { path: path.into() };
            issues.push(loc.issue(at, problem));
            continue;
        }
        seen_paths.push(path);
        let text = match fetch(path) {
            Fetched::Text(text) => text,
            Fetched::Missing => {
                issues.push(loc.issue(at, Problem::FileNotFound { path: path.into() }));
                continue;
            }
            Fetched::TooLarge => {
                let problem = Problem::FileTooLarge {
                    max: MAX_FILE_BYTES,
                };
                issues.push(Issue {
                    file: path.into(),
                    line: 1,
                    problem,
                });
                continue;
            }
            Fetched::NotUtf8 => {
                issues.push(Issue {
                    file: path.into(),
                    line: 1,
                    problem: Problem::NotUtf8,
                });
                continue;
            }
        };
        match lesson::parse(path, &text) {
            Ok(lesson) => {
                // A duplicate is reported once and kept out of later comparisons.
                if check_against_pack(&lesson, path, &languages, &lessons, &mut issues) {
                    lessons.push(lesson);
                }
            }
            Err(mut found) => issues.append(&mut found),
        }
    }
    if !issues.is_empty() {
        issues.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(Error::Invalid { issues });
    }
    Ok(Pack {
        manifest: Manifest {
            id: raw.id.into_inner().trim().to_owned(),
            version: raw.version.into_inner(),
            languages,
            title: raw.title.into_inner(),
            lessons: seen_paths.iter().map(|p| (*p).to_owned()).collect(),
        },
        lessons,
    })
}

/// Checks that involve the manifest or earlier lessons. Returns `false` when the lesson
/// duplicates an earlier one.
fn check_against_pack(
    lesson: &Lesson,
    path: &str,
    languages: &[Language],
    earlier: &[Lesson],
    issues: &mut Vec<Issue>,
) -> bool {
    let at = |problem| Issue {
        file: path.to_owned(),
        line: lesson.id_line,
        problem,
    };
    let code = lesson.language.code();
    if !languages.contains(&lesson.language) {
        issues.push(at(Problem::LanguageMismatch {
            detail: format!(
                "the lesson is in `{code}`, which is not one of the pack's `languages`"
            ),
        }));
    }
    // A lesson under a folder named after a language must be written in it.
    if let Some(folder) = path.split('/').next().filter(|_| path.contains('/')) {
        let other = Language::ALL.iter().find(|l| l.code() == folder);
        if other.is_some_and(|l| *l != lesson.language) {
            issues.push(at(Problem::LanguageMismatch {
                detail: format!(
                    "the lesson says `language = \"{code}\"` but sits in the `{folder}/` folder"
                ),
            }));
        }
    }
    for other in earlier.iter().filter(|o| o.id == lesson.id) {
        if other.language == lesson.language {
            issues.push(at(Problem::DuplicateLessonId {
                id: lesson.id.clone(),
                language: code,
                first: other.file.clone(),
            }));
            return false;
        }
        let differs = [
            ("version", lesson.version != other.version),
            ("min_version", lesson.min_version != other.min_version),
            ("roles", lesson.roles != other.roles),
            ("pass_mark", lesson.pass_mark != other.pass_mark),
            ("expiry_days", lesson.expiry_days != other.expiry_days),
        ];
        for (field, differs) in differs {
            if differs {
                issues.push(at(Problem::TranslationMismatch {
                    id: lesson.id.clone(),
                    field,
                    other: other.file.clone(),
                }));
            }
        }
    }
    // Drill ids are unique per language across the pack.
    for drill in lesson.drills() {
        let first = earlier
            .iter()
            .filter(|o| o.language == lesson.language)
            .find(|o| o.drills().any(|d| d.id == drill.id));
        if let Some(first) = first {
            issues.push(at(Problem::DuplicateDrillId {
                id: drill.id.clone(),
                first: first.file.clone(),
            }));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_markdown_paths_are_safe() {
        assert!(safe_path("en/01-basics.md"));
        assert!(safe_path("lesson.md"));
        for bad in [
            "../x.md",
            "/etc/x.md",
            "en/../../x.md",
            "en/x.txt",
            "",
            "a\\b.md",
            "./x.md",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
    }
}
