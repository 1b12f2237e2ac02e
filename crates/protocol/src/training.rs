//! Security training over the hub's HTTPS API and the agent WebSocket.
//!
//! The hub is the authority: it holds the organisation's lesson packs, scores quizzes and drills
//! itself from what the trainee answered or did (a client never reports a score), stores
//! attempts and completions, and refuses to route live chats to an agent whose required lessons
//! are missing or expired. The console shows lessons and reports answers and actions.
//!
//! Trainee endpoints (any staff role, own data only):
//! - `GET /api/v1/training` → [`TrainingOverview`]
//! - `GET /api/v1/training/packs/{pack}/lessons/{lesson}?language=en` → [`LessonView`]
//!   (answers withheld; a trainer may add `&preview=true` to get them)
//! - `POST /api/v1/training/packs/{pack}/lessons/{lesson}/quiz` [`QuizSubmission`] →
//!   [`QuizResult`]
//! - `POST /api/v1/training/drills` [`DrillStart`] → [`DrillTurn`];
//!   `POST /api/v1/training/drills/{run}/act` [`DrillAct`] → [`DrillTurn`]
//! - `GET /api/v1/training/certificates` → `Vec<`[`Certificate`]`>`
//! - `POST /api/v1/training/live/join` [`LiveJoin`] → [`LiveSession`];
//!   `POST /api/v1/training/live/{id}/answer` [`LiveAnswer`] → [`LiveSession`]
//!
//! Trainer endpoints (role trainer or admin):
//! - `GET /api/v1/training/packs` → `Vec<`[`PackSummary`]`>`; `POST /api/v1/training/packs`
//!   [`PackUpload`] → [`PackSummary`] (an invalid pack is `packInvalid` with every
//!   `file:line: problem` in `issues`)
//! - `GET /api/v1/training/trainees` → `Vec<`[`Trainee`]`>`
//! - `GET /api/v1/training/cohorts` → `Vec<`[`Cohort`]`>`; `POST /api/v1/training/cohorts`
//!   [`CohortRequest`] → [`Cohort`]; `PUT /api/v1/training/cohorts/{id}` [`CohortRequest`] →
//!   [`Cohort`]; `POST /api/v1/training/cohorts/{id}/assignments` [`AssignmentRequest`] →
//!   [`Cohort`]
//! - `GET /api/v1/training/dashboard?cohort={id}` → [`Dashboard`];
//!   `GET /api/v1/training/dashboard.csv?cohort={id}` → `text/csv`
//! - `POST /api/v1/training/live` [`LiveStart`] → [`LiveSession`];
//!   `POST /api/v1/training/live/{id}/control` [`LiveControl`] → [`LiveSession`];
//!   `GET /api/v1/training/live/{id}` → [`LiveSession`]
//!
//! Pushed over `/ws/agent`: [`crate::ServerFrame::TrainingGate`] at `hello` and whenever the
//! agent's standing changes, and [`crate::ServerFrame::LiveTraining`] to a live session's
//! trainer and joined trainees whenever its state changes.
//!
//! Times are Unix milliseconds. Lesson and pack ids are the author's strings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{AgentId, CohortId, DrillRunId, LiveSessionId};

/// A language lessons are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TrainingLanguage {
    /// English.
    En,
    /// Spanish.
    Es,
}

/// Where an agent stands on one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StandingState {
    /// Passed and valid.
    Current,
    /// Passed and valid, but it expires within the reminder window (30 days).
    ExpiringSoon,
    /// Passed once; every completion has expired.
    Expired,
    /// Never passed (or only an older version than required).
    Missing,
}

/// One lesson as a trainee's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LessonSummary {
    /// The pack it belongs to.
    pub pack_id: String,
    /// The lesson's id (shared by its translations).
    pub lesson_id: String,
    /// The title in the language asked for (or the first available).
    pub title: String,
    /// The language of `title`.
    pub language: TrainingLanguage,
    /// The current version.
    pub version: u32,
    /// For planning.
    pub estimated_minutes: u32,
    /// Percent needed to pass.
    pub pass_mark: u8,
    /// Days a completion stays valid; `None` never expires.
    pub expiry_days: Option<u32>,
    /// Whether the agent's role must pass it before live chats.
    pub required: bool,
    /// Number of quiz questions.
    pub questions: u32,
    /// Number of drills.
    pub drills: u32,
    /// Where the agent stands.
    pub state: StandingState,
    /// Score of the latest passing attempt.
    pub percent: Option<u8>,
    /// When it was last passed.
    pub passed_at: Option<i64>,
    /// When that completion stops counting.
    pub expires_at: Option<i64>,
    /// The earliest due date a trainer set for the agent's cohorts.
    pub due_at: Option<i64>,
}

/// The live-work decision, as the console explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TrainingGate {
    /// Whether the hub routes live chats to this agent.
    pub allowed: bool,
    /// Required lessons never passed: (pack id, lesson id).
    pub missing: Vec<LessonRef>,
    /// Required lessons whose completion expired.
    pub expired: Vec<LessonRef>,
}

/// A lesson named across packs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LessonRef {
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// Its title in the agent's language, for messages.
    pub title: String,
}

/// `GET /api/v1/training`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TrainingOverview {
    /// May the agent take live chats.
    pub gate: TrainingGate,
    /// Every lesson available to the agent, required ones first, in pack order.
    pub lessons: Vec<LessonSummary>,
}

/// A lesson to read and answer. Answers are absent unless a trainer asked for a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LessonView {
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// Title.
    pub title: String,
    /// Language of the content.
    pub language: TrainingLanguage,
    /// Version; a quiz submission names it, so answers to an older text are refused.
    pub version: u32,
    /// For planning.
    pub estimated_minutes: u32,
    /// Percent needed to pass.
    pub pass_mark: u8,
    /// The content, in order.
    pub sections: Vec<SectionView>,
}

/// One section (what a trainer advances through in a live session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SectionView {
    /// The heading, if any.
    pub title: Option<String>,
    /// Text, questions and drills.
    pub blocks: Vec<BlockView>,
}

/// A piece of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum BlockView {
    /// Sanitised HTML rendered by the hub from the lesson's Markdown (no scripts, no event
    /// handlers, links `https:`/`http:`/`mailto:` only). The console sanitises it again.
    Text {
        /// The HTML.
        html: String,
    },
    /// A quiz question.
    Quiz {
        /// The question.
        question: QuestionView,
    },
    /// A simulated chat.
    Drill {
        /// What the trainee sees before starting.
        drill: DrillBrief,
    },
}

/// The kind of a quiz question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum QuestionKind {
    /// Pick one option.
    Single,
    /// Pick every right option and no other.
    Multiple,
    /// True or false (`options` is empty).
    TrueFalse,
    /// Put `options` in the right order.
    Ordering,
}

/// A question without its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuestionView {
    /// Stable within the lesson.
    pub id: String,
    /// Plain text.
    pub prompt: String,
    /// Kind.
    pub kind: QuestionKind,
    /// Options as displayed. For ordering, the items in a shuffled order that is the same every
    /// time the question is shown; responses index into this list.
    pub options: Vec<String>,
    /// Only in a trainer's preview: the right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<QuizAnswer>,
    /// Only in a trainer's preview: the explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
}

/// An answer to a question; also the form of a right answer. Indexes are 0-based into the
/// question's displayed `options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum QuizAnswer {
    /// One option.
    Single {
        /// Index.
        choice: u32,
    },
    /// Several options.
    Multiple {
        /// Indexes, any order.
        choices: Vec<u32>,
    },
    /// True or false.
    TrueFalse {
        /// The value.
        value: bool,
    },
    /// The displayed options in the order the trainee put them.
    Ordering {
        /// A permutation of `0..options.len()`.
        order: Vec<u32>,
    },
}

/// `POST …/quiz`: one answer (or `null` for skipped) per question, in lesson order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuizSubmission {
    /// The language the lesson was shown in.
    pub language: TrainingLanguage,
    /// The version shown; an older one is refused with `trainingOutdated`.
    pub version: u32,
    /// Answers in question order.
    pub answers: Vec<Option<QuizAnswer>>,
}

/// How one question was marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuestionMark {
    /// The question.
    pub question_id: String,
    /// Right or wrong.
    pub correct: bool,
    /// The right answer.
    pub answer: QuizAnswer,
    /// Why.
    pub explain: String,
}

/// The hub's marking of a quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuizResult {
    /// Quiz percentage (rounded down).
    pub percent: u8,
    /// Whether the quiz reached the pass mark.
    pub passed: bool,
    /// Per question, in order.
    pub marks: Vec<QuestionMark>,
    /// The lesson's standing after this attempt (passed only when its drills are passed too).
    pub lesson: LessonSummary,
    /// The live-work decision after this attempt.
    pub gate: TrainingGate,
}

/// What a drill shows before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillBrief {
    /// Unique within the lesson's pack and language.
    pub id: String,
    /// Title.
    pub title: String,
    /// Plain-text briefing.
    pub briefing: String,
    /// The simulated customer's name.
    pub customer: String,
    /// Values shown to the trainee as if on their screen (they must never type them).
    pub secrets: Vec<String>,
}

/// `POST /api/v1/training/drills`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillStart {
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// The drill.
    pub drill_id: String,
    /// Language.
    pub language: TrainingLanguage,
}

/// What the trainee did in a drill; the console reports the same actions its real chat view
/// offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DrillAction {
    /// Sent a message (at most `MAX_TEXT_CHARS`).
    SendMessage {
        /// The text as typed.
        text: String,
    },
    /// Sent the customer a secure form.
    RequestSecureForm,
    /// Revealed a masked value.
    Reveal,
    /// Copied the customer's data.
    Copy,
    /// Reported the conversation as a security incident.
    Report,
    /// Transferred to a supervisor.
    Escalate,
    /// Declined with the console's refusal reply.
    Refuse,
}

/// `POST /api/v1/training/drills/{run}/act`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillAct {
    /// The action.
    pub action: DrillAction,
}

/// A mistake in a drill, with the author's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillMistake {
    /// The signal's pack name (`asked_card_in_chat`…), for the UI to label.
    pub signal: String,
    /// `true`: it should not have happened; `false`: it should have.
    pub avoid: bool,
    /// Why it matters.
    pub explain: String,
    /// Whether it fails the drill on its own.
    pub critical: bool,
}

/// A finished drill's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillResult {
    /// Percentage (rounded down).
    pub percent: u8,
    /// Pass mark reached with no critical mistake.
    pub passed: bool,
    /// Points earned.
    pub earned: u32,
    /// Points available.
    pub possible: u32,
    /// Every rule got wrong.
    pub mistakes: Vec<DrillMistake>,
    /// The lesson's standing after this drill.
    pub lesson: LessonSummary,
}

/// The state of a drill after starting or acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillTurn {
    /// The run (valid for an hour, for its trainee only).
    pub run_id: DrillRunId,
    /// The drill.
    pub drill: DrillBrief,
    /// What the customer says now (empty when the script stays silent).
    pub customer_says: Vec<String>,
    /// The pack names of the signals the action produced (empty on start).
    pub signals: Vec<String>,
    /// Whether the conversation ended.
    pub finished: bool,
    /// Present once finished.
    pub result: Option<DrillResult>,
}

/// A certificate of completion (the console renders a printable page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// Verification id, unique per completion.
    pub id: String,
    /// The organisation's name.
    pub organisation: String,
    /// The agent's display name.
    pub agent_name: String,
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// Its title in the language it was taken in.
    pub lesson_title: String,
    /// That language.
    pub language: TrainingLanguage,
    /// The version passed.
    pub version: u32,
    /// Score.
    pub percent: u8,
    /// When.
    pub passed_at: i64,
    /// When it stops counting, if ever.
    pub expires_at: Option<i64>,
}

/// One file of a pack being imported (`pack.toml` or a lesson), as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackFile {
    /// Relative path inside the pack (`pack.toml`, `en/01-basics.md`).
    pub path: String,
    /// UTF-8 content.
    pub text: String,
}

/// `POST /api/v1/training/packs`: a whole pack. Importing a pack id that exists replaces it
/// when the version is higher; the same or a lower version is refused (`trainingOutdated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackUpload {
    /// Every file.
    pub files: Vec<PackFile>,
}

/// A pack the hub serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackSummary {
    /// Id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title in English.
    pub title_en: String,
    /// Title in Spanish.
    pub title_es: String,
    /// Languages.
    pub languages: Vec<TrainingLanguage>,
    /// Lessons (counting each lesson id once).
    pub lessons: Vec<LessonRef>,
    /// The built-in curriculum (cannot be replaced or removed).
    pub builtin: bool,
    /// When it was imported (`None` for the built-in one).
    pub imported_at: Option<i64>,
}

/// A staff member as a trainer sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Trainee {
    /// Id.
    pub id: AgentId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: crate::rest::Role,
}

/// A lesson assigned to a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    /// The lesson.
    pub lesson: LessonRef,
    /// Due date.
    pub due_at: i64,
}

/// A group of trainees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    /// Id.
    pub id: CohortId,
    /// Name (1–80 characters).
    pub name: String,
    /// Members.
    pub members: Vec<Trainee>,
    /// Lessons assigned, with due dates.
    pub assignments: Vec<Assignment>,
}

/// Creates or renames a cohort and sets its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CohortRequest {
    /// Name (1–80 characters).
    pub name: String,
    /// Members.
    pub members: Vec<AgentId>,
}

/// Assigns a lesson to a cohort (again: changes the due date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRequest {
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// Due date.
    pub due_at: i64,
}

/// One agent and one lesson on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardCell {
    /// Standing.
    pub state: StandingState,
    /// Best score of the latest passing attempt.
    pub percent: Option<u8>,
    /// Latest pass.
    pub passed_at: Option<i64>,
    /// Attempts so far (quizzes and drills).
    pub attempts: u32,
    /// Due date from the cohort's assignment.
    pub due_at: Option<i64>,
    /// Due date passed without a current completion.
    pub overdue: bool,
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardRow {
    /// Who.
    pub trainee: Trainee,
    /// Whether they may take live chats now.
    pub allowed: bool,
    /// One cell per `Dashboard::lessons`, in that order.
    pub cells: Vec<DashboardCell>,
}

/// `GET /api/v1/training/dashboard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The cohort shown, or `None` for everyone.
    pub cohort: Option<CohortId>,
    /// The columns: the cohort's assignments, or every required lesson.
    pub lessons: Vec<LessonRef>,
    /// The rows.
    pub rows: Vec<DashboardRow>,
}

/// `POST /api/v1/training/live`: a trainer opens a live onboarding session on one lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveStart {
    /// The pack.
    pub pack_id: String,
    /// The lesson.
    pub lesson_id: String,
    /// Language.
    pub language: TrainingLanguage,
}

/// `POST /api/v1/training/live/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveJoin {
    /// The code the trainer shows (six characters, letters and digits without look-alikes).
    pub code: String,
}

/// What a trainer does in a live session. Fields are camelCase like every other wire body
/// (`{"type":"openQuestion","questionId":"q1"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LiveControl {
    /// Show this section (0-based) to everyone.
    Goto {
        /// Section index.
        section: u32,
    },
    /// Open a question of the current lesson for answers.
    #[serde(rename_all = "camelCase")]
    OpenQuestion {
        /// The question's id.
        question_id: String,
    },
    /// Stop taking answers and show everyone the tally and the right answer.
    CloseQuestion,
    /// Start a drill of the lesson for every trainee (each gets their own run).
    #[serde(rename_all = "camelCase")]
    StartDrill {
        /// The drill's id.
        drill_id: String,
    },
    /// End the session.
    End,
}

/// `POST /api/v1/training/live/{id}/answer`: a trainee answers the open question (again:
/// replaces their answer while it is open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveAnswer {
    /// The open question's id.
    pub question_id: String,
    /// The answer.
    pub answer: QuizAnswer,
}

/// A participant of a live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveParticipant {
    /// Display name.
    pub display_name: String,
    /// Whether they answered the open question.
    pub answered: bool,
    /// Right answers so far in this session.
    pub correct: u32,
}

/// The open (or last closed) question of a live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveQuestion {
    /// The question (with `answer` only once closed).
    pub question: QuestionView,
    /// Still taking answers.
    pub open: bool,
    /// Answers received.
    pub answered: u32,
    /// For the chart: per displayed option how many chose it (single and multiple), `[true,
    /// false]` counts (true/false), `[right, wrong]` (ordering). Sent to the trainer always, to
    /// trainees once the question is closed.
    pub tally: Vec<u32>,
    /// Right answers received.
    pub correct: u32,
}

/// A live onboarding session, as its trainer and trainees see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LiveSession {
    /// Id.
    pub id: LiveSessionId,
    /// Join code.
    pub code: String,
    /// The trainer's display name.
    pub trainer: String,
    /// The lesson, with its content (answers withheld from trainees).
    pub lesson: LessonView,
    /// The section everyone sees (0-based).
    pub section: u32,
    /// Trainees who joined.
    pub participants: Vec<LiveParticipant>,
    /// The current question, if one was opened.
    pub question: Option<LiveQuestion>,
    /// The drill the trainer started, if any: each trainee starts their own run of it.
    pub drill: Option<DrillStart>,
    /// The session is over.
    pub ended: bool,
}
