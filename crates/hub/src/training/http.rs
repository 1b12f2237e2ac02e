//! The training endpoints (`/api/v1/training/…`, listed in `rampart_protocol::training`).
//! Every one authenticates like the rest of the API (bearer session, IP allow-lists); trainer
//! endpoints check the role in the training module (`trainer.rs`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rampart_protocol::training::{
    AssignmentRequest, Certificate, Cohort, CohortRequest, Dashboard, DrillAct, DrillStart,
    DrillTurn, LessonView, LiveAnswer, LiveControl, LiveJoin, LiveSession, LiveStart, PackSummary,
    PackUpload, QuizResult, QuizSubmission, Trainee, TrainingLanguage, TrainingOverview,
};
use rampart_protocol::{CohortId, DrillRunId, LiveSessionId};
use serde::Deserialize;

use super::TrainingError;
use super::trainer::MAX_PACK_BODY;
use crate::http::{Api, ApiFailure, Authed, ClientIp};

impl From<TrainingError> for ApiFailure {
    fn from(error: TrainingError) -> Self {
        Self(error.to_api())
    }
}

type Answer<T> = Result<Json<T>, ApiFailure>;

/// The training routes, merged into the API router.
pub fn routes() -> Router<Api> {
    Router::new()
        .route("/api/v1/training", get(overview))
        .route(
            "/api/v1/training/packs",
            get(packs)
                .post(import)
                .layer(DefaultBodyLimit::max(MAX_PACK_BODY)),
        )
        .route(
            "/api/v1/training/packs/{pack}/lessons/{lesson}",
            get(lesson),
        )
        .route(
            "/api/v1/training/packs/{pack}/lessons/{lesson}/quiz",
            post(quiz),
        )
        .route("/api/v1/training/drills", post(start_drill))
        .route("/api/v1/training/drills/{run}/act", post(act))
        .route("/api/v1/training/certificates", get(certificates))
        .route("/api/v1/training/trainees", get(trainees))
        .route("/api/v1/training/cohorts", get(cohorts).post(create_cohort))
        .route(
            "/api/v1/training/cohorts/{id}",
            axum::routing::put(update_cohort),
        )
        .route("/api/v1/training/cohorts/{id}/assignments", post(assign))
        .route("/api/v1/training/dashboard", get(dashboard))
        .route("/api/v1/training/dashboard.csv", get(dashboard_csv))
        .route("/api/v1/training/live", post(live_start))
        .route("/api/v1/training/live/join", post(live_join))
        .route("/api/v1/training/live/{id}", get(live_view))
        .route("/api/v1/training/live/{id}/control", post(live_control))
        .route("/api/v1/training/live/{id}/answer", post(live_answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageQuery {
    language: Option<TrainingLanguage>,
    #[serde(default)]
    preview: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CohortQuery {
    cohort: Option<CohortId>,
    /// The language of lesson titles (English by default).
    language: Option<TrainingLanguage>,
}

fn query<T>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiFailure> {
    q.map(|Query(q)| q).map_err(|_| {
        ApiFailure(rampart_protocol::rest::ApiError::new(
            rampart_protocol::rest::ApiErrorCode::Malformed,
            "the query string is not what this endpoint takes",
        ))
    })
}

fn id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiFailure> {
    raw.parse()
        .map_err(|_| ApiFailure::from(TrainingError::NotFound("no such id")))
}

async fn overview(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    q: Result<Query<LanguageQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer<TrainingOverview> {
    let q = query(q)?;
    let lang = q.language.unwrap_or(TrainingLanguage::En);
    Ok(Json(api.training.overview(&authed.agent, lang).await?))
}

async fn lesson(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    Path((pack, lesson)): Path<(String, String)>,
    q: Result<Query<LanguageQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer<LessonView> {
    let q = query(q)?;
    let lang = q.language.unwrap_or(TrainingLanguage::En);
    Ok(Json(
        api.training
            .lesson(&authed.agent, &pack, &lesson, lang, q.preview)
            .await?,
    ))
}

async fn quiz(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    Path((pack, lesson)): Path<(String, String)>,
    body: Result<Json<QuizSubmission>, JsonRejection>,
) -> Answer<QuizResult> {
    let Json(submission) = body?;
    Ok(Json(
        api.training
            .submit_quiz(&authed.agent, &pack, &lesson, &submission, Some(ip))
            .await?,
    ))
}

async fn start_drill(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    body: Result<Json<DrillStart>, JsonRejection>,
) -> Answer<DrillTurn> {
    let Json(start) = body?;
    Ok(Json(api.training.start_drill(&authed.agent, &start).await?))
}

async fn act(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    Path(run): Path<String>,
    body: Result<Json<DrillAct>, JsonRejection>,
) -> Answer<DrillTurn> {
    let run: DrillRunId = id(&run)?;
    let Json(act) = body?;
    Ok(Json(
        api.training
            .act_drill(&authed.agent, run, &act, Some(ip))
            .await?,
    ))
}

async fn certificates(
    State(api): State<Api>,
    Authed(authed, _): Authed,
) -> Answer<Vec<Certificate>> {
    Ok(Json(api.training.certificates(&authed).await?))
}

async fn packs(State(api): State<Api>, Authed(authed, _): Authed) -> Answer<Vec<PackSummary>> {
    Ok(Json(api.training.packs(&authed.agent).await?))
}

/// A signed-in trainer or admin. As an extractor it runs before the body is read, so the large
/// pack-upload limit serves trainers only: anyone else is refused without the hub reading or
/// parsing what they sent.
struct TrainerAuthed(crate::login::Authenticated);

impl axum::extract::FromRequestParts<Api> for TrainerAuthed {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        api: &Api,
    ) -> Result<Self, Self::Rejection> {
        let Authed(authed, _) = Authed::from_request_parts(parts, api).await?;
        if !super::is_trainer(authed.agent.role) {
            return Err(TrainingError::Forbidden("only trainers and admins may do this").into());
        }
        Ok(Self(authed))
    }
}

async fn import(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    TrainerAuthed(authed): TrainerAuthed,
    body: Result<Json<PackUpload>, JsonRejection>,
) -> Answer<PackSummary> {
    let Json(upload) = body?;
    Ok(Json(
        api.training.import_pack(&authed, &upload, Some(ip)).await?,
    ))
}

async fn trainees(State(api): State<Api>, Authed(authed, _): Authed) -> Answer<Vec<Trainee>> {
    Ok(Json(api.training.trainees(&authed).await?))
}

async fn cohorts(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    q: Result<Query<CohortQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer<Vec<Cohort>> {
    let q = query(q)?;
    let mut cohorts = api.training.cohorts(&authed).await?;
    if let Some(lang) = q.language {
        for cohort in &mut cohorts {
            let mut refs: Vec<_> = cohort
                .assignments
                .iter()
                .map(|a| a.lesson.clone())
                .collect();
            api.training.localise(&mut refs, lang).await?;
            for (assignment, lesson) in cohort.assignments.iter_mut().zip(refs) {
                assignment.lesson = lesson;
            }
        }
    }
    Ok(Json(cohorts))
}

async fn create_cohort(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<CohortRequest>, JsonRejection>,
) -> Answer<Cohort> {
    let Json(request) = body?;
    Ok(Json(
        api.training
            .save_cohort(&authed, None, &request, Some(ip))
            .await?,
    ))
}

async fn update_cohort(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    Path(cohort): Path<String>,
    body: Result<Json<CohortRequest>, JsonRejection>,
) -> Answer<Cohort> {
    let cohort: CohortId = id(&cohort)?;
    let Json(request) = body?;
    Ok(Json(
        api.training
            .save_cohort(&authed, Some(cohort), &request, Some(ip))
            .await?,
    ))
}

async fn assign(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    Path(cohort): Path<String>,
    body: Result<Json<AssignmentRequest>, JsonRejection>,
) -> Answer<Cohort> {
    let cohort: CohortId = id(&cohort)?;
    let Json(request) = body?;
    Ok(Json(
        api.training
            .assign(&authed, cohort, &request, Some(ip))
            .await?,
    ))
}

async fn dashboard(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    q: Result<Query<CohortQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer<Dashboard> {
    let q = query(q)?;
    let mut dashboard = api.training.dashboard(&authed, q.cohort).await?;
    if let Some(lang) = q.language {
        api.training.localise(&mut dashboard.lessons, lang).await?;
    }
    Ok(Json(dashboard))
}

async fn dashboard_csv(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    q: Result<Query<CohortQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiFailure> {
    let q = query(q)?;
    let csv = api
        .training
        .dashboard_csv(&authed, q.cohort, q.language, Some(ip))
        .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"training-dashboard.csv\"",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        csv,
    )
        .into_response())
}

async fn live_start(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    body: Result<Json<LiveStart>, JsonRejection>,
) -> Answer<LiveSession> {
    let Json(start) = body?;
    Ok(Json(
        api.training.live_start(&authed, &start, Some(ip)).await?,
    ))
}

async fn live_join(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    body: Result<Json<LiveJoin>, JsonRejection>,
) -> Answer<LiveSession> {
    let Json(join) = body?;
    Ok(Json(api.training.live_join(&authed, &join).await?))
}

async fn live_view(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    Path(session): Path<String>,
) -> Answer<LiveSession> {
    let session: LiveSessionId =
        id(&session).map_err(|_| ApiFailure::from(TrainingError::LiveNotFound))?;
    Ok(Json(api.training.live_view(&authed.agent, session)?))
}

async fn live_control(
    State(api): State<Api>,
    ClientIp(ip): ClientIp,
    Authed(authed, _): Authed,
    Path(session): Path<String>,
    body: Result<Json<LiveControl>, JsonRejection>,
) -> Answer<LiveSession> {
    let session: LiveSessionId =
        id(&session).map_err(|_| ApiFailure::from(TrainingError::LiveNotFound))?;
    let Json(control) = body?;
    Ok(Json(
        api.training
            .live_control(&authed.agent, session, &control, Some(ip))
            .await?,
    ))
}

async fn live_answer(
    State(api): State<Api>,
    Authed(authed, _): Authed,
    Path(session): Path<String>,
    body: Result<Json<LiveAnswer>, JsonRejection>,
) -> Answer<LiveSession> {
    let session: LiveSessionId =
        id(&session).map_err(|_| ApiFailure::from(TrainingError::LiveNotFound))?;
    let Json(answer) = body?;
    Ok(Json(api.training.live_answer(
        &authed.agent,
        session,
        &answer,
    )?))
}
