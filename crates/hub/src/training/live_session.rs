//! Live onboarding sessions, in memory: a trainer opens one on a lesson and shows a join code;
//! trainees join with it; the trainer moves through sections, opens and closes questions and
//! starts drills; every change is pushed as `liveTraining` over `/ws/agent` to the trainer
//! (with the tally always) and to each trainee (tally and right answer only once the question
//! is closed).
//!
//! Codes are six characters from an alphabet without look-alikes, drawn from the thread's
//! CSPRNG and unique among open sessions. Wrong codes count against the trainee (a few per
//! ten minutes), so the code space (31^6 ≈ 887 million) cannot be searched.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

/// Options a live answer may name at most (more than any question has).
const MAX_ANSWER_ENTRIES: usize = 64;

use rampart_protocol::rest::AgentProfile;
use rampart_protocol::training::{
    DrillStart, LiveAnswer, LiveControl, LiveJoin, LiveParticipant, LiveQuestion, LiveSession,
    LiveStart, QuizAnswer,
};
use rampart_protocol::{AgentId, LiveSessionId, ServerFrame};
use rampart_training::Lesson;
use rand::Rng;

use super::catalog::{language, wire_language};
use super::{Training, TrainingError, is_trainer, target, views};
use crate::login::Authenticated;
use crate::org::OrgId;

/// Letters and digits without 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a join code.
pub const CODE_LEN: usize = 6;
/// A session ends on its own this long after it starts.
pub const SESSION_TTL_MS: i64 = 4 * 60 * 60 * 1000;
/// Sessions open at once across the hub.
pub const MAX_SESSIONS: usize = 200;
/// Trainees per session.
pub const MAX_PARTICIPANTS: usize = 500;
/// Wrong codes one agent may try per window.
pub const WRONG_CODES: u32 = 10;
const WRONG_CODE_WINDOW_MS: i64 = 10 * 60 * 1000;

struct Participant {
    agent: AgentId,
    name: String,
    answer: Option<QuizAnswer>,
    /// Right answers to closed questions.
    correct: u32,
}

struct Session {
    id: LiveSessionId,
    code: String,
    trainer: AgentId,
    /// The trainer's organisation: only its staff may join.
    org: OrgId,
    trainer_name: String,
    pack: String,
    lesson: Lesson,
    section: u32,
    participants: Vec<Participant>,
    question: Option<(String, bool)>,
    drill: Option<DrillStart>,
    ended: bool,
    started: i64,
}

/// Every open session, and wrong-code counters.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<State>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<LiveSessionId, Session>,
    wrong: HashMap<AgentId, (i64, u32)>,
}

impl Sessions {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets ended and expired sessions and old wrong-code counters.
    pub fn purge(&self, now: i64) {
        let mut state = self.state();
        state
            .sessions
            .retain(|_, s| !s.ended && now - s.started < SESSION_TTL_MS);
        state
            .wrong
            .retain(|_, (since, _)| now - *since < WRONG_CODE_WINDOW_MS);
    }
}

fn new_code(taken: &HashMap<LiveSessionId, Session>) -> String {
    // `rand::rng()` is a CSPRNG (ChaCha, seeded and reseeded from the OS).
    let mut rng = rand::rng();
    loop {
        let code: String = (0..CODE_LEN)
            .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
            .collect();
        if !taken.values().any(|s| s.code == code) {
            return code;
        }
    }
}

impl Session {
    fn open_question(&self) -> Option<&rampart_training::quiz::Question> {
        let (id, _) = self.question.as_ref()?;
        self.lesson.questions().find(|q| &q.id == id)
    }

    /// The session as `viewer` sees it: the trainer sees answers and the tally always.
    fn view(&self, for_trainer: bool) -> LiveSession {
        let open = self.question.as_ref().is_some_and(|(_, open)| *open);
        let question = self.open_question().map(|q| {
            let answers: Vec<&QuizAnswer> = self
                .participants
                .iter()
                .filter_map(|p| p.answer.as_ref())
                .collect();
            let right = answers
                .iter()
                .filter(|a| views::is_right(&self.pack, &self.lesson.id, q, a))
                .count();
            let show = for_trainer || !open;
            LiveQuestion {
                question: views::question_view(&self.pack, &self.lesson.id, q, show),
                open,
                answered: u32::try_from(answers.len()).unwrap_or(u32::MAX),
                tally: if show {
                    views::tally(&self.pack, &self.lesson.id, q, &answers)
                } else {
                    Vec::new()
                },
                correct: if show {
                    u32::try_from(right).unwrap_or(u32::MAX)
                } else {
                    0
                },
            }
        });
        let current = self.open_question();
        LiveSession {
            id: self.id,
            code: self.code.clone(),
            trainer: self.trainer_name.clone(),
            lesson: views::lesson_view(&self.pack, &self.lesson, for_trainer),
            section: self.section,
            participants: self
                .participants
                .iter()
                .map(|p| {
                    // While a question is open, only the trainer sees who got it right.
                    let now_right = for_trainer
                        && open
                        && current.zip(p.answer.as_ref()).is_some_and(|(q, a)| {
                            views::is_right(&self.pack, &self.lesson.id, q, a)
                        });
                    LiveParticipant {
                        display_name: p.name.clone(),
                        answered: p.answer.is_some(),
                        correct: p.correct + u32::from(now_right),
                    }
                })
                .collect(),
            question,
            drill: self.drill.clone(),
            ended: self.ended,
        }
    }

    fn push(&self, live: &crate::live::Live) {
        let trainer = ServerFrame::LiveTraining {
            session: Box::new(self.view(true)),
        };
        live.to_agent(self.trainer, &trainer);
        let trainee = ServerFrame::LiveTraining {
            session: Box::new(self.view(false)),
        };
        for p in &self.participants {
            if p.agent != self.trainer {
                live.to_agent(p.agent, &trainee);
            }
        }
    }
}

impl Training {
    /// `POST /api/v1/training/live`: a trainer opens a session for their organisation.
    pub async fn live_start(
        &self,
        staff: &Authenticated,
        start: &LiveStart,
        ip: Option<IpAddr>,
    ) -> Result<LiveSession, TrainingError> {
        let profile = &staff.agent;
        if !is_trainer(profile.role) {
            return Err(TrainingError::Forbidden(
                "only trainers and admins run live sessions",
            ));
        }
        let catalog = self.catalog().await?;
        let lesson = catalog
            .lesson(&start.pack_id, &start.lesson_id, language(start.language))
            .ok_or(TrainingError::NotFound("no such lesson"))?
            .clone();
        let now = self.now_ms()?;
        let id = LiveSessionId::new();
        let view = {
            self.inner.sessions.purge(now);
            let mut state = self.inner.sessions.state();
            if state.sessions.len() >= MAX_SESSIONS {
                return Err(TrainingError::TooMany("too many live sessions are open"));
            }
            let code = new_code(&state.sessions);
            let session = Session {
                id,
                code,
                trainer: profile.id,
                org: staff.org.clone(),
                trainer_name: profile.display_name.clone(),
                pack: start.pack_id.clone(),
                lesson,
                section: 0,
                participants: Vec::new(),
                question: None,
                drill: None,
                ended: false,
                started: now,
            };
            let view = session.view(true);
            state.sessions.insert(id, session);
            view
        };
        self.record(
            profile,
            "training.live.started",
            target(
                "training_lesson",
                &format!("{}/{}", start.pack_id, start.lesson_id),
            ),
            &[
                ("session", &id.to_string()),
                ("language", language(start.language).code()),
            ],
            ip,
            None,
        )
        .await?;
        Ok(view)
    }

    /// `POST /api/v1/training/live/join`: a trainee joins with the code. Another
    /// organisation's session is not found, as if the code were wrong.
    pub async fn live_join(
        &self,
        staff: &Authenticated,
        join: &LiveJoin,
    ) -> Result<LiveSession, TrainingError> {
        let profile = &staff.agent;
        let now = self.now_ms()?;
        let code: String = join.code.trim().to_ascii_uppercase();
        let mut state = self.inner.sessions.state();
        let (since, wrong) = state.wrong.get(&profile.id).copied().unwrap_or((now, 0));
        let (since, wrong) = if now - since >= WRONG_CODE_WINDOW_MS {
            (now, 0)
        } else {
            (since, wrong)
        };
        if wrong >= WRONG_CODES {
            return Err(TrainingError::TooMany(
                "too many wrong codes; wait a few minutes",
            ));
        }
        let found = state.sessions.values_mut().find(|s| {
            !s.ended && now - s.started < SESSION_TTL_MS && s.code == code && s.org == staff.org
        });
        let Some(session) = found else {
            state.wrong.insert(profile.id, (since, wrong + 1));
            return Err(TrainingError::LiveNotFound);
        };
        if session.trainer != profile.id
            && !session.participants.iter().any(|p| p.agent == profile.id)
        {
            if session.participants.len() >= MAX_PARTICIPANTS {
                return Err(TrainingError::TooMany("this session is full"));
            }
            session.participants.push(Participant {
                agent: profile.id,
                name: profile.display_name.clone(),
                answer: None,
                correct: 0,
            });
        }
        session.push(self.inner.chat.live());
        Ok(session.view(session.trainer == profile.id))
    }

    /// `GET /api/v1/training/live/{id}`: the session as the caller sees it.
    pub fn live_view(
        &self,
        profile: &AgentProfile,
        id: LiveSessionId,
    ) -> Result<LiveSession, TrainingError> {
        let state = self.inner.sessions.state();
        let session = state.sessions.get(&id).ok_or(TrainingError::LiveNotFound)?;
        if session.trainer == profile.id {
            Ok(session.view(true))
        } else if session.participants.iter().any(|p| p.agent == profile.id) {
            Ok(session.view(false))
        } else {
            Err(TrainingError::LiveNotFound)
        }
    }

    /// `POST /api/v1/training/live/{id}/control`: the session's trainer acts.
    pub async fn live_control(
        &self,
        profile: &AgentProfile,
        id: LiveSessionId,
        control: &LiveControl,
        ip: Option<IpAddr>,
    ) -> Result<LiveSession, TrainingError> {
        if !is_trainer(profile.role) {
            return Err(TrainingError::Forbidden(
                "only trainers and admins run live sessions",
            ));
        }
        let (view, ended) = {
            let mut state = self.inner.sessions.state();
            let session = state
                .sessions
                .get_mut(&id)
                .filter(|s| s.trainer == profile.id && !s.ended)
                .ok_or(TrainingError::LiveNotFound)?;
            match control {
                LiveControl::Goto { section } => {
                    if usize::try_from(*section)
                        .map_or(true, |s| s >= session.lesson.sections.len())
                    {
                        return Err(TrainingError::Malformed("no such section".to_owned()));
                    }
                    session.section = *section;
                }
                LiveControl::OpenQuestion { question_id } => {
                    if !session.lesson.questions().any(|q| &q.id == question_id) {
                        return Err(TrainingError::NotFound("no such question"));
                    }
                    session.question = Some((question_id.clone(), true));
                    for p in &mut session.participants {
                        p.answer = None;
                    }
                }
                LiveControl::CloseQuestion => {
                    if let Some(q) = session.open_question().cloned() {
                        if session.question.as_ref().is_some_and(|(_, open)| *open) {
                            for p in &mut session.participants {
                                if p.answer.as_ref().is_some_and(|a| {
                                    views::is_right(&session.pack, &session.lesson.id, &q, a)
                                }) {
                                    p.correct = p.correct.saturating_add(1);
                                }
                            }
                        }
                    }
                    if let Some((_, open)) = session.question.as_mut() {
                        *open = false;
                    }
                }
                LiveControl::StartDrill { drill_id } => {
                    if !session.lesson.drills().any(|d| &d.id == drill_id) {
                        return Err(TrainingError::NotFound("no such drill"));
                    }
                    session.drill = Some(DrillStart {
                        pack_id: session.pack.clone(),
                        lesson_id: session.lesson.id.clone(),
                        drill_id: drill_id.clone(),
                        language: wire_language(session.lesson.language),
                    });
                }
                LiveControl::End => session.ended = true,
            }
            session.push(self.inner.chat.live());
            let view = session.view(true);
            if session.ended {
                state.sessions.remove(&id);
            }
            (view, matches!(control, LiveControl::End))
        };
        if ended {
            self.record(
                profile,
                "training.live.ended",
                target("training_live_session", &id.to_string()),
                &[("participants", &view.participants.len().to_string())],
                ip,
                None,
            )
            .await?;
        }
        Ok(view)
    }

    /// `POST /api/v1/training/live/{id}/answer`: a trainee answers the open question (again:
    /// replaces the answer while it is open).
    pub fn live_answer(
        &self,
        profile: &AgentProfile,
        id: LiveSessionId,
        answer: &LiveAnswer,
    ) -> Result<LiveSession, TrainingError> {
        let mut state = self.inner.sessions.state();
        let session = state
            .sessions
            .get_mut(&id)
            .filter(|s| !s.ended && s.participants.iter().any(|p| p.agent == profile.id))
            .ok_or(TrainingError::LiveNotFound)?;
        match &session.question {
            Some((open_id, true)) if *open_id == answer.question_id => {}
            _ => {
                return Err(TrainingError::Outdated(
                    "that question is not open".to_owned(),
                ));
            }
        }
        // Held for every participant and sorted on every push: no answer names more options
        // than a question can have.
        let entries = match &answer.answer {
            QuizAnswer::Multiple { choices } => choices.len(),
            QuizAnswer::Ordering { order } => order.len(),
            _ => 1,
        };
        if entries > MAX_ANSWER_ENTRIES {
            return Err(TrainingError::Malformed(
                "an answer names more options than a question has".to_owned(),
            ));
        }
        if let Some(p) = session
            .participants
            .iter_mut()
            .find(|p| p.agent == profile.id)
        {
            p.answer = Some(answer.answer.clone());
        }
        session.push(self.inner.chat.live());
        Ok(session.view(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_are_unique() {
        let taken = HashMap::new();
        for _ in 0..200 {
            let code = new_code(&taken);
            assert_eq!(code.len(), CODE_LEN);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
    }
}
