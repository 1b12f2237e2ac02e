//! Security training in the console: the trainee's lessons, quizzes, drills, certificates and
//! live sessions, and the trainer's packs, cohorts, dashboard and live-session controls.
//!
//! Invariants:
//! - The hub scores and decides. The console forwards what the trainee answered or did and
//!   shows what comes back; it never computes a score or a gate.
//! - Like every command that talks to the hub for the agent, these refuse while locked or
//!   signed out (`wrongState`).
//! - The agent's standing is kept in the encrypted vault (a row per lesson in
//!   `training_progress`, and the last overview as a setting) whenever the hub reports it, so
//!   the overview still shows when the hub cannot be reached.
//! - Drill messages go to the hub as typed: the drill's scoring looks for its own (fictitious)
//!   secrets in them, so they are not masked; they are never cached or logged.
//! - The dashboard's CSV is written to the downloads folder with mode 0600 under a new name; an
//!   existing file is never replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use rampart_client::{ClientErrorCode, HubApi};
use rampart_protocol::ids::{CohortId, DrillRunId, LiveSessionId};
use rampart_protocol::training::{
    AssignmentRequest, Certificate, Cohort, CohortRequest, Dashboard, DrillAction, DrillStart,
    DrillTurn, LessonSummary, LessonView, LiveAnswer, LiveControl, LiveSession, LiveStart,
    PackFile, PackSummary, QuizResult, QuizSubmission, Trainee, TrainingGate, TrainingLanguage,
    TrainingOverview,
};
use rampart_secret::SecretString;
use rampart_vault::{TrainingProgress, UnixMillis};

use super::local::SharedVault;
use super::view::ConsoleEvent;
use super::{Console, PhaseState, client_error, now_ms, wrong_state};
use crate::ipc::{IpcError, IpcErrorCode};

/// The vault setting holding the last overview the hub sent, for offline reading.
const OVERVIEW_SETTING: &str = "training.overview";
/// Longest pack or lesson id accepted from the UI.
const MAX_ID_CHARS: usize = 200;
/// Files in one pack import at most: the manifest and `rampart-training`'s 500 lessons.
pub const MAX_PACK_FILES: usize = 501;
/// Bytes of one pack import at most (all files' text).
pub const MAX_PACK_BYTES: usize = 8 * 1024 * 1024;
/// Length of a live session's join code.
const LIVE_CODE_CHARS: usize = 6;

/// Where exports go: the user's downloads folder, else their home, else `fallback`.
pub fn default_downloads_dir(fallback: &Path) -> PathBuf {
    dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| fallback.to_path_buf())
}

fn invalid(what: &str) -> IpcError {
    IpcError::new(IpcErrorCode::InvalidInput, what)
}

/// A pack or lesson id as the UI sent it: non-empty, bounded, not a path step.
fn checked_id<'a>(id: &'a str, what: &str) -> Result<&'a str, IpcError> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.chars().all(|c| c == '.') {
        return Err(invalid(what));
    }
    Ok(id)
}

/// A join code: letters and digits, any case, spaces ignored.
fn checked_code(code: &str) -> Result<String, IpcError> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.chars().count() != LIVE_CODE_CHARS || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid("a join code is six letters and digits"));
    }
    Ok(code)
}

fn checked_action(action: DrillAction) -> Result<DrillAction, IpcError> {
    match action {
        DrillAction::SendMessage { text } => {
            let text = text.trim();
            if text.is_empty() {
                return Err(invalid("message is empty"));
            }
            if text.chars().count() > rampart_protocol::MAX_TEXT_CHARS {
                return Err(invalid("message is too long"));
            }
            Ok(DrillAction::SendMessage {
                text: text.to_owned(),
            })
        }
        other => Ok(other),
    }
}

fn checked_pack(files: &[PackFile]) -> Result<(), IpcError> {
    if files.is_empty() || files.len() > MAX_PACK_FILES {
        return Err(invalid("a pack has between 1 and 501 files"));
    }
    let bytes: usize = files.iter().map(|f| f.path.len() + f.text.len()).sum();
    if bytes > MAX_PACK_BYTES {
        return Err(invalid("the pack is larger than 8 MiB"));
    }
    if files
        .iter()
        .any(|f| f.path.is_empty() || f.path.len() > 300)
    {
        return Err(invalid("a file path is empty or too long"));
    }
    Ok(())
}

/// Whether a failure means the hub cannot be reached now (so the cached overview may stand in).
fn unreachable(error: &rampart_client::ClientError) -> bool {
    matches!(
        error.code(),
        ClientErrorCode::HubUnreachable | ClientErrorCode::Timeout | ClientErrorCode::Tls
    )
}

/// Writes the agent's standing into the vault: one progress row per lesson (the score of the
/// latest passing attempt out of 100) and, when given, the overview for offline reading.
fn cache_progress(vault: &SharedVault, lessons: &[LessonSummary], overview: Option<&str>) {
    let now = now_ms();
    let vault = vault.lock();
    for lesson in lessons {
        let progress = TrainingProgress {
            module: format!("{}/{}", lesson.pack_id, lesson.lesson_id),
            completed: u32::from(lesson.percent.unwrap_or(0).min(100)),
            total: 100,
            updated_at: UnixMillis(lesson.passed_at.unwrap_or(now)),
        };
        if let Err(error) = vault.record_training(&progress) {
            tracing::warn!(
                code = error.code().as_str(),
                "recording training progress failed"
            );
        }
    }
    if let Some(json) = overview
        && let Err(error) = vault.set_setting(OVERVIEW_SETTING, json)
    {
        tracing::warn!(
            code = error.code().as_str(),
            "caching the training overview failed"
        );
    }
}

/// The cached overview, with `lesson` and `gate` applied (a quiz or drill result).
fn updated_overview(
    cached: Option<String>,
    lesson: &LessonSummary,
    gate: Option<&TrainingGate>,
) -> Option<String> {
    let mut overview: TrainingOverview = serde_json::from_str(&cached?).ok()?;
    for held in &mut overview.lessons {
        if held.pack_id == lesson.pack_id && held.lesson_id == lesson.lesson_id {
            *held = lesson.clone();
        }
    }
    if let Some(gate) = gate {
        overview.gate = gate.clone();
    }
    serde_json::to_string(&overview).ok()
}

/// The file name of a dashboard export for `cohort` on the UTC day of `now_ms`.
fn csv_name(cohort: Option<CohortId>, now_ms: i64, attempt: u32) -> String {
    let label = cohort.map_or_else(|| "all".to_owned(), |id| id.to_string());
    let date = utc_date(now_ms);
    if attempt <= 1 {
        format!("rampart-training-{label}-{date}.csv")
    } else {
        format!("rampart-training-{label}-{date}-{attempt}.csv")
    }
}

/// `YYYY-MM-DD` of a Unix millisecond time, in UTC (Howard Hinnant's civil-from-days).
fn utc_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Writes `text` to a new file in `dir` (mode 0600 on Unix), adding `-2`, `-3`… to the name
/// instead of replacing a file that exists. Returns the path written.
fn write_new_csv(
    dir: &Path,
    cohort: Option<CohortId>,
    now_ms: i64,
    text: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for attempt in 1..=1_000 {
        let path = dir.join(csv_name(cohort, now_ms, attempt));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many exports with this name today",
    ))
}

impl Console {
    /// The hub API, the token and the cache of an active (unlocked) session.
    async fn training_session(
        &self,
    ) -> Result<(HubApi, SecretString, Option<SharedVault>), IpcError> {
        let state = self.inner.state.lock().await;
        match &state.phase {
            PhaseState::Active(session) => Ok((
                session.api.clone(),
                session.token.clone(),
                session.vault.clone(),
            )),
            PhaseState::Locked(..) => Err(wrong_state("the console is locked")),
            _ => Err(wrong_state("not signed in")),
        }
    }

    /// Keeps the hub's latest gate and tells the UI.
    fn note_gate(&self, gate: &TrainingGate) {
        self.inner
            .with_model(|m| m.training_gate = Some(gate.clone()));
        self.emit(ConsoleEvent::TrainingGate { gate: gate.clone() });
    }

    /// Keeps a live session's latest state and tells the UI.
    fn note_live(&self, session: &LiveSession) {
        self.inner
            .with_model(|m| m.live_training = Some(session.clone()));
        self.emit(ConsoleEvent::LiveTraining {
            session: Box::new(session.clone()),
        });
    }

    /// Records a lesson's new standing (and the gate) in the vault.
    fn note_standing(
        &self,
        vault: Option<&SharedVault>,
        lesson: &LessonSummary,
        gate: Option<&TrainingGate>,
    ) {
        let Some(vault) = vault else { return };
        let cached = vault.lock().setting(OVERVIEW_SETTING).ok().flatten();
        let overview = updated_overview(cached, lesson, gate);
        cache_progress(vault, std::slice::from_ref(lesson), overview.as_deref());
    }

    // ---- trainee ----

    /// The training language matching the UI's locale.
    fn ui_language(&self) -> TrainingLanguage {
        if super::lock(&self.inner.locale).as_str() == "es" {
            TrainingLanguage::Es
        } else {
            TrainingLanguage::En
        }
    }

    /// The gate on live work and every lesson with the agent's standing, titles in `language`
    /// (by default the UI's language). When the hub cannot be reached, the last overview it
    /// sent (kept in the vault) instead.
    pub async fn training_overview(
        &self,
        language: Option<TrainingLanguage>,
    ) -> Result<TrainingOverview, IpcError> {
        let language = language.unwrap_or_else(|| self.ui_language());
        let (api, token, vault) = self.training_session().await?;
        match api.training_overview(&token, language).await {
            Ok(overview) => {
                if let Some(vault) = &vault {
                    let json = serde_json::to_string(&overview).ok();
                    cache_progress(vault, &overview.lessons, json.as_deref());
                }
                self.note_gate(&overview.gate);
                Ok(overview)
            }
            Err(error) if unreachable(&error) => {
                let cached = vault
                    .as_ref()
                    .and_then(|v| v.lock().setting(OVERVIEW_SETTING).ok().flatten())
                    .and_then(|json| serde_json::from_str::<TrainingOverview>(&json).ok());
                match cached {
                    Some(overview) => {
                        tracing::info!("hub unreachable: training overview from the cache");
                        Ok(overview)
                    }
                    None => Err(client_error(&error)),
                }
            }
            Err(error) => Err(client_error(&error)),
        }
    }

    /// A lesson's content (`preview`, for trainers, includes the answers).
    pub async fn training_lesson(
        &self,
        pack: &str,
        lesson: &str,
        language: TrainingLanguage,
        preview: bool,
    ) -> Result<LessonView, IpcError> {
        let pack = checked_id(pack, "pack")?;
        let lesson = checked_id(lesson, "lesson")?;
        let (api, token, _) = self.training_session().await?;
        api.training_lesson(&token, pack, lesson, language, preview)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Sends quiz answers; the hub marks them. The lesson's new standing goes to the vault and
    /// the new gate to the UI.
    pub async fn training_submit_quiz(
        &self,
        pack: &str,
        lesson: &str,
        submission: QuizSubmission,
    ) -> Result<QuizResult, IpcError> {
        let pack = checked_id(pack, "pack")?;
        let lesson = checked_id(lesson, "lesson")?;
        let (api, token, vault) = self.training_session().await?;
        let result = api
            .training_submit_quiz(&token, pack, lesson, &submission)
            .await
            .map_err(|e| client_error(&e))?;
        tracing::info!(
            percent = result.percent,
            passed = result.passed,
            "quiz marked"
        );
        self.note_standing(vault.as_ref(), &result.lesson, Some(&result.gate));
        self.note_gate(&result.gate);
        Ok(result)
    }

    /// Starts a run of a drill.
    pub async fn training_start_drill(&self, start: DrillStart) -> Result<DrillTurn, IpcError> {
        checked_id(&start.pack_id, "pack")?;
        checked_id(&start.lesson_id, "lesson")?;
        checked_id(&start.drill_id, "drill")?;
        let (api, token, _) = self.training_session().await?;
        let turn = api
            .training_start_drill(&token, &start)
            .await
            .map_err(|e| client_error(&e))?;
        Ok(self.masked_turn(turn))
    }

    /// The simulated customer's lines as the real console would show them: a card number the
    /// script has them paste arrives masked, as it would from the hub.
    fn masked_turn(&self, mut turn: DrillTurn) -> DrillTurn {
        for line in &mut turn.customer_says {
            *line = self.inner.scanner.redact(line).masked;
        }
        turn
    }

    /// Reports one action in a drill run; at the end the result's standing goes to the vault.
    pub async fn training_drill_act(
        &self,
        run: DrillRunId,
        action: DrillAction,
    ) -> Result<DrillTurn, IpcError> {
        let action = checked_action(action)?;
        let (api, token, vault) = self.training_session().await?;
        let turn = api
            .training_drill_act(&token, run, action)
            .await
            .map_err(|e| client_error(&e))?;
        if let Some(result) = &turn.result {
            tracing::info!(
                percent = result.percent,
                passed = result.passed,
                "drill scored"
            );
            self.note_standing(vault.as_ref(), &result.lesson, None);
        }
        Ok(self.masked_turn(turn))
    }

    /// The agent's certificates of completion.
    pub async fn training_certificates(&self) -> Result<Vec<Certificate>, IpcError> {
        let (api, token, _) = self.training_session().await?;
        api.training_certificates(&token)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Joins a live session with the trainer's code.
    pub async fn training_live_join(&self, code: &str) -> Result<LiveSession, IpcError> {
        let code = checked_code(code)?;
        let (api, token, _) = self.training_session().await?;
        let session = api
            .training_live_join(&token, &code)
            .await
            .map_err(|e| client_error(&e))?;
        self.note_live(&session);
        Ok(session)
    }

    /// Answers the open question of a live session.
    pub async fn training_live_answer(
        &self,
        session: LiveSessionId,
        answer: LiveAnswer,
    ) -> Result<LiveSession, IpcError> {
        let (api, token, _) = self.training_session().await?;
        let session = api
            .training_live_answer(&token, session, &answer)
            .await
            .map_err(|e| client_error(&e))?;
        self.note_live(&session);
        Ok(session)
    }

    /// A live session's current state.
    pub async fn training_live_session(
        &self,
        session: LiveSessionId,
    ) -> Result<LiveSession, IpcError> {
        let (api, token, _) = self.training_session().await?;
        let session = api
            .training_live_session(&token, session)
            .await
            .map_err(|e| client_error(&e))?;
        self.note_live(&session);
        Ok(session)
    }

    // ---- trainer (the hub refuses other roles with `forbidden`) ----

    /// The packs the hub serves.
    pub async fn trainer_packs(&self) -> Result<Vec<PackSummary>, IpcError> {
        let (api, token, _) = self.training_session().await?;
        api.trainer_packs(&token)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Imports a pack; an invalid one fails with `packInvalid` and every issue.
    pub async fn trainer_import_pack(&self, files: Vec<PackFile>) -> Result<PackSummary, IpcError> {
        checked_pack(&files)?;
        let (api, token, _) = self.training_session().await?;
        let pack = api
            .trainer_import_pack(&token, files)
            .await
            .map_err(|e| client_error(&e))?;
        tracing::info!(version = pack.version, "lesson pack imported");
        Ok(pack)
    }

    /// Staff a trainer can put in cohorts.
    pub async fn trainer_trainees(&self) -> Result<Vec<Trainee>, IpcError> {
        let (api, token, _) = self.training_session().await?;
        api.trainer_trainees(&token)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Every cohort.
    pub async fn trainer_cohorts(&self) -> Result<Vec<Cohort>, IpcError> {
        let (api, token, _) = self.training_session().await?;
        api.trainer_cohorts(&token, self.ui_language())
            .await
            .map_err(|e| client_error(&e))
    }

    /// Creates (`id` none) or updates a cohort.
    pub async fn trainer_save_cohort(
        &self,
        id: Option<CohortId>,
        request: CohortRequest,
    ) -> Result<Cohort, IpcError> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(invalid("a cohort name has 1 to 80 characters"));
        }
        let request = CohortRequest {
            name: name.to_owned(),
            members: request.members,
        };
        let (api, token, _) = self.training_session().await?;
        api.trainer_save_cohort(&token, id, &request)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Assigns a lesson to a cohort with a due date.
    pub async fn trainer_assign(
        &self,
        cohort: CohortId,
        request: AssignmentRequest,
    ) -> Result<Cohort, IpcError> {
        checked_id(&request.pack_id, "pack")?;
        checked_id(&request.lesson_id, "lesson")?;
        let (api, token, _) = self.training_session().await?;
        api.trainer_assign(&token, cohort, &request)
            .await
            .map_err(|e| client_error(&e))
    }

    /// Progress per agent and lesson, for one cohort or everyone.
    pub async fn trainer_dashboard(&self, cohort: Option<CohortId>) -> Result<Dashboard, IpcError> {
        let (api, token, _) = self.training_session().await?;
        api.trainer_dashboard(&token, cohort, self.ui_language())
            .await
            .map_err(|e| client_error(&e))
    }

    /// Saves the dashboard's CSV as a new file in the downloads folder; returns its path.
    pub async fn trainer_export_csv(&self, cohort: Option<CohortId>) -> Result<String, IpcError> {
        let (api, token, _) = self.training_session().await?;
        let csv = api
            .trainer_dashboard_csv(&token, cohort, self.ui_language())
            .await
            .map_err(|e| client_error(&e))?;
        let dir = self.inner.config.downloads_dir.clone();
        let now = now_ms();
        let written = tokio::task::spawn_blocking(move || write_new_csv(&dir, cohort, now, &csv))
            .await
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "the export task failed"))?;
        match written {
            Ok(path) => {
                tracing::info!("training dashboard exported");
                Ok(path.display().to_string())
            }
            Err(error) => {
                tracing::warn!(kind = ?error.kind(), "writing the training export failed");
                Err(IpcError::new(
                    IpcErrorCode::Internal,
                    "the export could not be saved in the downloads folder",
                ))
            }
        }
    }

    /// Opens a live onboarding session on one lesson.
    pub async fn trainer_live_start(&self, start: LiveStart) -> Result<LiveSession, IpcError> {
        checked_id(&start.pack_id, "pack")?;
        checked_id(&start.lesson_id, "lesson")?;
        let (api, token, _) = self.training_session().await?;
        let session = api
            .trainer_live_start(&token, &start)
            .await
            .map_err(|e| client_error(&e))?;
        self.note_live(&session);
        Ok(session)
    }

    /// Controls a live session (section, question, drill, end).
    pub async fn trainer_live_control(
        &self,
        session: LiveSessionId,
        control: LiveControl,
    ) -> Result<LiveSession, IpcError> {
        let (api, token, _) = self.training_session().await?;
        let session = api
            .trainer_live_control(&token, session, &control)
            .await
            .map_err(|e| client_error(&e))?;
        self.note_live(&session);
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::training::{LessonRef, StandingState};

    fn lesson(id: &str, percent: Option<u8>, state: StandingState) -> LessonSummary {
        LessonSummary {
            pack_id: "core".to_owned(),
            lesson_id: id.to_owned(),
            title: id.to_owned(),
            language: TrainingLanguage::En,
            version: 1,
            estimated_minutes: 5,
            pass_mark: 80,
            expiry_days: Some(365),
            required: true,
            questions: 3,
            drills: 0,
            state,
            percent,
            passed_at: percent.map(|_| 1_700_000_000_000),
            expires_at: None,
            due_at: None,
        }
    }

    fn blocked() -> TrainingGate {
        TrainingGate {
            allowed: false,
            missing: vec![LessonRef {
                pack_id: "core".to_owned(),
                lesson_id: "cards".to_owned(),
                title: "Cards".to_owned(),
            }],
            expired: Vec::new(),
        }
    }

    #[test]
    fn utc_dates_are_civil_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(1_798_761_599_999), "2026-12-31");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    #[test]
    fn exports_never_replace_a_file_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let cohort = CohortId::new();
        let day = 1_798_761_599_999;
        let first = write_new_csv(dir.path(), None, day, "a,b\n").unwrap();
        let second = write_new_csv(dir.path(), None, day, "c,d\n").unwrap();
        let third = write_new_csv(dir.path(), Some(cohort), day, "e\n").unwrap();
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name(&first), "rampart-training-all-2026-12-31.csv");
        assert_eq!(name(&second), "rampart-training-all-2026-12-31-2.csv");
        assert_eq!(
            name(&third),
            format!("rampart-training-{cohort}-2026-12-31.csv")
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "a,b\n");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "c,d\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn ids_codes_and_drill_messages_are_checked() {
        assert!(checked_id("cards-01", "lesson").is_ok());
        for bad in ["", ".", "..", &"x".repeat(201)] {
            assert_eq!(
                checked_id(bad, "lesson").unwrap_err().code,
                IpcErrorCode::InvalidInput
            );
        }
        assert_eq!(checked_code(" k7p q2m ").unwrap(), "K7PQ2M");
        assert!(checked_code("K7PQ2").is_err());
        assert!(checked_code("K7PQ2!").is_err());
        let text = |t: &str| checked_action(DrillAction::SendMessage { text: t.to_owned() });
        assert!(text("   ").is_err());
        assert!(text(&"x".repeat(rampart_protocol::MAX_TEXT_CHARS + 1)).is_err());
        assert_eq!(
            text("  Please use the secure form. ").unwrap(),
            DrillAction::SendMessage {
                text: "Please use the secure form.".to_owned()
            }
        );
        assert!(checked_pack(&[]).is_err());
        let file = PackFile {
            path: "pack.toml".to_owned(),
            text: "x".repeat(MAX_PACK_BYTES),
        };
        assert!(checked_pack(&[file]).is_err());
    }

    #[test]
    fn a_result_updates_the_cached_overview() {
        let overview = TrainingOverview {
            gate: blocked(),
            lessons: vec![
                lesson("cards", None, StandingState::Missing),
                lesson("phishing", Some(90), StandingState::Current),
            ],
        };
        let cached = serde_json::to_string(&overview).unwrap();
        let passed = lesson("cards", Some(100), StandingState::Current);
        let open = TrainingGate {
            allowed: true,
            missing: Vec::new(),
            expired: Vec::new(),
        };
        let updated = updated_overview(Some(cached.clone()), &passed, Some(&open)).unwrap();
        let updated: TrainingOverview = serde_json::from_str(&updated).unwrap();
        assert!(updated.gate.allowed);
        assert_eq!(updated.lessons[0], passed);
        assert_eq!(updated.lessons[1], overview.lessons[1]);
        // A drill result carries no gate: the cached one stays.
        let kept = updated_overview(Some(cached), &passed, None).unwrap();
        let kept: TrainingOverview = serde_json::from_str(&kept).unwrap();
        assert!(!kept.gate.allowed);
        assert!(updated_overview(None, &passed, None).is_none());
    }
}
