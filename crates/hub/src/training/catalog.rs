//! The lessons the hub serves: the built-in pack (which cannot be replaced) and the latest
//! version of every imported pack.

use rampart_protocol::rest::Role;
use rampart_protocol::training::{LessonRef, PackSummary, TrainingLanguage};
use rampart_training::progress::Requirement;
use rampart_training::{Language, Lesson, Pack};

/// One pack the hub serves.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The parsed pack.
    pub pack: Pack,
    /// The built-in curriculum.
    pub builtin: bool,
    /// When it was imported (`None` for the built-in one).
    pub imported_at: Option<i64>,
}

/// A lesson some role must pass, with its pack.
#[derive(Debug, Clone)]
pub struct Required {
    /// The pack.
    pub pack: String,
    /// What the training crate judges.
    pub requirement: Requirement,
}

/// Every pack, built-in first, then imported ones in import order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
}

/// Training's language for a wire language.
pub fn language(l: TrainingLanguage) -> Language {
    match l {
        TrainingLanguage::En => Language::En,
        TrainingLanguage::Es => Language::Es,
    }
}

/// The wire language for training's.
pub fn wire_language(l: Language) -> TrainingLanguage {
    match l {
        Language::Es => TrainingLanguage::Es,
        _ => TrainingLanguage::En,
    }
}

/// A language from its stored code (`en`, `es`); anything else reads as English.
pub fn language_code(code: &str) -> Language {
    if code == "es" {
        Language::Es
    } else {
        Language::En
    }
}

/// Training's role for a staff role.
pub fn role(role: Role) -> rampart_training::Role {
    match role {
        Role::Agent => rampart_training::Role::Agent,
        Role::Supervisor => rampart_training::Role::Supervisor,
        Role::Trainer => rampart_training::Role::Trainer,
        Role::Admin => rampart_training::Role::Admin,
    }
}

impl Catalog {
    /// A catalog of these entries (the built-in one first).
    pub fn new(entries: Vec<Entry>) -> Self {
        Self { entries }
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The pack `id`.
    pub fn pack(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.pack.manifest.id == id)
    }

    /// The lesson in `language`, or in another language when it has no such translation.
    pub fn lesson(&self, pack: &str, lesson: &str, language: Language) -> Option<&Lesson> {
        let pack = &self.pack(pack)?.pack;
        pack.lesson(lesson, language)
            .or_else(|| pack.lessons.iter().find(|l| l.id == lesson))
    }

    /// Lessons across all packs whose roles include `role`, in pack order.
    pub fn requirements(&self, role: Role) -> Vec<Required> {
        let role = self::role(role);
        self.entries
            .iter()
            .flat_map(|e| {
                e.pack
                    .requirements(role)
                    .into_iter()
                    .map(|requirement| Required {
                        pack: e.pack.manifest.id.clone(),
                        requirement,
                    })
            })
            .collect()
    }

    /// Whether `role` must pass the lesson.
    pub fn is_required(&self, pack: &str, lesson: &str, role: Role) -> bool {
        let role = self::role(role);
        self.pack(pack).is_some_and(|e| {
            e.pack
                .lessons
                .iter()
                .any(|l| l.id == lesson && l.roles.contains(&role))
        })
    }

    /// A lesson reference with its title in `language` (or the id when it is unknown).
    pub fn lesson_ref(&self, pack: &str, lesson: &str, language: Language) -> LessonRef {
        LessonRef {
            pack_id: pack.to_owned(),
            lesson_id: lesson.to_owned(),
            title: self
                .lesson(pack, lesson, language)
                .map_or_else(|| lesson.to_owned(), |l| l.title.clone()),
        }
    }

    /// Each lesson id of each pack once, in pack order: `(pack, lesson id)`.
    pub fn lesson_ids(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for e in &self.entries {
            for l in &e.pack.lessons {
                let key = (e.pack.manifest.id.clone(), l.id.clone());
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        out
    }

    /// What a trainer's pack list shows.
    pub fn summaries(&self) -> Vec<PackSummary> {
        self.entries.iter().map(summary).collect()
    }
}

/// A pack's summary.
pub fn summary(e: &Entry) -> PackSummary {
    let m = &e.pack.manifest;
    let title = |l: Language| m.title.get(&l).cloned().unwrap_or_else(|| m.id.clone());
    let mut lessons: Vec<LessonRef> = Vec::new();
    for l in &e.pack.lessons {
        if !lessons.iter().any(|r| r.lesson_id == l.id) {
            let shown = e.pack.lesson(&l.id, Language::En).unwrap_or(l);
            lessons.push(LessonRef {
                pack_id: m.id.clone(),
                lesson_id: l.id.clone(),
                title: shown.title.clone(),
            });
        }
    }
    PackSummary {
        id: m.id.clone(),
        version: m.version,
        title_en: title(Language::En),
        title_es: title(Language::Es),
        languages: m.languages.iter().map(|l| wire_language(*l)).collect(),
        lessons,
        builtin: e.builtin,
        imported_at: e.imported_at,
    }
}
