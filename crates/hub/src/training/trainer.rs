//! Trainer tools: pack import, trainees, cohorts and assignments, the progress dashboard and
//! its CSV export. Every function here checks the caller's role first (trainer or admin).
//!
//! Trainees, cohorts, assignments and dashboards are the caller's organisation's; another
//! organisation's cohort is "not found". The lesson catalog is the hub's, shared by every
//! organisation, so only the `default` (hosting) organisation's trainers import packs.

use std::collections::HashMap;
use std::net::IpAddr;

use rampart_protocol::rest::{AgentProfile, Role};
use rampart_protocol::training::{
    Assignment, AssignmentRequest, Cohort, CohortRequest, Dashboard, DashboardCell, DashboardRow,
    LessonRef, PackSummary, PackUpload, StandingState, Trainee, TrainingLanguage,
};
use rampart_protocol::{AgentId, CohortId};
use rampart_training::{Language, MAX_LESSONS, Pack};

use super::catalog::{Catalog, Entry, summary};
use super::{Training, TrainingError, is_trainer, lesson_ref, target};
use crate::login::Authenticated;
use crate::org::OrgId;
use crate::store::{StaffMember, StoredCohort, StoredPack};

/// Largest pack upload body (the training crate caps each file at 256 KiB).
pub const MAX_PACK_BODY: usize = 8 * 1024 * 1024;
/// Files in one upload: the manifest and at most `MAX_LESSONS` lessons.
pub const MAX_PACK_FILES: usize = MAX_LESSONS + 1;
/// A dashboard column: pack, lesson, due date.
type Column = (String, String, Option<i64>);

/// Longest cohort name.
pub const MAX_COHORT_NAME: usize = 80;

fn require_trainer(profile: &AgentProfile) -> Result<(), TrainingError> {
    if is_trainer(profile.role) {
        Ok(())
    } else {
        Err(TrainingError::Forbidden(
            "only trainers and admins may do this",
        ))
    }
}

fn trainee(m: &StaffMember) -> Trainee {
    Trainee {
        id: m.id,
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        role: m.role,
    }
}

/// Upload paths must be plain relative paths inside the pack.
fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() || path.len() > 255 {
        Some("a path must have 1 to 255 characters")
    } else if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        Some("a path must be relative and use /")
    } else if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        Some("a path may not contain empty, . or .. parts")
    } else if path.chars().any(char::is_control) {
        Some("a path may not contain control characters")
    } else {
        None
    }
}

impl Training {
    /// `GET /api/v1/training/packs`.
    pub async fn packs(&self, profile: &AgentProfile) -> Result<Vec<PackSummary>, TrainingError> {
        require_trainer(profile)?;
        Ok(self.catalog().await?.summaries())
    }

    /// `POST /api/v1/training/packs`: validates, refuses anything not newer, stores, audits.
    pub async fn import_pack(
        &self,
        staff: &Authenticated,
        upload: &PackUpload,
        ip: Option<IpAddr>,
    ) -> Result<PackSummary, TrainingError> {
        let profile = &staff.agent;
        require_trainer(profile)?;
        if !staff.org.is_default() {
            return Err(TrainingError::Forbidden(
                "lesson packs are imported by the hub's hosting organisation",
            ));
        }
        let refuse = |reason: &str| TrainingError::Invalid(vec![format!("upload: {reason}")]);
        if upload.files.len() > MAX_PACK_FILES {
            return Err(refuse(&format!("at most {MAX_PACK_FILES} files")));
        }
        let mut issues: Vec<String> = Vec::new();
        for (i, file) in upload.files.iter().enumerate() {
            if let Some(problem) = path_problem(&file.path) {
                issues.push(format!("{}:1: {problem}", file.path.escape_debug()));
            } else if upload.files[..i].iter().any(|f| f.path == file.path) {
                issues.push(format!("{}:1: the file is listed twice", file.path));
            }
        }
        if !issues.is_empty() {
            self.audit_refused(profile, "upload", ip).await?;
            return Err(TrainingError::Invalid(issues));
        }
        let files: Vec<(&str, &str)> = upload
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.text.as_str()))
            .collect();
        let pack = match Pack::from_memory(&files) {
            Ok(pack) => pack,
            Err(rampart_training::Error::Invalid { issues }) => {
                self.audit_refused(profile, "invalid", ip).await?;
                return Err(TrainingError::Invalid(
                    issues.iter().map(ToString::to_string).collect(),
                ));
            }
            Err(other) => return Err(TrainingError::Malformed(other.to_string())),
        };
        let catalog = self.catalog().await?;
        let id = pack.manifest.id.clone();
        let version = pack.manifest.version;
        if catalog.pack(&id).is_some_and(|e| e.builtin) {
            self.audit_refused(profile, "builtin", ip).await?;
            return Err(TrainingError::Outdated(
                "the built-in pack cannot be replaced; give your pack another id".to_owned(),
            ));
        }
        let now = self.now_ms()?;
        let stored = self
            .inner
            .store
            .import_pack(StoredPack {
                id: id.clone(),
                version,
                files: upload
                    .files
                    .iter()
                    .map(|f| (f.path.clone(), f.text.clone()))
                    .collect(),
                imported_at: now,
                importer: profile.id,
            })
            .await?;
        if !stored {
            self.audit_refused(profile, "not_newer", ip).await?;
            return Err(TrainingError::Outdated(format!(
                "pack {id} already has version {version} or newer; raise the version"
            )));
        }
        self.record(
            profile,
            "training.pack.imported",
            target("training_pack", &id),
            &[
                ("version", &version.to_string()),
                ("lessons", &pack.lessons.len().to_string()),
            ],
            ip,
            None,
        )
        .await?;
        let entry = Entry {
            pack,
            builtin: false,
            imported_at: Some(now),
        };
        let out = summary(&entry);
        // The catalog is rebuilt from the store, which has every import: two imports at once
        // cannot drop each other's pack (a copy of the catalog edited here could).
        self.invalidate_catalog().await;
        // New required lessons change who may take chats.
        self.recheck_all().await;
        Ok(out)
    }

    async fn audit_refused(
        &self,
        profile: &AgentProfile,
        reason: &str,
        ip: Option<IpAddr>,
    ) -> Result<(), TrainingError> {
        self.record(
            profile,
            "training.pack.refused",
            target("training_pack", "upload"),
            &[],
            ip,
            Some(reason),
        )
        .await
    }

    /// Re-decides every known agent's gate (after the catalog changed).
    async fn recheck_all(&self) {
        let known: Vec<(AgentId, Role)> = self
            .inner
            .watch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(id, w)| (*id, w.role))
            .collect();
        for (agent, role) in known {
            if let Err(error) = self.apply(agent, role, true).await {
                tracing::error!(%error, "training gate re-check failed");
            }
        }
    }

    /// `GET /api/v1/training/trainees`: the caller's organisation's staff.
    pub async fn trainees(&self, staff: &Authenticated) -> Result<Vec<Trainee>, TrainingError> {
        require_trainer(&staff.agent)?;
        Ok(self
            .inner
            .store
            .staff(&staff.org)
            .await?
            .iter()
            .map(trainee)
            .collect())
    }

    fn cohort_view(&self, catalog: &Catalog, staff: &[StaffMember], c: &StoredCohort) -> Cohort {
        Cohort {
            id: c.id,
            name: c.name.clone(),
            members: staff
                .iter()
                .filter(|m| c.members.contains(&m.id))
                .map(trainee)
                .collect(),
            assignments: c
                .assignments
                .iter()
                .map(|(pack, lesson, due_at)| Assignment {
                    lesson: lesson_ref(catalog, pack, lesson),
                    due_at: *due_at,
                })
                .collect(),
        }
    }

    /// `GET /api/v1/training/cohorts`: the caller's organisation's.
    pub async fn cohorts(&self, caller: &Authenticated) -> Result<Vec<Cohort>, TrainingError> {
        require_trainer(&caller.agent)?;
        let catalog = self.catalog().await?;
        let staff = self.inner.store.staff(&caller.org).await?;
        Ok(self
            .inner
            .store
            .cohorts(Some(&caller.org))
            .await?
            .iter()
            .map(|c| self.cohort_view(&catalog, &staff, c))
            .collect())
    }

    async fn cohort(&self, org: &OrgId, id: CohortId) -> Result<Cohort, TrainingError> {
        let catalog = self.catalog().await?;
        let staff = self.inner.store.staff(org).await?;
        let stored = self
            .inner
            .store
            .cohorts(Some(org))
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(TrainingError::NotFound("no such cohort"))?;
        Ok(self.cohort_view(&catalog, &staff, &stored))
    }

    /// `POST /api/v1/training/cohorts` (`id` `None`) and `PUT …/cohorts/{id}`.
    pub async fn save_cohort(
        &self,
        caller: &Authenticated,
        id: Option<CohortId>,
        request: &CohortRequest,
        ip: Option<IpAddr>,
    ) -> Result<Cohort, TrainingError> {
        let (profile, org) = (&caller.agent, &caller.org);
        require_trainer(profile)?;
        let name = request.name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_COHORT_NAME || name.chars().any(char::is_control) {
            return Err(TrainingError::Malformed(format!(
                "a cohort name has 1 to {MAX_COHORT_NAME} characters"
            )));
        }
        // Members from the caller's organisation only: another's staff are unknown here.
        let staff = self.inner.store.staff(org).await?;
        if let Some(unknown) = request
            .members
            .iter()
            .find(|m| !staff.iter().any(|s| s.id == **m))
        {
            return Err(TrainingError::Malformed(format!(
                "no staff member has id {unknown}"
            )));
        }
        let create = id.is_none();
        let id = id.unwrap_or_default();
        let now = self.now_ms()?;
        if !self
            .inner
            .store
            .save_cohort(org, id, name, &request.members, create, now)
            .await?
        {
            return Err(TrainingError::NotFound("no such cohort"));
        }
        self.record(
            profile,
            if create {
                "training.cohort.created"
            } else {
                "training.cohort.changed"
            },
            target("training_cohort", &id.to_string()),
            &[("members", &request.members.len().to_string())],
            ip,
            None,
        )
        .await?;
        self.cohort(org, id).await
    }

    /// `POST /api/v1/training/cohorts/{id}/assignments`.
    pub async fn assign(
        &self,
        caller: &Authenticated,
        cohort: CohortId,
        request: &AssignmentRequest,
        ip: Option<IpAddr>,
    ) -> Result<Cohort, TrainingError> {
        let (profile, org) = (&caller.agent, &caller.org);
        require_trainer(profile)?;
        let catalog = self.catalog().await?;
        if catalog
            .lesson(&request.pack_id, &request.lesson_id, Language::En)
            .is_none()
        {
            return Err(TrainingError::NotFound("no such lesson"));
        }
        if !self
            .inner
            .store
            .assign_lesson(
                org,
                cohort,
                &request.pack_id,
                &request.lesson_id,
                request.due_at,
            )
            .await?
        {
            return Err(TrainingError::NotFound("no such cohort"));
        }
        self.record(
            profile,
            "training.assignment.set",
            target("training_cohort", &cohort.to_string()),
            &[
                (
                    "lesson",
                    &format!("{}/{}", request.pack_id, request.lesson_id),
                ),
                ("due_at", &request.due_at.to_string()),
            ],
            ip,
            None,
        )
        .await?;
        self.cohort(org, cohort).await
    }

    /// `GET /api/v1/training/dashboard`: a cohort's assignments, or every required lesson of
    /// every staff member of the caller's organisation when no cohort is named.
    pub async fn dashboard(
        &self,
        caller: &Authenticated,
        cohort: Option<CohortId>,
    ) -> Result<Dashboard, TrainingError> {
        require_trainer(&caller.agent)?;
        let catalog = self.catalog().await?;
        let staff = self.inner.store.staff(&caller.org).await?;
        let now = self.now_ms()?;
        let (members, columns): (Vec<StaffMember>, Vec<Column>) = match cohort {
            Some(id) => {
                let c = self
                    .inner
                    .store
                    .cohorts(Some(&caller.org))
                    .await?
                    .into_iter()
                    .find(|c| c.id == id)
                    .ok_or(TrainingError::NotFound("no such cohort"))?;
                (
                    staff
                        .into_iter()
                        .filter(|m| c.members.contains(&m.id))
                        .collect(),
                    c.assignments
                        .into_iter()
                        .map(|(p, l, due)| (p, l, Some(due)))
                        .collect(),
                )
            }
            None => {
                let mut columns: Vec<Column> = Vec::new();
                for role in [Role::Agent, Role::Supervisor, Role::Trainer, Role::Admin] {
                    for r in catalog.requirements(role) {
                        let key = (r.pack.clone(), r.requirement.lesson.clone(), None);
                        if !columns.contains(&key) {
                            columns.push(key);
                        }
                    }
                }
                (staff, columns)
            }
        };
        let mut rows = Vec::new();
        for member in &members {
            let completions = self.inner.store.completions(member.id).await?;
            let counts: HashMap<(String, String), u32> = self
                .inner
                .store
                .attempt_counts(member.id)
                .await?
                .into_iter()
                .map(|(p, l, n)| ((p, l), n))
                .collect();
            let (gate, _) = self.decide(&catalog, member.id, member.role, now).await?;
            let mut cells = Vec::new();
            for (pack, lesson, due_at) in &columns {
                let attempts = counts
                    .get(&(pack.clone(), lesson.clone()))
                    .copied()
                    .unwrap_or(0);
                let Some(l) = catalog.lesson(pack, lesson, Language::En) else {
                    cells.push(DashboardCell {
                        state: StandingState::Missing,
                        percent: None,
                        passed_at: None,
                        attempts,
                        due_at: *due_at,
                        overdue: due_at.is_some_and(|d| d < now),
                    });
                    continue;
                };
                let s = self.summary(
                    catalog.is_required(pack, lesson, member.role),
                    pack,
                    l,
                    &completions,
                    *due_at,
                    now,
                );
                let current = matches!(
                    s.state,
                    StandingState::Current | StandingState::ExpiringSoon
                );
                cells.push(DashboardCell {
                    state: s.state,
                    percent: s.percent,
                    passed_at: s.passed_at,
                    attempts,
                    due_at: *due_at,
                    overdue: !current && due_at.is_some_and(|d| d < now),
                });
            }
            rows.push(DashboardRow {
                trainee: trainee(member),
                allowed: gate.allowed || !self.inner.policy.enforce,
                cells,
            });
        }
        Ok(Dashboard {
            cohort,
            lessons: columns
                .iter()
                .map(|(p, l, _)| lesson_ref(&catalog, p, l))
                .collect::<Vec<LessonRef>>(),
            rows,
        })
    }

    /// `GET /api/v1/training/dashboard.csv`: the dashboard as RFC 4180 CSV with
    /// spreadsheet formulas neutralised. Names, usernames, states, scores and dates only.
    pub async fn dashboard_csv(
        &self,
        caller: &Authenticated,
        cohort: Option<CohortId>,
        lang: Option<TrainingLanguage>,
        ip: Option<IpAddr>,
    ) -> Result<String, TrainingError> {
        let profile = &caller.agent;
        let mut dashboard = self.dashboard(caller, cohort).await?;
        if let Some(lang) = lang {
            self.localise(&mut dashboard.lessons, lang).await?;
        }
        let mut out = String::new();
        let mut header = vec![
            "username".to_owned(),
            "display name".to_owned(),
            "may take chats".to_owned(),
        ];
        for l in &dashboard.lessons {
            let name = format!("{}/{}", l.pack_id, l.lesson_id);
            header.push(format!("{name} state"));
            header.push(format!("{name} percent"));
            header.push(format!("{name} passed at"));
            header.push(format!("{name} due at"));
        }
        push_row(&mut out, &header);
        for row in &dashboard.rows {
            let mut cells = vec![
                row.trainee.username.clone(),
                row.trainee.display_name.clone(),
                if row.allowed { "yes" } else { "no" }.to_owned(),
            ];
            for cell in &row.cells {
                cells.push(
                    match cell.state {
                        StandingState::Current => "current",
                        StandingState::ExpiringSoon => "expiring soon",
                        StandingState::Expired => "expired",
                        StandingState::Missing if cell.overdue => "overdue",
                        StandingState::Missing => "missing",
                    }
                    .to_owned(),
                );
                cells.push(cell.percent.map(|p| p.to_string()).unwrap_or_default());
                cells.push(cell.passed_at.map(date).unwrap_or_default());
                cells.push(cell.due_at.map(date).unwrap_or_default());
            }
            push_row(&mut out, &cells);
        }
        self.record(
            profile,
            "training.dashboard.exported",
            target(
                "training_cohort",
                &cohort.map_or_else(|| "all".to_owned(), |c| c.to_string()),
            ),
            &[("rows", &dashboard.rows.len().to_string())],
            ip,
            None,
        )
        .await?;
        Ok(out)
    }
}

/// A Unix-milliseconds instant as an ISO 8601 UTC date and time.
fn date(ms: i64) -> String {
    let t = super::utc(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One CSV cell: formula-looking text gets a leading apostrophe (a spreadsheet would run it),
/// and cells with a comma, quote or line break are quoted with quotes doubled (RFC 4180).
pub fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn push_row(out: &mut String, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("Ana"), "Ana");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn upload_paths_must_stay_inside_the_pack() {
        assert!(path_problem("en/01.md").is_none());
        assert!(path_problem("pack.toml").is_none());
        for bad in [
            "/etc/passwd",
            "../x.md",
            "en/../../x",
            "a\\b",
            "C:x",
            "",
            "a//b",
        ] {
            assert!(path_problem(bad).is_some(), "{bad}");
        }
    }
}
