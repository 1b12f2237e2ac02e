//! Security training records: imported packs, attempts, completions, cohorts and assignments,
//! and the [`TrainingStore`] contract.
//!
//! Attempts and completions hold scores, versions and dates only: never what a trainee
//! answered or typed. Times are Unix milliseconds.

use async_trait::async_trait;
use rampart_protocol::rest::Role;
use rampart_protocol::{AgentId, CohortId};

use super::StoreError;
use crate::org::OrgId;

/// An imported lesson pack, as its files' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPack {
    /// The pack's id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// `(path, text)` of every file.
    pub files: Vec<(String, String)>,
    /// When it was imported.
    pub imported_at: i64,
    /// Who imported it.
    pub importer: AgentId,
}

/// Whether an attempt was a quiz or a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptKind {
    /// The lesson's quiz.
    Quiz,
    /// One of its drills.
    Drill,
}

impl AttemptKind {
    pub(super) fn label(self) -> &'static str {
        match self {
            AttemptKind::Quiz => "quiz",
            AttemptKind::Drill => "drill",
        }
    }
}

/// One scored attempt (scores only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttempt {
    /// Who.
    pub agent: AgentId,
    /// The pack.
    pub pack: String,
    /// The lesson.
    pub lesson: String,
    /// The lesson version answered.
    pub version: u32,
    /// Language code (`en`, `es`).
    pub language: String,
    /// Quiz or drill.
    pub kind: AttemptKind,
    /// The drill, for drill attempts.
    pub drill: Option<String>,
    /// Score.
    pub percent: u8,
    /// Whether it reached the pass mark.
    pub passed: bool,
    /// When.
    pub at: i64,
}

/// A passed lesson; its id is the certificate's verification id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCompletion {
    /// Certificate id (a UUID).
    pub id: String,
    /// Who.
    pub agent: AgentId,
    /// The pack.
    pub pack: String,
    /// The lesson.
    pub lesson: String,
    /// The version passed.
    pub version: u32,
    /// Language code the lesson was taken in.
    pub language: String,
    /// Lesson score.
    pub percent: u8,
    /// When.
    pub passed_at: i64,
}

/// A cohort with its members and assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCohort {
    /// Id.
    pub id: CohortId,
    /// Name.
    pub name: String,
    /// Members, by id.
    pub members: Vec<AgentId>,
    /// `(pack, lesson, due_at)`, in the order assigned.
    pub assignments: Vec<(String, String, i64)>,
}

/// A staff account as training sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// Training records. Cohorts belong to one organisation: a cohort of another organisation is
/// treated as missing. Pack versions only grow.
#[async_trait]
pub trait TrainingStore: Send + Sync {
    /// Stores a pack version if it is newer than every stored version of that id. Returns
    /// `false` (and stores nothing) when it is not.
    async fn import_pack(&self, pack: StoredPack) -> Result<bool, StoreError>;

    /// The latest version of every imported pack, in import order.
    async fn packs(&self) -> Result<Vec<StoredPack>, StoreError>;

    /// Records a scored attempt.
    async fn record_attempt(&self, attempt: StoredAttempt) -> Result<(), StoreError>;

    /// An agent's attempts at one lesson version, oldest first.
    async fn attempts(
        &self,
        agent: AgentId,
        pack: &str,
        lesson: &str,
        version: u32,
    ) -> Result<Vec<StoredAttempt>, StoreError>;

    /// How many attempts (quizzes and drills) an agent made per `(pack, lesson)`.
    async fn attempt_counts(
        &self,
        agent: AgentId,
    ) -> Result<Vec<(String, String, u32)>, StoreError>;

    /// Records a passed lesson.
    async fn record_completion(&self, completion: StoredCompletion) -> Result<(), StoreError>;

    /// Every completion of an agent, oldest first.
    async fn completions(&self, agent: AgentId) -> Result<Vec<StoredCompletion>, StoreError>;

    /// Every staff account of `org`, by display name.
    async fn staff(&self, org: &OrgId) -> Result<Vec<StaffMember>, StoreError>;

    /// Creates a cohort of `org`, or renames an existing one of `org` and replaces its
    /// members. Returns `false` when `create` is false and `org` has no such cohort. Members
    /// must be `org`'s staff (the caller checks).
    async fn save_cohort(
        &self,
        org: &OrgId,
        id: CohortId,
        name: &str,
        members: &[AgentId],
        create: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Assigns a lesson to a cohort of `org` (again: sets the new due date). `false`: `org`
    /// has no such cohort.
    async fn assign_lesson(
        &self,
        org: &OrgId,
        cohort: CohortId,
        pack: &str,
        lesson: &str,
        due_at: i64,
    ) -> Result<bool, StoreError>;

    /// Every cohort of `org` (of every organisation with `None`) with its members and
    /// assignments, by name.
    async fn cohorts(&self, org: Option<&OrgId>) -> Result<Vec<StoredCohort>, StoreError>;
}
