//! `/api/v1/surveys/…` and `/api/v1/resident/surveys/…`: survey rounds (安全感 / 满意度测评) —
//! drafted from a questionnaire, opened with quotas, answered online, at the door and by
//! telephone, closed, published; their results with margins, and their sheet.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::residents::CurrentResident;
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::surveys::spec::{
    AnswerValue, HeadlineSpec, QuestionSpec, SurveyPurpose, SurveySpec,
};
use crate::usecase::surveys::{self as uc, SurveyResults};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::survey::Mode;
use zhili_domain::{time, ErrorCode, RegionCode};
use zhili_store::SurveyRecord;

#[derive(Serialize, ToSchema)]
pub struct SurveyView {
    pub id: i64,
    pub title: String,
    pub purpose: SurveyPurpose,
    pub intro: String,
    pub anonymous: bool,
    pub sample_size: i64,
    pub region_code: String,
    pub region_name: String,
    /// draft, open, closed or published
    pub state: String,
    pub state_label: String,
    pub created_by: String,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    pub published_at: Option<String>,
    pub questions: Vec<QuestionSpec>,
    pub headline: HeadlineSpec,
}

fn view(state: &AppState, s: SurveyRecord) -> SurveyView {
    let region_name = state
        .index()
        .names
        .get(s.survey.region_code.as_str())
        .cloned()
        .unwrap_or_default();
    SurveyView {
        id: s.id,
        questions: uc::spec::question_specs(&s.survey.questionnaire),
        headline: uc::spec::headline_spec(&s.survey.headline),
        title: s.survey.title,
        purpose: SurveyPurpose::parse(&s.survey.purpose),
        intro: s.survey.intro,
        anonymous: s.survey.anonymous,
        sample_size: s.survey.sample_size,
        region_code: s.survey.region_code.to_string(),
        region_name,
        state: s.state.as_str().into(),
        state_label: s.state.label().into(),
        created_by: s.created_by,
        created_at: time::rfc3339(s.created_at),
        opened_at: s.opened_at.map(time::rfc3339),
        closed_at: s.closed_at.map(time::rfc3339),
        published_at: s.published_at.map(time::rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SurveyTemplate {
    /// security or satisfaction
    pub key: String,
    pub survey: SurveySpec,
}

#[utoipa::path(get, path = "/api/v1/survey-templates", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [SurveyTemplate], description = "the shipped questionnaires a round starts from")))]
pub async fn templates(
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<SurveyTemplate>>> {
    Ok(axum::Json(
        uc::spec::templates()
            .into_iter()
            .map(|(key, survey)| SurveyTemplate { key, survey })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [SurveyView], description = "every round, newest first"),
              (status = 403, body = super::error::ErrorBody, description = "administrators have no part in surveys")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<SurveyView>>> {
    let all = uc::list(&state, &user.user).await?;
    Ok(axum::Json(
        all.into_iter().map(|s| view(&state, s)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = SurveySpec, security(("bearer" = [])),
    responses((status = 201, body = SurveyView, description = "drafted"),
              (status = 403, body = super::error::ErrorBody, description = "rounds are the district centre's"),
              (status = 422, body = super::error::ErrorBody, description = "every problem of the questionnaire with its field")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<SurveySpec>,
) -> ApiResult<(StatusCode, axum::Json<SurveyView>)> {
    let s = uc::create(&state, &user.user, b).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, s))))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = SurveyView), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn one(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<SurveyView>> {
    Ok(axum::Json(view(
        &state,
        uc::get(&state, &user.user, id).await?,
    )))
}

macro_rules! step_handler {
    ($name:ident, $path:literal, $said:literal, $call:path) => {
        #[utoipa::path(post, path = $path, tag = "surveys", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
            responses((status = 200, body = SurveyView, description = $said),
                      (status = 403, body = super::error::ErrorBody, description = "rounds are the district centre's"),
                      (status = 404, body = super::error::ErrorBody),
                      (status = 409, body = super::error::ErrorBody, description = "invalid_transition: not the round's next step (or no registered population to sample); conflict: another moved it first")))]
        pub async fn $name(
            State(state): State<Arc<AppState>>,
            user: CurrentUser,
            Path(id): Path<i64>,
        ) -> ApiResult<axum::Json<SurveyView>> {
            Ok(axum::Json(view(&state, $call(&state, &user.user, id).await?)))
        }
    };
}

step_handler!(
    open,
    "/api/v1/surveys/{id}/opening",
    "open: the sample split over the grids by registered population",
    uc::open
);
step_handler!(
    close,
    "/api/v1/surveys/{id}/closing",
    "closed: no more answers",
    uc::close
);
step_handler!(
    publish,
    "/api/v1/surveys/{id}/publication",
    "published: the results frozen and shown to residents",
    uc::publish
);

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// The area (the caller's own when absent): its figure and those one level down.
    #[param(pattern = "^[0-9]{6}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?$")]
    pub region_code: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", params(("id" = i64, Path, minimum = 1), ResultsQuery), security(("bearer" = [])),
    responses((status = 200, body = SurveyResults, description = "weighted by the registered population, with 95 % margins and warnings under thirty answers"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody, description = "no such round, or an area outside the caller's")))]
pub async fn results(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> ApiResult<axum::Json<SurveyResults>> {
    let region = q
        .region_code
        .as_deref()
        .map(|c| {
            RegionCode::parse(c).map_err(|_| {
                ApiError::field(ErrorCode::InvalidParameter, "region_code", "a region code")
            })
        })
        .transpose()?;
    Ok(axum::Json(
        uc::results(&state, &user.user, id, region).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/export", tag = "surveys", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, description = "every answer under columns fixed by the questionnaire, and the results by area (.xlsx); recorded",
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = super::error::ErrorBody, description = "the sheet is the district and town centres'"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (name, bytes) = uc::export(&state, &user.user, id).await?;
    Ok(super::download::xlsx("survey.xlsx", &name, bytes))
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum InPersonMode {
    /// 入户: a grid worker or village station at the door.
    Door,
    /// 电话: the desk.
    Phone,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InPersonAnswerBody {
    pub mode: InPersonMode,
    /// The registered person answering (one answer each).
    #[schema(minimum = 1)]
    pub person_id: i64,
    /// By question key: an option's key or the text, the keys chosen, the number.
    pub answers: BTreeMap<String, AnswerValue>,
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/answers", tag = "surveys", params(("id" = i64, Path, minimum = 1)), request_body = InPersonAnswerBody, security(("bearer" = [])),
    responses((status = 204, description = "kept (anonymously when the round is)"),
              (status = 403, body = super::error::ErrorBody, description = "door answers are the grid workers' and stations', telephone ones the desk's"),
              (status = 404, body = super::error::ErrorBody, description = "no such round, or a person outside the caller's area"),
              (status = 409, body = super::error::ErrorBody, description = "the person answered already, or the round is not open"),
              (status = 422, body = super::error::ErrorBody, description = "every problem of the sheet with its question")))]
pub async fn answer(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<InPersonAnswerBody>,
) -> ApiResult<StatusCode> {
    let mode = match b.mode {
        InPersonMode::Door => Mode::Door,
        InPersonMode::Phone => Mode::Phone,
    };
    uc::answer_for(&state, &user.user, id, mode, b.person_id, &b.answers).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DrawnRespondent {
    pub person_id: i64,
    pub name: String,
    pub grid_code: String,
    pub grid_name: String,
    /// The number to call, in full (the draw is recorded).
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct DrawView {
    /// None when everyone with a phone in the grids behind their quota has answered.
    pub respondent: Option<DrawnRespondent>,
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/draw", tag = "surveys", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = DrawView, description = "someone to call from the grid furthest behind its quota (charged to the lookup budget and recorded)"),
              (status = 403, body = super::error::ErrorBody, description = "telephone interviews are the desk's"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "the round is not open"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the operator's lookups for the day are spent")))]
pub async fn draw(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<DrawView>> {
    let drawn = uc::draw(&state, &user.user, id).await?;
    let names = &state.index().names;
    Ok(axum::Json(DrawView {
        respondent: drawn.map(|d| DrawnRespondent {
            grid_name: names.get(&d.grid_code).cloned().unwrap_or_default(),
            person_id: d.person_id,
            name: d.name,
            grid_code: d.grid_code,
            phone: d.phone,
        }),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ResidentSurveyView {
    pub survey: SurveyView,
    /// They answered it already.
    pub answered: bool,
    /// The results as published (a published round only).
    pub results: Option<SurveyResults>,
}

fn resident_view(state: &AppState, x: uc::ResidentSurvey) -> ApiResult<ResidentSurveyView> {
    let results = x
        .survey
        .results
        .as_deref()
        .map(serde_json::from_str::<SurveyResults>)
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("unreadable results: {e}")))?;
    Ok(ResidentSurveyView {
        survey: view(state, x.survey),
        answered: x.answered,
        results,
    })
}

#[utoipa::path(get, path = "/api/v1/resident/surveys", tag = "residents", security(("resident" = [])),
    responses((status = 200, body = [ResidentSurveyView], description = "the open rounds of their area to answer and the published ones to read (none before they link themselves)")))]
pub async fn resident_list(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<ResidentSurveyView>>> {
    let all = uc::for_resident(&state, &r.resident).await?;
    Ok(axum::Json(
        all.into_iter()
            .map(|x| resident_view(&state, x))
            .collect::<ApiResult<_>>()?,
    ))
}

#[utoipa::path(get, path = "/api/v1/resident/surveys/{id}", tag = "residents", params(("id" = i64, Path, minimum = 1)), security(("resident" = [])),
    responses((status = 200, body = ResidentSurveyView), (status = 404, body = super::error::ErrorBody)))]
pub async fn resident_one(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResidentSurveyView>> {
    let x = uc::one_for_resident(&state, &r.resident, id).await?;
    Ok(axum::Json(resident_view(&state, x)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentAnswerBody {
    /// By question key: an option's key or the text, the keys chosen, the number.
    pub answers: BTreeMap<String, AnswerValue>,
}

#[utoipa::path(post, path = "/api/v1/resident/surveys/{id}/answers", tag = "residents", params(("id" = i64, Path, minimum = 1)), request_body = ResidentAnswerBody, security(("resident" = [])),
    responses((status = 204, description = "kept (anonymously when the round is)"),
              (status = 403, body = super::error::ErrorBody, description = "only residents linked to their registered person take part"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "answered already (online, at the door or by telephone), or the round is not open"),
              (status = 422, body = super::error::ErrorBody, description = "every problem of the sheet with its question")))]
pub async fn resident_answer(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
    Json(b): Json<ResidentAnswerBody>,
) -> ApiResult<StatusCode> {
    uc::answer_online(&state, &r.resident, id, &b.answers).await?;
    Ok(StatusCode::NO_CONTENT)
}
