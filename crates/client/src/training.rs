//! The hub's training API (`rampart_protocol::training` lists every endpoint): the trainee's
//! overview, lessons, quizzes, drills, certificates and live sessions, and the trainer's packs,
//! cohorts, dashboard (JSON and CSV) and live-session controls.
//!
//! The hub scores and decides; these calls only carry what the trainee answered or did. Pack
//! and lesson ids are authors' strings, so each goes into the path as one escaped segment.

use rampart_protocol::ids::{CohortId, DrillRunId, LiveSessionId};
use rampart_protocol::training::{
    AssignmentRequest, Certificate, Cohort, CohortRequest, Dashboard, DrillAct, DrillAction,
    DrillStart, DrillTurn, LessonView, LiveAnswer, LiveControl, LiveJoin, LiveSession, LiveStart,
    PackFile, PackSummary, PackUpload, QuizResult, QuizSubmission, Trainee, TrainingLanguage,
    TrainingOverview,
};
use rampart_secret::SecretString;
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;
use crate::rest::{HubApi, checked, json, transport};

/// Largest CSV export read into memory (a dashboard of thousands of agents fits easily).
pub const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;

/// Escapes one path segment: everything but RFC 3986 unreserved characters is percent-encoded,
/// so an id holding `/`, `?` or `#` cannot change the route. An empty or dots-only id is refused:
/// URL parsers treat `.`/`..` (escaped or not) as a step in the path.
fn segment(raw: &str) -> Result<String, ClientError> {
    if raw.is_empty() || raw.bytes().all(|b| b == b'.') {
        return Err(ClientError::InvalidUrl {
            reason: "an id cannot be empty or only dots",
        });
    }
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

fn language(language: TrainingLanguage) -> &'static str {
    match language {
        TrainingLanguage::En => "en",
        TrainingLanguage::Es => "es",
    }
}

impl HubApi {
    fn training_url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.hub().api(path);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        url
    }

    async fn training_get<T: DeserializeOwned>(
        &self,
        token: &SecretString,
        url: Url,
    ) -> Result<T, ClientError> {
        let response = self
            .request(Method::GET, url)
            .bearer_auth(token.expose())
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    async fn training_send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        token: &SecretString,
        url: Url,
        body: &B,
    ) -> Result<T, ClientError> {
        let response = self
            .request(method, url)
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await;
        json(response.map_err(transport)?).await
    }

    // ---- trainee ----

    /// `GET /api/v1/training?language=`: the gate on live work and every lesson with the
    /// agent's standing, titles in `lang` where a translation exists.
    pub async fn training_overview(
        &self,
        token: &SecretString,
        lang: TrainingLanguage,
    ) -> Result<TrainingOverview, ClientError> {
        let query = [("language", language(lang).to_owned())];
        self.training_get(token, self.training_url("/api/v1/training", &query))
            .await
    }

    /// A lesson's content in `lang`; `preview` (trainers only) includes the answers.
    pub async fn training_lesson(
        &self,
        token: &SecretString,
        pack: &str,
        lesson: &str,
        lang: TrainingLanguage,
        preview: bool,
    ) -> Result<LessonView, ClientError> {
        let path = format!(
            "/api/v1/training/packs/{}/lessons/{}",
            segment(pack)?,
            segment(lesson)?
        );
        let mut query = vec![("language", language(lang).to_owned())];
        if preview {
            query.push(("preview", "true".to_owned()));
        }
        self.training_get(token, self.training_url(&path, &query))
            .await
    }

    /// Sends quiz answers; the hub marks them.
    pub async fn training_submit_quiz(
        &self,
        token: &SecretString,
        pack: &str,
        lesson: &str,
        submission: &QuizSubmission,
    ) -> Result<QuizResult, ClientError> {
        let path = format!(
            "/api/v1/training/packs/{}/lessons/{}/quiz",
            segment(pack)?,
            segment(lesson)?
        );
        let url = self.training_url(&path, &[]);
        self.training_send(Method::POST, token, url, submission)
            .await
    }

    /// Starts a run of a drill.
    pub async fn training_start_drill(
        &self,
        token: &SecretString,
        start: &DrillStart,
    ) -> Result<DrillTurn, ClientError> {
        let url = self.training_url("/api/v1/training/drills", &[]);
        self.training_send(Method::POST, token, url, start).await
    }

    /// Reports one action in a drill run.
    pub async fn training_drill_act(
        &self,
        token: &SecretString,
        run: DrillRunId,
        action: DrillAction,
    ) -> Result<DrillTurn, ClientError> {
        let path = format!("/api/v1/training/drills/{}/act", segment(&run.to_string())?);
        let url = self.training_url(&path, &[]);
        self.training_send(Method::POST, token, url, &DrillAct { action })
            .await
    }

    /// The agent's certificates of completion.
    pub async fn training_certificates(
        &self,
        token: &SecretString,
    ) -> Result<Vec<Certificate>, ClientError> {
        let url = self.training_url("/api/v1/training/certificates", &[]);
        self.training_get(token, url).await
    }

    /// Joins a live session with its code.
    pub async fn training_live_join(
        &self,
        token: &SecretString,
        code: &str,
    ) -> Result<LiveSession, ClientError> {
        let url = self.training_url("/api/v1/training/live/join", &[]);
        let body = LiveJoin {
            code: code.to_owned(),
        };
        self.training_send(Method::POST, token, url, &body).await
    }

    /// Answers a live session's open question.
    pub async fn training_live_answer(
        &self,
        token: &SecretString,
        session: LiveSessionId,
        answer: &LiveAnswer,
    ) -> Result<LiveSession, ClientError> {
        let path = format!(
            "/api/v1/training/live/{}/answer",
            segment(&session.to_string())?
        );
        let url = self.training_url(&path, &[]);
        self.training_send(Method::POST, token, url, answer).await
    }

    /// A live session's state (its trainer or a joined trainee).
    pub async fn training_live_session(
        &self,
        token: &SecretString,
        session: LiveSessionId,
    ) -> Result<LiveSession, ClientError> {
        let path = format!("/api/v1/training/live/{}", segment(&session.to_string())?);
        self.training_get(token, self.training_url(&path, &[]))
            .await
    }

    // ---- trainer ----

    /// The packs the hub serves.
    pub async fn trainer_packs(
        &self,
        token: &SecretString,
    ) -> Result<Vec<PackSummary>, ClientError> {
        let url = self.training_url("/api/v1/training/packs", &[]);
        self.training_get(token, url).await
    }

    /// Imports a pack; an invalid one is refused with `packInvalid` and every issue.
    pub async fn trainer_import_pack(
        &self,
        token: &SecretString,
        files: Vec<PackFile>,
    ) -> Result<PackSummary, ClientError> {
        let url = self.training_url("/api/v1/training/packs", &[]);
        self.training_send(Method::POST, token, url, &PackUpload { files })
            .await
    }

    /// Staff a trainer can put in cohorts.
    pub async fn trainer_trainees(
        &self,
        token: &SecretString,
    ) -> Result<Vec<Trainee>, ClientError> {
        let url = self.training_url("/api/v1/training/trainees", &[]);
        self.training_get(token, url).await
    }

    /// Every cohort, with lesson titles in `lang`.
    pub async fn trainer_cohorts(
        &self,
        token: &SecretString,
        lang: TrainingLanguage,
    ) -> Result<Vec<Cohort>, ClientError> {
        let query = [("language", language(lang).to_owned())];
        let url = self.training_url("/api/v1/training/cohorts", &query);
        self.training_get(token, url).await
    }

    /// Creates a cohort (`id` none) or renames it and sets its members.
    pub async fn trainer_save_cohort(
        &self,
        token: &SecretString,
        id: Option<CohortId>,
        request: &CohortRequest,
    ) -> Result<Cohort, ClientError> {
        match id {
            None => {
                let url = self.training_url("/api/v1/training/cohorts", &[]);
                self.training_send(Method::POST, token, url, request).await
            }
            Some(id) => {
                let path = format!("/api/v1/training/cohorts/{}", segment(&id.to_string())?);
                let url = self.training_url(&path, &[]);
                self.training_send(Method::PUT, token, url, request).await
            }
        }
    }

    /// Assigns a lesson to a cohort with a due date (again: changes the date).
    pub async fn trainer_assign(
        &self,
        token: &SecretString,
        cohort: CohortId,
        request: &AssignmentRequest,
    ) -> Result<Cohort, ClientError> {
        let path = format!(
            "/api/v1/training/cohorts/{}/assignments",
            segment(&cohort.to_string())?
        );
        let url = self.training_url(&path, &[]);
        self.training_send(Method::POST, token, url, request).await
    }

    fn cohort_query(
        cohort: Option<CohortId>,
        lang: TrainingLanguage,
    ) -> Vec<(&'static str, String)> {
        let mut query = vec![("language", language(lang).to_owned())];
        if let Some(id) = cohort {
            query.push(("cohort", id.to_string()));
        }
        query
    }

    /// Progress per agent and lesson, for one cohort or everyone, with lesson titles in `lang`.
    pub async fn trainer_dashboard(
        &self,
        token: &SecretString,
        cohort: Option<CohortId>,
        lang: TrainingLanguage,
    ) -> Result<Dashboard, ClientError> {
        let url = self.training_url(
            "/api/v1/training/dashboard",
            &Self::cohort_query(cohort, lang),
        );
        self.training_get(token, url).await
    }

    /// The dashboard as CSV text (at most [`MAX_CSV_BYTES`]).
    pub async fn trainer_dashboard_csv(
        &self,
        token: &SecretString,
        cohort: Option<CohortId>,
        lang: TrainingLanguage,
    ) -> Result<String, ClientError> {
        let url = self.training_url(
            "/api/v1/training/dashboard.csv",
            &Self::cohort_query(cohort, lang),
        );
        let response = self
            .request(Method::GET, url)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(transport)?;
        let response = checked(response).await?;
        let status = response.status().as_u16();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_CSV_BYTES as u64)
        {
            return Err(ClientError::UnexpectedResponse { status });
        }
        let body = response.bytes().await.map_err(transport)?;
        if body.len() > MAX_CSV_BYTES {
            return Err(ClientError::UnexpectedResponse { status });
        }
        String::from_utf8(body.to_vec()).map_err(|_| ClientError::UnexpectedResponse { status })
    }

    /// Opens a live onboarding session on one lesson.
    pub async fn trainer_live_start(
        &self,
        token: &SecretString,
        start: &LiveStart,
    ) -> Result<LiveSession, ClientError> {
        let url = self.training_url("/api/v1/training/live", &[]);
        self.training_send(Method::POST, token, url, start).await
    }

    /// Advances, opens or closes a question, starts a drill or ends a live session.
    pub async fn trainer_live_control(
        &self,
        token: &SecretString,
        session: LiveSessionId,
        control: &LiveControl,
    ) -> Result<LiveSession, ClientError> {
        let path = format!(
            "/api/v1/training/live/{}/control",
            segment(&session.to_string())?
        );
        let url = self.training_url(&path, &[]);
        self.training_send(Method::POST, token, url, control).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_change_the_route() {
        let ok = |id: &str| segment(id).unwrap();
        assert_eq!(ok("basics-01_a~"), "basics-01_a~");
        assert_eq!(ok("../admin"), "%2E%2E%2Fadmin");
        assert_eq!(ok("a?b#c d"), "a%3Fb%23c%20d");
        assert_eq!(ok("ñ"), "%C3%B1");
        for bad in ["", ".", ".."] {
            assert!(segment(bad).is_err(), "{bad:?}");
        }
        let api = HubApi::new(crate::HubUrl::parse("http://127.0.0.1:1").unwrap()).unwrap();
        let path = format!("/api/v1/training/packs/{}/lessons/x", ok("a/../../b"));
        assert_eq!(
            api.training_url(&path, &[]).path(),
            "/api/v1/training/packs/a%2F%2E%2E%2F%2E%2E%2Fb/lessons/x"
        );
    }
}
