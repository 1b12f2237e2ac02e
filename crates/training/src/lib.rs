//! `rampart-training`: security-training lesson packs for Rampart.
//!
//! This crate owns everything about training that needs neither the hub nor the console:
//!
//! - the **pack format** ([`Pack`]): a `pack.toml` manifest plus lesson Markdown files with TOML
//!   front matter, ```` ```quiz ```` blocks (questions) and ```` ```drill ```` blocks (simulated
//!   chats), parsed and validated with precise `file:line` [`Issue`]s;
//! - **safe rendering** ([`render_markdown`]): Markdown to HTML with no raw HTML passing through,
//!   sanitised by an allow-list;
//! - **scoring and progress** ([`quiz`], [`progress`]): quiz marks, pass/fail, attempts,
//!   expiry, the gate on live work and refresh reminders, all pure functions of their inputs
//!   (time is a parameter);
//! - the **drill engine** ([`drill`]): a scripted customer that reacts to what the trainee does
//!   and a score with an explanation for each mistake;
//! - the **built-in curriculum** ([`Pack::builtin`]) in English and Spanish, embedded at build
//!   time so the console needs no files at run time.
//!
//! Invariants:
//! - No IO except [`Pack::load_dir`]; no logging; nothing here panics on any input.
//! - Rendered HTML never contains markup the author wrote as HTML: raw HTML becomes text,
//!   then the output passes an allow-list sanitiser.
//! - Every line number in an [`Issue`] is 1-based and counts lines of the whole file.

pub mod drill;
mod issue;
mod lesson;
mod pack;
pub mod progress;
pub mod quiz;
mod render;

pub use issue::{Issue, Problem};
pub use lesson::{Block, Lesson, LessonOutcome, Section};
pub use pack::{MAX_FILE_BYTES, MAX_LESSONS, Manifest, Pack};
pub use render::render_markdown;

use serde::{Deserialize, Serialize};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pack has one or more problems; each names its file and line.
    #[error("the lesson pack is invalid:\n{}", issue::list(.issues))]
    Invalid {
        /// Every problem found, in file order.
        issues: Vec<Issue>,
    },
    /// A pack file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, relative to the pack folder.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The personal-data detector used by drills could not be built.
    #[error("the personal-data detector could not be built: {0}")]
    Detector(#[from] rampart_pii::Error),
    /// The drill detector's built-in word lists or patterns did not compile (a bug).
    #[error("the drill detector's patterns did not compile: {reason}")]
    Patterns {
        /// The compiler's message.
        reason: String,
    },
}

/// A lesson's language. Packs hold lessons in several languages; a lesson and its translation
/// share an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Language {
    /// English.
    En,
    /// Spanish.
    Es,
}

impl Language {
    /// Every supported language, in a fixed order.
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    /// The ISO 639-1 code used in packs (`en`, `es`).
    pub const fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }
}

/// A role a lesson can be required for. Names match the hub's roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Answers live chats.
    Agent,
    /// Oversees agents; may reveal masked values.
    Supervisor,
    /// Runs onboarding and manages lesson packs.
    Trainer,
    /// Administers the hub.
    Admin,
}

impl Role {
    /// The name used in packs (`agent`, `supervisor`, `trainer`, `admin`).
    pub const fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Trainer => "trainer",
            Role::Admin => "admin",
        }
    }
}
