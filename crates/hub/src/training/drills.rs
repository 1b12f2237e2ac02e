//! Drill runs held in hub memory: one per start, usable only by the agent who started it,
//! bounded per agent and overall, gone an hour after they start. What the trainee types is
//! given to the drill engine and dropped; it is never stored, logged or audited.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use rampart_protocol::rest::AgentProfile;
use rampart_protocol::training::{
    DrillAct, DrillAction, DrillMistake, DrillResult, DrillStart, DrillTurn,
};
use rampart_protocol::{AgentId, DrillRunId, MAX_TEXT_CHARS};
use rampart_training::Language;
use rampart_training::drill::{Action, Expect, Run};

use super::catalog::language;
use super::{Training, TrainingError, target, views};
use crate::store::{AttemptKind, StoredAttempt};

/// How long a run may last.
pub const RUN_TTL_MS: i64 = 60 * 60 * 1000;
/// Runs one agent may hold at once (a new one ends the oldest).
pub const RUNS_PER_AGENT: usize = 4;
/// Runs held at once across the hub.
pub const MAX_RUNS: usize = 10_000;

struct Held {
    agent: AgentId,
    pack: String,
    lesson: String,
    version: u32,
    language: Language,
    started: i64,
    run: Run,
}

/// The runs in progress.
#[derive(Default)]
pub struct Runs {
    runs: Mutex<HashMap<DrillRunId, Held>>,
}

impl Runs {
    /// Drops runs older than the TTL.
    pub fn purge(&self, now: i64) {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, h| now - h.started < RUN_TTL_MS);
    }
}

fn action(a: &DrillAction) -> Action {
    match a {
        DrillAction::SendMessage { text } => Action::SendMessage(text.clone()),
        DrillAction::RequestSecureForm => Action::RequestSecureForm,
        DrillAction::Reveal => Action::Reveal,
        DrillAction::Copy => Action::Copy,
        DrillAction::Report => Action::Report,
        DrillAction::Escalate => Action::Escalate,
        DrillAction::Refuse => Action::Refuse,
    }
}

impl Training {
    /// `POST /api/v1/training/drills`: starts a run of a drill for the caller.
    pub async fn start_drill(
        &self,
        profile: &AgentProfile,
        start: &DrillStart,
    ) -> Result<DrillTurn, TrainingError> {
        let catalog = self.catalog().await?;
        let lesson = catalog
            .lesson(&start.pack_id, &start.lesson_id, language(start.language))
            .ok_or(TrainingError::NotFound("no such lesson"))?;
        let drill = lesson
            .drills()
            .find(|d| d.id == start.drill_id)
            .ok_or(TrainingError::NotFound("no such drill"))?;
        let now = self.now_ms()?;
        let run = Run::start(drill, &self.inner.detector);
        let opening = run.opening().to_owned();
        let id = DrillRunId::new();
        {
            let mut runs = self
                .inner
                .drills
                .runs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            runs.retain(|_, h| now - h.started < RUN_TTL_MS);
            let mut mine: Vec<(DrillRunId, i64)> = runs
                .iter()
                .filter(|(_, h)| h.agent == profile.id)
                .map(|(id, h)| (*id, h.started))
                .collect();
            mine.sort_by_key(|(_, started)| *started);
            while mine.len() >= RUNS_PER_AGENT {
                let (oldest, _) = mine.remove(0);
                runs.remove(&oldest);
            }
            if runs.len() >= MAX_RUNS {
                return Err(TrainingError::TooMany(
                    "too many drills are running; try again soon",
                ));
            }
            runs.insert(
                id,
                Held {
                    agent: profile.id,
                    pack: start.pack_id.clone(),
                    lesson: lesson.id.clone(),
                    version: lesson.version,
                    language: lesson.language,
                    started: now,
                    run,
                },
            );
        }
        Ok(DrillTurn {
            run_id: id,
            drill: views::brief(drill),
            customer_says: if opening.is_empty() {
                Vec::new()
            } else {
                vec![opening]
            },
            signals: Vec::new(),
            finished: false,
            result: None,
        })
    }

    /// `POST /api/v1/training/drills/{run}/act`: feeds one action; when the conversation ends,
    /// scores it, records the attempt and settles the lesson.
    pub async fn act_drill(
        &self,
        profile: &AgentProfile,
        run_id: DrillRunId,
        act: &DrillAct,
        ip: Option<IpAddr>,
    ) -> Result<DrillTurn, TrainingError> {
        if let DrillAction::SendMessage { text } = &act.action {
            let chars = text.chars().count();
            if chars == 0 || chars > MAX_TEXT_CHARS {
                return Err(TrainingError::Malformed(format!(
                    "a message has 1 to {MAX_TEXT_CHARS} characters"
                )));
            }
        }
        let now = self.now_ms()?;
        let (turn, brief, finished) = {
            let mut runs = self
                .inner
                .drills
                .runs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let held = runs
                .get_mut(&run_id)
                .filter(|h| h.agent == profile.id && now - h.started < RUN_TTL_MS)
                .ok_or(TrainingError::NotFound("no such drill run"))?;
            let turn = held.run.act(&self.inner.detector, &action(&act.action));
            let brief = views::brief(held.run.drill());
            let finished = if turn.finished {
                runs.remove(&run_id)
            } else {
                None
            };
            (turn, brief, finished)
        };
        let mut result = None;
        if let Some(held) = finished {
            let score = held.run.score();
            let catalog = self.catalog().await?;
            let lesson = catalog
                .lesson(&held.pack, &held.lesson, held.language)
                .filter(|l| l.version == held.version)
                .ok_or_else(|| {
                    TrainingError::Outdated(
                        "the lesson changed during the drill; start again".to_owned(),
                    )
                })?;
            let percent = score.percent();
            let passed = score.meets(lesson.pass_mark);
            self.inner
                .store
                .record_attempt(StoredAttempt {
                    agent: profile.id,
                    pack: held.pack.clone(),
                    lesson: held.lesson.clone(),
                    version: held.version,
                    language: held.language.code().to_owned(),
                    kind: AttemptKind::Drill,
                    drill: Some(score.drill.clone()),
                    percent,
                    passed,
                    at: now,
                })
                .await?;
            self.record(
                profile,
                "training.drill.finished",
                target("training_lesson", &format!("{}/{}", held.pack, held.lesson)),
                &[
                    ("drill", &score.drill),
                    ("version", &held.version.to_string()),
                    ("percent", &percent.to_string()),
                    ("passed", if passed { "true" } else { "false" }),
                ],
                ip,
                None,
            )
            .await?;
            let (summary, _) = self
                .settle(profile, &catalog, &held.pack, lesson, ip)
                .await?;
            result = Some(DrillResult {
                percent,
                passed,
                earned: score.earned,
                possible: score.possible,
                mistakes: score
                    .mistakes
                    .iter()
                    .map(|m| DrillMistake {
                        signal: m.signal.name().to_owned(),
                        avoid: m.expect == Expect::Avoid,
                        explain: m.explain.clone(),
                        critical: m.critical,
                    })
                    .collect(),
                lesson: summary,
            });
        }
        Ok(DrillTurn {
            run_id,
            drill: brief,
            customer_says: turn.customer.into_iter().collect(),
            signals: turn.signals.iter().map(|s| s.name().to_owned()).collect(),
            finished: turn.finished,
            result,
        })
    }
}
