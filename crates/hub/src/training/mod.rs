//! Security training at the hub: the lesson catalog, hub-side scoring of quizzes and drills,
//! completions, certificates, trainer tools, live onboarding sessions, and the gate on live
//! work.
//!
//! Invariants:
//! - The hub scores: a client sends answers and actions, never a score.
//! - An agent whose required lessons are missing or expired is never assigned a conversation
//!   (routing, accepting from the queue and transfers all consult the live registry's
//!   per-agent flag, which this module sets at `hello`, after each completion and whenever a
//!   completion expires). With `[training] enforce = false` the flag is always set.
//! - What a trainee typed in a drill is analysed in memory and dropped: never stored, logged or
//!   audited. Quiz answers are never stored or audited either; only scores are.

pub mod catalog;
mod certificates;
mod drills;
pub mod http;
mod live_session;
mod trainer;
pub mod views;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::clock::Clock;
use rampart_protocol::rest::{AgentProfile, ApiError, ApiErrorCode, Role};
use rampart_protocol::training::{
    LessonRef, LessonSummary, LessonView, QuestionMark, QuizResult, QuizSubmission, StandingState,
    TrainingGate, TrainingLanguage, TrainingOverview,
};
use rampart_protocol::{AgentId, ServerFrame};
use rampart_training::drill::{Detector, DrillScore, Expect, Mistake, Signal};
use rampart_training::progress::{self, Completion, Requirement, Standing};
use rampart_training::quiz::{self, QuizScore};
use rampart_training::{Language, Lesson, Pack};
use time::UtcDateTime;

use crate::audit::{Audit, AuditError};
use crate::chat::Chat;
use crate::store::{AttemptKind, Store, StoreError, StoredAttempt, StoredCompletion};
use catalog::{Catalog, Entry, language, wire_language};

pub use live_session::Sessions;

/// Training settings from `[training]` and the organisation.
#[derive(Debug, Clone)]
pub struct TrainingPolicy {
    /// Refuse live chats to agents whose required lessons are missing or expired.
    pub enforce: bool,
    /// Days before expiry a lesson shows as expiring soon.
    pub reminder_days: u32,
    /// Named on certificates.
    pub organisation: String,
}

/// Why a training request failed. Messages are safe to show and log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainingError {
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// No such pack, lesson, drill, run or cohort for this caller.
    #[error("{0}")]
    NotFound(&'static str),
    /// The lesson changed since it was shown, or an import is not newer.
    #[error("{0}")]
    Outdated(String),
    /// An imported pack is invalid: every issue as `file:line: message`.
    #[error("the lesson pack is invalid")]
    Invalid(Vec<String>),
    /// The request is not acceptable.
    #[error("{0}")]
    Malformed(String),
    /// No open live session has this code or id.
    #[error("no live session with that code")]
    LiveNotFound,
    /// Too many attempts or runs.
    #[error("{0}")]
    TooMany(&'static str),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit log failed (the operation did not happen).
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The clock is unusable.
    #[error("the hub clock failed")]
    Clock,
}

impl TrainingError {
    /// The API error body.
    pub fn to_api(&self) -> ApiError {
        let code = match self {
            TrainingError::Forbidden(_) => ApiErrorCode::Forbidden,
            TrainingError::NotFound(_) => ApiErrorCode::NotFound,
            TrainingError::Outdated(_) => ApiErrorCode::TrainingOutdated,
            TrainingError::Invalid(_) => ApiErrorCode::PackInvalid,
            TrainingError::Malformed(_) => ApiErrorCode::Malformed,
            TrainingError::LiveNotFound => ApiErrorCode::LiveSessionNotFound,
            TrainingError::TooMany(_) => ApiErrorCode::TooManyAttempts,
            TrainingError::Store(_) | TrainingError::Audit(_) | TrainingError::Clock => {
                tracing::error!(error = %self, "training failed");
                return ApiError::new(ApiErrorCode::Internal, "the hub could not do this now");
            }
        };
        let mut error = ApiError::new(code, self.to_string());
        if let TrainingError::Invalid(issues) = self {
            error.issues.clone_from(issues);
        }
        if let TrainingError::TooMany(_) = self {
            error.retry_after_secs = Some(60);
        }
        error
    }
}

/// What the hub remembers about an agent's gate: when it must look again.
#[derive(Debug, Clone)]
struct Watch {
    role: Role,
    gate: TrainingGate,
    /// The next expiry of a current required completion (Unix ms).
    next: Option<i64>,
}

struct Inner {
    store: Store,
    audit: Audit,
    clock: Arc<dyn Clock>,
    chat: Chat,
    policy: TrainingPolicy,
    catalog: tokio::sync::RwLock<Option<Arc<Catalog>>>,
    detector: Detector,
    drills: drills::Runs,
    sessions: Sessions,
    watch: Mutex<HashMap<AgentId, Watch>>,
}

/// The training service. Cheap to clone.
#[derive(Clone)]
pub struct Training {
    inner: Arc<Inner>,
}

/// Unix milliseconds as a UTC time.
fn utc(ms: i64) -> UtcDateTime {
    UtcDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(UtcDateTime::UNIX_EPOCH)
}

/// A UTC time as Unix milliseconds.
fn millis(t: UtcDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn completion(c: &StoredCompletion) -> Completion {
    Completion {
        lesson: c.lesson.clone(),
        version: c.version,
        passed_at: utc(c.passed_at),
        percent: c.percent,
    }
}

fn target(kind: &str, id: &str) -> Target {
    let kind = TargetKind::from_name(kind).unwrap_or(TargetKind::Policy);
    Target::new(kind, id)
}

impl Training {
    /// A training service over the hub's store, audit log, clock and chat (for routing).
    pub fn new(
        store: Store,
        audit: Audit,
        clock: Arc<dyn Clock>,
        chat: Chat,
        policy: TrainingPolicy,
    ) -> Result<Self, rampart_training::Error> {
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                audit,
                clock,
                chat,
                policy,
                catalog: tokio::sync::RwLock::new(None),
                detector: Detector::new()?,
                drills: drills::Runs::default(),
                sessions: Sessions::default(),
                watch: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The store (demo seeding, tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    fn now_ms(&self) -> Result<i64, TrainingError> {
        let secs = self
            .inner
            .clock
            .unix_now()
            .map_err(|_| TrainingError::Clock)?;
        Ok(i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000))
    }

    async fn record(
        &self,
        who: &AgentProfile,
        action: &str,
        on: Target,
        details: &[(&str, &str)],
        ip: Option<IpAddr>,
        failure: Option<&str>,
    ) -> Result<(), TrainingError> {
        let action = Action::from_name(action).map_err(AuditError::from)?;
        let mut event = AuditEvent::new(
            Actor::named_user(&who.id.to_string(), &who.username),
            action,
        )
        .on(on);
        if let Some(ip) = ip {
            event = event.from_ip(ip);
        }
        for (k, v) in details {
            event = event.with_detail(k, v).map_err(AuditError::from)?;
        }
        if let Some(code) = failure {
            event = event.failed(code);
        }
        let secs = self
            .inner
            .clock
            .unix_now()
            .map_err(|_| TrainingError::Clock)?;
        self.inner.audit.record(event, secs).await?;
        Ok(())
    }

    /// The catalog, loaded on first use: the built-in pack and the latest imported versions.
    pub async fn catalog(&self) -> Result<Arc<Catalog>, TrainingError> {
        if let Some(catalog) = self.inner.catalog.read().await.as_ref() {
            return Ok(Arc::clone(catalog));
        }
        let mut slot = self.inner.catalog.write().await;
        if let Some(catalog) = slot.as_ref() {
            return Ok(Arc::clone(catalog));
        }
        let mut entries = Vec::new();
        match Pack::builtin() {
            Ok(pack) => entries.push(Entry {
                pack,
                builtin: true,
                imported_at: None,
            }),
            Err(error) => tracing::error!(%error, "the built-in training pack does not load"),
        }
        for stored in self.inner.store.packs().await? {
            let files: Vec<(&str, &str)> = stored
                .files
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            match Pack::from_memory(&files) {
                Ok(pack)
                    if !entries
                        .iter()
                        .any(|e| e.pack.manifest.id == pack.manifest.id) =>
                {
                    entries.push(Entry {
                        pack,
                        builtin: false,
                        imported_at: Some(stored.imported_at),
                    });
                }
                Ok(_) => {}
                // Validated at import; a newer hub may judge an old pack differently.
                Err(_) => {
                    tracing::warn!(pack = %stored.id, "a stored training pack no longer loads")
                }
            }
        }
        let catalog = Arc::new(Catalog::new(entries));
        *slot = Some(Arc::clone(&catalog));
        Ok(catalog)
    }

    /// Drops the held catalog; the next use rebuilds it from the store.
    async fn invalidate_catalog(&self) {
        *self.inner.catalog.write().await = None;
    }

    // ---- Gate --------------------------------------------------------------------------

    /// The live-work decision for an agent, and when it may change next by expiry.
    async fn decide(
        &self,
        catalog: &Catalog,
        agent: AgentId,
        role: Role,
        now: i64,
    ) -> Result<(TrainingGate, Option<i64>), TrainingError> {
        let completions = self.inner.store.completions(agent).await?;
        let mut gate = TrainingGate {
            allowed: true,
            missing: Vec::new(),
            expired: Vec::new(),
        };
        let mut next: Option<i64> = None;
        for required in catalog.requirements(role) {
            let of_pack: Vec<Completion> = completions
                .iter()
                .filter(|c| c.pack == required.pack)
                .map(completion)
                .collect();
            let name =
                || catalog.lesson_ref(&required.pack, &required.requirement.lesson, Language::En);
            match progress::standing(&required.requirement, &of_pack, utc(now)) {
                Standing::Current { expires } => {
                    if let Some(at) = expires.map(millis) {
                        next = Some(next.map_or(at, |n| n.min(at)));
                    }
                }
                Standing::Expired { .. } => gate.expired.push(name()),
                _ => gate.missing.push(name()),
            }
        }
        gate.allowed = gate.missing.is_empty() && gate.expired.is_empty();
        Ok((gate, next))
    }

    /// Recomputes an agent's gate, sets the routing flag, and (when `push`) tells their
    /// consoles if the decision changed. A newly allowed agent gets waiting visitors.
    async fn apply(
        &self,
        agent: AgentId,
        role: Role,
        push: bool,
    ) -> Result<TrainingGate, TrainingError> {
        let catalog = self.catalog().await?;
        let now = self.now_ms()?;
        let (mut gate, next) = self.decide(&catalog, agent, role, now).await?;
        if !self.inner.policy.enforce {
            // Not enforced: everyone may take chats; the lists still say what is missing.
            gate.allowed = true;
        }
        let live = self.inner.chat.live();
        let was_allowed = live.is_allowed(agent);
        live.set_allowed(agent, gate.allowed);
        let changed = {
            let mut watch = self
                .inner
                .watch
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let previous = watch.insert(
                agent,
                Watch {
                    role,
                    gate: gate.clone(),
                    next,
                },
            );
            previous.is_none_or(|p| p.gate != gate)
        };
        if push && changed {
            live.to_agent(agent, &ServerFrame::TrainingGate { gate: gate.clone() });
        }
        if gate.allowed && !was_allowed {
            self.inner.chat.route().await;
        }
        Ok(gate)
    }

    /// At an agent console's `hello`: decides the gate (before any routing can reach them) and
    /// returns the frame to send right after `welcome`.
    pub async fn on_hello(&self, profile: &AgentProfile) -> ServerFrame {
        match self.apply(profile.id, profile.role, false).await {
            Ok(gate) => ServerFrame::TrainingGate { gate },
            Err(error) => {
                tracing::error!(%error, "training gate could not be decided; not routing");
                self.inner.chat.live().set_allowed(profile.id, false);
                ServerFrame::TrainingGate {
                    gate: TrainingGate {
                        allowed: false,
                        missing: Vec::new(),
                        expired: Vec::new(),
                    },
                }
            }
        }
    }

    /// Re-decides the gates whose next expiry has passed (run periodically), and ends expired
    /// drill runs and live sessions.
    pub async fn sweep(&self) {
        let Ok(now) = self.now_ms() else { return };
        let due: Vec<(AgentId, Role)> = self
            .inner
            .watch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, w)| w.next.is_some_and(|n| n <= now))
            .map(|(id, w)| (*id, w.role))
            .collect();
        for (agent, role) in due {
            if let Err(error) = self.apply(agent, role, true).await {
                tracing::error!(%error, "training gate re-check failed");
            }
        }
        self.inner.drills.purge(now);
        self.inner.sessions.purge(now);
    }

    // ---- Trainee views -----------------------------------------------------------------

    fn summary(
        &self,
        required: bool,
        pack: &str,
        lesson: &Lesson,
        completions: &[StoredCompletion],
        due_at: Option<i64>,
        now: i64,
    ) -> LessonSummary {
        let requirement = Requirement {
            lesson: lesson.id.clone(),
            min_version: lesson.min_version,
            expiry_days: lesson.expiry_days,
        };
        let of_pack: Vec<&StoredCompletion> = completions
            .iter()
            .filter(|c| c.pack == pack && c.lesson == lesson.id && c.version >= lesson.min_version)
            .collect();
        let plain: Vec<Completion> = of_pack.iter().map(|c| completion(c)).collect();
        let latest = of_pack
            .iter()
            .filter(|c| c.passed_at <= now + 5 * 60 * 1000)
            .max_by_key(|c| c.passed_at);
        let reminder = i64::from(self.inner.policy.reminder_days) * 24 * 60 * 60 * 1000;
        let (state, expires_at) = match progress::standing(&requirement, &plain, utc(now)) {
            Standing::Current { expires } => {
                let expires = expires.map(millis);
                let soon = expires.is_some_and(|e| e - now <= reminder);
                (
                    if soon {
                        StandingState::ExpiringSoon
                    } else {
                        StandingState::Current
                    },
                    expires,
                )
            }
            Standing::Expired { at } => (StandingState::Expired, Some(millis(at))),
            _ => (StandingState::Missing, None),
        };
        LessonSummary {
            pack_id: pack.to_owned(),
            lesson_id: lesson.id.clone(),
            title: lesson.title.clone(),
            language: wire_language(lesson.language),
            version: lesson.version,
            estimated_minutes: lesson.estimated_minutes,
            pass_mark: lesson.pass_mark,
            expiry_days: lesson.expiry_days,
            required,
            questions: u32::try_from(lesson.questions().count()).unwrap_or(u32::MAX),
            drills: u32::try_from(lesson.drills().count()).unwrap_or(u32::MAX),
            state,
            percent: latest.map(|c| c.percent),
            passed_at: latest.map(|c| c.passed_at),
            expires_at,
            due_at,
        }
    }

    /// The earliest due date per `(pack, lesson)` from the agent's cohorts.
    async fn due_dates(
        &self,
        agent: AgentId,
    ) -> Result<HashMap<(String, String), i64>, TrainingError> {
        let mut due: HashMap<(String, String), i64> = HashMap::new();
        // Cohorts hold only their organisation's staff: membership is enough.
        for cohort in self.inner.store.cohorts(None).await? {
            if !cohort.members.contains(&agent) {
                continue;
            }
            for (pack, lesson, at) in cohort.assignments {
                let slot = due.entry((pack, lesson)).or_insert(at);
                *slot = (*slot).min(at);
            }
        }
        Ok(due)
    }

    /// Gives `refs` their titles in `lang` (trainer lists are built in English).
    pub async fn localise(
        &self,
        refs: &mut [LessonRef],
        lang: TrainingLanguage,
    ) -> Result<(), TrainingError> {
        let catalog = self.catalog().await?;
        for r in refs {
            *r = catalog.lesson_ref(&r.pack_id, &r.lesson_id, language(lang));
        }
        Ok(())
    }

    /// `GET /api/v1/training`.
    pub async fn overview(
        &self,
        profile: &AgentProfile,
        lang: TrainingLanguage,
    ) -> Result<TrainingOverview, TrainingError> {
        let catalog = self.catalog().await?;
        let now = self.now_ms()?;
        let mut gate = self.apply(profile.id, profile.role, true).await?;
        // The frame names lessons in English; the overview in the language asked for.
        for r in gate.missing.iter_mut().chain(gate.expired.iter_mut()) {
            *r = catalog.lesson_ref(&r.pack_id, &r.lesson_id, language(lang));
        }
        let completions = self.inner.store.completions(profile.id).await?;
        let due = self.due_dates(profile.id).await?;
        let mut lessons = Vec::new();
        for (pack, id) in catalog.lesson_ids() {
            let Some(lesson) = catalog.lesson(&pack, &id, language(lang)) else {
                continue;
            };
            let due_at = due.get(&(pack.clone(), id.clone())).copied();
            lessons.push(self.summary(
                catalog.is_required(&pack, &lesson.id, profile.role),
                &pack,
                lesson,
                &completions,
                due_at,
                now,
            ));
        }
        // Required first; otherwise pack order (a stable sort keeps it).
        lessons.sort_by_key(|l| !l.required);
        Ok(TrainingOverview { gate, lessons })
    }

    /// A lesson to read; answers only in a trainer's or admin's preview.
    pub async fn lesson(
        &self,
        profile: &AgentProfile,
        pack: &str,
        lesson: &str,
        lang: TrainingLanguage,
        preview: bool,
    ) -> Result<LessonView, TrainingError> {
        if preview && !is_trainer(profile.role) {
            return Err(TrainingError::Forbidden(
                "only trainers and admins preview answers",
            ));
        }
        let catalog = self.catalog().await?;
        let found = catalog
            .lesson(pack, lesson, language(lang))
            .ok_or(TrainingError::NotFound("no such lesson"))?;
        Ok(views::lesson_view(pack, found, preview))
    }

    /// Scores a quiz at the hub, records the attempt (score only), and settles the lesson.
    pub async fn submit_quiz(
        &self,
        profile: &AgentProfile,
        pack: &str,
        lesson_id: &str,
        submission: &QuizSubmission,
        ip: Option<IpAddr>,
    ) -> Result<QuizResult, TrainingError> {
        let catalog = self.catalog().await?;
        let lesson = catalog
            .lesson(pack, lesson_id, language(submission.language))
            .ok_or(TrainingError::NotFound("no such lesson"))?;
        if submission.version != lesson.version {
            return Err(TrainingError::Outdated(
                "the lesson changed since it was shown; reload it".to_owned(),
            ));
        }
        let questions: Vec<_> = lesson.questions().cloned().collect();
        if questions.is_empty() {
            return Err(TrainingError::NotFound("this lesson has no quiz"));
        }
        if submission.answers.len() > questions.len() {
            return Err(TrainingError::Malformed(
                "more answers than questions".to_owned(),
            ));
        }
        let responses: Vec<_> = questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                submission
                    .answers
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(|a| views::response(pack, &lesson.id, q, a))
            })
            .collect();
        let score = quiz::score(&questions, &responses);
        let passed = score.meets(lesson.pass_mark);
        let percent = score.percent();
        let now = self.now_ms()?;
        self.inner
            .store
            .record_attempt(StoredAttempt {
                agent: profile.id,
                pack: pack.to_owned(),
                lesson: lesson.id.clone(),
                version: lesson.version,
                language: lesson.language.code().to_owned(),
                kind: AttemptKind::Quiz,
                drill: None,
                percent,
                passed,
                at: now,
            })
            .await?;
        self.record(
            profile,
            "training.quiz.submitted",
            target("training_lesson", &format!("{pack}/{}", lesson.id)),
            &[
                ("version", &lesson.version.to_string()),
                ("percent", &percent.to_string()),
                ("passed", if passed { "true" } else { "false" }),
            ],
            ip,
            None,
        )
        .await?;
        let marks = questions
            .iter()
            .zip(&score.marks)
            .map(|(q, m)| QuestionMark {
                question_id: q.id.clone(),
                correct: m.correct,
                answer: views::right_answer(pack, &lesson.id, q),
                explain: q.explain.clone(),
            })
            .collect();
        let (summary, gate) = self.settle(profile, &catalog, pack, lesson, ip).await?;
        Ok(QuizResult {
            percent,
            passed,
            marks,
            lesson: summary,
            gate,
        })
    }

    /// After an attempt: whether the lesson is now passed (latest quiz attempt of this version
    /// passed and every drill's latest attempt passed); if so records a completion. Returns the
    /// lesson's standing and the gate.
    async fn settle(
        &self,
        profile: &AgentProfile,
        catalog: &Catalog,
        pack: &str,
        lesson: &Lesson,
        ip: Option<IpAddr>,
    ) -> Result<(LessonSummary, TrainingGate), TrainingError> {
        let attempts = self
            .inner
            .store
            .attempts(profile.id, pack, &lesson.id, lesson.version)
            .await?;
        let latest_quiz = attempts.iter().rev().find(|a| a.kind == AttemptKind::Quiz);
        // The stored percentages stand in for the scores: a whole percent compared with an
        // integer pass mark decides exactly as the fraction does.
        let quiz = QuizScore {
            correct: latest_quiz.map_or(0, |a| u32::from(a.percent)),
            total: 100,
            marks: Vec::new(),
        };
        let drills: Vec<DrillScore> = lesson
            .drills()
            .filter_map(|d| {
                let a = attempts
                    .iter()
                    .rev()
                    .find(|a| a.kind == AttemptKind::Drill && a.drill.as_deref() == Some(&d.id))?;
                Some(DrillScore {
                    drill: d.id.clone(),
                    earned: u32::from(a.percent),
                    possible: 100,
                    finished: true,
                    // A failed attempt that reached the mark failed on a critical mistake.
                    mistakes: if a.passed {
                        Vec::new()
                    } else {
                        vec![Mistake {
                            signal: Signal::RevealedData,
                            expect: Expect::Avoid,
                            explain: String::new(),
                            critical: true,
                        }]
                    },
                })
            })
            .collect();
        let has_quiz = lesson.questions().next().is_some();
        let outcome = lesson.assess(&quiz, &drills);
        let quiz_ok = !has_quiz || latest_quiz.is_some_and(|a| a.passed);
        let now = self.now_ms()?;
        if outcome.passed && quiz_ok {
            let id = certificate_id();
            self.inner
                .store
                .record_completion(StoredCompletion {
                    id: id.clone(),
                    agent: profile.id,
                    pack: pack.to_owned(),
                    lesson: lesson.id.clone(),
                    version: lesson.version,
                    language: lesson.language.code().to_owned(),
                    percent: outcome.percent,
                    passed_at: now,
                })
                .await?;
            self.record(
                profile,
                "training.lesson.passed",
                target("training_lesson", &format!("{pack}/{}", lesson.id)),
                &[
                    ("version", &lesson.version.to_string()),
                    ("percent", &outcome.percent.to_string()),
                    ("certificate", &id),
                ],
                ip,
                None,
            )
            .await?;
        }
        let gate = self.apply(profile.id, profile.role, true).await?;
        let completions = self.inner.store.completions(profile.id).await?;
        let due = self.due_dates(profile.id).await?;
        let due_at = due.get(&(pack.to_owned(), lesson.id.clone())).copied();
        let summary = self.summary(
            catalog.is_required(pack, &lesson.id, profile.role),
            pack,
            lesson,
            &completions,
            due_at,
            now,
        );
        Ok((summary, gate))
    }
}

/// Trainers and admins run training.
pub fn is_trainer(role: Role) -> bool {
    matches!(role, Role::Trainer | Role::Admin)
}

fn lesson_ref(catalog: &Catalog, pack: &str, lesson: &str) -> LessonRef {
    catalog.lesson_ref(pack, lesson, Language::En)
}

/// A certificate's verification id: a random (version 4) UUID from the thread's CSPRNG.
fn certificate_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}
