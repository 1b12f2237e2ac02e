//! Training records in SQLite.

use async_trait::async_trait;
use rampart_protocol::{AgentId, CohortId};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::accounts::parse_role;
use super::conversations::parse_id;
use crate::org::OrgId;
use crate::store::{
    AttemptKind, StaffMember, StoreError, StoredAttempt, StoredCohort, StoredCompletion,
    StoredPack, TrainingStore,
};

fn num(v: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(what))
}

fn percent(v: i64) -> Result<u8, StoreError> {
    u8::try_from(v).map_err(|_| StoreError::Corrupt("training percent"))
}

#[async_trait]
impl TrainingStore for SqliteStore {
    async fn import_pack(&self, pack: StoredPack) -> Result<bool, StoreError> {
        let files =
            serde_json::to_string(&pack.files).map_err(|_| StoreError::Corrupt("pack files"))?;
        self.write(move |conn| {
            let newest: Option<i64> = conn.query_row(
                "SELECT MAX(version) FROM training_packs WHERE id = ?1",
                params![pack.id],
                |row| row.get(0),
            )?;
            if newest.is_some_and(|v| v >= i64::from(pack.version)) {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO training_packs (id, version, files, imported_at, importer)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    pack.id,
                    i64::from(pack.version),
                    files,
                    pack.imported_at,
                    pack.importer.to_string()
                ],
            )?;
            Ok(true)
        })
        .await
    }

    async fn packs(&self) -> Result<Vec<StoredPack>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT p.id, p.version, p.files, p.imported_at, p.importer FROM training_packs p
                 WHERE p.version = (SELECT MAX(version) FROM training_packs q WHERE q.id = p.id)
                 ORDER BY p.imported_at, p.id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, version, files, imported_at, importer) = row?;
                out.push(StoredPack {
                    id,
                    version: num(version, "pack version")?,
                    files: serde_json::from_str(&files)
                        .map_err(|_| StoreError::Corrupt("pack files"))?,
                    imported_at,
                    importer: parse_id(&importer, "importer id")?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn record_attempt(&self, attempt: StoredAttempt) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO training_attempts (agent_id, pack_id, lesson_id, version, language,
                     kind, drill_id, percent, passed, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    attempt.agent.to_string(),
                    attempt.pack,
                    attempt.lesson,
                    i64::from(attempt.version),
                    attempt.language,
                    attempt.kind.label(),
                    attempt.drill,
                    i64::from(attempt.percent),
                    attempt.passed,
                    attempt.at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn attempts(
        &self,
        agent: AgentId,
        pack: &str,
        lesson: &str,
        version: u32,
    ) -> Result<Vec<StoredAttempt>, StoreError> {
        let (pack, lesson) = (pack.to_owned(), lesson.to_owned());
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT language, kind, drill_id, percent, passed, at FROM training_attempts
                 WHERE agent_id = ?1 AND pack_id = ?2 AND lesson_id = ?3 AND version = ?4
                 ORDER BY seq",
            )?;
            let rows = statement.query_map(
                params![agent.to_string(), pack, lesson, i64::from(version)],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, bool>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (language, kind, drill, p, passed, at) = row?;
                out.push(StoredAttempt {
                    agent,
                    pack: pack.clone(),
                    lesson: lesson.clone(),
                    version,
                    language,
                    kind: if kind == "quiz" {
                        AttemptKind::Quiz
                    } else {
                        AttemptKind::Drill
                    },
                    drill,
                    percent: percent(p)?,
                    passed,
                    at,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn attempt_counts(
        &self,
        agent: AgentId,
    ) -> Result<Vec<(String, String, u32)>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT pack_id, lesson_id, COUNT(*) FROM training_attempts WHERE agent_id = ?1
                 GROUP BY pack_id, lesson_id",
            )?;
            let rows = statement.query_map(params![agent.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (pack, lesson, count) = row?;
                out.push((pack, lesson, num(count, "attempt count")?));
            }
            Ok(out)
        })
        .await
    }

    async fn record_completion(&self, completion: StoredCompletion) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO training_completions (id, agent_id, pack_id, lesson_id, version,
                     language, percent, passed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    completion.id,
                    completion.agent.to_string(),
                    completion.pack,
                    completion.lesson,
                    i64::from(completion.version),
                    completion.language,
                    i64::from(completion.percent),
                    completion.passed_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn completions(&self, agent: AgentId) -> Result<Vec<StoredCompletion>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, pack_id, lesson_id, version, language, percent, passed_at
                 FROM training_completions WHERE agent_id = ?1 ORDER BY passed_at, id",
            )?;
            let rows = statement.query_map(params![agent.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, pack, lesson, version, language, p, passed_at) = row?;
                out.push(StoredCompletion {
                    id,
                    agent,
                    pack,
                    lesson,
                    version: num(version, "completion version")?,
                    language,
                    percent: percent(p)?,
                    passed_at,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn staff(&self, org: &OrgId) -> Result<Vec<StaffMember>, StoreError> {
        let org = org.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, username, display_name, role FROM agents WHERE org_id = ?1
                 ORDER BY display_name, username",
            )?;
            let rows = statement.query_map(params![org.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, username, display_name, role) = row?;
                out.push(StaffMember {
                    id: parse_id(&id, "agent id")?,
                    username,
                    display_name,
                    role: parse_role(&role)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn save_cohort(
        &self,
        org: &OrgId,
        id: CohortId,
        name: &str,
        members: &[AgentId],
        create: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let name = name.to_owned();
        let members: Vec<String> = members.iter().map(ToString::to_string).collect();
        let org = org.clone();
        self.write(move |conn| {
            let id = id.to_string();
            if create {
                conn.execute(
                    "INSERT INTO training_cohorts (id, name, created_at, org_id)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, name, now_ms, org.as_str()],
                )?;
            } else if conn.execute(
                "UPDATE training_cohorts SET name = ?2 WHERE id = ?1 AND org_id = ?3",
                params![id, name, org.as_str()],
            )? == 0
            {
                return Ok(false);
            }
            conn.execute(
                "DELETE FROM training_cohort_members WHERE cohort_id = ?1",
                params![id],
            )?;
            let mut insert = conn.prepare_cached(
                "INSERT OR IGNORE INTO training_cohort_members (cohort_id, agent_id)
                 VALUES (?1, ?2)",
            )?;
            for member in &members {
                insert.execute(params![id, member])?;
            }
            Ok(true)
        })
        .await
    }

    async fn assign_lesson(
        &self,
        org: &OrgId,
        cohort: CohortId,
        pack: &str,
        lesson: &str,
        due_at: i64,
    ) -> Result<bool, StoreError> {
        let (pack, lesson) = (pack.to_owned(), lesson.to_owned());
        let org = org.clone();
        self.write(move |conn| {
            let exists = conn
                .query_row(
                    "SELECT 1 FROM training_cohorts WHERE id = ?1 AND org_id = ?2",
                    params![cohort.to_string(), org.as_str()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !exists {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO training_assignments (cohort_id, pack_id, lesson_id, due_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (cohort_id, pack_id, lesson_id) DO UPDATE SET due_at = excluded.due_at",
                params![cohort.to_string(), pack, lesson, due_at],
            )?;
            Ok(true)
        })
        .await
    }

    async fn cohorts(&self, org: Option<&OrgId>) -> Result<Vec<StoredCohort>, StoreError> {
        let org = org.cloned();
        self.read(move |conn| {
            let mut cohorts = Vec::new();
            let mut statement = conn.prepare_cached(
                "SELECT id, name FROM training_cohorts WHERE ?1 IS NULL OR org_id = ?1
                 ORDER BY name, created_at",
            )?;
            let rows = statement.query_map(params![org.as_ref().map(OrgId::as_str)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, name) = row?;
                cohorts.push((id, name));
            }
            let mut members = conn.prepare_cached(
                "SELECT agent_id FROM training_cohort_members WHERE cohort_id = ?1",
            )?;
            let mut assignments = conn.prepare_cached(
                "SELECT pack_id, lesson_id, due_at FROM training_assignments
                 WHERE cohort_id = ?1 ORDER BY rowid",
            )?;
            let mut out = Vec::new();
            for (id, name) in cohorts {
                let mut cohort = StoredCohort {
                    id: parse_id(&id, "cohort id")?,
                    name,
                    members: Vec::new(),
                    assignments: Vec::new(),
                };
                for member in members.query_map(params![id], |row| row.get::<_, String>(0))? {
                    cohort.members.push(parse_id(&member?, "agent id")?);
                }
                for assignment in assignments.query_map(params![id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                })? {
                    cohort.assignments.push(assignment?);
                }
                out.push(cohort);
            }
            Ok(out)
        })
        .await
    }
}
